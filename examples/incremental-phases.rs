//! The preview's incremental rebuild, phase by phase, in-process (no watcher, no HTTP):
//! `cargo run --release --example incremental-phases -- SITE [ROUNDS] [tables]`
//! (`tables`: edit the report's tables.toml, a comment line appended, instead of report.md).
//!
//! Copies nothing: edits SITE's first report.md in place (appends a line, restored at the end),
//! then each round: load + check with the load cache, render with the render memo, the
//! in-memory site. Prints the median and minimum of each phase over ROUNDS (default 15);
//! the minimum is the figure least disturbed by other work on a shared machine.

mod common;

use common::first_report;
use nianbao::build;
use nianbao::output::MemorySite;
use nianbao::render::{RenderMemo, RenderOptions};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn stats(name: &str, mut v: Vec<Duration>) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<22} median {:>7.1} ms   min {:>7.1} ms",
        ms(v[v.len() / 2]),
        ms(v[0])
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(15);
    let tables = args.next().is_some_and(|a| a == "tables");
    let mut md = first_report(&root.join("content")).expect("a report.md");
    if tables {
        md = md.with_file_name("tables.toml");
    }
    let original = std::fs::read_to_string(&md).expect("read the edited file");
    let opts = RenderOptions {
        no_downloads: true,
        ..RenderOptions::default()
    };
    let mut loads = build::Caches::default();
    let mut memo = RenderMemo::default();
    let t = Instant::now();
    let checked = build::load_and_check_cached(&root, &mut loads);
    let site = checked.site.expect("site");
    let files = build::render_incremental(&site, &opts, &mut memo).expect("render");
    println!(
        "first generation: {} reports, {} files, {:.1} ms",
        site.reports.len(),
        files.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    let (mut load, mut render, mut memory, mut total) = (vec![], vec![], vec![], vec![]);
    for i in 0..rounds {
        let edit = if tables {
            format!("{original}\n# 第 {i} 次修改（基准测试）\n")
        } else {
            format!("{original}\n第 {i} 次修改（基准测试）。\n")
        };
        std::fs::write(&md, edit).unwrap();
        let t0 = Instant::now();
        let checked = build::load_and_check_cached(&root, &mut loads);
        let site = checked.site.expect("site");
        let t1 = Instant::now();
        let files = build::render_incremental(&site, &opts, &mut memo).expect("render");
        let t2 = Instant::now();
        let pages = MemorySite::new(files);
        let t3 = Instant::now();
        if !tables {
            assert_eq!(memo.rendered, 2, "the page and the search index re-made");
        }
        load.push(t1 - t0);
        render.push(t2 - t1);
        memory.push(t3 - t2);
        total.push(t3 - t0);
        drop(pages);
    }
    std::fs::write(&md, &original).unwrap();
    stats("load + check", load);
    stats("render (memoised)", render);
    stats("in-memory site", memory);
    stats("total", total);
}
