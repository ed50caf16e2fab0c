//! Cost per report of each download format:
//! `cargo run --release --example bench-downloads -- DIR [RUNS]` (DIR: a site, e.g. from gen-site).
//! Renders every report of the site RUNS times (default 3) with each exporter on one thread
//! and prints the median milliseconds per report. Record figures in BENCHMARKS.md.

use nianbao::export::{archive, csv, docx, json, pdf, xlsx};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(3);
    let site = nianbao::content::load_site(&root)
        .site
        .ok_or_else(|| anyhow::anyhow!("no site at {}", root.display()))?;
    let theme = nianbao::render::Theme::load(&root, &site.config.theme)?;
    let n = site.reports.len();
    let started = Instant::now();
    let engine = pdf::PdfEngine::new(
        theme
            .files
            .get("pdf/report.typ")
            .map(String::as_str)
            .unwrap_or_default(),
        &site.config.fonts,
    )?;
    println!(
        "{n} reports; PDF engine (fonts) set up in {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let style =
        docx::DocxStyle::from_theme(theme.files.get("docx/styles.toml").map(String::as_str))?
            .with_site_fonts(&site.config.fonts);
    let name = |r: &nianbao::content::Report| {
        site.org(&r.org)
            .map_or(r.org.clone(), |o| o.config.name.clone())
    };
    let time = |label: &str,
                f: &dyn Fn(&nianbao::content::Report) -> anyhow::Result<usize>|
     -> anyhow::Result<()> {
        let mut per_run = Vec::new();
        let mut bytes = 0;
        for _ in 0..runs {
            let t = Instant::now();
            bytes = 0;
            for r in &site.reports {
                bytes += f(r)?;
            }
            per_run.push(t.elapsed().as_secs_f64() * 1e3 / n as f64);
        }
        per_run.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{label:>5}: {:8.2} ms/report (median of {runs}), {:6.1} KB/report",
            per_run[runs / 2],
            bytes as f64 / 1024.0 / n as f64
        );
        Ok(())
    };
    time("pdf", &|r| Ok(engine.render(r, &name(r))?.len()))?;
    time("docx", &|r| {
        Ok(docx::report_docx(r, &name(r), &style)?.len())
    })?;
    time("xlsx", &|r| Ok(xlsx::report_xlsx(r, &name(r))?.len()))?;
    time("json", &|r| Ok(json::report_json(r, &name(r)).len()))?;
    time("csv", &|r| {
        Ok(csv::report_csvs(&r.tables)
            .iter()
            .map(|(_, _, b)| b.len())
            .sum())
    })?;
    let _ = archive::year_zip;
    Ok(())
}
