//! The page memo of `build`, kept between runs: each output file's key (the hash of what it
//! was rendered from) and SHA-256, recorded beside the site after a build. The next build
//! re-renders only the files whose key changed and takes the others from the output folder
//! as they are; the staging writer then hard-links them (see `output::staging`).
//!
//! A record is trusted only for the output it describes: the SHA-256 of that output's
//! `SHA256SUMS` is part of it, the binary that wrote it must be the running one, and a file
//! is taken from the output only when its size is the recorded one and it was not modified
//! after `SHA256SUMS` was written. That is tested where the file is used (see
//! `output::InPlace`), not here: after an edit the staging folder (the spare) already holds
//! a checked copy of most of them, and then the output's file is not used at all. One that
//! has to be linked from the output and was edited by hand is found there, and the build
//! renders it again.

use super::data_layout::{Layout, layouts_path, layouts_text};
use super::{Memo, RenderMemo};
use crate::build::inputs::write_cache_file;
use crate::build::lines::{escape, hex, push_hex, unescape, unhex};
use crate::output::{InPlace, OutputFile};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// A page of an earlier render: its path, key and file.
type KeptPage = (String, [u8; 32], Arc<OutputFile>);

/// A report page's files as recorded: (path, size) of each.
type Sizes = Vec<(String, u64)>;

/// The keys of an earlier build, with where its files are.
#[derive(Debug)]
pub(super) struct Stored {
    /// Where the record is.
    pub(super) record: PathBuf,
    /// The output folder the files are in.
    out: PathBuf,
    /// When its `SHA256SUMS` was written: a file modified later is not taken.
    written: SystemTime,
    /// Site-wide page path → (key, size).
    pages: HashMap<String, ([u8; 32], u64)>,
    /// Report page path → (key, its files: path and size).
    reports: HashMap<String, ([u8; 32], Sizes)>,
}

/// The record's first line; a record of another format is ignored. Then the binary that
/// wrote it ([`crate::build::inputs::binary_identity`]), the SHA-256 (hex) of the output's
/// `SHA256SUMS` after that build, the site's and the skeleton's keys, and a line per file,
/// its path last (so that it may hold tabs; line breaks [`escape`]d), fields split by tabs:
/// `P key sha256 len path` for a site-wide page, `R key path` for a report page, followed
/// by `F sha256 len path` for each of its files; and `end` (a record cut short at a line
/// break must not look whole: a report page would lose files). (Plain lines: the JSON this replaced took
/// ~10% of an edit build's CPU at 1,000 reports to write and read back.)
const RECORD_HEADER: &str = "nianbao page record 2";

/// The first line of a file of search tokens (see [`tokens_path`]).
const TOKENS_HEADER: &str = "nianbao search tokens 1";

/// Where the search tokens of each report are kept beside the record at `record`. They are
/// kept under the hash of what they are made from, so they hold for any output, but only for
/// the binary that made them (the tokeniser may change).
fn tokens_path(record: &Path) -> PathBuf {
    record.with_extension("tokens")
}

/// `header`, `identity`, then per report: its page path ([`escape`]d), the key (hex), the byte
/// length of its tokens and the tokens (one per line), each on a line.
fn tokens_text(identity: &str, parts: &super::Parts<crate::render::search::TokenSet>) -> String {
    let mut entries: Vec<_> = parts.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = format!("{TOKENS_HEADER}\n{identity}\n");
    for (path, (key, set)) in entries {
        let text = set.as_text();
        let path = escape(path);
        out.push_str(&format!("{path}\n{}\n{}\n{text}\n", hex(key), text.len()));
    }
    out
}

/// The tokens of [`tokens_text`], when it is whole and made by `identity`.
fn parse_tokens(
    text: &str,
    identity: &str,
) -> Option<super::Parts<crate::render::search::TokenSet>> {
    let rest = text.strip_prefix(TOKENS_HEADER)?.strip_prefix('\n')?;
    let mut rest = rest.strip_prefix(identity)?.strip_prefix('\n')?;
    let mut parts = HashMap::new();
    while !rest.is_empty() {
        let (path, r) = rest.split_once('\n')?;
        let (key, r) = r.split_once('\n')?;
        let (len, r) = r.split_once('\n')?;
        let len: usize = len.parse().ok()?;
        let set = r.get(..len)?;
        rest = r.get(len..)?.strip_prefix('\n')?;
        let set = crate::render::search::TokenSet::from_kept(set);
        parts.insert(unescape(path)?, (unhex(key)?, Arc::new(set)));
    }
    Some(parts)
}

impl RenderMemo {
    /// The memo recorded at `record` by a build into `out`, when it still describes `out`
    /// and was written by this binary (`identity`); an empty memo otherwise. The search
    /// tokens recorded beside it are taken whenever this binary made them.
    pub fn load_stored(record: &Path, out: &Path, identity: &str) -> RenderMemo {
        let (memo, tokens) = rayon::join(
            || Self::try_load(record, out, identity),
            || {
                fs::read_to_string(tokens_path(record))
                    .ok()
                    .and_then(|t| parse_tokens(&t, identity))
            },
        );
        let mut memo = memo.unwrap_or_default();
        if let Some(parts) = tokens {
            memo.search_tokens = parts;
        }
        memo
    }

    fn try_load(record: &Path, out: &Path, identity: &str) -> Option<RenderMemo> {
        let text = fs::read_to_string(record).ok()?;
        // whole only with its last line
        let mut lines = text.strip_suffix("\nend\n")?.split('\n');
        if lines.next()? != RECORD_HEADER || lines.next()? != identity {
            return None;
        }
        let sums_hex = lines.next()?;
        let sums = out.join("SHA256SUMS");
        let written = fs::metadata(&sums).ok()?.modified().ok()?;
        if crate::output::sha256_hex(&fs::read(&sums).ok()?) != sums_hex {
            return None;
        }
        let mut memo = RenderMemo {
            site: unhex(lines.next()?)?,
            skeleton: unhex(lines.next()?)?,
            ..RenderMemo::default()
        };
        let mut stored = Stored {
            record: record.to_path_buf(),
            out: out.to_path_buf(),
            written,
            pages: HashMap::new(),
            reports: HashMap::new(),
        };
        // the report page whose files follow
        let mut report: Option<(String, [u8; 32], Sizes)> = None;
        for line in lines {
            let (kind, rest) = line.split_once('\t')?;
            if kind != "F"
                && let Some((path, key, files)) = report.take()
            {
                stored.reports.insert(path, (key, files));
            }
            match kind {
                "P" => {
                    let mut f = rest.splitn(4, '\t');
                    let (key, sha, len, path) = (f.next()?, f.next()?, f.next()?, f.next()?);
                    let path = unescape(path)?;
                    stored
                        .pages
                        .insert(path.clone(), (unhex(key)?, len.parse().ok()?));
                    memo.hashes.insert(path, sha.to_string());
                }
                "R" => {
                    let (key, path) = rest.split_once('\t')?;
                    report = Some((unescape(path)?, unhex(key)?, Vec::new()));
                }
                "F" => {
                    let mut f = rest.splitn(3, '\t');
                    let (sha, len, path) = (f.next()?, f.next()?, f.next()?);
                    let (_, _, files) = report.as_mut()?;
                    let path = unescape(path)?;
                    files.push((path.clone(), len.parse().ok()?));
                    memo.hashes.insert(path, sha.to_string());
                }
                _ => return None,
            }
        }
        if let Some((path, key, files)) = report {
            stored.reports.insert(path, (key, files));
        }
        memo.stored = Some(stored);
        Some(memo)
    }

    /// Record this memo at `record`, for the output whose `SHA256SUMS` is `sums` (written
    /// atomically: a temporary file renamed over it).
    #[cfg(test)]
    pub fn save_stored(&self, record: &Path, identity: &str, sums: &[u8]) -> std::io::Result<()> {
        self.stored(identity, sums)?.save(record)
    }

    /// The record of this memo for the output whose `SHA256SUMS` is `sums`, to be saved by
    /// [`StoredMemo::save`] once that output is in place.
    pub fn stored(&self, identity: &str, sums: &[u8]) -> std::io::Result<StoredMemo> {
        let (tokens, record) = rayon::join(
            || tokens_text(identity, &self.search_tokens),
            || self.record_text(identity, sums),
        );
        // the layouts of the data files made (those kept keep theirs)
        let mut layouts: Vec<(&str, &str, &Layout)> = self
            .data_layouts
            .iter()
            .filter_map(|(path, layout)| {
                Some((path.as_str(), self.hashes.get(path)?.as_str(), layout))
            })
            .collect();
        layouts.sort_unstable_by_key(|l| l.0);
        Ok(StoredMemo {
            tokens,
            record: record?.into_bytes(),
            layouts: (!layouts.is_empty()).then(|| layouts_text(&layouts)),
        })
    }

    /// The record (see [`RECORD_HEADER`]); files without a hash are left out, and so are the
    /// report pages with such a file.
    fn record_text(&self, identity: &str, sums: &[u8]) -> std::io::Result<String> {
        use std::fmt::Write;
        let no_line_break = |s: &str| {
            if s.contains(['\n', '\r']) {
                Err(std::io::Error::other(format!("line break in {s:?}")))
            } else {
                Ok(())
            }
        };
        no_line_break(identity)?;
        let mut out = String::with_capacity(128 * (self.pages.len() + 5 * self.reports.len()));
        for line in [RECORD_HEADER, identity, &crate::output::sha256_hex(sums)] {
            out.push_str(line);
            out.push('\n');
        }
        for key in [&self.site, &self.skeleton] {
            push_hex(&mut out, key);
            out.push('\n');
        }
        let mut pages: Vec<_> = self.pages.iter().collect();
        pages.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (_, (key, f)) in pages {
            let Some(sha) = self.hashes.get(&f.path) else {
                continue;
            };
            out.push_str("P\t");
            push_hex(&mut out, key);
            let _ = writeln!(out, "\t{sha}\t{}\t{}", f.len(), escape(&f.path));
        }
        let mut reports: Vec<_> = self.reports.iter().collect();
        reports.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (path, (key, made)) in reports {
            let Some(shas) = made
                .iter()
                .map(|f| self.hashes.get(&f.path))
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            out.push_str("R\t");
            push_hex(&mut out, key);
            out.push('\t');
            out.push_str(&escape(path));
            out.push('\n');
            for (f, sha) in made.iter().zip(shas) {
                let _ = writeln!(out, "F\t{sha}\t{}\t{}", f.len(), escape(&f.path));
            }
        }
        out.push_str("end\n");
        Ok(out)
    }
}

/// A memo's record, made (see [`RenderMemo::stored`]) and not yet saved.
pub struct StoredMemo {
    tokens: String,
    record: Vec<u8>,
    /// The layouts of the data files this build made, if it made any (see `data_layout`).
    layouts: Option<String>,
}

impl StoredMemo {
    /// Save it at `record` (and its search tokens and data layouts beside it), each file
    /// written atomically.
    pub fn save(self, record: &Path) -> std::io::Result<()> {
        let (tokens, text) = rayon::join(
            || {
                let layouts = match &self.layouts {
                    Some(l) => write_cache_file(&layouts_path(record), l.as_bytes()),
                    None => Ok(()),
                };
                write_cache_file(&tokens_path(record), self.tokens.as_bytes()).and(layouts)
            },
            || write_cache_file(record, &self.record),
        );
        tokens.and(text)
    }
}

impl Stored {
    /// The file at `path` of the recorded output, taken as the record says it is (not read,
    /// nor looked at: the staging writer links it into the new output when the staging folder
    /// has no copy of it, after testing that it is still as recorded, see [`InPlace`]).
    fn file(&self, path: &str, len: u64) -> OutputFile {
        let on_disk = InPlace {
            path: self.out.join(path),
            len,
            written: self.written,
        };
        OutputFile::in_place(path, on_disk)
    }

    /// The site-wide page at `path` as recorded, whatever its key now: the key it was made
    /// under, and its content.
    pub(super) fn page_as_recorded(&self, path: &str) -> Option<([u8; 32], Arc<Vec<u8>>)> {
        let (k, len) = self.pages.get(path)?;
        Some((*k, self.file(path, *len).read().ok()?))
    }

    /// The site-wide page at `path`, when it was made under `key`.
    fn page(&self, path: &str, key: &[u8; 32]) -> Option<Arc<OutputFile>> {
        let (k, len) = self.pages.get(path)?;
        (k == key).then(|| Arc::new(self.file(path, *len)))
    }

    /// The files of the report page at `path`, when they were made under `key`.
    fn report(&self, path: &str, key: &[u8; 32]) -> Option<Arc<Vec<OutputFile>>> {
        let (k, files) = self.reports.get(path)?;
        if k != key {
            return None;
        }
        Some(Arc::new(
            files.iter().map(|(p, len)| self.file(p, *len)).collect(),
        ))
    }

    /// Whether the site-wide page at `path` is recorded.
    pub(super) fn has_page(&self, path: &str) -> bool {
        self.pages.contains_key(path)
    }

    /// Forget the pages that made the files `gone` (as [`RenderMemo::forget`]).
    pub(super) fn forget(&mut self, gone: &std::collections::HashSet<&str>) {
        self.pages.retain(|p, _| !gone.contains(p.as_str()));
        self.reports
            .retain(|_, (_, files)| !files.iter().any(|(p, _)| gone.contains(p.as_str())));
    }

    /// Every site-wide page but `except`, with its key.
    fn all_pages(&self, except: &str) -> Vec<KeptPage> {
        use rayon::prelude::*;
        self.pages
            .par_iter()
            .filter(|(p, _)| p.as_str() != except)
            .map(|(p, (k, len))| (p.clone(), *k, Arc::new(self.file(p, *len))))
            .collect()
    }
}

impl Memo {
    /// The page at `path` made under `key` by the last render or the recorded build.
    pub(super) fn page(&self, path: &str, key: &[u8; 32]) -> Option<Arc<OutputFile>> {
        match self.old.pages.get(path) {
            Some((k, file)) => (k == key).then(|| Arc::clone(file)),
            None => self.old.stored.as_ref()?.page(path, key),
        }
    }

    /// The files of the report page at `path` made under `key` (as [`Memo::page`]).
    pub(super) fn report(&self, path: &str, key: &[u8; 32]) -> Option<Arc<Vec<OutputFile>>> {
        match self.old.reports.get(path) {
            Some((k, made)) => (k == key).then(|| Arc::clone(made)),
            None => self.old.stored.as_ref()?.report(path, key),
        }
    }

    /// Every site-wide page of the last render (or the recorded build) but `except`.
    pub(super) fn all_pages(&self, except: &str) -> Option<Vec<KeptPage>> {
        if !self.old.pages.is_empty() {
            return Some(
                self.old
                    .pages
                    .iter()
                    .filter(|(p, _)| p.as_str() != except)
                    .map(|(p, (k, f))| (p.clone(), *k, Arc::clone(f)))
                    .collect(),
            );
        }
        let stored = self.old.stored.as_ref()?;
        if stored.pages.is_empty() {
            return None;
        }
        Some(stored.all_pages(except))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output folder with one page and its SHA256SUMS, and a memo that made it.
    fn built() -> (tempfile::TempDir, RenderMemo, Vec<u8>) {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("output");
        fs::create_dir_all(out.join("2024")).unwrap();
        let page = OutputFile::new("2024/index.html", "<p>页</p>");
        fs::write(out.join(&page.path), page.bytes.as_slice()).unwrap();
        let sha = crate::output::sha256_hex(&page.bytes);
        let sums = format!("{sha}  2024/index.html\n").into_bytes();
        fs::write(out.join("SHA256SUMS"), &sums).unwrap();
        let mut memo = RenderMemo {
            site: [1; 32],
            skeleton: [2; 32],
            ..RenderMemo::default()
        };
        memo.hashes.insert(page.path.clone(), sha);
        memo.pages
            .insert(page.path.clone(), ([3; 32], Arc::new(page)));
        (d, memo, sums)
    }

    #[test]
    fn a_recorded_memo_gives_the_output_files_it_describes() {
        let (d, memo, sums) = built();
        let (record, out) = (d.path().join("memo.record"), d.path().join("output"));
        memo.save_stored(&record, "nianbao 1", &sums).unwrap();
        let loaded = RenderMemo::load_stored(&record, &out, "nianbao 1");
        assert_eq!((loaded.site, loaded.skeleton), ([1; 32], [2; 32]));
        assert_eq!(
            loaded.sha256_of(&memo.pages["2024/index.html"].1),
            memo.sha256_of(&memo.pages["2024/index.html"].1)
        );
        let stored = loaded.stored.as_ref().unwrap();
        let file = stored.page("2024/index.html", &[3; 32]).unwrap();
        assert_eq!(file.read().unwrap().as_slice(), "<p>页</p>".as_bytes());
        assert_eq!(file.len(), "<p>页</p>".len() as u64);
        // another key: not this file
        assert!(stored.page("2024/index.html", &[4; 32]).is_none());
        assert!(stored.page("2023/index.html", &[3; 32]).is_none());

        // another binary wrote it: nothing is trusted
        let other = RenderMemo::load_stored(&record, &out, "nianbao 2");
        assert!(other.stored.is_none() && other.hashes.is_empty());
        // the output is no longer the one recorded
        fs::write(out.join("SHA256SUMS"), "x  2024/index.html\n").unwrap();
        assert!(
            RenderMemo::load_stored(&record, &out, "nianbao 1")
                .stored
                .is_none()
        );
        fs::write(out.join("SHA256SUMS"), &sums).unwrap();
        // a page edited by hand after the build (same size even): taken as recorded, found
        // out where it is used (the staging writer checks it; reading it fails)
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(out.join("2024/index.html"), "<p>改</p>").unwrap();
        let loaded = RenderMemo::load_stored(&record, &out, "nianbao 1");
        let taken = loaded
            .stored
            .unwrap()
            .page("2024/index.html", &[3; 32])
            .unwrap();
        let on_disk = taken.in_place.as_ref().unwrap();
        assert!(on_disk.check().is_err());
        assert!(taken.read().is_err());
        // as it was again, but rewritten after the build: still not trusted
        fs::write(out.join("2024/index.html"), "<p>页</p>").unwrap();
        assert!(on_disk.check().is_err());
        // a record cut short, or with more after its end: ignored
        fs::write(out.join("2024/index.html"), "<p>页</p>").unwrap();
        memo.save_stored(&record, "nianbao 1", &sums).unwrap();
        let whole = fs::read_to_string(&record).unwrap();
        // the record names its format, then the binary that made it
        let mut head = whole.lines();
        assert!(head.next() == Some(RECORD_HEADER) && head.next() == Some("nianbao 1"));
        let cut_at_a_line = &whole[..whole.len() - "end\n".len()];
        for broken in [
            &whole[..whole.len() - 1],
            &format!("{whole}\n"),
            &format!("{whole}P\t\n"),
            cut_at_a_line,
            &cut_at_a_line[..cut_at_a_line.len() - 3],
        ] {
            fs::write(&record, broken).unwrap();
            assert!(
                RenderMemo::load_stored(&record, &out, "nianbao 1")
                    .stored
                    .is_none(),
                "{broken:?}"
            );
        }
        fs::write(&record, &whole).unwrap();
        assert!(
            RenderMemo::load_stored(&record, &out, "nianbao 1")
                .stored
                .is_some()
        );
        // paths with line breaks and backslashes round-trip (an attachment may be so named)
        let mut odd = memo;
        let page = OutputFile::new("2024/a\nb\\n\r\t.html", "x");
        odd.hashes.insert(page.path.clone(), "00".repeat(32));
        odd.pages
            .insert(page.path.clone(), ([3; 32], Arc::new(page)));
        let text = String::from_utf8(odd.stored("nianbao 1", &sums).unwrap().record).unwrap();
        assert!(text.contains("\t2024/a\\nb\\\\n\\r\t.html\n"), "{text}");
        assert_eq!(
            unescape(&escape("2024/a\nb\\n\r\t.html")).as_deref(),
            Some("2024/a\nb\\n\r\t.html")
        );
        assert_eq!(unescape("a\\x"), None);
        assert_eq!(unescape("a\\"), None);
        // a record that is not one: ignored
        fs::write(&record, "{").unwrap();
        assert!(
            RenderMemo::load_stored(&record, &out, "nianbao 1")
                .stored
                .is_none()
        );
    }

    #[test]
    fn search_tokens_are_recorded_for_the_same_binary() {
        use crate::render::search::{TokenSet, tokens};
        let (d, mut memo, sums) = built();
        let (record, out) = (d.path().join("memo.record"), d.path().join("output"));
        let a = tokens("政府信息公开 annual report 2024");
        let b = tokens("依申请公开");
        memo.search_tokens
            .insert("2024/a/index.html".into(), ([5; 32], Arc::new(a.clone())));
        memo.search_tokens
            .insert("2024/b/index.html".into(), ([6; 32], Arc::new(b)));
        memo.save_stored(&record, "nianbao 1", &sums).unwrap();
        let loaded = RenderMemo::load_stored(&record, &out, "nianbao 1");
        assert_eq!(loaded.search_tokens, memo.search_tokens);
        // kept under their inputs, so even when the output is not the one recorded
        fs::write(out.join("SHA256SUMS"), "x  2024/index.html\n").unwrap();
        let loaded = RenderMemo::load_stored(&record, &out, "nianbao 1");
        assert!(loaded.stored.is_none());
        assert_eq!(loaded.search_tokens["2024/a/index.html"].1.as_ref(), &a);
        // but only from the same binary, and only whole
        assert!(
            RenderMemo::load_stored(&record, &out, "nianbao 2")
                .search_tokens
                .is_empty()
        );
        let text = fs::read(tokens_path(&record)).unwrap();
        // the last line cut short (at its final line break: still UTF-8)
        fs::write(tokens_path(&record), &text[..text.len() - 1]).unwrap();
        assert!(
            RenderMemo::load_stored(&record, &out, "nianbao 1")
                .search_tokens
                .is_empty()
        );
        // a set that tokens() cannot have made
        assert!(TokenSet::from_text("b\na").is_none());
        assert!(TokenSet::from_text("a\n\nb").is_none());
        assert_eq!(TokenSet::from_text(a.as_text()), Some(a));
        assert_eq!(TokenSet::from_text(""), Some(TokenSet::default()));
    }

    #[test]
    fn keys_round_trip_through_hex() {
        let k: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(unhex(&hex(&k)), Some(k));
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex(&"é".repeat(32)), None);
    }
}
