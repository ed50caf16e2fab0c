//! The command line: clap definitions and dispatch. Nothing else knows about argv.

use crate::build;
use crate::diagnostics::{Style, render_json, render_text, summary_line};
use crate::render::RenderOptions;
use crate::serve::{self, ServeOptions};
use anyhow::{Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "nianbao",
    version,
    about = "政府信息公开工作年度报告网站生成器 — a static-site generator for government information-disclosure annual reports",
    long_about = None
)]
pub struct Cli {
    /// 站点文件夹（含 site.toml）；默认为当前文件夹. The site's folder (where site.toml is).
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 检查并生成整个网站到 output/（全部成功才替换）. Check, then build the whole site.
    Build {
        /// 输出文件夹，默认 <root>/output. Output folder.
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// 覆盖 site.toml 的 base_url（用于 sitemap、订阅源和 canonical 链接）. Overrides base_url.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// 不生成 PDF/Word/Excel/zip 下载文件. Skip the pdf/docx/xlsx/zip downloads.
        #[arg(long)]
        no_downloads: bool,
    },
    /// 检查所有文件与规则，不生成网站. Check every rule in every file.
    Check {
        /// 输出格式：text（默认）或 json. Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// 本地预览：生成到内存、监视修改、自动刷新浏览器. Build into memory, serve, rebuild on change.
    Serve {
        /// 监听地址，默认只允许本机访问. Address to bind.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// 端口；0 表示自动选择空闲端口. Port (0 picks a free one).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// 文件修改后等待多少毫秒再重新生成. Debounce window in milliseconds.
        #[arg(long, default_value_t = 200, value_name = "MS")]
        debounce: u64,
        /// 启动后在默认浏览器中打开预览. Open the preview in the default browser.
        #[arg(long)]
        open: bool,
        /// 定时轮询文件变化（网络驱动器、WSL 中使用）. Poll for changes (network drives, WSL).
        #[arg(long)]
        poll: bool,
    },
    /// 新建一份年度报告：有上一年报告时从它开始（正文照抄、表格清零、上年结转自动填好）. Scaffold a report.
    New {
        /// 机关文件夹名，如 sixia. Organisation folder name.
        org: String,
        /// 年份，如 2025. Report year.
        year: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

/// Run a parsed command line. Returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let root = cli.root;
    match cli.command {
        Command::Build {
            output,
            base_url,
            no_downloads,
        } => {
            if let Some(u) = &base_url
                && let Err(m) = crate::config::normalize_base_url(u)
            {
                bail!("--base-url {m}");
            }
            let target = output.unwrap_or_else(|| build::default_output(&root));
            let opts = RenderOptions {
                base_url,
                no_downloads,
                download_cache: Some(build::inputs::cache_dir(&root).join("downloads")),
            };
            let (inputs, unchanged) = build::inputs::unchanged(&root, &target, &opts);
            if unchanged {
                println!("没有变化，{} 未改动", target.display());
                return Ok(0);
            }
            let checked = build::load_and_check(&root);
            print_diagnostics(&checked);
            let Some(site) = checked.site.as_ref().filter(|_| !checked.has_errors()) else {
                eprintln!("生成已停止：请先改正上面的错误。output/ 保持不变。");
                return Ok(1);
            };
            build::inputs::forget(&root, &target);
            let n = build::render_and_write(site, &opts, &target)?;
            println!(
                "已生成 {} 份报告、{n} 个文件到 {}",
                site.reports.len(),
                target.display()
            );
            // remembered only when the sources did not change during the build
            if let Some(f) = inputs
                && build::inputs::fingerprint(&root, &opts).as_ref() == Some(&f)
            {
                build::inputs::remember(&root, &target, &f);
            }
            Ok(0)
        }
        Command::Check { format } => {
            let checked = build::load_and_check(&root);
            match format {
                CheckFormat::Json => println!("{}", render_json(&checked.diagnostics)),
                CheckFormat::Text => print_diagnostics(&checked),
            }
            Ok(i32::from(checked.has_errors()))
        }
        Command::Serve {
            bind,
            port,
            debounce,
            open,
            poll,
        } => {
            serve::run(
                &root,
                &ServeOptions {
                    bind,
                    port,
                    debounce: Duration::from_millis(debounce),
                    open,
                    poll,
                },
            )?;
            Ok(0)
        }
        Command::New { org, year } => {
            let created = crate::scaffold::new_report(&root, &org, year)?;
            for f in &created.files {
                println!("已创建 {}", f.display());
            }
            if let Some(y) = created.from {
                println!(
                    "已从 {y} 年的报告复制正文，统计表已清零，「二、上年结转」和「现行有效件数」按 {y} 年数据填好。"
                );
            }
            if created.org_created {
                println!("提示：请在 org.toml 中填写机关全称（name）等信息。");
            }
            Ok(0)
        }
    }
}

fn print_diagnostics(checked: &build::Checked) {
    let style = Style::for_stderr();
    eprint!("{}", render_text(&checked.diagnostics, style));
    eprintln!(
        "{}",
        summary_line(&checked.diagnostics, checked.report_count())
    );
}

/// For tests and embedding: parse argv and run.
pub fn main_with_args<I, T>(args: I) -> Result<i32>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::try_parse_from(args)?;
    if !cli.root.exists() {
        bail!("站点文件夹不存在：{}", cli.root.display());
    }
    run(cli)
}
