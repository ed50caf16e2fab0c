//! The tables that `build` and `check` parsed, kept between runs in the cache folder
//! (`.nianbao-cache/tables`): a tables.toml whose text was parsed before, without a finding,
//! by this binary is read back from there instead of parsed again (parsing the TOML is most
//! of loading a site). What comes back is what parsing gives; a file with any finding is
//! always parsed, so that its diagnostics are said every time.
//!
//! The file: a line `HEADER`, a line naming the binary that wrote it
//! ([`crate::build::inputs::binary_identity`]: another binary may parse differently), then per
//! entry the SHA-256 of the tables.toml's text (32 bytes), whether its report is archived (1
//! byte), the length of what follows (4 bytes, little-endian) and the tables
//! ([`crate::tables::codec`]); and last the SHA-256 of everything before it, so that a file cut
//! short or damaged is never read (it is then as if there were none).

use crate::build::lines::escape;
use crate::diagnostics::{Diagnostics, SourceFile};
use crate::tables::{ReportTables, codec, parse_tables};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const HEADER: &str = "nianbao tables 1";

/// What an entry is kept under: the text's SHA-256, and whether the report is archived (its
/// tables are read more leniently).
type Key = ([u8; 32], bool);

/// Where the tables are kept for the site at `root`.
pub fn path(root: &Path) -> PathBuf {
    crate::build::inputs::cache_dir(root).join("tables")
}

/// The tables kept by the last run, and those this run used.
#[derive(Default)]
pub struct KeptTables {
    /// The file as read.
    bytes: Vec<u8>,
    /// Where each entry's tables lie in `bytes`.
    index: HashMap<Key, Range<usize>>,
    /// What this run asked for, found (None: as kept) or parsed (its bytes).
    used: Mutex<Vec<(Key, Option<Vec<u8>>)>>,
}

impl KeptTables {
    /// The tables kept at `path` by the binary `identity`; none when the file is missing,
    /// cut short, damaged or another binary's.
    pub fn load(path: &Path, identity: &str) -> KeptTables {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| {
                let index = index(&bytes, identity)?;
                Some(KeptTables {
                    bytes,
                    index,
                    used: Mutex::default(),
                })
            })
            .unwrap_or_default()
    }

    /// How many entries were kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.index.len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// [`parse_tables`] of `src`: the kept tables when its text was parsed before without a
    /// finding, else parsed now (and kept, when there is no finding).
    pub fn parse(&self, src: &SourceFile, archived: bool) -> (Option<ReportTables>, Diagnostics) {
        let key = (src.sha256(), archived);
        if let Some(tables) = self
            .index
            .get(&key)
            .and_then(|r| codec::decode(&self.bytes[r.clone()]))
        {
            self.used(key, None);
            return (Some(tables), Diagnostics::new());
        }
        let (tables, found) = parse_tables(src, archived);
        if let Some(t) = &tables
            && found.is_empty()
        {
            let mut bytes = Vec::new();
            codec::encode(t, &mut bytes);
            self.used(key, Some(bytes));
        }
        (tables, found)
    }

    fn used(&self, key: Key, bytes: Option<Vec<u8>>) {
        // (poisoned only by a panic elsewhere: what it holds is whole)
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        used.push((key, bytes));
    }

    /// Keep at `path` (a temporary file renamed over it) the tables this run used, when
    /// they are not those kept: a tables.toml was parsed, or one kept was not asked for.
    pub fn save(self, path: &Path, identity: &str) -> std::io::Result<()> {
        let used = self.used.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut entries: Vec<(Key, Option<&[u8]>)> =
            used.iter().map(|(key, b)| (*key, b.as_deref())).collect();
        entries.sort_by_key(|e| e.0);
        // the same text in two reports: kept once
        entries.dedup_by(|a, b| a.0 == b.0);
        let parsed = entries.iter().any(|(_, b)| b.is_some());
        if !parsed && entries.len() == self.index.len() {
            return Ok(());
        }
        let mut out = format!("{HEADER}\n{}\n", escape(identity)).into_bytes();
        for ((hash, archived), bytes) in entries {
            let tables = match bytes {
                Some(b) => b,
                None => match self.index.get(&(hash, archived)) {
                    Some(r) => &self.bytes[r.clone()],
                    None => continue,
                },
            };
            let Ok(len) = u32::try_from(tables.len()) else {
                continue;
            };
            out.extend_from_slice(&hash);
            out.push(u8::from(archived));
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(tables);
        }
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        crate::build::inputs::write_cache_file(path, &out)
    }
}

/// Where each entry of a kept file lies; None when the file is not whole or not `identity`'s.
fn index(bytes: &[u8], identity: &str) -> Option<HashMap<Key, Range<usize>>> {
    let body_len = bytes.len().checked_sub(32)?;
    let (body, sum) = bytes.split_at(body_len);
    if Sha256::digest(body).as_slice() != sum {
        return None;
    }
    let head = format!("{HEADER}\n{}\n", escape(identity));
    let mut at = head.len();
    if !body.starts_with(head.as_bytes()) {
        return None;
    }
    let mut index = HashMap::new();
    while at < body.len() {
        let hash: [u8; 32] = body.get(at..at + 32)?.try_into().ok()?;
        let archived = match body.get(at + 32)? {
            0 => false,
            1 => true,
            _ => return None,
        };
        let len: [u8; 4] = body.get(at + 33..at + 37)?.try_into().ok()?;
        let start = at + 37;
        let end = start.checked_add(usize::try_from(u32::from_le_bytes(len)).ok()?)?;
        if end > body.len() {
            return None;
        }
        index.insert((hash, archived), start..end);
        at = end;
    }
    Some(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::codec::show;

    fn sample() -> SourceFile {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/sixia/2024/tables.toml");
        SourceFile::new("tables.toml", std::fs::read_to_string(path).unwrap())
    }

    fn parsed(kept: &KeptTables, src: &SourceFile, archived: bool) -> String {
        let (t, d) = kept.parse(src, archived);
        format!("{} {d:?}", t.as_ref().map(show).unwrap_or_default())
    }

    fn expected(src: &SourceFile, archived: bool) -> String {
        let (t, d) = parse_tables(src, archived);
        format!("{} {d:?}", t.as_ref().map(show).unwrap_or_default())
    }

    /// Tables parsed once come back from the file the same; a file with a finding is not
    /// kept; the file is rewritten only when what is kept changes; another binary's file, or
    /// one damaged or cut short, is not read.
    #[test]
    fn tables_are_kept_between_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tables");
        let good = sample();
        let bad = SourceFile::new("t.toml", good.text.replace("[active]", "[active]\nx = 1"));
        assert!(!parse_tables(&bad, false).1.is_empty(), "a finding");

        let first = KeptTables::load(&path, "me");
        assert!(first.is_empty());
        for (src, archived) in [(&good, false), (&good, true), (&bad, false)] {
            assert_eq!(parsed(&first, src, archived), expected(src, archived));
        }
        first.save(&path, "me").unwrap();

        let second = KeptTables::load(&path, "me");
        assert_eq!(second.len(), 2, "the one with a finding is not kept");
        for (src, archived) in [(&good, false), (&good, true), (&bad, false)] {
            assert_eq!(parsed(&second, src, archived), expected(src, archived));
        }
        let used = second.used.lock().unwrap().clone();
        assert!(
            used.iter().all(|(_, b)| b.is_none()),
            "both read back, none parsed"
        );
        // nothing new: not written again
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        second.save(&path, "me").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            before
        );

        // one no longer asked for: dropped
        let third = KeptTables::load(&path, "me");
        parsed(&third, &good, false);
        third.save(&path, "me").unwrap();
        assert_eq!(KeptTables::load(&path, "me").len(), 1);

        assert!(KeptTables::load(&path, "another binary").is_empty());
        let bytes = std::fs::read(&path).unwrap();
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            assert!(KeptTables::load(&path, "me").is_empty(), "cut at {cut}");
        }
        let mut damaged = bytes.clone();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 1;
        std::fs::write(&path, &damaged).unwrap();
        assert!(KeptTables::load(&path, "me").is_empty());
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(KeptTables::load(&path, "me").len(), 1);
    }

    /// An entry whose bytes do not decode (written by a bug, or by hand with a right
    /// checksum) is parsed again, and replaced.
    #[test]
    fn an_entry_that_does_not_decode_is_parsed_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tables");
        let good = sample();
        let mut out = format!("{HEADER}\n{}\n", escape("me")).into_bytes();
        out.extend_from_slice(&good.sha256());
        out.push(0);
        out.extend_from_slice(&1u32.to_le_bytes());
        out.push(9);
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        std::fs::write(&path, out).unwrap();
        let kept = KeptTables::load(&path, "me");
        assert_eq!(kept.len(), 1);
        assert_eq!(parsed(&kept, &good, false), expected(&good, false));
        kept.save(&path, "me").unwrap();
        let again = KeptTables::load(&path, "me");
        assert_eq!(parsed(&again, &good, false), expected(&good, false));
        assert!(again.used.lock().unwrap()[0].1.is_none(), "read back");
    }
}
