//! `nianbao summary`: argv glue around [`crate::summary`].

use crate::summary::write::{self, SummaryFormat};
use crate::summary::{self, Selection, SummaryError};
use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Md,
    Toml,
    Csv,
    Xlsx,
}

pub fn run(
    root: &Path,
    year: u16,
    orgs: Option<String>,
    kind: Option<String>,
    format: Format,
    output: Option<PathBuf>,
) -> Result<i32> {
    let loaded = crate::content::load_site(root);
    let Some(site) = loaded.site else {
        let style = crate::diagnostics::Style::for_stderr();
        eprint!(
            "{}",
            crate::diagnostics::render_text(&loaded.diagnostics, style)
        );
        bail!("站点无法读取");
    };
    if loaded.diagnostics.has_errors() {
        eprintln!("注意：站点有错误（运行 nianbao check 查看），无法读取的报告不在汇总之内。");
    }
    let selection = match (orgs, kind) {
        (Some(list), _) => Selection::Orgs(
            list.split([',', '，'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        (None, Some(k)) => Selection::Kind(k),
        (None, None) => Selection::AllButGovernment,
    };
    let format = match format {
        Format::Md => SummaryFormat::Markdown,
        Format::Toml => SummaryFormat::Toml,
        Format::Csv => SummaryFormat::Csv,
        Format::Xlsx => SummaryFormat::Xlsx,
    };
    if format == SummaryFormat::Xlsx && output.is_none() {
        bail!("Excel 格式需要用 --output 指定文件，如 --output 汇总.xlsx");
    }
    let result =
        summary::select(&site, &selection).and_then(|o| summary::summarize(&site, year, &o));
    let s = match result {
        Ok(s) => s,
        Err(e @ SummaryError::MixedFormats { .. }) => {
            eprintln!("error: {e}");
            return Ok(1);
        }
        Err(e) => bail!(e),
    };
    let bytes = write::render(&s, format)?;
    match output {
        Some(path) => {
            write_atomically(&path, &bytes)?;
            // the file states its coverage; say it here too
            for line in write::coverage(&s) {
                eprintln!("{line}");
            }
            eprintln!("已写入 {}", path.display());
        }
        None => std::io::stdout()
            .write_all(&bytes)
            .context("无法写到标准输出")?,
    }
    Ok(0)
}

/// Write through a temporary file in the same folder, renamed into place: never half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile_in(dir).with_context(|| format!("无法在 {} 中写文件", dir.display()))?;
    tmp.1
        .write_all(bytes)
        .and_then(|_| tmp.1.sync_all())
        .with_context(|| format!("无法写入 {}", path.display()))?;
    std::fs::rename(&tmp.0, path).with_context(|| format!("无法写入 {}", path.display()))?;
    Ok(())
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    for i in 0..100u32 {
        let p = dir.join(format!(".nianbao-summary-{}-{i}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("临时文件名都已被占用"))
}
