//! The command line: clap definitions and dispatch. Nothing else knows about argv.

use crate::build;
use crate::diagnostics::{Style, render_json, render_text, summary_line};
use crate::render::RenderOptions;
use crate::serve::{self, ServeOptions};
use anyhow::{Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

mod site_ops;
pub mod ui;

use ui::{Ui, Verbosity};
mod import;
mod summary;

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

    /// 只显示错误. Errors only.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// 显示每一步的细节. Every item of long work, and details.
    #[arg(long, short, global = true)]
    pub verbose: bool,

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
    /// 新建站点：site.toml（每项有中文说明）、一个机关和今年的报告. Create a new site, ready to serve.
    Init {
        /// 新站点的文件夹（不存在时创建），默认为 --root. Folder of the new site.
        dir: Option<PathBuf>,
        /// 机关文件夹名（出现在网址中）. Organisation folder name.
        #[arg(long, default_value = "jiguan")]
        org: String,
        /// 机关全称，如「寺下镇人民政府」. The organisation's full name.
        #[arg(long)]
        name: Option<String>,
        /// 报告年份，默认为今年. Report year (default: this year).
        #[arg(long)]
        year: Option<u16>,
    },
    /// 把生成的网站部署到网站根目录：先复制到暂存文件夹并校验，再逐个改名换上，可撤回. Deploy the built site into a web root.
    Deploy {
        /// 网站根目录（本机文件夹或已挂载的共享文件夹）. The web root.
        target: PathBuf,
        /// 撤回最近一次部署，恢复上一版本. Restore the version before the last deploy.
        #[arg(long, conflicts_with_all = ["prune", "from"])]
        rollback: bool,
        /// 同时移除目标中不是 nianbao 部署的文件（可用 --rollback 找回）. Also remove files nianbao did not put there.
        #[arg(long)]
        prune: bool,
        /// 要部署的网站，默认 <root>/output. The built site to deploy.
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
    },
    /// 按 SHA256SUMS 校验网站副本，列出被改动、缺少和多出的文件. Compare a copy with its SHA256SUMS.
    Verify {
        /// 要校验的文件夹（含 SHA256SUMS）. The folder to check.
        dir: PathBuf,
    },
    /// 把生成的网站打成一个 zip（内含 SHA256SUMS，内容相同则字节相同）. The built site as one deterministic zip.
    Package {
        /// zip 文件的位置，默认 <root>/site.zip. Where to write the zip.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// 要打包的网站，默认 <root>/output. The built site to package.
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
    },
    /// 输出命令补全脚本（bash、zsh、fish、powershell、elvish）. Print a shell completion script.
    Completions {
        /// bash | zsh | fish | powershell | elvish
        shell: clap_complete::Shell,
    },
    /// 汇总各机关某年的统计表（表二、三、四），可作本级政府报告的 tables.toml. Sum the organisations' tables.
    Summary {
        /// 年份，如 2024. Report year.
        year: u16,
        /// 要汇总的机关文件夹名，逗号分隔；默认为除本级政府外的全部机关. Organisations, comma-separated.
        #[arg(long, value_name = "A,B,…", conflicts_with = "kind")]
        orgs: Option<String>,
        /// 只汇总这一类机关，如 部门、乡镇（街道）. Only organisations of this kind.
        #[arg(long, value_name = "K")]
        kind: Option<String>,
        /// 输出格式. Output format.
        #[arg(long, value_enum, default_value_t = summary::Format::Md)]
        format: summary::Format,
        /// 写入文件（默认输出到屏幕）. Write to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// 输出 man 手册页（roff 格式），如 nianbao man > nianbao.1. Print the man page (roff).
    Man,
    /// 从已发布的 Word（.docx）或网页（.html）导入一份报告到 content/. Import a published report.
    Import {
        /// 要导入的文件（.docx、.html 或 .htm）. The file to import.
        file: PathBuf,
        /// 机关文件夹名，如 sixia. Organisation folder name.
        #[arg(long)]
        org: String,
        /// 年份，如 2024. Report year.
        #[arg(long)]
        year: u16,
        /// 标为存档报告（archived = true：按原样发布，数据不符只作警告）. Mark as archived.
        #[arg(long)]
        archived: bool,
        /// 只显示识别结果和检查结果，不写入文件. Recognise and check, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// 覆盖已有的 report.md 和 tables.toml. Overwrite an existing report.
        #[arg(long)]
        force: bool,
    },
}

impl Command {
    /// Whether the command works on an existing site folder (`--root`).
    pub fn needs_site(&self) -> bool {
        !matches!(
            self,
            Command::Init { .. }
                | Command::Verify { .. }
                | Command::Completions { .. }
                | Command::Man
                | Command::Deploy { rollback: true, .. }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

/// Run a parsed command line. Returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let root = cli.root;
    let ui = Ui {
        verbosity: if cli.quiet {
            Verbosity::Quiet
        } else if cli.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        },
    };
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
            let started = std::time::Instant::now();
            crate::progress::phase_done("build started");
            let target = output.unwrap_or_else(|| build::default_output(&root));
            let opts = RenderOptions {
                base_url,
                no_downloads,
                download_cache: Some(build::inputs::cache_dir(&root).join("downloads")),
                ..RenderOptions::default()
            };
            // the hashes of the site's files, kept between builds: only the files whose
            // status changed since are read to tell whether anything changed
            let hashes_path = build::inputs::hashes_path(&root);
            let mut hashes = build::hashes::FileHashes::load(&hashes_path);
            let (inputs, unchanged) = build::inputs::unchanged(&root, &target, &opts, &mut hashes);
            crate::progress::phase_done("inputs fingerprinted");
            if unchanged {
                hashes.save(&hashes_path);
                ui.info(format!("没有变化，{} 未改动", target.display()));
                return Ok(0);
            }
            let checked = build::load_and_check_kept(&root);
            crate::progress::phase_done("checked");
            print_diagnostics(&checked, ui);
            ui.detail(format!("读取和检查：{}", ui::seconds(started.elapsed())));
            let Some(site) = checked.site.as_ref().filter(|_| !checked.has_errors()) else {
                hashes.save(&hashes_path);
                eprintln!("生成已停止：请先改正上面的错误。output/ 保持不变。");
                return Ok(1);
            };
            build::inputs::forget(&root, &target);
            // remembered only when the sources did not change during the build
            let fingerprinted = inputs.as_deref().map(|fingerprint| build::Fingerprinted {
                fingerprint,
                hashes: &mut hashes,
            });
            let written = build::render_and_write_with_progress(
                site,
                &opts,
                &target,
                &ui.progress(),
                fingerprinted,
            );
            hashes.save(&hashes_path);
            let w = written?;
            ui.detail(format!(
                "重新生成 {} 个页面，沿用上次生成的 {} 个",
                w.rendered, w.reused
            ));
            let n = w.files;
            ui.info(format!(
                "已生成 {} 份报告、{n} 个文件到 {}（用时 {}）",
                site.reports.len(),
                target.display(),
                ui::seconds(started.elapsed())
            ));
            crate::progress::phase_done("done");
            build::release(checked);
            Ok(0)
        }
        Command::Check { format } => {
            let checked = build::load_and_check_kept(&root);
            match format {
                CheckFormat::Json => println!("{}", render_json(&checked.diagnostics)),
                CheckFormat::Text => print_diagnostics(&checked, ui),
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
                ui.info(format!("已创建 {}", f.display()));
            }
            if let Some(y) = created.from {
                ui.info(format!(
                    "已从 {y} 年的报告复制正文，统计表已清零，「二、上年结转」和「现行有效件数」按 {y} 年数据填好。"
                ));
            }
            if created.org_created {
                ui.info("提示：请在 org.toml 中填写机关全称（name）等信息。");
            }
            Ok(0)
        }
        Command::Init {
            dir,
            org,
            name,
            year,
        } => site_ops::init(ui, &dir.unwrap_or(root), org, name, year),
        Command::Deploy {
            target,
            rollback,
            prune,
            from,
        } => site_ops::deploy(ui, &root, &target, from, rollback, prune),
        Command::Verify { dir } => site_ops::verify(ui, &dir),
        Command::Package { output, from } => site_ops::package(ui, &root, from, output),
        Command::Completions { shell } => {
            site_ops::print_bytes(&site_ops::completions(shell))?;
            Ok(0)
        }
        Command::Man => {
            site_ops::print_bytes(&site_ops::man()?)?;
            Ok(0)
        }
        Command::Summary {
            year,
            orgs,
            kind,
            format,
            output,
        } => summary::run(&root, year, orgs, kind, format, output),
        Command::Import {
            file,
            org,
            year,
            archived,
            dry_run,
            force,
        } => import::run(
            &root,
            &crate::import::Options {
                file,
                org,
                year,
                archived,
                dry_run,
                force,
            },
        ),
    }
}

/// Diagnostics on stderr; `--quiet` keeps the errors only and drops the summary line.
fn print_diagnostics(checked: &build::Checked, ui: Ui) {
    let style = Style::for_stderr();
    if ui.quiet() {
        let errors: crate::diagnostics::Diagnostics = checked
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::diagnostics::Severity::Error)
            .cloned()
            .collect();
        eprint!("{}", render_text(&errors, style));
        return;
    }
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
    if cli.command.needs_site() && !cli.root.exists() {
        bail!("站点文件夹不存在：{}", cli.root.display());
    }
    run(cli)
}
