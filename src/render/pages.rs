//! Every page of the site, each rendered from a small context of its own.

use super::RenderOptions;
use super::charts::{self, figures};
use super::markdown;
use super::search;
use super::tables_html;
use super::theme::Theme;
use super::urls;
use crate::content::{Report, Site};
use crate::export;
use crate::output::OutputFile;
use crate::tables::ReportTables;
use anyhow::{Context as _, Result, anyhow, bail};
use rayon::prelude::*;
use serde_json::{Value as J, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

mod county;
mod data_layout;
mod index_update;
mod stored;
pub use stored::StoredMemo;

/// Column metadata of the government page spec (政府网站网页设计规范).
const COLUMN_NAME: &str = "政府信息公开年报";
const COLUMN_TYPE: &str = "信息公开年报";

/// Files of an earlier render, each under a hash of everything it was rendered from: the
/// preview keeps one between generations and re-renders only the pages whose inputs changed
/// (a report page: its sources, its organisation and its neighbouring years; other pages:
/// their whole template context). A change of theme or site settings clears it.
#[derive(Default)]
pub struct RenderMemo {
    /// The hash of what every page depends on (templates, site settings, options).
    site: [u8; 32],
    /// Report page path → (inputs, the page and its data downloads).
    reports: HashMap<String, ([u8; 32], Arc<Vec<OutputFile>>)>,
    /// Other pages: path → (context, page).
    pages: HashMap<String, ([u8; 32], Arc<OutputFile>)>,
    /// The templates compiled, under the hash of their text.
    tera: Option<([u8; 32], Arc<tera::Tera>)>,
    /// Parts of the site-wide files, per report page path, under a hash of their inputs:
    /// its rows of `data/all.csv` and `data/all.json`, and its search tokens.
    data_rows: Parts<(String, String)>,
    /// Where each report's part is in the data files this render made, by file path: what
    /// `build` records of them instead of the parts (see `data_layout`).
    data_layouts: HashMap<String, data_layout::Layout>,
    search_tokens: Parts<search::TokenSet>,
    /// The SHA-256 of every file above, by path (for `SHA256SUMS`).
    hashes: HashMap<String, String>,
    /// The hash of everything the pages other than the report pages and the search index are
    /// made from (see [`Ctx::shape`]).
    skeleton: [u8; 32],
    /// The search index's posting lists, updated in place for the next edit.
    postings: Option<search::Postings>,
    /// How many pages the last render reused and rendered (for tests and timing).
    pub reused: usize,
    pub rendered: usize,
    /// Time spent loading and checking before this render (set by the caller, for its log).
    pub loaded_in: std::time::Duration,
    /// The keys of the build recorded on disk, when this memo was loaded from there (its
    /// files are read from the output folder when reused).
    stored: Option<stored::Stored>,
    /// Keep only the pages and their hashes, not the parts of the site-wide files nor the
    /// search index's lists: `build` records no more than that, and at 5,000 reports the
    /// parts of `data/all.*` alone are hundreds of MB.
    pub lean: bool,
    /// Keep no SHA-256 of the files: the preview, whose `SHA256SUMS` is made only when asked
    /// for (see `output::MemorySite`); hashing `data/all.*` alone took ~30 ms of CPU per
    /// tables.toml save at 1,000 reports.
    pub unhashed: bool,
}

impl RenderMemo {
    /// The SHA-256 (hex) of `file`, when it is one this memo holds.
    pub fn sha256_of(&self, file: &OutputFile) -> Option<String> {
        self.hashes.get(&file.path).cloned()
    }

    /// Carry `file`, made under `key` by the render that left `old`, into this memo.
    fn keep(&mut self, path: &str, key: [u8; 32], file: &Arc<OutputFile>, old: &RenderMemo) {
        self.hash_all(std::slice::from_ref(file), Some(old));
        self.pages.insert(path.to_string(), (key, Arc::clone(file)));
        self.reused += 1;
    }

    /// Hashes of `files`: from `old` when reused, computed when new.
    fn hash_all(&mut self, files: &[OutputFile], old: Option<&RenderMemo>) {
        if self.unhashed {
            return;
        }
        for f in files {
            let h = old
                .and_then(|o| o.hashes.get(&f.path).cloned())
                .unwrap_or_else(|| f.sha256());
            self.hashes.insert(f.path.clone(), h);
        }
    }
}

/// Parts of a site-wide file, by report page path: (hash of their inputs, the part).
type Parts<T> = HashMap<String, ([u8; 32], Arc<T>)>;

/// A maker of some of the site-wide pages.
type PagesOf = fn(&Ctx<'_>) -> Result<Vec<OutputFile>>;

struct Memo {
    old: RenderMemo,
    new: Mutex<RenderMemo>,
    /// Taken from `old` by the search index, which updates them.
    old_postings: Mutex<Option<search::Postings>>,
    /// See [`RenderMemo::unhashed`].
    unhashed: bool,
}

/// Hashes of a report's sources, computed once per render for the memo's keys.
#[derive(Clone, Copy)]
struct Sources {
    /// report.md, all of it.
    markdown: [u8; 32],
    /// report.md's front matter.
    front: [u8; 32],
    /// tables.toml's values ([`ReportTables::values_sha256`]): a comment changes no page.
    tables: [u8; 32],
}

impl Sources {
    fn of(r: &Report) -> Sources {
        Sources {
            markdown: r.markdown.sha256(),
            front: digest(&[&r.markdown.text.as_bytes()[..r.body_offset]]),
            tables: r.tables.values_sha256(),
        }
    }
}

/// SHA-256 of parts, each prefixed by its length: the memo's keys.
#[derive(Default)]
struct Key(Sha256);

impl Key {
    fn part(&mut self, p: &[u8]) {
        self.0.update((p.len() as u64).to_le_bytes());
        self.0.update(p);
    }
    fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// The [`Key`] of `parts`.
fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut k = Key::default();
    for p in parts {
        k.part(p);
    }
    k.finish()
}

struct Ctx<'a> {
    site: &'a Site,
    memo: Option<Memo>,
    /// With a memo: the hashes of each report's sources, by report page path.
    sources: HashMap<String, Sources>,
    exporter: export::Exporter,
    /// The per-year zips exist (not `--no-downloads`).
    year_zips: bool,
    /// List the documents without producing them (the preview server).
    preview_documents: bool,
    tera: Arc<tera::Tera>,
    base_url: Option<String>,
    site_json: J,
    /// With a memo: the hash of the site's structure (see [`Ctx::shape`]), set before any
    /// page is rendered.
    structure: [u8; 32],
}

/// Render the whole site. Fails on a template error (with the template named).
pub fn render_site(site: &Site, theme: &Theme, opts: &RenderOptions) -> Result<Vec<OutputFile>> {
    render(site, theme, opts, None, &crate::progress::Silent)
}

/// Render the whole site, reusing from `memo` every file whose inputs are unchanged, and
/// leave in `memo` what this render produced. The files are the same as [`render_site`]'s.
pub fn render_site_memo(
    site: &Site,
    theme: &Theme,
    opts: &RenderOptions,
    memo: &mut RenderMemo,
) -> Result<Vec<OutputFile>> {
    render(site, theme, opts, Some(memo), &crate::progress::Silent)
}

/// [`render_site_memo`], reporting each report to `progress` (`build` with its stored memo).
pub fn render_site_memo_with_progress(
    site: &Site,
    theme: &Theme,
    opts: &RenderOptions,
    memo: &mut RenderMemo,
    progress: &dyn crate::progress::Progress,
) -> Result<Vec<OutputFile>> {
    render(site, theme, opts, Some(memo), progress)
}

fn render(
    site: &Site,
    theme: &Theme,
    opts: &RenderOptions,
    mut memo: Option<&mut RenderMemo>,
    progress: &dyn crate::progress::Progress,
) -> Result<Vec<OutputFile>> {
    let templates_key = memo.as_ref().map(|_| templates_key(theme));
    let compiled = memo
        .as_ref()
        .and_then(|m| m.tera.as_ref())
        .filter(|(k, _)| Some(*k) == templates_key)
        .map(|(_, t)| Arc::clone(t));
    let tera = match compiled {
        Some(t) => t,
        None => compile(theme)?,
    };
    let base_url = match &opts.base_url {
        Some(u) => {
            Some(crate::config::normalize_base_url(u).map_err(|m| anyhow!("--base-url {m}"))?)
        }
        None => site.config.base_url.clone(),
    };
    let c = &site.config;
    // a site of one organisation: its name under the site title, its contact in the footer
    let owner = (site.orgs.len() == 1)
        .then(|| site.orgs.values().next())
        .flatten()
        .map(|o| &o.config);
    let site_json = json!({
        "title": c.title,
        "base_url": base_url,
        "gov": c.gov,
        "owner": owner,
    });
    let mut exporter = export::Exporter::new(theme, !opts.no_downloads, &site.config.fonts)?;
    if let Some(dir) = opts.download_cache.as_ref().filter(|_| !opts.no_downloads) {
        exporter = exporter.with_cache(dir.clone());
    }
    let memo_in = memo.as_ref().map(|_| {
        let mut parts: Vec<&[u8]> = vec![
            env!("CARGO_PKG_VERSION").as_bytes(),
            if opts.no_downloads { b"html" } else { b"all" },
            // the preview's links to documents made on request change the report pages
            if opts.no_downloads && opts.preview_documents {
                b"preview documents"
            } else {
                b""
            },
        ];
        for (name, text) in &theme.templates {
            parts.push(name.as_bytes());
            parts.push(text.as_bytes());
        }
        // all of site.toml (the deadline, say, is read by the completeness pages alone)
        let settings = format!(
            "{site_json}\n{base_url:?}\n{}",
            serde_json::to_string(&site.config).unwrap_or_default()
        );
        parts.push(settings.as_bytes());
        digest(&parts)
    });
    let mut ctx = Ctx {
        site,
        memo: match (memo_in, memo.as_deref_mut()) {
            (Some(key), Some(m)) => {
                let mut old = std::mem::take(m);
                let (loaded_in, lean, unhashed) = (old.loaded_in, old.lean, old.unhashed);
                if old.site != key {
                    // the search tokens are kept under what they are made from (the report,
                    // its organisation's name), which no setting or template changes
                    old = RenderMemo {
                        search_tokens: std::mem::take(&mut old.search_tokens),
                        ..RenderMemo::default()
                    };
                }
                Some(Memo {
                    unhashed,
                    old_postings: Mutex::new(old.postings.take()),
                    old,
                    new: Mutex::new(RenderMemo {
                        site: key,
                        loaded_in,
                        lean,
                        unhashed,
                        tera: templates_key.map(|k| (k, Arc::clone(&tera))),
                        ..RenderMemo::default()
                    }),
                })
            }
            _ => None,
        },
        sources: if memo_in.is_some() {
            site.reports
                .par_iter()
                .map(|r| (urls::report(r.year, &r.org), Sources::of(r)))
                .collect()
        } else {
            HashMap::new()
        },
        exporter,
        year_zips: !opts.no_downloads,
        preview_documents: opts.no_downloads && opts.preview_documents,
        tera,
        base_url,
        site_json,
        structure: [0; 32],
    };

    let what = if opts.no_downloads {
        "生成报告页面"
    } else {
        "生成报告页面和下载文件（PDF、Word、Excel）"
    };
    let shape = ctx.memo.as_ref().map(|_| ctx.shape());
    if let Some((structure, _)) = shape {
        ctx.structure = structure;
    }
    let skeleton = shape.map(|(_, skeleton)| skeleton);
    if let (Some(m), Some(k)) = (&ctx.memo, skeleton) {
        m.new.lock().unwrap_or_else(|e| e.into_inner()).skeleton = k;
    }
    let reused = skeleton.and_then(|k| ctx.reuse_site_pages(k));
    let task = crate::progress::Task::start(progress, what, site.reports.len());
    // the two largest site-wide files (the data files end in one long concatenation) are
    // made beside the report pages rather than after them, when the two cores would wait
    // for them
    let (rendered, heavy) = rayon::join(
        || {
            site.reports
                .par_iter()
                .map(|r| {
                    let files = ctx.report_files(r);
                    task.advance(&format!("{}/{}", r.year, r.org));
                    files
                })
                .collect::<Result<Vec<_>>>()
        },
        || -> Result<Vec<OutputFile>> {
            let mut files = vec![ctx.search_index()?];
            if reused.is_none() {
                files.extend(ctx.data_files()?);
            }
            Ok(files)
        },
    );
    drop(task);
    let mut files: Vec<OutputFile> = rendered?.into_iter().flatten().collect();
    let heavy = heavy?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut zips = Vec::new();
    if !opts.no_downloads {
        for year in site.years() {
            let mut of_year: Vec<&OutputFile> = Vec::new();
            for r in site.reports.iter().filter(|r| r.year == year) {
                for name in export::download_names(r) {
                    let path = format!("{}/{name}", urls::report_dir(r.year, &r.org));
                    if let Ok(i) = files.binary_search_by(|f| f.path.as_str().cmp(&path)) {
                        of_year.push(&files[i]);
                    }
                }
            }
            let zip = ctx.exporter.year_zip(year, &of_year)?;
            zips.push(zip);
        }
        ctx.exporter.prune_cache();
    }
    files.extend(zips);
    match reused {
        Some(reused) => files.extend(reused),
        None => files.extend(site_pages(&ctx)?),
    }
    files.extend(heavy);
    for (path, bytes) in &theme.statics {
        files.push(OutputFile::new(path.clone(), bytes.clone()));
    }
    // two sources for one output path is a mistake in the content or theme, never silent
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for w in files.windows(2) {
        if w[0].path == w[1].path {
            bail!("两个文件都要输出到 {}：请重命名附件或主题文件", w[0].path);
        }
    }
    if let (Some(m), Some(out)) = (ctx.memo, memo) {
        *out = m.new.into_inner().unwrap_or_else(|e| e.into_inner());
    }
    Ok(files)
}

/// The site-wide pages (all but the report pages and their downloads, the data files and the
/// search index, made beside the report pages), in parallel: each reads the site, none
/// another's output. What each reads besides the site's structure is said here, for the memo
/// (see [`Ctx::site_page`]); the comparison pages key themselves.
fn site_pages(ctx: &Ctx<'_>) -> Result<Vec<OutputFile>> {
    let site = ctx.site;
    let years = site.years();
    let of_years: Vec<Vec<OutputFile>> = years
        .par_iter()
        .map(|&y| {
            Ok(vec![
                ctx.site_page(&urls::year(y), &[], || ctx.year_page(y))?,
                ctx.site_page(&urls::completeness(y), &[], || ctx.completeness_page(y))?,
            ])
        })
        .collect::<Result<_>>()?;
    let orgs: Vec<&crate::content::Org> = site.orgs.values().collect();
    let of_orgs: Vec<Vec<OutputFile>> = orgs
        .par_iter()
        .map(|o| {
            // an organisation's page shows figures and charts of its reports' tables
            let tables: Vec<[u8; 32]> = site
                .reports_of(&o.id)
                .map(|r| ctx.sources(r).tables)
                .collect();
            let tables: Vec<&[u8]> = tables.iter().map(|t| t.as_slice()).collect();
            let mut v = vec![ctx.site_page(&urls::org(&o.id), &tables, || ctx.org_page(&o.id))?];
            v.extend(ctx.compare_pages(o)?);
            Ok(v)
        })
        .collect::<Result<_>>()?;
    let singles: [PagesOf; 7] = [
        |c| Ok(vec![c.site_page(&urls::home(), &[], || c.home_page())?]),
        |c| Ok(vec![c.site_page("404.html", &[], || c.not_found_page())?]),
        |c| Ok(vec![c.site_page("sitemap.xml", &[], || c.sitemap())?]),
        |c| Ok(vec![c.site_page("sitemap.html", &[], || c.sitemap_page())?]),
        |c| {
            Ok(vec![
                c.site_page("statement.html", &[], || c.statement_page())?,
            ])
        },
        |c| Ok(vec![c.site_page("search.html", &[], || c.search_page())?]),
        |c| Ok(vec![c.site_page("feed.xml", &[], || c.feed())?]),
    ];
    let of_site: Vec<Vec<OutputFile>> = singles
        .par_iter()
        .map(|make| make(ctx))
        .collect::<Result<_>>()?;
    Ok(of_years
        .into_iter()
        .chain(of_orgs)
        .chain(of_site)
        .flatten()
        .collect())
}

/// The hash of a theme's templates, under which their compiled form is kept.
fn templates_key(theme: &Theme) -> [u8; 32] {
    let parts: Vec<&[u8]> = theme
        .templates
        .iter()
        .flat_map(|(k, v)| [k.as_bytes(), v.as_bytes()])
        .collect();
    digest(&parts)
}

/// A theme's templates, compiled.
fn compile(theme: &Theme) -> Result<Arc<tera::Tera>> {
    let mut tera = tera::Tera::default();
    // tera's `get_env` reads the builder's environment: a page must come from the site's files
    // alone (what a build fingerprints and its memo keys), and never publish what the
    // environment holds (tokens, paths)
    tera.register_function(
        "get_env",
        |args: &std::collections::HashMap<String, J>| -> tera::Result<J> {
            let name = args.get("name").and_then(J::as_str).unwrap_or_default();
            Err(tera::Error::msg(format!(
                "模板不能读取环境变量（get_env(name=\"{name}\")）：网页只由站点文件生成"
            )))
        },
    );
    let templates: Vec<(&str, &str)> = theme
        .templates
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    tera.add_raw_templates(templates)
        .map_err(|e| anyhow!(tera_chain(&e)))
        .context("主题模板有误")?;
    tera.autoescape_on(vec![".html", ".xml"]);
    Ok(Arc::new(tera))
}

/// A theme's templates compiled ahead of the render, so that it can be done while something
/// else is (see [`RenderMemo::use_templates`]); a theme whose templates do not compile gives
/// none, and the render reports the error.
pub struct CompiledTemplates(Option<([u8; 32], Arc<tera::Tera>)>);

impl CompiledTemplates {
    pub fn of(theme: &Theme) -> CompiledTemplates {
        CompiledTemplates(compile(theme).ok().map(|t| (templates_key(theme), t)))
    }
}

impl RenderMemo {
    /// Render with `compiled` (when they are those of the theme rendered with).
    pub fn use_templates(&mut self, compiled: CompiledTemplates) {
        if let Some(t) = compiled.0 {
            self.tera = Some(t);
        }
    }

    /// Forget the pages that made the files at `paths` (a report page with its data files
    /// goes whole): the next render makes them again.
    pub fn forget(&mut self, paths: &[String]) {
        let gone: std::collections::HashSet<&str> = paths.iter().map(String::as_str).collect();
        let pages = self.pages.len();
        self.pages.retain(|p, _| !gone.contains(p.as_str()));
        if self.pages.len() != pages
            || self
                .stored
                .as_ref()
                .is_some_and(|s| paths.iter().any(|p| s.has_page(p)))
        {
            // the site-wide pages are no longer all there to be taken together (see
            // `Ctx::reuse_site_pages`): each is looked up by its own key
            self.skeleton = [0; 32];
        }
        self.reports
            .retain(|_, (_, made)| !made.iter().any(|f| gone.contains(f.path.as_str())));
        if let Some(stored) = &mut self.stored {
            stored.forget(&gone);
        }
    }

    /// The templates it renders with, compiled (for another memo: see
    /// [`RenderMemo::use_templates`]).
    pub fn templates(&self) -> CompiledTemplates {
        CompiledTemplates(self.tera.clone())
    }
}

fn tera_chain(e: &tera::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(&format!("：{inner}"));
        src = inner.source();
    }
    s
}

fn human_size(n: u64) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MB", n as f64 / 1024.0 / 1024.0)
    }
}

impl Ctx<'_> {
    /// The page at `path` rendered from `template` with [`context`](Self::context)`(path,
    /// page, extra)`. Memoised by the callers: report pages under their sources (see
    /// `report_files`), the others under the site's structure (see [`site_page`](Self::site_page)).
    fn render(&self, template: &str, path: &str, page: J, extra: J) -> Result<OutputFile> {
        self.render_now(template, path, self.context(path, page, extra))
    }

    /// A site-wide page at `path` made by `make`, which reads the site's structure (see
    /// [`shape`](Self::shape)), the settings and theme (the memo's own key) and nothing else
    /// but `inputs`: with a memo, the page of the last render under the same key, its context
    /// not even built.
    fn site_page(
        &self,
        path: &str,
        inputs: &[&[u8]],
        make: impl FnOnce() -> Result<OutputFile>,
    ) -> Result<OutputFile> {
        if self.memo.is_none() {
            return make();
        }
        let mut k = Key::default();
        k.part(b"site page");
        k.part(&self.structure);
        k.part(path.as_bytes());
        for p in inputs {
            k.part(p);
        }
        self.keyed(path, k.finish(), || {
            let file = make()?;
            debug_assert_eq!(file.path, path, "a site page made under another path");
            Ok(file)
        })
    }

    /// The template context of the page at `path`: the site, the column, `page` (with
    /// `root`, `path` and `canonical` filled in) and the entries of `extra`.
    fn context(&self, path: &str, mut page: J, extra: J) -> J {
        if page.get("root").is_none() {
            page["root"] = J::String(urls::root_of(path));
        }
        page["path"] = J::String(path.to_string());
        if page.get("canonical").is_none() {
            page["canonical"] = self
                .base_url
                .as_ref()
                .map_or(J::Null, |b| J::String(urls::absolute(b, path)));
        }
        let mut value = json!({
            "site": self.site_json,
            "page": page,
            "column": {
                "name": COLUMN_NAME,
                "type": COLUMN_TYPE,
                "description": format!("{}：各机关历年政府信息公开工作年度报告", self.site.config.title),
                "keywords": "政府信息公开,年度报告,信息公开年报",
            },
        });
        if let (J::Object(v), J::Object(e)) = (&mut value, extra) {
            v.extend(e);
        }
        value
    }

    /// The hashes of `r`'s sources (computed now when the render has no memo).
    fn sources(&self, r: &Report) -> Sources {
        self.sources
            .get(&urls::report(r.year, &r.org))
            .copied()
            .unwrap_or_else(|| Sources::of(r))
    }

    /// Two hashes of what the site-wide pages are made from. The structure: every
    /// organisation's settings and every report's place, title, front matter and attachments
    /// (all that the year, completeness, home, sitemap, feed and search pages read; an
    /// organisation's page reads its reports' tables too). The skeleton: the structure and
    /// every report's tables, everything any site-wide page (comparisons and data files
    /// included) is made from. Only report pages and the search index read the narrative, so
    /// an edit of the narrative alone leaves both unchanged; of tables, the structure.
    fn shape(&self) -> ([u8; 32], [u8; 32]) {
        let mut k = Key::default();
        for (id, org) in &self.site.orgs {
            k.part(id.as_bytes());
            k.part(
                serde_json::to_string(&org.config)
                    .unwrap_or_default()
                    .as_bytes(),
            );
        }
        for r in &self.site.reports {
            let src = self.sources(r);
            k.part(r.org.as_bytes());
            k.part(&r.year.to_le_bytes());
            k.part(r.title.as_bytes());
            k.part(&src.front);
            for a in &r.attachments {
                k.part(a.name.as_bytes());
                k.part(&a.size.to_le_bytes());
            }
        }
        let structure = k.finish();
        let mut k = Key::default();
        k.part(&structure);
        for r in &self.site.reports {
            k.part(&self.sources(r).tables);
        }
        (structure, k.finish())
    }

    /// With a memo whose site-wide pages were made from the same skeleton (see [`shape`](Self::shape)):
    /// those pages as they were (the search index aside, which reads the narrative).
    fn reuse_site_pages(&self, skeleton: [u8; 32]) -> Option<Vec<OutputFile>> {
        let m = self.memo.as_ref()?;
        if m.old.skeleton != skeleton || self.year_zips {
            return None;
        }
        let pages = m.all_pages(urls::SEARCH_INDEX)?;
        let mut new = m.new.lock().unwrap_or_else(|e| e.into_inner());
        let mut files = Vec::with_capacity(pages.len());
        for (path, key, file) in &pages {
            new.keep(path, *key, file, &m.old);
            files.push(OutputFile::clone(file));
        }
        new.data_rows = m.old.data_rows.clone();
        Some(files)
    }

    /// The file `make` makes, or (with a memo) the one made by the last render under the same
    /// `key`: a hash of everything the file is made from.
    fn keyed(
        &self,
        path: &str,
        key: [u8; 32],
        make: impl FnOnce() -> Result<OutputFile>,
    ) -> Result<OutputFile> {
        let Some(m) = self.memo.as_ref() else {
            return make();
        };
        if let Some(file) = m.page(path, &key) {
            let mut new = m.new.lock().unwrap_or_else(|e| e.into_inner());
            new.keep(path, key, &file, &m.old);
            return Ok(OutputFile::clone(&file));
        }
        let file = make()?;
        self.made(path, key, &file);
        Ok(file)
    }

    /// Put `file`, made now under `key`, in the memo (with its hash, unless unhashed).
    fn made(&self, path: &str, key: [u8; 32], file: &OutputFile) {
        let Some(m) = self.memo.as_ref() else {
            return;
        };
        let hash = (!m.unhashed).then(|| file.sha256());
        let mut new = m.new.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hash) = hash {
            new.hashes.insert(path.to_string(), hash);
        }
        new.pages
            .insert(path.to_string(), (key, Arc::new(file.clone())));
        new.rendered += 1;
    }

    /// One part per report of a site-wide file, each made by `make` or (with a memo) reused
    /// from the last render under the same key. `table` and `table_mut` pick the memo's
    /// table of such parts; a lean memo keeps them only if `keep_when_lean`.
    fn parts<T: ?Sized + Send + Sync>(
        &self,
        reports: &[&Report],
        keep_when_lean: bool,
        table: fn(&RenderMemo) -> &Parts<T>,
        table_mut: fn(&mut RenderMemo) -> &mut Parts<T>,
        key: impl Fn(&Report) -> [u8; 32] + Sync,
        make: impl Fn(&Report) -> Arc<T> + Sync,
    ) -> Vec<([u8; 32], Arc<T>)> {
        let Some(m) = self.memo.as_ref() else {
            return reports.par_iter().map(|r| ([0; 32], make(r))).collect();
        };
        let old = table(&m.old);
        let made: Vec<(String, [u8; 32], Arc<T>)> = reports
            .par_iter()
            .map(|r| {
                let id = urls::report(r.year, &r.org);
                let k = key(r);
                let part = match old.get(&id) {
                    Some((old_key, part)) if *old_key == k => Arc::clone(part),
                    _ => make(r),
                };
                (id, k, part)
            })
            .collect();
        let mut new = m.new.lock().unwrap_or_else(|e| e.into_inner());
        if new.lean && !keep_when_lean {
            return made.into_iter().map(|(_, k, part)| (k, part)).collect();
        }
        let parts = table_mut(&mut new);
        made.into_iter()
            .map(|(id, k, part)| {
                parts.insert(id, (k, Arc::clone(&part)));
                (k, part)
            })
            .collect()
    }

    /// `search-index.js`; each report's tokens are kept in the memo under its text.
    fn search_index(&self) -> Result<OutputFile> {
        let reports = search::index_order(self.site);
        // kept by `build` too, which records them (see `stored`): tokenising every report
        // again after one edit took ~60 ms at 1,000 reports
        let tokens = self.parts(
            &reports,
            true,
            |m| &m.search_tokens,
            |m| &mut m.search_tokens,
            |r| {
                let src = self.sources(r);
                digest(&[
                    r.title.as_bytes(),
                    self.org_name(&r.org).as_bytes(),
                    &src.markdown,
                    &src.tables,
                ])
            },
            |r| Arc::new(search::report_tokens(self.site, r)),
        );
        let docs: Vec<search::Doc> = reports
            .iter()
            .zip(&tokens)
            .map(|(r, (_, t))| search::Doc {
                title: r.title.clone(),
                href: urls::link("search.html", &urls::report(r.year, &r.org)),
                org_name: self.org_name(&r.org),
                year: r.year,
                tokens: Arc::clone(t),
            })
            .collect();
        let Some(m) = self.memo.as_ref() else {
            return Ok(OutputFile::new(urls::SEARCH_INDEX, search::script(&docs)));
        };
        let key = index_update::index_key(docs.iter().zip(&tokens).map(|(d, (k, _))| {
            (
                d.title.as_str(),
                d.href.as_str(),
                d.org_name.as_str(),
                d.year,
                k,
            )
        }));
        let file = self.keyed(urls::SEARCH_INDEX, key, || {
            let old = m
                .old_postings
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            // `build` after an edit: the recorded index, updated
            if old.is_none()
                && let Some(text) = index_update::updated_index(m, &reports, &docs, &tokens)
            {
                return Ok(OutputFile::new(urls::SEARCH_INDEX, text));
            }
            let postings = match old {
                Some(p) => p.update(&docs),
                None => search::Postings::new(&docs),
            };
            let text = postings.script(&docs);
            let mut new = m.new.lock().unwrap_or_else(|e| e.into_inner());
            if !new.lean {
                new.postings = Some(postings);
            }
            Ok(OutputFile::new(urls::SEARCH_INDEX, text))
        })?;
        // reused: the lists are still those of these documents
        let mut new = m.new.lock().unwrap_or_else(|e| e.into_inner());
        if new.postings.is_none() && !new.lean {
            new.postings = m
                .old_postings
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
        }
        Ok(file)
    }

    fn render_now(&self, template: &str, path: &str, value: J) -> Result<OutputFile> {
        thread_local! {
            /// The size of the page each template last made on this thread: the next one's
            /// buffer starts at about that size instead of growing to it by doubling.
            static LAST_SIZE: std::cell::RefCell<HashMap<String, usize>> =
                std::cell::RefCell::default();
        }
        let context = tera::Context::from_value(value)?;
        let hint = LAST_SIZE.with(|m| m.borrow().get(template).copied().unwrap_or(0));
        let mut html = Vec::with_capacity(hint + hint / 16);
        // into bytes: `Tera::render` would check the whole page is UTF-8 once more (~3% of a
        // full build's CPU); the templates, the context and the filters give only `str`s
        self.tera
            .render_to(template, &context, &mut html)
            .map_err(|e| anyhow!(tera_chain(&e)))
            .with_context(|| format!("渲染 {path}（模板 {template}）失败"))?;
        LAST_SIZE.with(|m| {
            let mut m = m.borrow_mut();
            match m.get_mut(template) {
                Some(size) => *size = html.len(),
                None => {
                    m.insert(template.to_string(), html.len());
                }
            }
        });
        Ok(OutputFile::new(path, html))
    }

    /// On a site of several organisations, the footer of an organisation's pages gives that
    /// organisation's contact (a site of one shows it on every page).
    fn contact_of(&self, org: &str) -> J {
        if self.site.orgs.len() < 2 {
            return J::Null;
        }
        self.site.org(org).map_or(J::Null, |o| {
            serde_json::to_value(&o.config).unwrap_or(J::Null)
        })
    }

    fn org_name(&self, org: &str) -> String {
        self.site
            .org(org)
            .map_or_else(|| org.to_string(), |o| o.config.name.clone())
    }

    /// A report as listed on other pages.
    fn summary(&self, r: &Report, from: &str) -> J {
        let org = self.site.org(&r.org);
        json!({
            "title": r.title,
            "year": r.year,
            "org": r.org,
            "org_name": self.org_name(&r.org),
            "kind": org.and_then(|o| o.config.kind.clone()),
            "kind_heading": org.map(|o| o.config.kind_heading()),
            "published": r.front.published.map(|d| d.ymd()),
            "href": urls::link(from, &urls::report(r.year, &r.org)),
            "archived": r.archived(),
        })
    }

    /// Summaries grouped by kind of organisation, in the conventional order (本级政府,
    /// 办公厅（室）, 部门, 乡镇（街道）, then other kinds); within a kind by `order`, then folder.
    fn grouped(&self, reports: &[&Report], from: &str) -> J {
        let mut sorted: Vec<(&crate::content::Org, &Report)> = reports
            .iter()
            .filter_map(|r| Some((self.site.org(&r.org)?, *r)))
            .collect();
        sorted.sort_by(|a, b| {
            (county::org_sort_key(a.0), a.1.year).cmp(&(county::org_sort_key(b.0), b.1.year))
        });
        let mut groups: Vec<(String, Vec<J>)> = Vec::new();
        for (o, r) in sorted {
            let heading = o.config.kind_heading();
            let item = self.summary(r, from);
            match groups.last_mut() {
                Some((k, list)) if *k == heading => list.push(item),
                _ => groups.push((heading, vec![item])),
            }
        }
        J::Array(
            groups
                .into_iter()
                .map(|(kind, list)| json!({ "kind": kind, "reports": list }))
                .collect(),
        )
    }

    /// A report's page, its downloads and its attachments.
    fn report_files(&self, r: &Report) -> Result<Vec<OutputFile>> {
        let path = urls::report(r.year, &r.org);
        // neighbouring years of the same organisation
        let years: Vec<&Report> = self.site.reports_of(&r.org).collect();
        let pos = years.iter().position(|x| x.year == r.year);
        let prev = pos
            .and_then(|i| years.get(i + 1))
            .map(|x| self.summary(x, &path));
        let next = pos
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| years.get(i))
            .map(|x| self.summary(x, &path));
        let mut files = self.attachment_files(r)?;
        // the documents are not memoised (the download cache keeps them)
        let Some(m) = self.memo.as_ref().filter(|_| !self.year_zips) else {
            files.extend(self.report_page(r, prev, next)?);
            return Ok(files);
        };
        let org = self
            .site
            .org(&r.org)
            .map(|o| serde_json::to_string(&o.config).unwrap_or_default())
            .unwrap_or_default();
        let attachments: String = r
            .attachments
            .iter()
            .map(|a| format!("{}\0{}\n", a.name, a.size))
            .collect();
        let as_text = |v: &Option<J>| v.as_ref().map(J::to_string).unwrap_or_default();
        let neighbours = format!("{}\n{}", as_text(&prev), as_text(&next));
        let year = r.year.to_le_bytes();
        // the year-over-year comparison reads the previous year's tables (parsed as its
        // front matter says)
        let previous = county::previous(self.site, r).map(|p| self.sources(p));
        let src = self.sources(r);
        let key = digest(&[
            r.org.as_bytes(),
            &year,
            r.title.as_bytes(),
            org.as_bytes(),
            &src.markdown,
            &src.tables,
            attachments.as_bytes(),
            neighbours.as_bytes(),
            previous.as_ref().map_or(b"\0".as_slice(), |p| &p.tables),
            previous.as_ref().map_or(b"\0".as_slice(), |p| &p.front),
        ]);
        let (made, old) = match m.report(&path, &key) {
            Some(made) => (made, Some(&m.old)),
            None => (Arc::new(self.report_page(r, prev, next)?), None),
        };
        files.extend(made.iter().cloned());
        // hashed outside the lock, in this report's thread
        let mut hashes = RenderMemo {
            unhashed: m.unhashed,
            ..RenderMemo::default()
        };
        hashes.hash_all(&made, old);
        let mut new = m.new.lock().unwrap_or_else(|e| e.into_inner());
        new.hashes.extend(hashes.hashes);
        if old.is_some() {
            new.reused += 1;
        } else {
            new.rendered += 1;
        }
        new.reports.insert(path, (key, made));
        Ok(files)
    }

    /// The files of a report's `files/` folder, read now (they are not memoised).
    fn attachment_files(&self, r: &Report) -> Result<Vec<OutputFile>> {
        let dir = urls::report_dir(r.year, &r.org);
        r.attachments
            .iter()
            .map(|a| {
                let bytes = std::fs::read(&a.path)
                    .with_context(|| format!("无法读取附件 {}", a.path.display()))?;
                Ok(OutputFile::new(format!("{dir}/files/{}", a.name), bytes))
            })
            .collect()
    }

    /// A report's page and its downloads; `prev`, `next`: its neighbouring years.
    fn report_page(&self, r: &Report, prev: Option<J>, next: Option<J>) -> Result<Vec<OutputFile>> {
        let path = urls::report(r.year, &r.org);
        let dir = urls::report_dir(r.year, &r.org);
        let org = self.site.org(&r.org);
        let org_name = self.org_name(&r.org);
        let mut files = Vec::new();

        // tables, placed in the narrative
        let mut placeables = markdown::table_slots(&r.tables);
        match &r.tables {
            ReportTables::National { tables, .. } => {
                for (p, t) in placeables.iter_mut().zip(tables) {
                    p.html = tables_html::national(t, &format!("t-{}", t.def.key));
                }
            }
            ReportTables::Custom(list) => {
                for (i, (p, t)) in placeables.iter_mut().zip(list).enumerate() {
                    p.html = tables_html::custom(t, &format!("t-{}", i + 1), i + 1);
                }
            }
        }
        let narrative = markdown::render(r.body(), &placeables);

        let downloads = self.exporter.downloads(r, &org_name)?;
        let mut dl_json = Vec::new();
        for d in downloads {
            let out = format!("{dir}/{}", d.file);
            dl_json.push(json!({
                "label": d.label,
                "kind": d.kind,
                "file": d.file,
                "href": urls::link(&path, &out),
                "size": human_size(d.bytes.len() as u64),
            }));
            files.push(OutputFile::new(out, d.bytes));
        }
        if self.preview_documents {
            // the preview lists the documents it will make when they are asked for
            let names = export::download_names(r);
            let listed: Vec<J> = export::documents()
                .iter()
                .zip(names)
                .map(|((kind, label), file)| {
                    json!({
                        "label": label,
                        "kind": kind,
                        "file": file,
                        "href": urls::link(&path, &format!("{dir}/{file}")),
                        "size": "预览时按需生成",
                        "preview": true,
                    })
                })
                .collect();
            dl_json.splice(0..0, listed);
        }
        let att_json: Vec<J> = r
            .attachments
            .iter()
            .map(|a| {
                let out = format!("{dir}/files/{}", a.name);
                json!({
                    "name": a.name,
                    "href": urls::link(&path, &out),
                    "size": human_size(a.size),
                })
            })
            .collect();

        let format_document = match &r.tables {
            ReportTables::National { format, .. } => Some(format.document),
            ReportTables::Custom(_) => None,
        };
        let page = json!({
            "kind": "report",
            "title": r.title,
            "breadcrumb": [
                {"title": format!("{}年", r.year), "href": urls::link(&path, &urls::year(r.year))},
                {"title": org_name, "href": urls::link(&path, &urls::org(&r.org))},
            ],
            "contact": self.contact_of(&r.org),
        });
        let extra = json!({
            "report": {
                "title": r.title,
                "year": r.year,
                "org": r.org,
                "org_name": org_name,
                "org_href": urls::link(&path, &urls::org(&r.org)),
                "published": r.front.published.map(|d| d.chinese()),
                "published_ymd": r.front.published.map(|d| d.ymd()),
                "pub_date": r.front.published.map(|d| d.ymd_hm()),
                "index_number": r.front.index_number,
                "archived": r.archived(),
                "format": r.tables.format_id(),
                "format_document": format_document,
                "body_html": narrative.html,
                "toc": narrative.toc.iter().map(|(id, t)| json!({"id": id, "title": t})).collect::<Vec<_>>(),
                "downloads": dl_json,
                "attachments": att_json,
                "prev": prev,
                "next": next,
                "compare": county::previous(self.site, r)
                    .map(|p| county::compare_link(r, p, &path)),
                "yoy": county::previous(self.site, r).map(|p| county::yoy(r, p)),
            },
            "org": org.map(|o| &o.config),
        });
        files.push(self.render("report.html", &path, page, extra)?);
        Ok(files)
    }

    fn year_page(&self, year: u16) -> Result<OutputFile> {
        let path = urls::year(year);
        let reports: Vec<&Report> = self
            .site
            .reports
            .iter()
            .filter(|r| r.year == year)
            .collect();
        let page = json!({
            "kind": "year",
            "title": format!("{year}年政府信息公开工作年度报告"),
            "breadcrumb": [{"title": format!("{year}年"), "href": urls::link(&path, &path)}],
        });
        let extra = json!({
            "year": year,
            "count": reports.len(),
            "groups": self.grouped(&reports, &path),
            "archive": self.year_zips.then(|| urls::link(&path, &format!("downloads/{year}.zip"))),
            "completeness": urls::link(&path, &urls::completeness(year)),
            "years": self.year_list(&path),
        });
        self.render("year.html", &path, page, extra)
    }

    fn year_list(&self, from: &str) -> J {
        let years = self.site.years();
        J::Array(
            years
                .iter()
                .map(|y| {
                    json!({
                        "year": y,
                        "href": urls::link(from, &urls::year(*y)),
                        "count": self.site.reports.iter().filter(|r| r.year == *y).count(),
                    })
                })
                .collect(),
        )
    }

    fn org_page(&self, org_id: &str) -> Result<OutputFile> {
        let path = urls::org(org_id);
        let org = self.site.org(org_id).context("机关不存在")?;
        let reports: Vec<J> = self
            .site
            .reports_of(org_id)
            .map(|r| {
                let mut s = self.summary(r, &path);
                s["format"] = J::String(r.tables.format_id().to_string());
                s["figures"] = figures(r);
                s
            })
            .collect();
        let page = json!({
            "kind": "org",
            "title": format!("{}政府信息公开工作年度报告", org.config.name),
            "breadcrumb": [{"title": org.config.name, "href": urls::link(&path, &path)}],
            "contact": self.contact_of(org_id),
        });
        let charts = charts::org_charts(self.site.reports_of(org_id).collect());
        let parent = org
            .config
            .parent
            .as_deref()
            .and_then(|p| self.site.org(p))
            .map(|p| json!({"name": p.config.name, "href": urls::link(&path, &urls::org(&p.id))}));
        let mut children: Vec<&crate::content::Org> = self
            .site
            .orgs
            .values()
            .filter(|o| o.config.parent.as_deref() == Some(org_id))
            .collect();
        children.sort_by(|a, b| county::org_sort_key(a).cmp(&county::org_sort_key(b)));
        let children: Vec<J> = children
            .iter()
            .map(|c| json!({"name": c.config.name, "href": urls::link(&path, &urls::org(&c.id))}))
            .collect();
        let extra = json!({
            "org": org.config,
            "reports": reports,
            "charts": charts,
            "comparisons": self.comparisons(org_id, &path),
            "parent": parent,
            "children": children,
        });
        self.render("org.html", &path, page, extra)
    }

    fn home_page(&self) -> Result<OutputFile> {
        let path = urls::home();
        let latest = self.site.years().first().copied();
        let latest_reports: Vec<&Report> = self
            .site
            .reports
            .iter()
            .filter(|r| Some(r.year) == latest)
            .collect();
        let mut sorted: Vec<&crate::content::Org> = self.site.orgs.values().collect();
        sorted.sort_by(|a, b| county::org_sort_key(a).cmp(&county::org_sort_key(b)));
        let orgs: Vec<J> = sorted
            .iter()
            .map(|o| {
                json!({
                    "name": o.config.name,
                    "kind": o.config.kind,
                    "kind_heading": o.config.kind_heading(),
                    "href": urls::link(&path, &urls::org(&o.id)),
                    "count": self.site.reports_of(&o.id).count(),
                })
            })
            .collect();
        let page = json!({ "kind": "home", "title": self.site.config.title, "breadcrumb": [] });
        let extra = json!({
            "latest_year": latest,
            "latest": self.grouped(&latest_reports, &path),
            "years": self.year_list(&path),
            "org_groups": group_by_heading(&orgs),
            "orgs": orgs,
            "report_count": self.site.reports.len(),
        });
        self.render("index.html", &path, page, extra)
    }

    fn not_found_page(&self) -> Result<OutputFile> {
        // The 404 page is served at any depth, so its links start from the site's own path
        // when base_url says what it is; without it, from the server root.
        let root = self
            .base_url
            .as_ref()
            .and_then(|b| b.split_once("://").map(|(_, rest)| rest))
            .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_else(|| "/".to_string());
        self.render(
            "404.html",
            "404.html",
            json!({"kind": "404", "title": "页面不存在", "breadcrumb": [], "canonical": null, "root": root}),
            json!({}),
        )
    }

    fn absolute_or_relative(&self, path: &str) -> String {
        match &self.base_url {
            Some(b) => urls::absolute(b, path),
            None => super::escape::path(path),
        }
    }

    fn sitemap(&self) -> Result<OutputFile> {
        let mut urls_list =
            vec![json!({"loc": self.absolute_or_relative("index.html"), "lastmod": null})];
        for y in self.site.years() {
            urls_list
                .push(json!({"loc": self.absolute_or_relative(&urls::year(y)), "lastmod": null}));
        }
        for o in self.site.orgs.keys() {
            urls_list
                .push(json!({"loc": self.absolute_or_relative(&urls::org(o)), "lastmod": null}));
        }
        for r in &self.site.reports {
            urls_list.push(json!({
                "loc": self.absolute_or_relative(&urls::report(r.year, &r.org)),
                "lastmod": r.front.published.map(|d| d.ymd()),
            }));
        }
        self.render(
            "sitemap.xml",
            "sitemap.xml",
            json!({"kind": "sitemap", "title": "sitemap", "canonical": null}),
            json!({ "urls": urls_list }),
        )
    }

    /// 网站地图: every year, organisation and report, page-relative links.
    fn sitemap_page(&self) -> Result<OutputFile> {
        let path = "sitemap.html";
        let years: Vec<J> = self
            .site
            .years()
            .into_iter()
            .map(|y| {
                let reports: Vec<&Report> =
                    self.site.reports.iter().filter(|r| r.year == y).collect();
                json!({
                    "year": y,
                    "href": urls::link(path, &urls::year(y)),
                    "groups": self.grouped(&reports, path),
                })
            })
            .collect();
        let orgs: Vec<J> = self
            .site
            .orgs
            .values()
            .map(|o| {
                json!({
                    "name": o.config.name,
                    "href": urls::link(path, &urls::org(&o.id)),
                    "reports": self
                        .site
                        .reports_of(&o.id)
                        .map(|r| self.summary(r, path))
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
        let page = json!({
            "kind": "sitemap",
            "title": "网站地图",
            "breadcrumb": [{"title": "网站地图", "href": path}],
        });
        self.render(
            "sitemap.html",
            path,
            page,
            json!({ "years": years, "orgs": orgs }),
        )
    }

    /// 网站声明.
    fn statement_page(&self) -> Result<OutputFile> {
        let path = "statement.html";
        let page = json!({
            "kind": "statement",
            "title": "网站声明",
            "breadcrumb": [{"title": "网站声明", "href": path}],
        });
        self.render("statement.html", path, page, json!({}))
    }

    fn search_page(&self) -> Result<OutputFile> {
        let path = "search.html";
        let page = json!({
            "kind": "search",
            "title": "站内搜索",
            "breadcrumb": [{"title": "站内搜索", "href": path}],
        });
        self.render(
            "search.html",
            path,
            page,
            json!({ "report_count": self.site.reports.len() }),
        )
    }

    fn feed(&self) -> Result<OutputFile> {
        let mut reports: Vec<&Report> = self.site.reports.iter().collect();
        // newest publication first; reports without a date by year
        reports.sort_by(|a, b| {
            let key = |r: &Report| {
                (
                    r.front
                        .published
                        .map(|d| d.ymd())
                        .unwrap_or_else(|| format!("{}-12-31", r.year)),
                    r.org.clone(),
                )
            };
            key(b).cmp(&key(a))
        });
        reports.truncate(50);
        let entries: Vec<J> = reports
            .iter()
            .map(|r| {
                let updated = r
                    .front
                    .published
                    .map(|d| d.rfc3339())
                    .unwrap_or_else(|| format!("{}-12-31T00:00:00+08:00", r.year));
                json!({
                    "title": r.title,
                    "org_name": self.org_name(&r.org),
                    "link": self.absolute_or_relative(&urls::report(r.year, &r.org)),
                    "id": match &self.base_url {
                        Some(_) => self.absolute_or_relative(&urls::report(r.year, &r.org)),
                        None => format!("urn:nianbao:{}:{}", super::escape::segment(&r.org), r.year),
                    },
                    "updated": updated,
                })
            })
            .collect();
        let updated = entries
            .iter()
            .filter_map(|e| e["updated"].as_str())
            .max()
            .unwrap_or("1970-01-01T00:00:00+08:00")
            .to_string();
        self.render(
            "feed.xml",
            "feed.xml",
            json!({"kind": "feed", "title": "feed", "canonical": null}),
            json!({
                "entries": entries,
                "updated": updated,
                "feed_id": self.base_url.as_ref().map_or_else(|| format!("urn:nianbao:{}", super::escape::segment(&self.site.config.title)), |b| b.clone()),
                "home_link": self.absolute_or_relative("index.html"),
                "self_link": self.absolute_or_relative("feed.xml"),
            }),
        )
    }
}

/// Consecutive items with the same `kind_heading`, as `[{kind, orgs}]`.
fn group_by_heading(items: &[J]) -> J {
    let mut groups: Vec<(String, Vec<J>)> = Vec::new();
    for it in items {
        let k = it["kind_heading"].as_str().unwrap_or_default().to_string();
        match groups.last_mut() {
            Some((g, list)) if *g == k => list.push(it.clone()),
            _ => groups.push((k, vec![it.clone()])),
        }
    }
    J::Array(
        groups
            .into_iter()
            .map(|(kind, orgs)| json!({ "kind": kind, "orgs": orgs }))
            .collect(),
    )
}

#[cfg(test)]
mod memo_tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_memoised_render_equals_a_full_one_and_reuses_unchanged_pages() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut site = crate::content::load_site(root).site.unwrap();
        let theme = Theme::load(root, &site.config.theme).unwrap();
        let opts = RenderOptions {
            no_downloads: true,
            ..RenderOptions::default()
        };
        let full = render_site(&site, &theme, &opts).unwrap();
        let mut memo = RenderMemo::default();
        assert_eq!(
            render_site_memo(&site, &theme, &opts, &mut memo).unwrap(),
            full
        );
        assert_eq!(memo.reused, 0);
        let pages = memo.rendered;
        assert!(pages > 5, "{pages}");
        assert_eq!(
            render_site_memo(&site, &theme, &opts, &mut memo).unwrap(),
            full
        );
        assert_eq!((memo.reused, memo.rendered), (pages, 0));

        // a changed narrative: its page and the search index are made again, nothing else
        site.reports[0].insert_paragraph("补充一段正文（测试）。");
        let changed = render_site_memo(&site, &theme, &opts, &mut memo).unwrap();
        assert_eq!((memo.reused, memo.rendered), (pages - 2, 2));
        assert_eq!(changed, render_site(&site, &theme, &opts).unwrap());
        assert_ne!(changed, full);

        // a comment in tables.toml: the same values, nothing is made again
        let r = &mut site.reports[0];
        let text = format!("{}\n# 注释（测试）\n", r.tables_src.text);
        r.tables_src = crate::diagnostics::SourceFile::new(r.tables_src.path.clone(), text);
        let commented = render_site_memo(&site, &theme, &opts, &mut memo).unwrap();
        assert_eq!(commented, changed);
        assert_eq!((memo.reused, memo.rendered), (pages, 0));

        // a changed figure: its report page, the data files and the site-wide pages that
        // show it are made again
        let ReportTables::National { tables, .. } = &mut site.reports[0].tables else {
            panic!("the sample's newest report is in a national format");
        };
        let cell = &mut tables[0].rows[0].cells[0].value;
        *cell = crate::tables::Value::Int(cell.rule_value().unwrap_or(0) + 1);
        let refigured = render_site_memo(&site, &theme, &opts, &mut memo).unwrap();
        assert_eq!(refigured, render_site(&site, &theme, &opts).unwrap());
        assert_ne!(refigured, commented);
        // the report page, data/all.csv and data/all.json at least
        assert!(memo.rendered >= 3, "{}", memo.rendered);
        assert!(memo.rendered < pages / 2, "{} of {pages}", memo.rendered);

        // another site title: every page again, the search tokens of the reports reused
        let (path, (_, tokens)) = memo.search_tokens.iter().next().unwrap();
        let (path, tokens) = (path.clone(), Arc::clone(tokens));
        site.config.title.push_str("（改）");
        let retitled = render_site_memo(&site, &theme, &opts, &mut memo).unwrap();
        assert_eq!((memo.reused, memo.rendered), (0, pages));
        assert!(Arc::ptr_eq(&memo.search_tokens[&path].1, &tokens));
        assert_eq!(retitled, render_site(&site, &theme, &opts).unwrap());

        // the preview's links to documents made on request: the report pages change
        let previewing = RenderOptions {
            preview_documents: true,
            ..opts.clone()
        };
        let previewed = render_site_memo(&site, &theme, &previewing, &mut memo).unwrap();
        assert_eq!(previewed, render_site(&site, &theme, &previewing).unwrap());
        assert_ne!(previewed, retitled);
    }
}
