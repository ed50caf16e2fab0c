//! `nianbao serve`: build into memory, serve on 127.0.0.1, rebuild when sources change, and
//! tell the browser (live reload). Errors show as an overlay over the last good pages.

mod downloads;
mod linked;
mod listen;
mod live;
pub mod paths;

use crate::build;
use crate::diagnostics::{Diagnostics, Style, render_text, summary_line};
use crate::output::MemorySite;
use crate::render::{RenderMemo, RenderOptions, Theme};
use anyhow::{Context, Result, anyhow};
use downloads::Sources;
use linked::Linked;
use notify::event::{EventKind, ModifyKind};
use notify::{PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};
use notify_debouncer_full::{
    DebounceEventResult, Debouncer, FileIdCache, NoCache, RecommendedCache, new_debouncer_opt,
};
use paths::{Resolved, content_type, resolve};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tiny_http::{Header, Method, Response};

/// One complete build, served as a unit.
struct Generation {
    number: u64,
    site: MemorySite,
    /// The error overlay, when the latest sources did not build.
    overlay: Option<String>,
    /// The sources `site` was rendered from, for the downloads produced on request.
    sources: Option<Arc<Sources>>,
}

impl Generation {
    /// Whether `path` is a download produced on request.
    fn offers(&self, path: &str) -> bool {
        self.sources.as_ref().is_some_and(|s| s.offers(path))
    }

    /// A file of this generation: rendered, or produced now from its sources.
    fn file(&self, path: &str) -> Result<Arc<Vec<u8>>, String> {
        if let Some(bytes) = self.site.get(path) {
            return Ok(bytes);
        }
        self.sources
            .as_ref()
            .and_then(|s| s.get(path))
            .unwrap_or_else(|| Err(format!("{path} 不存在")))
    }
}

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: String,
    pub port: u16,
    pub debounce: Duration,
    /// Open the preview in the default browser once it is served.
    pub open: bool,
    /// Poll for changes instead of the system's notifications (network drives, WSL).
    pub poll: bool,
}

/// Build a generation from the sources; on failure keep `last`'s content and add an overlay.
/// `memo`: the pages of the previous generations, re-rendered only where their inputs changed;
/// `loads`: the reports parsed and checked before, again only where their inputs changed.
/// Also the findings, and the error of a render that failed (a template's, say).
fn build_generation(
    root: &Path,
    number: u64,
    last: Option<&Generation>,
    memo: &mut RenderMemo,
    loads: &mut build::Caches,
) -> (Generation, Diagnostics, Option<String>) {
    let started = Instant::now();
    let checked = build::load_and_check_cached(root, loads);
    memo.loaded_in = started.elapsed();
    let diags = checked.diagnostics;
    let result = match (checked.site, diags.has_errors()) {
        (Some(site), false) => build::render_incremental(
            &site,
            &RenderOptions {
                // the documents and zips are produced on request (see `downloads`), and
                // listed on the report pages
                no_downloads: true,
                preview_documents: true,
                ..RenderOptions::default()
            },
            memo,
        )
        .and_then(|files| {
            let theme = Theme::load(&site.root, &site.config.theme)?;
            Ok((files, site, theme))
        })
        .map_err(|e| format!("{e:#}\n")),
        _ => Err(String::new()),
    };
    let failure = result.as_ref().err().filter(|e| !e.is_empty()).cloned();
    let generation = match result {
        Ok((files, site, theme)) => {
            let pages = MemorySite::new(files);
            let sources = Sources::new(site, theme, |p| pages.contains(p));
            Generation {
                number,
                site: pages,
                overlay: None,
                sources: Some(Arc::new(sources)),
            }
        }
        Err(extra) => Generation {
            number,
            site: last.map(|g| g.site.clone()).unwrap_or_default(),
            overlay: Some(live::overlay(
                &diags,
                (!extra.is_empty()).then_some(extra.as_str()),
            )),
            sources: last.and_then(|g| g.sources.clone()),
        },
    };
    (generation, diags, failure)
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
    crate::content::is_ignored_name(&name)
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
    let listener = std::net::TcpListener::bind(&addr).map_err(|e| {
        anyhow!("无法在 {addr} 启动预览服务器：{e}。端口可能已被占用：换一个端口（--port 1112），或用 --port 0 自动选择空闲端口")
    })?;
    let listening = listen::Listening::start(listener)
        .map_err(|e| anyhow!("无法在 {addr} 启动预览服务器：{e}"))?;
    let local = listening
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or(addr.clone());

    let started = Instant::now();
    let mut memo = RenderMemo::default();
    let mut loads = build::Caches::default();
    let (first, diags, failure) = build_generation(&root, 1, None, &mut memo, &mut loads);
    let ok = first.overlay.is_none();
    report_build(&diags, failure.as_deref(), started, ok, first.number, &memo);
    let state = Arc::new(RwLock::new(Arc::new(first)));
    println!("预览地址：http://{local}/ （按 Ctrl+C 停止）");

    // watcher → rebuild thread
    let (tx, rx) = std::sync::mpsc::channel::<DebounceEventResult>();
    let watcher = if opts.poll {
        // notify's poller compares modification times in whole seconds: two saves within a
        // second would look alike, so it compares the contents too
        let config = notify::Config::default()
            .with_poll_interval(POLL_INTERVAL)
            .with_compare_contents(true)
            .with_follow_symlinks(false);
        watch::<PollWatcher, _>(&root, opts.debounce, tx, NoCache, config)?
    } else {
        watch::<RecommendedWatcher, _>(
            &root,
            opts.debounce,
            tx,
            RecommendedCache::new(),
            // links are followed by `Linked`, only where loading follows them
            notify::Config::default().with_follow_symlinks(false),
        )?
    };
    {
        let state = Arc::clone(&state);
        let root = root.clone();
        std::thread::spawn(move || {
            let mut watcher = watcher;
            // the watcher's last errors: the same again (a link the poller cannot follow,
            // on every look) is no change
            let mut last_errors: Vec<String> = Vec::new();
            let mut relevant = |events: &DebounceEventResult, linked: &Linked| match events {
                // reading the sources (the rebuild itself) is no change
                Ok(evs) => evs.iter().any(|e| {
                    !e.kind.is_access()
                        && e.paths
                            .iter()
                            .any(|p| !is_noise(p, &root) || linked.holds(p))
                }),
                Err(errors) => {
                    let errors: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                    let new = errors != last_errors;
                    last_errors = errors;
                    new
                }
            };
            let tops: Vec<PathBuf> = WATCHED_FOLDERS.iter().map(|d| root.join(d)).collect();
            // the watched folders that events are about themselves
            // (made, removed or renamed: opening it, as every rebuild does, is no such event)
            // and whether a link or a folder was made or renamed, or a link followed (or a
            // folder holding one) removed or renamed: where links lead is found again then,
            // not on every save (regression: a link removed left its target watched)
            let remade =
                |events: &DebounceEventResult, into: &mut Vec<PathBuf>, linked: &Linked| {
                    let mut relinked = false;
                    for e in events.iter().flatten() {
                        let named = matches!(e.kind, EventKind::Modify(ModifyKind::Name(_)));
                        if e.kind.is_create() || e.kind.is_remove() || named {
                            into.extend(e.paths.iter().filter(|p| tops.contains(p)).cloned());
                        }
                        if e.kind.is_create() || named {
                            relinked |= e.paths.iter().any(|p| {
                                p.symlink_metadata()
                                    .is_ok_and(|m| m.is_symlink() || m.is_dir())
                            });
                        }
                        if e.kind.is_remove() || named {
                            relinked |= e.paths.iter().any(|p| linked.unlinked_by(p));
                        }
                    }
                    relinked
                };
            while let Ok(events) = rx.recv() {
                let mut wanted = relevant(&events, watcher.linked());
                let mut tops_remade = Vec::new();
                let mut relinked = remade(&events, &mut tops_remade, watcher.linked());
                // saves that arrived during the last rebuild: one rebuild covers them all
                while let Ok(more) = rx.try_recv() {
                    wanted |= relevant(&more, watcher.linked());
                    relinked |= remade(&more, &mut tops_remade, watcher.linked());
                }
                if !wanted {
                    continue;
                }
                // (a failure is the same as at the start, where it stops the preview: here
                // it is shown and the preview goes on with the watches it has)
                if let Err(e) = watcher.update(&tops_remade, relinked) {
                    eprintln!("warning: {e:#}");
                }
                let started = Instant::now();
                let last = Arc::clone(&state.read().unwrap_or_else(|e| e.into_inner()));
                let number = last.number + 1;
                let (next, diags, failure) =
                    build_generation(&root, number, Some(&last), &mut memo, &mut loads);
                drop(last);
                let ok = next.overlay.is_none();
                report_build(&diags, failure.as_deref(), started, ok, number, &memo);
                *state.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
            }
        });
    }
    if opts.open {
        open_browser(&browser_url(&local));
    }

    // One thread per request (at most 64 at a time), so that a slow response never waits for a
    // fixed set of workers. Every connection times out after `listen::CONNECTION_TIMEOUT` without
    // progress (on Linux): a client that sends nothing, sends half a request or reads nothing
    // holds a thread that long at most, and ties up nothing once it is gone.
    let _stopped = listening.serve(move |req| {
        let generation = Arc::clone(&state.read().unwrap_or_else(|e| e.into_inner()));
        handle(req, &generation);
    });
    // another error of the HTTP server than a timeout: stop, as before
    Ok(())
}

/// How often `--poll` looks at the files.
const POLL_INTERVAL: Duration = Duration::from_millis(400);

/// The folders below the site root that are watched with everything in them.
const WATCHED_FOLDERS: [&str; 2] = ["content", "themes"];

/// The site's watches, kept up to date as folders appear and disappear.
trait SiteWatch: Send {
    /// Bring the watches of content/ and themes/ up to date: watch those that exist and are
    /// not watched (a folder made while the preview runs, `themes/` for a first template
    /// override; regression: edits in it were never seen), drop those gone, and watch again
    /// those among `remade` (events about the folder itself: removed and made again, or
    /// replaced by another; its watch went with the folder it was on, and a new folder may
    /// have the old one's inode, so it is not told apart by that).
    /// With `relinked` (a link or folder made or renamed), also watch what the site's links
    /// now lead to (see [`Linked`]) and no longer what they led to.
    fn update(&mut self, remade: &[PathBuf], relinked: bool) -> Result<()>;

    /// What the site's links lead to, as last found.
    fn linked(&self) -> &Linked;
}

/// A debouncer watching the site root (not recursively) and [`WATCHED_FOLDERS`] (recursively).
struct Watching<T: Watcher, C: FileIdCache> {
    debouncer: Debouncer<T, C>,
    root: PathBuf,
    /// Which of [`WATCHED_FOLDERS`] are being watched.
    watched: [bool; 2],
    /// What the site's links lead to, and the folders watched (not recursively) for it.
    linked: Linked,
    linked_watched: std::collections::BTreeSet<PathBuf>,
}

impl<T, C> SiteWatch for Watching<T, C>
where
    T: Watcher + Send + 'static,
    C: FileIdCache + Send + 'static,
{
    fn linked(&self) -> &Linked {
        &self.linked
    }

    fn update(&mut self, remade: &[PathBuf], relinked: bool) -> Result<()> {
        // both folders tried whatever happens to the first; the first failure is the result
        let mut result = Ok(());
        for (dir, watched) in WATCHED_FOLDERS.iter().zip(&mut self.watched) {
            let p = self.root.join(dir);
            let exists = p.is_dir();
            if exists == *watched && !remade.contains(&p) {
                continue;
            }
            if *watched {
                // (its watch may have gone with the folder already)
                let _ = self.debouncer.unwatch(&p);
                *watched = false;
            }
            if exists {
                match self.debouncer.watch(&p, RecursiveMode::Recursive) {
                    Ok(()) => *watched = true,
                    Err(e) => {
                        if result.is_ok() {
                            result =
                                Err(anyhow::Error::new(e)
                                    .context(format!("无法监视 {}", p.display())));
                        }
                    }
                }
            }
        }
        if relinked {
            let tops: Vec<PathBuf> = WATCHED_FOLDERS
                .iter()
                .filter_map(|d| self.root.join(d).canonicalize().ok())
                .collect();
            self.linked = Linked::find(&self.root, &tops);
            let mut wanted = self.linked.watched();
            // (watched already, and not to be unwatched: site.toml linked to a file beside it)
            wanted.remove(&self.root);
            for gone in self.linked_watched.difference(&wanted) {
                let _ = self.debouncer.unwatch(gone);
            }
            for dir in wanted.difference(&self.linked_watched) {
                if let Err(e) = self.debouncer.watch(dir, RecursiveMode::NonRecursive)
                    && result.is_ok()
                {
                    result =
                        Err(anyhow::Error::new(e).context(format!("无法监视 {}", dir.display())));
                }
            }
            self.linked_watched = wanted;
        }
        result
    }
}

/// Watch site.toml, content/ and themes/ with watcher `T`; debounced events go to `tx`.
fn watch<T, C>(
    root: &Path,
    debounce: Duration,
    tx: std::sync::mpsc::Sender<DebounceEventResult>,
    cache: C,
    config: notify::Config,
) -> Result<Box<dyn SiteWatch>>
where
    T: Watcher + Send + 'static,
    C: FileIdCache + Send + 'static,
{
    // the debouncer looks for quiet paths every tick: a fine tick keeps the wait after the
    // window short (its default, a quarter of the window, adds up to 50 ms at 200 ms; this
    // one up to 5 ms, and a tick with nothing pending costs next to nothing)
    let debounce = debounce.max(Duration::from_millis(1));
    let tick = (debounce / 40).clamp(Duration::from_millis(2), debounce);
    let mut debouncer: Debouncer<T, C> =
        new_debouncer_opt(debounce, Some(tick), tx, cache, config).context("无法监视文件变化")?;
    debouncer
        .watch(root, RecursiveMode::NonRecursive)
        .context("无法监视站点文件夹")?;
    let mut watching = Watching {
        debouncer,
        root: root.to_path_buf(),
        watched: [false; 2],
        linked: Linked::default(),
        linked_watched: Default::default(),
    };
    watching.update(&[], true)?;
    Ok(Box::new(watching))
}

/// The address to give a browser: an unspecified bind address (0.0.0.0, ::) as loopback.
fn browser_url(local: &str) -> String {
    let host = match local.rsplit_once(':') {
        Some(("0.0.0.0", port)) => format!("127.0.0.1:{port}"),
        Some(("[::]", port)) => format!("[::1]:{port}"),
        _ => local.to_string(),
    };
    format!("http://{host}/")
}

/// Open `url` in the default browser; a failure is only a warning.
fn open_browser(url: &str) {
    let mut cmd = if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/c", "start", "", url]);
        c
    } else if cfg!(target_os = "macos") {
        let mut c = std::process::Command::new("open");
        c.arg(url);
        c
    } else {
        let mut c = std::process::Command::new("xdg-open");
        c.arg(url);
        c
    };
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    match cmd.spawn() {
        Ok(mut child) => {
            let url = url.to_string();
            std::thread::spawn(move || match child.wait() {
                Ok(status) if !status.success() => {
                    eprintln!("warning: 无法打开浏览器（{status}），请手动访问 {url}");
                }
                _ => {}
            });
        }
        Err(e) => eprintln!("warning: 无法打开浏览器（{e}），请手动访问 {url}"),
    }
}

/// Print a generation's findings and how it went; `failure`: why its render failed, when
/// that was not the findings (the page's overlay shows it too).
fn report_build(
    diags: &Diagnostics,
    failure: Option<&str>,
    started: Instant,
    ok: bool,
    number: u64,
    memo: &RenderMemo,
) {
    if !diags.is_empty() {
        eprint!("{}", render_text(diags, Style::for_stderr()));
    }
    if let Some(failure) = failure {
        eprint!("error: {failure}");
    }
    let ms = started.elapsed().as_millis();
    if ok {
        println!(
            "第 {number} 次生成完成，用时 {ms} ms（载入与检查 {} ms；重新渲染 {} 页，沿用 {} 页）",
            memo.loaded_in.as_millis(),
            memo.rendered,
            memo.reused
        );
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
        _ => match resolve(&url, |p| g.site.contains(p) || g.offers(p)) {
            Resolved::File(p) => {
                let ct = content_type(&p);
                match g.file(&p) {
                    Ok(bytes) if ct.starts_with("text/html") => {
                        (200, ct, live::inject(&bytes, g.overlay.as_deref()))
                    }
                    Ok(bytes) => (200, ct, bytes.as_ref().clone()),
                    Err(message) => {
                        eprintln!("error: 生成 {p} 失败：{message}");
                        (
                            500,
                            "text/plain; charset=utf-8",
                            format!("生成 {p} 失败：\n{message}\n").into_bytes(),
                        )
                    }
                }
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
    // tiny_http sends the headers alone for HEAD; a Content-Length (never chunked: the body is
    // in memory) tells the client the size either way
    let resp = Response::from_data(body)
        .with_status_code(status)
        .with_chunked_threshold(usize::MAX)
        .with_header(header("Content-Type", ctype))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"));
    let _ = req.respond(resp);
}
