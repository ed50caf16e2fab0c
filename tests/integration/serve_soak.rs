//! Serve soak: for a fixed time, concurrent clients request pages while report files are
//! edited, renamed away and back, and deleted and recreated. No response other than 200, or 404
//! for a report that is away; no request waits long; threads and memory stay bounded; and at
//! the end the served site equals a clean build.

use crate::common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// (threads, resident KiB) of a process, from /proc.
fn proc_status(pid: u32) -> Option<(u64, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some((field("Threads:")?, field("VmRSS:")?))
}

#[test]
fn serve_survives_concurrent_clients_and_edits() {
    let site = standard_site();
    let server = Server::start(site.root());
    let port = server.port;
    // warm up: every page once, so that memory is measured after the first full use
    let pages: Vec<String> = [
        "/",
        "/2024/",
        "/2023/",
        "/2022/",
        "/org/ceshizhen/",
        "/org/shiliju/",
        "/2024/ceshizhen/",
        "/2023/ceshizhen/",
        "/2022/shiliju/",
        "/2024/shiliju/",
        "/sitemap.html",
        "/search-index.js",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for p in &pages {
        assert_eq!(server.get(p).status, 200, "{p}");
    }
    let (threads0, rss0) = proc_status(server.pid()).expect("/proc readable");

    let stop = Arc::new(AtomicBool::new(false));
    // what every open preview page does: poll the generation (here every 250 ms)
    let live = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let r = http(port, "GET", "/__nianbao/generation").expect("generation");
                assert_eq!(r.status, 200);
                std::thread::sleep(Duration::from_millis(250));
            }
        })
    };
    let away = "content/shiliju/2022"; // renamed away and back: its pages may 404 meanwhile
    let clients: Vec<_> = (0..4)
        .map(|k| {
            let stop = Arc::clone(&stop);
            let pages = pages.clone();
            std::thread::spawn(move || {
                let mut n = 0usize;
                let mut slowest = Duration::ZERO;
                let mut i = k;
                while !stop.load(Ordering::Relaxed) {
                    let p = &pages[i % pages.len()];
                    i += 1;
                    let t = Instant::now();
                    let r = http(port, "GET", p)
                        .unwrap_or_else(|e| panic!("GET {p}: {e} after {:?}", t.elapsed()));
                    slowest = slowest.max(t.elapsed());
                    let ok =
                        r.status == 200 || (r.status == 404 && p.starts_with("/2022/shiliju/"));
                    assert!(ok, "GET {p}: {} {}", r.status, r.text());
                    n += 1;
                }
                (n, slowest)
            })
        })
        .collect();

    // the editor: saves, atomic saves, a report folder renamed away and back, a file deleted
    // and recreated
    let md = "content/ceshizhen/2024/report.md";
    let tables = "content/ceshizhen/2023/tables.toml";
    let original_md = site.read(md);
    let original_tables = site.read(tables);
    let parked = site.root().join("parked-2022");
    let started = Instant::now();
    let mut round = 0;
    while started.elapsed() < Duration::from_secs(6) {
        site.write(
            md,
            original_md.replace("示例问题", &format!("示例问题{round}")),
        );
        site.write_atomic(
            md,
            original_md.replace("示例问题", &format!("示例问题（原子）{round}")),
        );
        std::fs::rename(site.path(away), &parked).unwrap();
        std::thread::sleep(Duration::from_millis(30));
        std::fs::rename(&parked, site.path(away)).unwrap();
        std::fs::remove_file(site.path(tables)).unwrap();
        std::thread::sleep(Duration::from_millis(10));
        site.write(tables, &original_tables);
        round += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    let mut slowest_all = Duration::ZERO;
    for c in clients {
        let (n, slowest) = c.join().expect("a client failed");
        total += n;
        slowest_all = slowest_all.max(slowest);
    }
    live.join().expect("the live-reload poller failed");
    assert!(
        slowest_all < Duration::from_secs(3),
        "a request waited {slowest_all:?} behind stuck clients or rebuilds"
    );
    assert!(total > 100, "only {total} requests served in 6 s");

    // the final sources: served pages equal a clean build
    site.write(md, &original_md);
    server.poll("/2024/ceshizhen/", 20, |r| {
        !r.text().contains("示例问题（原子）") && !r.text().contains("nianbao-overlay")
    });
    std::thread::sleep(Duration::from_millis(400)); // let any trailing rebuild land
    assert_serves_a_clean_build(&site, &server);

    // bounded: the connection threads of the HTTP server end after 5 s idle, so threads come
    // back near where they were; memory has not grown without limit
    let deadline = Instant::now() + Duration::from_secs(10);
    let (mut threads1, mut rss1) = proc_status(server.pid()).unwrap();
    while threads1 > threads0 + 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        (threads1, rss1) = proc_status(server.pid()).unwrap();
    }
    eprintln!(
        "serve soak: {round} edit rounds, {total} requests (slowest {slowest_all:?}); threads {threads0} → {threads1}, RSS {rss0} → {rss1} KiB"
    );
    assert!(threads1 <= threads0 + 4, "threads {threads0} → {threads1}");
    assert!(rss1 <= rss0 + 200 * 1024, "RSS {rss0} → {rss1} KiB");
}

#[test]
fn serve_survives_a_50_mb_garbage_file_and_a_mid_build_deletion() {
    let site = standard_site();
    let server = Server::start(site.root());
    let (_, rss0) = proc_status(server.pid()).expect("/proc readable");
    // 50 MB of bytes that are neither UTF-8 nor TOML, dropped in as a report's tables.toml and
    // as a stray file in content/
    let garbage: Vec<u8> = (0..50 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let tables = "content/shiliju/2024/tables.toml";
    let original = site.read(tables);
    site.write(tables, &garbage);
    site.write("content/stray.bin", &garbage);
    // the error is shown over the last good page, which stays served
    let r = server.poll("/2024/shiliju/", 20, |r| {
        r.text().contains("nianbao-overlay")
    });
    assert_eq!(r.status, 200);
    assert!(
        r.text().contains("tables.toml"),
        "the overlay names the file"
    );
    assert_eq!(server.get("/").status, 200);
    // a report folder deleted while rebuilds are going on
    std::fs::remove_dir_all(site.path("content/ceshizhen/2023")).unwrap();
    site.write(tables, &original);
    std::fs::remove_file(site.path("content/stray.bin")).unwrap();
    server.poll("/2024/shiliju/", 20, |r| {
        !r.text().contains("nianbao-overlay")
    });
    server.poll("/2023/ceshizhen/", 20, |r| r.status == 404);
    std::thread::sleep(Duration::from_millis(400));
    // the final state equals a clean build, and the garbage was not kept in memory
    assert_serves_a_clean_build(&site, &server);
    let (_, rss1) = proc_status(server.pid()).unwrap();
    eprintln!("50 MB garbage: RSS {rss0} → {rss1} KiB");
    assert!(rss1 <= rss0 + 100 * 1024, "RSS {rss0} → {rss1} KiB");
}

#[test]
fn preview_report_pages_list_the_documents_made_on_request() {
    let site = standard_site();
    let server = Server::start(site.root());
    let page = server.get("/2024/ceshizhen/").text();
    for (file, label) in [
        ("ceshizhen-2024.pdf", "PDF 版"),
        ("ceshizhen-2024.docx", "Word 版"),
        ("ceshizhen-2024.xlsx", "统计表（Excel）"),
    ] {
        let li = page
            .lines()
            .find(|l| l.contains(&format!("/{file}\"")))
            .unwrap_or_else(|| panic!("no link to {file} in the preview"));
        assert!(li.contains(" data-preview>") && li.contains(label), "{li}");
        assert!(li.contains("预览时按需生成"), "{li}");
        let r = server.get(&format!("/2024/ceshizhen/{file}"));
        assert_eq!(r.status, 200, "{file}");
        assert!(r.body.len() > 1000, "{file}");
    }
    // a build lists them with their sizes and without the preview mark
    site.run(&["build"]).expect_code(0);
    let built = site.out("2024/ceshizhen/index.html");
    assert!(built.contains("/ceshizhen-2024.pdf\""));
    assert!(!built.contains("data-preview") && !built.contains("预览时按需生成"));
}
