//! Latency of `nianbao serve` from a save to the new generation being served:
//! `cargo run --release --example serve-latency -- [SITE] [RUNS] [DEBOUNCE_MS]`
//! (SITE defaults to the sample site `.`, RUNS to 20, DEBOUNCE_MS to 200).
//!
//! Copies the site (site.toml, content/, themes/) into a temporary folder, starts
//! `target/release/nianbao serve --port 0 --debounce DEBOUNCE_MS` on it (build it first with
//! `cargo build --release`; `NIANBAO_BIN` overrides the path), then RUNS times: saves the first
//! report.md atomically (temp file renamed over it, as editors do) with one changed line and
//! polls `/__nianbao/generation` every millisecond until the number changes. Prints the save →
//! new generation time, and that time minus the debounce window. Record figures in BENCHMARKS.md.
//!
//! A fourth argument `tables` saves that report's tables.toml instead (a comment line appended);
//! `value` saves the first tables.toml (in path order) that has a `licensing = N` line (行政许可
//! of a 2021-format report, which no rule ties to another cell) with N changed, so that the
//! report's figures, its organisation's page and `data/all.*` change.
//!
//! Before measuring it waits 3 s and makes one save that is not measured: the copied files are
//! new, and the preview reads a file again on every save until it has been unchanged for 2 s
//! (see `content::load`); a clerk's files are old, apart from the one being edited.

mod common;

use common::{first_file, first_report};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

/// N of a `licensing = N` line (a comment may follow).
fn licensing(line: &str) -> Option<u64> {
    let value = line.strip_prefix("licensing = ")?;
    value.split('#').next()?.trim().parse().ok()
}

fn generation(port: u16) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    write!(
        s,
        "GET /__nianbao/generation HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    Ok(raw
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or("")
        .trim()
        .to_string())
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let site = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(20);
    let debounce: u64 = args.next().and_then(|r| r.parse().ok()).unwrap_or(200);
    // `tables`: save the report's tables.toml instead (a comment line appended); `value`: a
    // figure changed
    let mode = args.next().unwrap_or_default();
    if !matches!(mode.as_str(), "" | "tables" | "value") {
        anyhow::bail!("unknown save `{mode}`: give `tables`, `value` or nothing (report.md)");
    }
    let (tables, value) = (mode == "tables", mode == "value");
    let bin = std::env::var("NIANBAO_BIN").unwrap_or_else(|_| "target/release/nianbao".into());

    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    std::fs::copy(site.join("site.toml"), root.join("site.toml"))?;
    copy_dir(&site.join("content"), &root.join("content"))?;
    if site.join("themes").is_dir() {
        copy_dir(&site.join("themes"), &root.join("themes"))?;
    }
    let mut report = first_report(&root.join("content"))
        .ok_or_else(|| anyhow::anyhow!("no report.md in {}", site.display()))?;
    if tables {
        report = report.with_file_name("tables.toml");
    }
    if value {
        let has_licensing = |p: &Path| {
            std::fs::read_to_string(p).is_ok_and(|t| t.lines().any(|l| licensing(l).is_some()))
        };
        report =
            first_file(&root.join("content"), "tables.toml", &has_licensing).ok_or_else(|| {
                anyhow::anyhow!(
                    "no tables.toml with a `licensing = N` line in {}",
                    site.display()
                )
            })?;
    }
    let original = std::fs::read_to_string(&report)?;

    let mut child = Command::new(&bin)
        .arg("--root")
        .arg(root)
        .args(["serve", "--port", "0", "--debounce", &debounce.to_string()])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start {bin}: {e} (cargo build --release first)"))?;
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let port: u16 = loop {
        let line = rx.recv_timeout(Duration::from_secs(120))?;
        if let Some(i) = line.find("http://127.0.0.1:") {
            let digits: String = line[i + 17..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            break digits.parse()?;
        }
    };

    std::thread::sleep(Duration::from_secs(3));
    let mut times = Vec::new();
    for run in 0..=runs {
        let before = generation(port)?;
        let text = if value {
            original
                .lines()
                .map(|l| match licensing(l) {
                    // (the first digits of the line are N's: the key has none)
                    Some(n) => l.replacen(&n.to_string(), &(n + 1 + run as u64).to_string(), 1),
                    None => l.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        } else if tables {
            format!("{original}\n# 延迟测量第 {run} 次修改\n")
        } else {
            format!("{original}\n本段为延迟测量第 {run} 次修改。\n")
        };
        let temp = report.with_file_name(".latency-tmp");
        let saved = Instant::now();
        std::fs::write(&temp, text)?;
        std::fs::rename(&temp, &report)?;
        let deadline = saved + Duration::from_secs(30);
        loop {
            if generation(port)? != before {
                break;
            }
            if Instant::now() > deadline {
                anyhow::bail!("no new generation within 30 s");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        if run > 0 {
            // run 0 is the warm-up save
            times.push(saved.elapsed().as_secs_f64() * 1e3);
        }
        // let the debouncer forget this save before the next
        std::thread::sleep(Duration::from_millis(debounce * 2 + 100));
    }
    let _ = child.kill();
    let _ = child.wait();

    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let d = debounce as f64;
    println!(
        "{} runs, debounce {debounce} ms: save → new generation median {median:.1} ms \
         (min {:.1}, max {:.1}); after the debounce window: median {:.1} ms (min {:.1}, max {:.1})",
        times.len(),
        times[0],
        times[times.len() - 1],
        median - d,
        times[0] - d,
        times[times.len() - 1] - d,
    );
    Ok(())
}
