//! `data/all.csv` and `data/all.json` in `build`, which keeps no report's part of them in
//! memory between runs (at 5,000 reports they are 150 MB): where each report's part lies in
//! each file is recorded beside the page record, so that after an edit the parts of the
//! reports whose key is unchanged are copied from the last output's files, and only the
//! edited reports' parts are made again (at 1,000 reports, making every part again took
//! ~40 ms of a 140 ms build after one changed figure).
//!
//! The layout is trusted only for the file it was recorded with: it names that file's
//! SHA-256, which must be the one the page record gives (itself trusted only for the output
//! it describes, see `stored`), and the file is taken only when its size is the recorded
//! one and it was not modified after the record's build (the rule for every page `build`
//! takes from its last output).

use super::{Ctx, Memo, digest};
use crate::build::lines::{escape, push_hex, unescape, unhex};
use crate::content::Report;
use crate::export::dataset::{self, DataFile};
use crate::output::OutputFile;
use crate::render::urls;
use anyhow::Result;
use rayon::prelude::*;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where each report's part is in a data file: report page path → (the part's key, where it
/// is).
pub(super) type Layout = HashMap<String, ([u8; 32], Range<usize>)>;

/// The first line of a file of layouts (see [`layouts_path`]). Then a section per data file:
/// `F sha256 count path`, fields split by tabs, and `count` lines `key start len path` (paths
/// last and [`escape`]d); and `end`.
const LAYOUTS_HEADER: &str = "nianbao data layout 1";

/// Where the layouts of the data files are kept beside the page record at `record`.
pub(super) fn layouts_path(record: &Path) -> PathBuf {
    record.with_extension("data")
}

/// The text of `layouts` (data file path → (its SHA-256, its layout)).
pub(super) fn layouts_text(layouts: &[(&str, &str, &Layout)]) -> String {
    use std::fmt::Write;
    let mut out = format!("{LAYOUTS_HEADER}\n");
    for (path, sha, layout) in layouts {
        let _ = writeln!(out, "F\t{sha}\t{}\t{}", layout.len(), escape(path));
        let mut parts: Vec<_> = layout.iter().collect();
        parts.sort_unstable_by_key(|(_, (_, at))| at.start);
        for (report, (key, at)) in parts {
            push_hex(&mut out, key);
            let _ = writeln!(out, "\t{}\t{}\t{}", at.start, at.len(), escape(report));
        }
    }
    out.push_str("end\n");
    out
}

/// The layout that `text` (see [`layouts_text`]) gives for the data file `path` whose SHA-256
/// is `sha`; None when it gives none, or is not whole.
fn parse_layout(text: &str, path: &str, sha: &str) -> Option<Layout> {
    let mut lines = text.strip_suffix("end\n")?.lines();
    if lines.next()? != LAYOUTS_HEADER {
        return None;
    }
    while let Some(line) = lines.next() {
        let mut f = line.strip_prefix("F\t")?.splitn(3, '\t');
        let (file_sha, count, file) = (f.next()?, f.next()?, f.next()?);
        let count: usize = count.parse().ok()?;
        let this = file_sha == sha && unescape(file)? == path;
        // (the count as written bounds nothing: each of its lines takes 64 bytes at least)
        let mut layout = Layout::with_capacity(if this { count.min(text.len() / 64) } else { 0 });
        for _ in 0..count {
            let line = lines.next()?;
            if !this {
                continue;
            }
            let mut f = line.splitn(4, '\t');
            let (key, start, len, report) = (f.next()?, f.next()?, f.next()?, f.next()?);
            let (start, len): (usize, usize) = (start.parse().ok()?, len.parse().ok()?);
            layout.insert(
                unescape(report)?,
                (unhex(key)?, start..start.checked_add(len)?),
            );
        }
        if this {
            return Some(layout);
        }
    }
    None
}

/// A data file of the last build, with where each report's part is in it.
struct Recorded {
    bytes: Arc<Vec<u8>>,
    layout: Layout,
}

impl Recorded {
    /// The part of the report `id` made under `key`, when this file holds it.
    fn part(&self, id: &str, key: &[u8; 32]) -> Option<&[u8]> {
        let (k, at) = self.layout.get(id)?;
        (k == key).then(|| self.bytes.get(at.clone())).flatten()
    }
}

impl Memo {
    /// The layouts recorded beside the recorded build's page record (see [`layouts_text`]).
    fn recorded_layouts(&self) -> Option<String> {
        let stored = self.old.stored.as_ref()?;
        std::fs::read_to_string(layouts_path(&stored.record)).ok()
    }

    /// The layout that `layouts` (see [`Memo::recorded_layouts`]) gives for the data file at
    /// `path` of the recorded build.
    fn recorded_layout(&self, layouts: Option<&str>, path: &str) -> Option<Layout> {
        parse_layout(layouts?, path, self.old.hashes.get(path)?)
    }

    /// The data file at `path` of the recorded build, with the layout recorded for it.
    fn recorded_data_file(&self, layouts: Option<&str>, path: &str) -> Option<Recorded> {
        let layout = self.recorded_layout(layouts, path)?;
        let (_, bytes) = self.old.stored.as_ref()?.page_as_recorded(path)?;
        Some(Recorded { bytes, layout })
    }
}

/// One part of a data file: made now, or taken from the last build's file.
enum Part<'a> {
    Made(String),
    Kept(&'a [u8]),
}

impl AsRef<[u8]> for Part<'_> {
    fn as_ref(&self) -> &[u8] {
        match self {
            Part::Made(s) => s.as_bytes(),
            Part::Kept(b) => b,
        }
    }
}

impl Ctx<'_> {
    /// `data/all.csv` and `data/all.json` with `m`, the memo of `build` (see the module's
    /// text): `reports` in the files' order, each with its part's key.
    pub(super) fn data_files_recorded(
        &self,
        m: &Memo,
        reports: &[&Report],
        key: impl Fn(&Report) -> [u8; 32] + Sync,
    ) -> Result<Vec<OutputFile>> {
        let ids: Vec<(String, [u8; 32])> = reports
            .par_iter()
            .map(|r| (urls::report(r.year, &r.org), key(r)))
            .collect();
        let keys: Vec<&[u8]> = ids.iter().map(|(_, k)| k.as_slice()).collect();
        let all = digest(&keys);
        let files = [
            (urls::DATA_CSV, DataFile::csv()),
            (urls::DATA_JSON, DataFile::json()),
        ];
        // the files whose parts are all as last time, as they are
        let kept: Vec<Option<Arc<OutputFile>>> =
            files.iter().map(|(path, _)| m.page(path, &all)).collect();
        // one file or both to be made: the layouts, read once for both (a file kept while the
        // other is made keeps its layout: the record of layouts is written whole, from the
        // files of this build)
        let remade = kept.iter().any(Option::is_none);
        let layouts = remade.then(|| m.recorded_layouts()).flatten();
        let layouts = layouts.as_deref();
        // the others' parts, from the last build's files where they are the same
        let recorded: Vec<Option<Recorded>> = files
            .par_iter()
            .zip(&kept)
            .map(|((path, _), kept)| match kept {
                Some(_) => None,
                None => m.recorded_data_file(layouts, path),
            })
            .collect();
        let missing = |i: usize| {
            let (id, k) = &ids[i];
            kept.iter().zip(&recorded).any(|(kept, rec)| {
                kept.is_none() && rec.as_ref().and_then(|r| r.part(id, k)).is_none()
            })
        };
        let made: Vec<Option<(String, String)>> = reports
            .par_iter()
            .enumerate()
            .map(|(i, r)| missing(i).then(|| dataset::report_parts(self.site, r)))
            .collect();
        let (csv, json): (Vec<Option<String>>, Vec<Option<String>>) = made
            .into_iter()
            .map(|p| p.map_or((None, None), |(c, j)| (Some(c), Some(j))))
            .unzip();
        let ((csv_path, csv_file), (json_path, json_file)) = (&files[0], &files[1]);
        let make = |path: &str,
                    data: &DataFile,
                    kept: &Option<Arc<OutputFile>>,
                    recorded: &Option<Recorded>,
                    made: Vec<Option<String>>,
                    half: fn((String, String)) -> String|
         -> Result<OutputFile> {
            if let Some(file) = kept {
                let layout = remade.then(|| m.recorded_layout(layouts, path)).flatten();
                let mut new = m.new.lock().unwrap_or_else(|e| e.into_inner());
                new.keep(path, all, file, &m.old);
                if let Some(layout) = layout {
                    new.data_layouts.insert(path.to_string(), layout);
                }
                return Ok(OutputFile::clone(file));
            }
            let parts: Vec<Part<'_>> = made
                .into_iter()
                .zip(&ids)
                .zip(reports)
                .map(|((made, (id, k)), r)| {
                    match made.map(Part::Made).or_else(|| {
                        recorded
                            .as_ref()
                            .and_then(|rec| rec.part(id, k))
                            .map(Part::Kept)
                    }) {
                        Some(part) => part,
                        // (never, while `missing` says which parts are made: a part
                        // not made is in the recorded file)
                        None => Part::Made(half(dataset::report_parts(self.site, r))),
                    }
                })
                .collect();
            let len = parts.iter().map(|p| p.as_ref().len() + 1).sum();
            let (bytes, at) = data.join(parts, len);
            let layout: Layout = ids
                .iter()
                .zip(at)
                .map(|((id, k), at)| (id.clone(), (*k, at)))
                .collect();
            let file = OutputFile::new(path, bytes);
            self.made(path, all, &file);
            let mut new = m.new.lock().unwrap_or_else(|e| e.into_inner());
            new.data_layouts.insert(path.to_string(), layout);
            Ok(file)
        };
        let (csv, json) = rayon::join(
            || make(csv_path, csv_file, &kept[0], &recorded[0], csv, |p| p.0),
            || make(json_path, json_file, &kept[1], &recorded[1], json, |p| p.1),
        );
        Ok(vec![csv?, json?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_are_read_back_for_the_file_they_describe() {
        let mut csv = Layout::new();
        csv.insert("2024/a/index.html".into(), ([1; 32], 10..20));
        csv.insert("2024/b\tc\n/index.html".into(), ([2; 32], 20..20));
        let mut json = Layout::new();
        json.insert("2024/a/index.html".into(), ([3; 32], 1..5));
        let text = layouts_text(&[
            ("data/all.csv", &"ab".repeat(32), &csv),
            ("data/all.json", &"cd".repeat(32), &json),
        ]);
        assert_eq!(
            parse_layout(&text, "data/all.csv", &"ab".repeat(32)),
            Some(csv.clone())
        );
        assert_eq!(
            parse_layout(&text, "data/all.json", &"cd".repeat(32)),
            Some(json)
        );
        // a count far beyond the lines that follow: no allocation of that size, no panic
        let huge = text.replacen(
            "\t2\tdata/all.csv",
            &format!("\t{}\tdata/all.csv", usize::MAX),
            1,
        );
        assert_ne!(huge, text);
        assert_eq!(parse_layout(&huge, "data/all.csv", &"ab".repeat(32)), None);
        // another file under that name, or another name: none
        assert_eq!(parse_layout(&text, "data/all.csv", &"cd".repeat(32)), None);
        assert_eq!(parse_layout(&text, "data/x.csv", &"ab".repeat(32)), None);
        // cut short, or not a layout: none
        let cut = text.rfind("2024").unwrap();
        for broken in [&text[..cut], &text[..text.len() - 1], "{"] {
            assert_eq!(
                parse_layout(broken, "data/all.csv", &"ab".repeat(32)),
                None,
                "{broken:?}"
            );
        }
    }

    proptest::proptest! {
        /// Any layout (report paths with tabs, line breaks and backslashes) is read back as
        /// written; any text at all is read without a panic.
        #[test]
        fn layouts_round_trip_and_any_text_is_read_safely(
            parts in proptest::collection::vec(("[a-z/\t\n\r\\\\é年]{0,12}", 0usize..1 << 40, 0usize..1 << 20), 0..8),
            junk in "(F|\t|[0-9a-f]|\n|end|nianbao data layout 1|data/all.csv|x){0,40}",
        ) {
            let layout: Layout = parts
                .into_iter()
                .enumerate()
                .map(|(i, (path, start, len))| (path, ([i as u8; 32], start..start + len)))
                .collect();
            let text = layouts_text(&[("data/all.csv", "ab", &layout)]);
            proptest::prop_assert_eq!(parse_layout(&text, "data/all.csv", "ab"), Some(layout));
            let _ = parse_layout(&junk, "data/all.csv", "ab");
            let _ = parse_layout(&format!("{text}{junk}"), "data/all.csv", "ab");
        }
    }
}
