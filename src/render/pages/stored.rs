//! The page memo of `build`, kept between runs: each output file's key (the hash of what it
//! was rendered from) and SHA-256, recorded beside the site after a build. The next build
//! re-renders only the files whose key changed and takes the others from the output folder
//! as they are; the staging writer then hard-links them (see `output::staging`).
//!
//! A record is trusted only for the output it describes: the SHA-256 of that output's
//! `SHA256SUMS` is part of it, the binary that wrote it must be the running one, and a file
//! is taken from the output only when its size is the recorded one and it was not modified
//! after `SHA256SUMS` was written (a file edited by hand is rendered again).

use super::{Memo, RenderMemo};
use crate::build::inputs::write_cache_file;
use crate::output::{InPlace, OutputFile};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// The record's format; a record of another format is ignored.
const FORMAT: u32 = 1;

/// A page of an earlier render: its path, key and file.
type KeptPage = (String, [u8; 32], Arc<OutputFile>);

/// A report page's files as recorded: (path, size) of each.
type Sizes = Vec<(String, u64)>;

/// The keys of an earlier build, with where its files are.
#[derive(Debug)]
pub(super) struct Stored {
    /// The output folder the files are in.
    out: PathBuf,
    /// When its `SHA256SUMS` was written: a file modified later is not taken.
    written: SystemTime,
    /// Site-wide page path → (key, size).
    pages: HashMap<String, ([u8; 32], u64)>,
    /// Report page path → (key, its files: path and size).
    reports: HashMap<String, ([u8; 32], Sizes)>,
}

#[derive(Serialize, Deserialize)]
struct Record {
    format: u32,
    /// [`crate::build::inputs::binary_identity`] of the nianbao that wrote it.
    binary: String,
    /// SHA-256 (hex) of the output's `SHA256SUMS` after that build.
    sums: String,
    site: String,
    skeleton: String,
    pages: Vec<FileRecord>,
    reports: Vec<ReportRecord>,
}

#[derive(Serialize, Deserialize)]
struct FileRecord {
    path: String,
    /// Hex; absent for a report's files (the key is the report's).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    key: String,
    sha256: String,
    len: u64,
}

#[derive(Serialize, Deserialize)]
struct ReportRecord {
    path: String,
    key: String,
    files: Vec<FileRecord>,
}

fn hex(k: &[u8; 32]) -> String {
    k.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut k = [0u8; 32];
    for (i, b) in k.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(k)
}

/// The first line of a file of search tokens (see [`tokens_path`]).
const TOKENS_HEADER: &str = "nianbao search tokens 1";

/// Where the search tokens of each report are kept beside the record at `record`. They are
/// kept under the hash of what they are made from, so they hold for any output, but only for
/// the binary that made them (the tokeniser may change).
fn tokens_path(record: &Path) -> PathBuf {
    record.with_extension("tokens")
}

/// `header`, `identity`, then per report: its page path, the key (hex), the byte length of
/// its tokens and the tokens (one per line), each on a line.
fn tokens_text(identity: &str, parts: &super::Parts<crate::render::search::TokenSet>) -> String {
    let mut entries: Vec<_> = parts.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = format!("{TOKENS_HEADER}\n{identity}\n");
    for (path, (key, set)) in entries {
        let text = set.as_text();
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
        let set = crate::render::search::TokenSet::from_text(set)?;
        parts.insert(path.to_string(), (unhex(key)?, Arc::new(set)));
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
        let r: Record = serde_json::from_slice(&fs::read(record).ok()?).ok()?;
        if r.format != FORMAT || r.binary != identity {
            return None;
        }
        let sums = out.join("SHA256SUMS");
        let written = fs::metadata(&sums).ok()?.modified().ok()?;
        if crate::output::sha256_hex(&fs::read(&sums).ok()?) != r.sums {
            return None;
        }
        let mut memo = RenderMemo {
            site: unhex(&r.site)?,
            skeleton: unhex(&r.skeleton)?,
            ..RenderMemo::default()
        };
        let mut stored = Stored {
            out: out.to_path_buf(),
            written,
            pages: HashMap::with_capacity(r.pages.len()),
            reports: HashMap::with_capacity(r.reports.len()),
        };
        for p in r.pages {
            stored.pages.insert(p.path.clone(), (unhex(&p.key)?, p.len));
            memo.hashes.insert(p.path, p.sha256);
        }
        for rep in r.reports {
            let mut files = Vec::with_capacity(rep.files.len());
            for f in rep.files {
                files.push((f.path.clone(), f.len));
                memo.hashes.insert(f.path, f.sha256);
            }
            stored.reports.insert(rep.path, (unhex(&rep.key)?, files));
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
        let file = |f: &OutputFile, key: Option<&[u8; 32]>| {
            Some(FileRecord {
                path: f.path.clone(),
                key: key.map(hex).unwrap_or_default(),
                sha256: self.hashes.get(&f.path).cloned()?,
                len: f.len(),
            })
        };
        let mut pages: Vec<FileRecord> = self
            .pages
            .iter()
            .filter_map(|(_, (key, f))| file(f, Some(key)))
            .collect();
        pages.sort_by(|a, b| a.path.cmp(&b.path));
        let mut reports: Vec<ReportRecord> = self
            .reports
            .iter()
            .filter_map(|(path, (key, made))| {
                let files = made
                    .iter()
                    .map(|f| file(f, None))
                    .collect::<Option<Vec<_>>>()?;
                Some(ReportRecord {
                    path: path.clone(),
                    key: hex(key),
                    files,
                })
            })
            .collect();
        reports.sort_by(|a, b| a.path.cmp(&b.path));
        let r = Record {
            format: FORMAT,
            binary: identity.to_string(),
            sums: crate::output::sha256_hex(sums),
            site: hex(&self.site),
            skeleton: hex(&self.skeleton),
            pages,
            reports,
        };
        let (tokens, record) = rayon::join(
            || tokens_text(identity, &self.search_tokens),
            || serde_json::to_vec(&r).map_err(std::io::Error::other),
        );
        Ok(StoredMemo {
            tokens,
            record: record?,
        })
    }
}

/// A memo's record, made (see [`RenderMemo::stored`]) and not yet saved.
pub struct StoredMemo {
    tokens: String,
    record: Vec<u8>,
}

impl StoredMemo {
    /// Save it at `record` (and its search tokens beside it), each file written atomically.
    pub fn save(self, record: &Path) -> std::io::Result<()> {
        let (tokens, text) = rayon::join(
            || write_cache_file(&tokens_path(record), self.tokens.as_bytes()),
            || write_cache_file(record, &self.record),
        );
        tokens.and(text)
    }
}

impl Stored {
    /// The file at `path` of the recorded output, when it is as the record says (not read:
    /// the staging writer links it into the new output).
    fn read(&self, path: &str, len: u64) -> Option<OutputFile> {
        let p = self.out.join(path);
        let meta = fs::symlink_metadata(&p).ok()?;
        if !meta.is_file() || meta.len() != len || meta.modified().ok()? > self.written {
            return None;
        }
        Some(OutputFile::in_place(path, InPlace { path: p, len }))
    }

    /// The site-wide page at `path`, when it was made under `key`.
    fn page(&self, path: &str, key: &[u8; 32]) -> Option<Arc<OutputFile>> {
        let (k, len) = self.pages.get(path)?;
        (k == key)
            .then(|| self.read(path, *len))
            .flatten()
            .map(Arc::new)
    }

    /// The files of the report page at `path`, when they were made under `key`.
    fn report(&self, path: &str, key: &[u8; 32]) -> Option<Arc<Vec<OutputFile>>> {
        let (k, files) = self.reports.get(path)?;
        if k != key {
            return None;
        }
        let files = files
            .iter()
            .map(|(p, len)| self.read(p, *len))
            .collect::<Option<Vec<_>>>()?;
        Some(Arc::new(files))
    }

    /// Every site-wide page but `except`, with its key (None when one is not as recorded).
    fn all_pages(&self, except: &str) -> Option<Vec<KeptPage>> {
        use rayon::prelude::*;
        self.pages
            .par_iter()
            .filter(|(p, _)| p.as_str() != except)
            .map(|(p, (k, len))| Some((p.clone(), *k, Arc::new(self.read(p, *len)?))))
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
        stored.all_pages(except)
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
        let (record, out) = (d.path().join("memo.json"), d.path().join("output"));
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
        // a page edited by hand after the build (same size even): rendered again
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(out.join("2024/index.html"), "<p>改</p>").unwrap();
        let loaded = RenderMemo::load_stored(&record, &out, "nianbao 1");
        assert!(
            loaded
                .stored
                .unwrap()
                .page("2024/index.html", &[3; 32])
                .is_none()
        );
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
        let (record, out) = (d.path().join("memo.json"), d.path().join("output"));
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
