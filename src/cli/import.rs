//! Printing for `nianbao import`: the summary, what to review, and the check results.

use crate::diagnostics::{Style, render_text, summary_line};
use crate::import::{self, Options};
use anyhow::Result;
use std::path::Path;

pub fn run(root: &Path, opts: &Options) -> Result<i32> {
    let out = import::import(root, opts)?;
    for line in &out.summary {
        println!("{line}");
    }
    if out.cells.0 > 0 {
        println!(
            "国家格式统计表：共 {} 格，从原文取得 {} 格",
            out.cells.0, out.cells.1
        );
    }
    if !out.review.is_empty() {
        println!("需要核对：");
        for r in &out.review {
            println!("  - {r}");
        }
    }
    for f in &out.files {
        if opts.dry_run {
            println!("将写入 {}（--dry-run：未写入）", f.display());
        } else {
            println!("已写入 {}", f.display());
        }
    }
    println!("检查结果（与 nianbao check 相同）：");
    eprint!("{}", render_text(&out.diagnostics, Style::for_stderr()));
    eprintln!("{}", summary_line(&out.diagnostics, 1));
    Ok(0)
}
