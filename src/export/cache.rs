//! The download cache: typeset documents (PDF, Word, Excel) and year zips kept between builds
//! in `<root>/.nianbao-cache/downloads/`, each under a hash of everything that produced it
//! (the report's sources, its organisation's name, the theme's document templates, the fonts,
//! the nianbao binary). A build reuses what it finds and prunes what it did not use, so the
//! folder holds one build's worth of files.
//!
//! An entry is the file's bytes followed by a trailer (SHA-256 of the bytes, their length, a
//! magic number): a truncated or damaged entry fails the check, is ignored and regenerated.
//! Entries are written to a temporary name and renamed, so readers never see half a file.

use anyhow::Result;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const MAGIC: &[u8; 8] = b"NBCACHE1";
const TRAILER: usize = 32 + 8 + MAGIC.len();

/// A cache key: the SHA-256 of the parts, each prefixed by its length (so that parts cannot
/// run into each other).
pub fn key(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    h.update(b"nianbao-download-1");
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    format!("{:x}", h.finalize())
}

pub struct DownloadCache {
    dir: PathBuf,
    /// Entry file names used (found or stored) by this build.
    used: Mutex<HashSet<String>>,
}

impl DownloadCache {
    pub fn new(dir: PathBuf) -> Self {
        DownloadCache {
            dir,
            used: Mutex::new(HashSet::new()),
        }
    }

    fn entry(key: &str, ext: &str) -> String {
        format!("{key}.{ext}")
    }

    fn mark(&self, name: String) {
        self.used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name);
    }

    /// The cached bytes for `key`, if present and intact.
    pub fn get(&self, key: &str, ext: &str) -> Option<Vec<u8>> {
        let name = Self::entry(key, ext);
        let mut data = fs::read(self.dir.join(&name)).ok()?;
        let body = data.len().checked_sub(TRAILER)?;
        let (bytes, trailer) = data.split_at(body);
        let (hash, rest) = trailer.split_at(32);
        let (len, magic) = rest.split_at(8);
        let intact = magic == MAGIC
            && u64::from_le_bytes(len.try_into().ok()?) == body as u64
            && Sha256::digest(bytes).as_slice() == hash;
        if !intact {
            return None;
        }
        data.truncate(body);
        self.mark(name);
        Some(data)
    }

    /// Keep `bytes` under `key`. Best effort: a cache that cannot be written only costs time.
    pub fn put(&self, key: &str, ext: &str, bytes: &[u8]) {
        let name = Self::entry(key, ext);
        if fs::create_dir_all(&self.dir).is_ok() {
            let tmp = self.dir.join(format!(
                ".{name}.{}.{:?}.tmp",
                std::process::id(),
                std::thread::current().id()
            ));
            let mut data = Vec::with_capacity(bytes.len() + TRAILER);
            data.extend_from_slice(bytes);
            data.extend_from_slice(&Sha256::digest(bytes));
            data.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            data.extend_from_slice(MAGIC);
            if fs::write(&tmp, &data).is_ok() && fs::rename(&tmp, self.dir.join(&name)).is_err() {
                let _ = fs::remove_file(&tmp);
            }
        }
        self.mark(name);
    }

    /// The cached bytes for `key`, or `make`'s, stored for next time.
    pub fn get_or_make(
        &self,
        key: &str,
        ext: &str,
        make: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        if let Some(b) = self.get(key, ext) {
            return Ok(b);
        }
        let bytes = make()?;
        self.put(key, ext, &bytes);
        Ok(bytes)
    }

    /// Remove every entry this build did not use (and leftover temporary files). Returns how
    /// many files were removed.
    pub fn prune(&self) -> usize {
        let used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut removed = 0;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !used.contains(&name) && e.file_type().is_ok_and(|t| t.is_file()) {
                removed += usize::from(fs::remove_file(e.path()).is_ok());
            }
        }
        removed
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_finds_and_rejects_damaged_entries() {
        let d = tempfile::tempdir().unwrap();
        let cache = DownloadCache::new(d.path().join("downloads"));
        let k = key(&[b"a", b"bc"]);
        assert_ne!(k, key(&[b"ab", b"c"]));
        assert_eq!(cache.get(&k, "pdf"), None);
        let made = cache
            .get_or_make(&k, "pdf", || Ok(b"%PDF-1.7 x".to_vec()))
            .unwrap();
        assert_eq!(made, b"%PDF-1.7 x");
        // found again without making
        let again = cache
            .get_or_make(&k, "pdf", || panic!("should come from the cache"))
            .unwrap();
        assert_eq!(again, made);
        // truncated, flipped or foreign: ignored and regenerated
        let path = cache.dir().join(format!("{k}.pdf"));
        let full = fs::read(&path).unwrap();
        for damaged in [
            full[..full.len() - 3].to_vec(),
            {
                let mut f = full.clone();
                f[2] ^= 1;
                f
            },
            b"garbage".to_vec(),
            Vec::new(),
        ] {
            fs::write(&path, &damaged).unwrap();
            assert_eq!(cache.get(&k, "pdf"), None);
            let remade = cache
                .get_or_make(&k, "pdf", || Ok(b"%PDF-1.7 x".to_vec()))
                .unwrap();
            assert_eq!(remade, b"%PDF-1.7 x");
            assert_eq!(cache.get(&k, "pdf").unwrap(), b"%PDF-1.7 x");
        }
    }

    #[test]
    fn prune_keeps_only_what_the_build_used() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("downloads");
        let first = DownloadCache::new(dir.clone());
        first.put("k1", "pdf", b"1");
        first.put("k2", "pdf", b"2");
        let second = DownloadCache::new(dir.clone());
        assert!(second.get("k2", "pdf").is_some());
        second.put("k3", "docx", b"3");
        fs::write(dir.join(".k9.pdf.1.tmp"), "half").unwrap();
        assert_eq!(second.prune(), 2);
        let mut left: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, vec!["k2.pdf", "k3.docx"]);
    }
}
