//! `nianbao serve`: build into memory, serve on 127.0.0.1, rebuild when sources change, and
//! tell the browser (live reload). Errors show as an overlay over the last good pages.

mod live;
pub mod paths;

use crate::build;
use crate::diagnostics::{Diagnostics, Style, render_text, summary_line};
use crate::output::MemorySite;
use crate::render::RenderOptions;
use anyhow::{Context, Result, anyhow};
use notify::RecursiveMode;
use paths::{Resolved, content_type, resolve};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tiny_http::{Header, Method, Response, Server};

/// One complete build, served as a unit.
struct Generation {
    number: u64,
    site: MemorySite,
    /// The error overlay, when the latest sources did not build.
    overlay: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: String,
    pub port: u16,
    pub debounce: Duration,
}

/// Build a generation from the sources; on failure keep `last` and add an overlay.
fn build_generation(
    root: &Path,
    number: u64,
    last: Option<&MemorySite>,
) -> (Generation, Diagnostics) {
    let checked = build::load_and_check(root);
    let diags = checked.diagnostics;
    let result = match (&checked.site, diags.has_errors()) {
        (Some(site), false) => build::render(
            site,
            &RenderOptions {
                no_downloads: true,
                ..RenderOptions::default()
            },
        )
        .map_err(|e| format!("{e:#}\n")),
        _ => Err(String::new()),
    };
    let generation = match result {
        Ok(files) => Generation {
            number,
            site: MemorySite::new(files),
            overlay: None,
        },
        Err(extra) => Generation {
            number,
            site: last.cloned().unwrap_or_default(),
            overlay: Some(live::overlay(
                &diags,
                (!extra.is_empty()).then_some(extra.as_str()),
            )),
        },
    };
    (generation, diags)
}

fn is_noise(path: &Path, root: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let rel = path.strip_prefix(root).unwrap_or(path);
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.starts_with("~$")
        || name == "4913"
        || !matches!(first.as_deref(), Some("content" | "themes" | "site.toml"))
}

/// Run the preview server until the process is stopped.
pub fn run(root: &Path, opts: &ServeOptions) -> Result<()> {
    let root: PathBuf = root
        .canonicalize()
        .with_context(|| format!("找不到站点文件夹 {}", root.display()))?;
    if opts.bind != "127.0.0.1" && opts.bind != "localhost" && opts.bind != "::1" {
        eprintln!(
            "warning: 预览服务器监听在 {}，局域网内的其他电脑也能访问；仅在确有需要时这样做",
            opts.bind
        );
    }
    let addr = format!("{}:{}", opts.bind, opts.port);
    let server = Server::http(&addr).map_err(|e| {
        anyhow!("无法在 {addr} 启动预览服务器：{e}。端口可能已被占用：换一个端口（--port 1112），或用 --port 0 自动选择空闲端口")
    })?;
    let server = Arc::new(server);
    let local = server
        .server_addr()
        .to_ip()
        .map(|a| a.to_string())
        .unwrap_or(addr.clone());

    let started = Instant::now();
    let (first, diags) = build_generation(&root, 1, None);
    report_build(&diags, started, first.overlay.is_none(), first.number);
    let state = Arc::new(RwLock::new(Arc::new(first)));
    println!("预览地址：http://{local}/ （按 Ctrl+C 停止）");

    // watcher → rebuild thread
    let (tx, rx) = std::sync::mpsc::channel();
    let mut debouncer = notify_debouncer_full::new_debouncer(opts.debounce, None, tx)
        .context("无法监视文件变化")?;
    debouncer.watch(&root, RecursiveMode::NonRecursive)?;
    for dir in ["content", "themes"] {
        let p = root.join(dir);
        if p.is_dir() {
            debouncer.watch(&p, RecursiveMode::Recursive)?;
        }
    }
    {
        let state = Arc::clone(&state);
        let root = root.clone();
        std::thread::spawn(move || {
            let _keep = debouncer;
            while let Ok(events) = rx.recv() {
                let relevant = match events {
                    Ok(evs) => evs
                        .iter()
                        .any(|e| e.paths.iter().any(|p| !is_noise(p, &root))),
                    Err(_) => true,
                };
                if !relevant {
                    continue;
                }
                let started = Instant::now();
                let (last_site, number) = {
                    let g = state.read().unwrap_or_else(|e| e.into_inner());
                    (g.site.clone(), g.number + 1)
                };
                let (next, diags) = build_generation(&root, number, Some(&last_site));
                report_build(&diags, started, next.overlay.is_none(), number);
                *state.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
            }
        });
    }

    let workers: Vec<_> = (0..4)
        .map(|_| {
            let server = Arc::clone(&server);
            let state = Arc::clone(&state);
            std::thread::spawn(move || {
                while let Ok(req) = server.recv() {
                    let generation = Arc::clone(&state.read().unwrap_or_else(|e| e.into_inner()));
                    handle(req, &generation);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

fn report_build(diags: &Diagnostics, started: Instant, ok: bool, number: u64) {
    if !diags.is_empty() {
        eprint!("{}", render_text(diags, Style::for_stderr()));
    }
    let ms = started.elapsed().as_millis();
    if ok {
        println!("第 {number} 次生成完成，用时 {ms} ms");
    } else {
        eprintln!(
            "第 {number} 次生成失败（{}），页面中会显示错误",
            summary_line(diags, 0)
        );
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
}

fn handle(req: tiny_http::Request, g: &Generation) {
    let method = req.method().clone();
    if method != Method::Get && method != Method::Head {
        let resp = Response::from_string("405 Method Not Allowed")
            .with_status_code(405)
            .with_header(header("Allow", "GET, HEAD"));
        let _ = req.respond(resp);
        return;
    }
    let url = req.url().to_string();
    let (status, ctype, body): (u16, &str, Vec<u8>) = match url.split('?').next().unwrap_or("") {
        "/__nianbao/generation" => (
            200,
            "text/plain; charset=utf-8",
            g.number.to_string().into_bytes(),
        ),
        "/__nianbao/live.js" => (
            200,
            "text/javascript; charset=utf-8",
            live::LIVE_JS.as_bytes().to_vec(),
        ),
        "/__nianbao/overlay.css" => (
            200,
            "text/css; charset=utf-8",
            live::OVERLAY_CSS.as_bytes().to_vec(),
        ),
        _ => match resolve(&url, |p| g.site.contains(p)) {
            Resolved::File(p) => {
                let bytes = g
                    .site
                    .get(&p)
                    .map(|b| b.as_ref().clone())
                    .unwrap_or_default();
                let ct = content_type(&p);
                let body = if ct.starts_with("text/html") {
                    live::inject(&bytes, g.overlay.as_deref())
                } else {
                    bytes
                };
                (200, ct, body)
            }
            Resolved::Redirect(to) => {
                let resp = Response::empty(301).with_header(header("Location", &to));
                let _ = req.respond(resp);
                return;
            }
            Resolved::NotFound | Resolved::Forbidden => {
                let page = g
                    .site
                    .get("404.html")
                    .map(|b| live::inject(&b, g.overlay.as_deref()));
                let status = if matches!(resolve(&url, |_| false), Resolved::Forbidden) {
                    403
                } else {
                    404
                };
                match page {
                    Some(p) => (status, "text/html; charset=utf-8", p),
                    None => (status, "text/html; charset=utf-8", live::inject(b"<!DOCTYPE html><html lang=\"zh-CN\"><title>404</title><body><h1>404</h1></body></html>", g.overlay.as_deref())),
                }
            }
        },
    };
    let len = body.len();
    let mut resp = Response::from_data(if method == Method::Head {
        Vec::new()
    } else {
        body
    })
    .with_status_code(status)
    .with_header(header("Content-Type", ctype))
    .with_header(header("Cache-Control", "no-store"))
    .with_header(header("X-Content-Type-Options", "nosniff"));
    if method == Method::Head {
        resp = resp.with_header(header("Content-Length", &len.to_string()));
    }
    let _ = req.respond(resp);
}
