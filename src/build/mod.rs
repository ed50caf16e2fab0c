//! The site pipeline, in explicit phases shared by `build`, `check` and `serve`:
//! load (content → model, schema errors) → check (rules) → render (model → files) → sink.

pub mod hashes;
pub mod inputs;
pub(crate) mod lines;

use crate::check::{CheckCache, check_site, check_site_cached};
use crate::content::kept::KeptTables;
use crate::content::{LoadCache, Loaded, Site, load_site, load_site_cached, load_site_kept};
use crate::diagnostics::Diagnostics;
use crate::output::{self, OutputFile, StagingError};
use crate::progress::{Progress, Silent};
use crate::render::{
    CompiledTemplates, RenderMemo, RenderOptions, StoredMemo, Theme, render_site_memo,
    render_site_memo_with_progress,
};
use anyhow::{Context, Result};
use hashes::FileHashes;
use std::path::Path;

/// The outcome of the load and check phases.
#[derive(Debug)]
pub struct Checked {
    /// None when site.toml itself was unusable.
    pub site: Option<Site>,
    pub diagnostics: Diagnostics,
}

impl Checked {
    pub fn report_count(&self) -> usize {
        self.site.as_ref().map_or(0, |s| s.reports.len())
    }
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }
}

/// Phases 1 and 2: load every file and check every rule.
pub fn load_and_check(root: &Path) -> Checked {
    checked(load_site(root), None)
}

/// [`load_and_check`] for `build` and `check`: the tables parsed and the findings of the
/// reports whose inputs did not change since the last run are taken from the cache folder
/// (see [`crate::content::kept`] and [`crate::check::kept`]), which then keeps this run's.
/// The site and the findings are the same.
pub fn load_and_check_kept(root: &Path) -> Checked {
    let identity = inputs::binary_identity();
    let tables_path = crate::content::kept::path(root);
    let tables = KeptTables::load(&tables_path, &identity);
    let loaded = load_site_kept(root, &tables);
    // the tables kept while the site is checked; (without them, the next run parses or
    // checks every report: not an error)
    let (_, checked) = rayon::join(
        || tables.save(&tables_path, &identity),
        || {
            let path = crate::check::kept::path(root);
            let mut kept = CheckCache::load(&path, &identity);
            let checked = checked(loaded, Some(&mut kept));
            let _ = kept.save(&path, &identity);
            checked
        },
    );
    checked
}

/// Like [`load_and_check`], parsing only the reports whose files changed since the last call
/// with this `cache` (the preview).
pub fn load_and_check_cached(root: &Path, cache: &mut Caches) -> Checked {
    let loaded = load_site_cached(root, &mut cache.load);
    checked(loaded, Some(&mut cache.check))
}

/// What the preview keeps between generations to load and check only what changed.
#[derive(Debug, Default)]
pub struct Caches {
    pub load: LoadCache,
    pub check: CheckCache,
}

fn checked(loaded: Loaded, cache: Option<&mut CheckCache>) -> Checked {
    let mut diagnostics = loaded.diagnostics;
    crate::progress::phase_done("loaded");
    if let Some(site) = &loaded.site {
        diagnostics.extend(match cache {
            Some(c) => check_site_cached(site, c),
            None => check_site(site),
        });
    }
    diagnostics.sort();
    Checked {
        site: loaded.site,
        diagnostics,
    }
}

/// Phase 3 for the preview: the site's files with the marker (those `build` writes but
/// `SHA256SUMS`, which [`output::MemorySite`] makes when it is asked for), reusing from `memo`
/// every page whose inputs are unchanged since the last call (and leaving this render's pages
/// in it).
pub fn render_incremental(
    site: &Site,
    opts: &RenderOptions,
    memo: &mut RenderMemo,
) -> Result<Vec<OutputFile>> {
    let theme = Theme::load(&site.root, &site.config.theme)?;
    memo.unhashed = true;
    Ok(output::with_marker(render_site_memo(
        site, &theme, opts, memo,
    )?))
}

/// Phase 4 for `build`: write into a staging folder and swap it into `target`.
pub fn write(target: &Path, files: &[OutputFile]) -> Result<(), StagingError> {
    output::write_site(target, files)
}

/// Where `build` writes by default: `<root>/output`.
pub fn default_output(root: &Path) -> std::path::PathBuf {
    root.join("output")
}

/// Render and write, with context naming the output folder.
pub fn render_and_write(site: &Site, opts: &RenderOptions, target: &Path) -> Result<Written> {
    render_and_write_with_progress(site, opts, target, &Silent, None)
}

/// The fingerprint of a build's inputs taken before loading them (see
/// [`inputs::fingerprint_with`]), and the hashes it was taken with.
pub struct Fingerprinted<'a> {
    pub fingerprint: &'a str,
    pub hashes: &'a mut FileHashes,
}

/// [`render_and_write`], reporting each report to `progress`. Pages whose inputs are those
/// of the last build into `target` are not rendered again: the memo of that build, recorded
/// in the cache folder, gives their keys, and they are taken from `target` as they are (see
/// `render::pages::stored`); the files are the same as a clean build's. With `inputs`, the
/// output is recorded as their build (see [`inputs::record_for`]) when they did not change
/// during it. The records are made while the output is being made durable, and saved once it
/// is in place.
pub fn render_and_write_with_progress(
    site: &Site,
    opts: &RenderOptions,
    target: &Path,
    progress: &dyn Progress,
    mut inputs: Option<Fingerprinted<'_>>,
) -> Result<Written> {
    let record = inputs::memo_path(&site.root, target);
    let identity = inputs::binary_identity();
    // the last build's record read while the theme's templates are compiled
    let (theme, memo) = rayon::join(
        || -> Result<(Theme, CompiledTemplates)> {
            let theme = Theme::load(&site.root, &site.config.theme)?;
            let compiled = CompiledTemplates::of(&theme);
            Ok((theme, compiled))
        },
        || RenderMemo::load_stored(&record, target, &identity),
    );
    let (theme, compiled) = theme?;
    let mut memo = memo;
    memo.use_templates(compiled);
    memo.lean = true;
    crate::progress::phase_done("page record loaded");
    let stage = Stage {
        site,
        opts,
        target,
        progress,
        theme: &theme,
        identity: &identity,
        record: &record,
    };
    // pages taken as they were from the output that had been changed by hand since the
    // last build (found only when they were to be linked, see `output::InPlace`; nothing was
    // replaced): made again, with the rest taken as before. The failed write used up the
    // spare, so the second links from the output and may find more such files (hidden the
    // first time by a good copy in the spare, or changed during the build): then every page
    // is made again.
    let mut attempt = 0;
    let (files, records) = loop {
        attempt += 1;
        match stage.run(&mut memo, inputs.as_mut()) {
            Err(e) if attempt < 3 => match e.downcast_ref() {
                Some(StagingError::Changed(paths)) => {
                    let mut again = if attempt == 1 {
                        RenderMemo::load_stored(&record, target, &identity)
                    } else {
                        RenderMemo::default()
                    };
                    again.use_templates(memo.templates());
                    again.lean = true;
                    again.forget(paths);
                    memo = again;
                }
                _ => return Err(e),
            },
            done => break done?,
        }
    };
    crate::progress::phase_done("output in place");
    if let Some((stored, built)) = records {
        // named after the target as it is now that it exists; without the records the next
        // build renders everything: not an error
        if let Some(stored) = stored {
            let _ = stored.save(&inputs::memo_path(&site.root, target));
        }
        if let Some(built) = built {
            inputs::remember(&site.root, target, &built);
        }
    }
    crate::progress::phase_done("records saved");
    let written = Written {
        files: files.len(),
        rendered: memo.rendered,
        reused: memo.reused,
    };
    release((files, memo));
    Ok(written)
}

/// What [`render_and_write_with_progress`] renders and writes, with what.
struct Stage<'a> {
    site: &'a Site,
    opts: &'a RenderOptions,
    target: &'a Path,
    progress: &'a dyn Progress,
    theme: &'a Theme,
    identity: &'a str,
    /// Where the page record of the last build into `target` is.
    record: &'a Path,
}

/// The records a [`Stage`] made while the output was made durable: the page record and the
/// build record, each when there is one.
type Records = Option<(Option<StoredMemo>, Option<String>)>;

impl Stage<'_> {
    /// Render the site with `memo` and write its files into the target, giving them and the
    /// records made meanwhile (the build's record from `inputs`, see
    /// [`render_and_write_with_progress`]). A [`StagingError`] is the error's cause, for the
    /// caller to tell which.
    fn run(
        &self,
        memo: &mut RenderMemo,
        inputs: Option<&mut Fingerprinted<'_>>,
    ) -> Result<(Vec<OutputFile>, Records)> {
        let files =
            render_site_memo_with_progress(self.site, self.theme, self.opts, memo, self.progress)?;
        crate::progress::phase_done("rendered");
        let files = {
            let memo = &*memo;
            output::finish_with(files, &|f| memo.sha256_of(f))
        };
        crate::progress::phase_done("SHA256SUMS made");
        let sums = files.iter().find(|f| f.path == "SHA256SUMS");
        let mut records = None;
        output::write_site_with(self.target, &files, |staging, listing| {
            // a record is only valid for the output it describes: gone before the swap (and
            // not before every file is in the staging folder: until then, a build that finds
            // a file changed in the output makes the site again from it)
            let _ = std::fs::remove_file(self.record);
            let memo = &*memo;
            records = Some(rayon::join(
                || sums.and_then(|s| memo.stored(self.identity, &s.bytes).ok()),
                || {
                    inputs.and_then(|i| {
                        let root = &self.site.root;
                        inputs::record_for(
                            root,
                            self.opts,
                            i.fingerprint,
                            i.hashes,
                            staging,
                            listing,
                        )
                    })
                },
            ));
        })
        .with_context(|| format!("输出到 {} 失败", self.target.display()))?;
        Ok((files, records))
    }
}

/// Free `value` on a thread of its own: a build's pages and records take milliseconds to
/// free, which a process about to exit need not wait for (its memory goes with it).
pub fn release<T: Send + 'static>(value: T) {
    // without a thread, freed here (with the closure that the failed spawn drops)
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

/// What [`render_and_write`] did.
#[derive(Debug, Clone, Copy)]
pub struct Written {
    /// Files in the output.
    pub files: usize,
    /// Pages (a report page with its data files counting as one) rendered, and taken as they
    /// were from the last build.
    pub rendered: usize,
    pub reused: usize,
}
