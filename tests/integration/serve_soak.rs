//! Serve soak: for a fixed time, concurrent clients request pages while report files are
//! edited, renamed away and back, and deleted and recreated. No response other than 200, or 404
//! for a report that is away; no request waits long; threads and memory stay bounded; and at
//! the end the served site equals a clean build.

use crate::common::*;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
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

// ---------------------------------------------------------------- slow, silent and departing clients

/// The preview server's testing knob for its connection timeout (src/serve/listen.rs).
const TIMEOUT_VAR: &str = "NIANBAO_SERVE_CONNECTION_TIMEOUT_MS";

/// The preview of `site` with its connection timeout shortened to `timeout`.
fn with_timeout(site: &Site, timeout: Duration) -> Server {
    Server::start_with_env(
        site.root(),
        &["--debounce", "100"],
        &[(TIMEOUT_VAR, &timeout.as_millis().to_string())],
    )
}

/// A theme image too large for the loopback socket buffers (about 4 MB here): the server's write
/// of it waits while its client reads nothing.
const BIG: &str = "/assets/big-photo.png";
const BIG_LEN: usize = 16 * 1024 * 1024;

fn site_with_a_big_file() -> Site {
    let site = standard_site();
    let bytes: Vec<u8> = (0..BIG_LEN as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    site.write("themes/default/static/assets/big-photo.png", bytes);
    site
}

/// The names of a process's threads (`nianbao-request` answers one request).
fn thread_names(pid: u32) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    dir.filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("comm")).ok())
        .map(|s| s.trim().to_string())
        .collect()
}

fn threads_named(pid: u32, name: &str) -> usize {
    thread_names(pid).iter().filter(|n| *n == name).count()
}

/// Wait until `cond` holds, at most until `deadline`; whether it did.
fn wait_until(deadline: Instant, mut cond: impl FnMut() -> bool) -> bool {
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A connection that has sent `bytes` (nothing, half a request, a whole one) and reads nothing.
fn hold(port: u16, bytes: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.write_all(bytes).expect("send");
    // tiny_http's connection pool adds a thread only when it counts no idle one, and a woken
    // idle thread counts as idle until it runs: a burst of connections faster than its
    // threads wake queues all but the first few behind them (behind silent clients here,
    // until they time out; seen on a loaded machine). Browsers do not open 60 connections at
    // once; this paces them so that the test is about nianbao, not about that race.
    std::thread::sleep(Duration::from_millis(10));
    s
}

/// Read and discard what `s` receives until the server closes it (end of stream or reset), at
/// most until `deadline`: the bytes received and when it closed, or `None` if still open.
fn read_until_closed(s: &mut TcpStream, deadline: Instant) -> (usize, Option<Instant>) {
    let mut got = 0;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (got, None);
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return (got, Some(Instant::now())),
            Ok(n) => got += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (got, None);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return (got, Some(Instant::now())),
        }
    }
}

/// Silent clients, clients that send half a request line and clients that never read a large
/// response hold connections; meanwhile every other request is answered at once. The server
/// closes the silent ones after its connection timeout, and gives up writing to the others.
#[test]
fn serve_answers_others_while_clients_send_or_read_nothing() {
    let site = site_with_a_big_file();
    let timeout = Duration::from_secs(3);
    let server = with_timeout(&site, timeout);
    let (port, pid) = (server.port, server.pid());
    let pages = [
        "/",
        "/2024/",
        "/2024/ceshizhen/",
        "/2023/shiliju/",
        "/search-index.js",
    ];
    for p in pages {
        assert_eq!(server.get(p).status, 200, "{p}");
    }
    let big = server.get(BIG);
    assert_eq!((big.status, big.body.len()), (200, BIG_LEN));
    let threads0 = proc_status(pid).expect("/proc readable").0;

    let opened = Instant::now();
    let mut silent: Vec<TcpStream> = (0..30).map(|_| hold(port, b"")).collect();
    let mut half: Vec<TcpStream> = (0..20)
        .map(|_| hold(port, b"GET /2024/ceshizhen/ HTT"))
        .collect();
    let request = format!("GET {BIG} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    let mut deaf: Vec<TcpStream> = (0..10).map(|_| hold(port, request.as_bytes())).collect();
    // the responses to the clients that read nothing are being written, and wait
    assert!(
        wait_until(opened + Duration::from_secs(2), || threads_named(
            pid,
            "nianbao-request"
        ) == 10),
        "threads: {:?}",
        thread_names(pid)
    );

    // 50 requests from 5 clients, each answered well before the timeout could free anything
    let started = Instant::now();
    let clients: Vec<_> = (0..5)
        .map(|k| {
            std::thread::spawn(move || {
                let mut slowest = Duration::ZERO;
                for i in 0..10 {
                    let p = pages[(k + i) % pages.len()];
                    let t = Instant::now();
                    let r = http(port, "GET", p).unwrap_or_else(|e| panic!("GET {p}: {e}"));
                    assert_eq!(r.status, 200, "{p}");
                    slowest = slowest.max(t.elapsed());
                }
                slowest
            })
        })
        .collect();
    let slowest = clients
        .into_iter()
        .map(|c| c.join().expect("a client failed"))
        .max()
        .unwrap();
    let all = started.elapsed();
    let held = proc_status(pid).unwrap().0;
    assert!(
        slowest < timeout / 2,
        "a request waited {slowest:?} behind clients that send or read nothing"
    );

    // the silent and half-sent connections are closed after the timeout, not before
    let margin = Duration::from_secs(3);
    let mut closed_after = Vec::new();
    for (i, s) in silent.iter_mut().chain(half.iter_mut()).enumerate() {
        let (_, closed) = read_until_closed(s, opened + timeout + margin);
        let at = closed.unwrap_or_else(|| {
            panic!(
                "connection {i} still open {:?} after it opened",
                opened.elapsed()
            )
        });
        closed_after.push(at - opened);
    }
    let first = *closed_after.iter().min().unwrap();
    let last = *closed_after.iter().max().unwrap();
    assert!(first >= timeout * 9 / 10, "closed after {first:?} already");

    // the server gives up writing to the clients that read nothing: their threads end…
    let deadline = opened + 6 * timeout + margin;
    assert!(
        wait_until(deadline, || threads_named(pid, "nianbao-request") == 0),
        "still writing after {:?}: {:?}",
        opened.elapsed(),
        thread_names(pid)
    );
    let writers_done = opened.elapsed();
    // …and what reaches them is cut short
    for (i, d) in deaf.iter_mut().enumerate() {
        let (got, closed) = read_until_closed(d, Instant::now() + Duration::from_secs(10));
        assert!(closed.is_some(), "deaf client {i} still open");
        assert!(got < BIG_LEN, "deaf client {i} received all of {got} bytes");
    }

    // the connection threads end 5 s after they are idle. Meanwhile the server has been idle
    // longer than the timeout, so its HTTP server was started again (see the idle test below):
    // up to ⌈5 s / timeout⌉ + 1 generations of 4 idle connection threads, and drain threads.
    let generations = 5_000u64.div_ceil(timeout.as_millis() as u64) + 1;
    let bound = threads0 + 4 * generations + 3;
    let mut threads1 = 0;
    let back = wait_until(Instant::now() + Duration::from_secs(10), || {
        threads1 = proc_status(pid).unwrap().0;
        threads1 <= bound
    });
    eprintln!(
        "slow clients: 50 requests in {all:?} (slowest {slowest:?}); silent closed after \
         {first:?}…{last:?}; writers freed after {writers_done:?}; threads {threads0}, {held} while \
         held, then {threads1}"
    );
    assert!(
        back,
        "threads {threads0} → {threads1}: {:?}",
        thread_names(pid)
    );
    assert_eq!(server.get("/").status, 200);
}

/// Clients that go away in the middle of a large response, 200 times, in four ways: closing
/// (with unread data, which resets the connection), resetting it explicitly (`SO_LINGER` 0),
/// shutting both directions down first, and closing before reading anything. The server goes on
/// answering, and its threads come back.
#[test]
fn serve_stays_up_when_clients_disconnect_mid_response() {
    let site = site_with_a_big_file();
    let server = Server::start(site.root());
    let port = server.port;
    let pid = server.pid();
    assert_eq!(server.get("/").status, 200);
    assert_eq!(server.get(BIG).body.len(), BIG_LEN);
    let threads0 = proc_status(pid).expect("/proc readable").0;
    for i in 0..200 {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let close = if i % 2 == 0 {
            "Connection: close\r\n"
        } else {
            ""
        };
        write!(
            s,
            "GET {BIG} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{close}\r\n"
        )
        .unwrap();
        if i % 4 != 3 {
            let mut first = [0u8; 100];
            s.read_exact(&mut first).expect("the start of the response");
            assert!(first.starts_with(b"HTTP/1.1 200"), "{i}");
        }
        match i % 4 {
            1 => reset(&s),
            2 => s.shutdown(std::net::Shutdown::Both).unwrap(),
            _ => {}
        }
        drop(s);
        if i % 10 == 9 {
            assert_eq!(server.get("/2024/ceshizhen/").status, 200, "after {i}");
        }
    }
    let r = server.get(BIG);
    assert_eq!((r.status, r.body.len()), (200, BIG_LEN));
    // no response is still being written; the connection threads end 5 s after they are idle
    assert!(
        wait_until(Instant::now() + Duration::from_secs(10), || threads_named(
            pid,
            "nianbao-request"
        ) == 0),
        "{:?}",
        thread_names(pid)
    );
    let mut threads1 = 0;
    let back = wait_until(Instant::now() + Duration::from_secs(15), || {
        threads1 = proc_status(pid).unwrap().0;
        threads1 <= threads0 + 4
    });
    eprintln!("200 disconnects: threads {threads0} → {threads1}");
    assert!(
        back,
        "threads {threads0} → {threads1}: {:?}",
        thread_names(pid)
    );
    assert!(
        !server.stderr_text().contains("panicked"),
        "{}",
        server.stderr_text()
    );
}

/// Make closing `s` reset the connection (`SO_LINGER` with a zero timeout).
fn reset(s: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket and a linger struct with its size, as setsockopt(2) takes
    let r = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast::<libc::c_void>(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(r, 0, "{}", std::io::Error::last_os_error());
}

/// One kept-alive HTTP/1.1 connection, as a browser holds for a page.
struct KeptAlive {
    reader: std::io::BufReader<TcpStream>,
    port: u16,
}

impl KeptAlive {
    fn open(port: u16) -> KeptAlive {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        KeptAlive {
            reader: std::io::BufReader::new(s),
            port,
        }
    }

    /// GET `target` on this connection: the status and body.
    fn get(&mut self, target: &str) -> std::io::Result<(u16, Vec<u8>)> {
        use std::io::BufRead;
        let port = self.port;
        write!(
            self.reader.get_mut(),
            "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
        )?;
        let mut status = None;
        let mut len = 0;
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(ErrorKind::UnexpectedEof.into());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if status.is_none() {
                status = line.split(' ').nth(1).and_then(|s| s.parse().ok());
            } else if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse().map_err(std::io::Error::other)?;
            }
        }
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body)?;
        Ok((
            status.ok_or_else(|| std::io::Error::other("no status"))?,
            body,
        ))
    }

    /// Whether the server has closed the connection (waiting at most `wait`).
    fn closed_within(&mut self, wait: Duration) -> bool {
        read_until_closed(self.reader.get_mut(), Instant::now() + wait)
            .1
            .is_some()
    }
}

/// With no new connection for longer than the connection timeout, the server's accept times
/// out (the timeout is set on the listening socket) and its HTTP server is started again. A page
/// polling over one kept-alive connection meanwhile is answered throughout; after idle periods
/// new connections are answered; and the threads stay bounded.
#[test]
fn serve_survives_idle_periods_longer_than_the_accept_timeout() {
    let site = small_site();
    let timeout = Duration::from_millis(1000);
    let server = with_timeout(&site, timeout);
    let (port, pid) = (server.port, server.pid());
    assert_eq!(server.get("/").status, 200);
    let threads0 = proc_status(pid).expect("/proc readable").0;

    // live reload: one connection, a request every 300 ms for 5 s, no new connection meanwhile
    let mut page = KeptAlive::open(port);
    let polling = Instant::now();
    let mut polls = 0;
    while polling.elapsed() < Duration::from_secs(5) {
        let (status, body) = page
            .get("/__nianbao/generation")
            .unwrap_or_else(|e| panic!("poll {polls}: {e}\n{}", server.stderr_text()));
        assert_eq!(status, 200, "poll {polls}");
        assert!(!body.is_empty());
        polls += 1;
        std::thread::sleep(Duration::from_millis(300));
    }
    // left idle, the server closes it after the timeout
    assert!(page.closed_within(timeout + Duration::from_secs(2)));

    // idle periods of 2.5 timeouts: every thread count during them, and a request after each
    let mut most = Vec::new();
    for round in 0..4 {
        let until = Instant::now() + timeout * 5 / 2;
        let mut max = 0;
        while Instant::now() < until {
            max = max.max(proc_status(pid).unwrap().0);
            std::thread::sleep(Duration::from_millis(50));
        }
        most.push(max);
        let r = http(port, "GET", "/2024/ceshizhen/")
            .unwrap_or_else(|e| panic!("after idle period {round}: {e}"));
        assert_eq!(r.status, 200, "after idle period {round}");
    }
    eprintln!(
        "idle restarts: {polls} polls over one connection; threads {threads0}, most per idle \
         period {most:?}; drain threads now {}",
        threads_named(pid, "nianbao-drain")
    );
    // Each start of the HTTP server has an accepting thread (it ends at the timeout) and 4
    // connection threads, which end 5 s after the next start; a replaced server is drained
    // until it has been quiet for 2 timeouts (polled each timeout). So at most
    // ⌈5 s / timeout⌉ + 1 generations of connection threads and 3 drain threads at once.
    let generations = 5_000u64.div_ceil(timeout.as_millis() as u64) + 1;
    let bound = threads0 + 4 * generations + 3 + 2;
    assert!(
        most.iter().all(|&m| m <= bound),
        "threads {threads0}, during idle periods {most:?}, bound {bound}"
    );
    // and they do not grow from one period to the next
    assert!(most[3] <= most[0] + 4, "{most:?}");
    assert!(threads_named(pid, "nianbao-drain") <= 3);
}
