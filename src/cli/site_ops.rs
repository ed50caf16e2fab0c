//! Glue for `init`, `deploy`, `verify`, `package`, `completions` and `man`: arguments in,
//! messages out. The work is done in `scaffold::init` and `deploy`.

use super::ui::{Ui, seconds};
use crate::deploy;
use crate::scaffold::init::{InitOptions, current_year, init_site};
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn init(
    ui: Ui,
    dir: &Path,
    org: String,
    name: Option<String>,
    year: Option<u16>,
) -> Result<i32> {
    let opts = InitOptions {
        org,
        org_name: name,
        year: year.unwrap_or_else(current_year),
    };
    let done = init_site(dir, &opts)?;
    ui.info(format!("已创建 {}", done.site_toml.display()));
    for f in &done.report.files {
        ui.info(format!("已创建 {}", f.display()));
    }
    let cd = if dir == Path::new(".") {
        String::new()
    } else {
        format!("cd \"{}\" 后", dir.display())
    };
    ui.info(format!(
        "新站点已就绪。{cd}运行 nianbao serve 预览；先在 site.toml 中填写站点标题和政府网站信息，在 content/{}/org.toml 中填写机关全称。",
        opts.org
    ));
    Ok(0)
}

/// The built site that deploy and package take: `--from`, else `<root>/output`.
fn source(root: &Path, from: Option<PathBuf>) -> PathBuf {
    from.unwrap_or_else(|| crate::build::default_output(root))
}

pub fn deploy(
    ui: Ui,
    root: &Path,
    target: &Path,
    from: Option<PathBuf>,
    rollback: bool,
    prune: bool,
) -> Result<i32> {
    let started = Instant::now();
    let progress = ui.progress();
    if rollback {
        let r = deploy::rollback(target, &progress)?;
        ui.info(format!(
            "已恢复上一版本：恢复 {} 个文件，删除 {} 个本次部署新增的文件（{}）。可运行 nianbao verify {} 核对",
            r.restored,
            r.removed,
            seconds(started.elapsed()),
            target.display()
        ));
        return Ok(0);
    }
    let src = source(root, from);
    let r = deploy::deploy(&src, target, prune, &progress)?;
    for p in &r.removed {
        ui.detail(format!("已移除（保存在上一版本中）：{p}"));
    }
    for p in &r.foreign {
        ui.detail(format!("保留（不是 nianbao 部署的）：{p}"));
    }
    ui.info(format!(
        "已部署到 {}：新增 {} 个、更新 {} 个、未变 {} 个、移除 {} 个文件，{} 个文件校验无误（{}）",
        target.display(),
        r.added.len(),
        r.replaced.len(),
        r.unchanged,
        r.removed.len(),
        r.verified,
        seconds(started.elapsed())
    ));
    if !r.foreign.is_empty() {
        ui.info(format!(
            "目标中另有 {} 个不是 nianbao 部署的文件，未做改动（--prune 可移除它们；--verbose 列出）",
            r.foreign.len()
        ));
    }
    ui.info("如需撤回本次部署：nianbao deploy --rollback <同一目标文件夹>");
    Ok(0)
}

pub fn verify(ui: Ui, dir: &Path) -> Result<i32> {
    let started = Instant::now();
    let r = deploy::verify(dir, &ui.progress())?;
    // the list goes to stdout in any case: it is the command's result
    for p in &r.changed {
        println!("changed: {p}");
    }
    for p in &r.missing {
        println!("missing: {p}");
    }
    for p in &r.unexpected {
        println!("unexpected: {p}");
    }
    let summary = format!(
        "校验 {} 个文件：{} 个被改动（changed），{} 个缺少（missing），{} 个多出（unexpected）（{}）",
        r.checked,
        r.changed.len(),
        r.missing.len(),
        r.unexpected.len(),
        seconds(started.elapsed())
    );
    if r.is_clean() {
        ui.info(format!("{summary}。与 SHA256SUMS 完全一致。"));
        Ok(0)
    } else {
        eprintln!("{summary}。与 SHA256SUMS 不一致。");
        Ok(1)
    }
}

pub fn package(ui: Ui, root: &Path, from: Option<PathBuf>, output: Option<PathBuf>) -> Result<i32> {
    let started = Instant::now();
    let src = source(root, from);
    let zip = output.unwrap_or_else(|| root.join("site.zip"));
    let r = deploy::package(&src, &zip, &ui.progress())?;
    ui.info(format!(
        "已打包 {} 个文件到 {}（{} 字节，内含 SHA256SUMS；{}）",
        r.files,
        zip.display(),
        r.bytes,
        seconds(started.elapsed())
    ));
    Ok(0)
}

/// The shell completion script for `shell`, generated from the command-line definition.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = <super::Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "nianbao", &mut out);
    out
}

/// The man page (roff), generated from the command-line definition.
pub fn man() -> Result<Vec<u8>> {
    let cmd = <super::Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    Ok(out)
}

/// Write generated text to stdout; a closed pipe (`| head`) is not an error.
pub fn print_bytes(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    match std::io::stdout().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_and_man_page_come_from_the_cli_definition() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::PowerShell,
        ] {
            let text = String::from_utf8(completions(shell)).unwrap();
            for word in ["deploy", "verify", "package", "init", "prune", "rollback"] {
                assert!(text.contains(word), "{shell:?} lacks {word}");
            }
        }
        let man = String::from_utf8(man().unwrap()).unwrap();
        assert!(
            man.starts_with(".ie") || man.contains(".TH nianbao"),
            "{man}"
        );
        assert!(
            man.contains("deploy") && man.contains("\\-\\-quiet"),
            "{man}"
        );
    }
}
