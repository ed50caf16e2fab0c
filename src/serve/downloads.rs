//! The typeset downloads (PDF, Word, Excel) and the per-year zips in the preview: the rebuild
//! renders only the pages, and a request for one of these files produces it on demand from the
//! sources of the generation being served, with the same code a real build uses (so the bytes
//! are the same), and keeps it for the rest of that generation.

use crate::content::{Report, Site};
use crate::export::{self, Exporter, archive};
use crate::output::OutputFile;
use crate::render::{Theme, urls};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The outcome of producing a file once: the bytes, or the message shown instead.
type Made<T> = Arc<OnceLock<Result<T, String>>>;

/// A file the preview produces only when asked for.
#[derive(Debug, Clone, Copy)]
enum Doc {
    /// A download of `site.reports[i]`.
    Report(usize),
    /// `downloads/<year>.zip`.
    Zip(u16),
}

/// The loaded sources of one good generation, and the downloads produced from them so far.
pub struct Sources {
    site: Site,
    theme: Theme,
    /// Output path → what produces it (only the files the page rebuild leaves out).
    docs: HashMap<String, Doc>,
    exporter: OnceLock<Result<Exporter, String>>,
    /// Every download of a report (documents and data), by report index.
    reports: Mutex<HashMap<usize, Made<Arc<Vec<OutputFile>>>>>,
    zips: Mutex<HashMap<u16, Made<Arc<Vec<u8>>>>>,
}

impl Sources {
    /// `present(path)`: whether the page rebuild already produced that output file.
    pub fn new(site: Site, theme: Theme, present: impl Fn(&str) -> bool) -> Sources {
        let mut docs = HashMap::new();
        for (i, r) in site.reports.iter().enumerate() {
            let dir = urls::report_dir(r.year, &r.org);
            for name in export::download_names(r) {
                let path = format!("{dir}/{name}");
                if !present(&path) {
                    docs.insert(path, Doc::Report(i));
                }
            }
        }
        for year in site.years() {
            let path = format!("downloads/{year}.zip");
            if !present(&path) {
                docs.insert(path, Doc::Zip(year));
            }
        }
        Sources {
            site,
            theme,
            docs,
            exporter: OnceLock::new(),
            reports: Mutex::new(HashMap::new()),
            zips: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `path` is a download this generation produces on demand.
    pub fn offers(&self, path: &str) -> bool {
        self.docs.contains_key(path)
    }

    /// The bytes of the on-demand download at `path` (None if it is not one), produced on the
    /// first request; concurrent requests for the same file wait for one production.
    pub fn get(&self, path: &str) -> Option<Result<Arc<Vec<u8>>, String>> {
        Some(match *self.docs.get(path)? {
            Doc::Report(i) => self.report_files(i).and_then(|files| {
                files
                    .iter()
                    .find(|f| f.path == path)
                    .map(|f| Arc::clone(&f.bytes))
                    .ok_or_else(|| format!("{path} 没有生成"))
            }),
            Doc::Zip(year) => self.zip(year),
        })
    }

    fn exporter(&self) -> Result<&Exporter, String> {
        self.exporter
            .get_or_init(|| {
                // the build's download cache: documents made here are reused by the next build
                let cache = crate::build::inputs::cache_dir(&self.site.root).join("downloads");
                Exporter::new(&self.theme, true, &self.site.config.fonts)
                    .map(|e| e.with_cache(cache))
                    .map_err(|e| format!("{e:#}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn org_name(&self, r: &Report) -> String {
        self.site
            .org(&r.org)
            .map_or_else(|| r.org.clone(), |o| o.config.name.clone())
    }

    /// Every download of report `i`, at its output path.
    fn report_files(&self, i: usize) -> Result<Arc<Vec<OutputFile>>, String> {
        let cell = Arc::clone(
            self.reports
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(i)
                .or_default(),
        );
        cell.get_or_init(|| {
            let r = &self.site.reports[i];
            let dir = urls::report_dir(r.year, &r.org);
            let downloads = self
                .exporter()?
                .downloads(r, &self.org_name(r))
                .map_err(|e| format!("{e:#}"))?;
            Ok(Arc::new(
                downloads
                    .into_iter()
                    .map(|d| OutputFile::new(format!("{dir}/{}", d.file), d.bytes))
                    .collect(),
            ))
        })
        .clone()
    }

    /// `downloads/<year>.zip`: every download of the year's reports, as a build makes it.
    fn zip(&self, year: u16) -> Result<Arc<Vec<u8>>, String> {
        let cell = Arc::clone(
            self.zips
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(year)
                .or_default(),
        );
        cell.get_or_init(|| {
            let of_year: Vec<usize> = (0..self.site.reports.len())
                .filter(|&i| self.site.reports[i].year == year)
                .collect();
            let made = of_year
                .par_iter()
                .map(|&i| self.report_files(i))
                .collect::<Result<Vec<_>, String>>()?;
            let mut files: Vec<&OutputFile> = Vec::new();
            for (&i, all) in of_year.iter().zip(&made) {
                let r = &self.site.reports[i];
                let dir = urls::report_dir(r.year, &r.org);
                for name in export::download_names(r) {
                    let path = format!("{dir}/{name}");
                    if let Some(f) = all.iter().find(|f| f.path == path) {
                        files.push(f);
                    }
                }
            }
            archive::year_zip(year, &files)
                .map(|z| z.bytes)
                .map_err(|e| format!("{e:#}"))
        })
        .clone()
    }
}
