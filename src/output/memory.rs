//! A built site held in memory, for the preview server.

use super::OutputFile;
use super::manifest::{sha256_hex, sums_text};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

const SUMS: &str = "SHA256SUMS";

/// The files of one generation of the preview, by path. Given no `SHA256SUMS`, it has one all
/// the same, made on the first request for it (as `build` writes it: the preview's rebuild
/// after a save does not hash tens of MB of pages that nobody asks the hashes of).
#[derive(Debug, Default, Clone)]
pub struct MemorySite {
    files: HashMap<String, Arc<Vec<u8>>>,
    /// `SHA256SUMS` made on request (set up when the files came without one).
    sums: Option<Arc<OnceLock<Arc<Vec<u8>>>>>,
}

impl MemorySite {
    pub fn new(files: Vec<OutputFile>) -> Self {
        let files: HashMap<String, Arc<Vec<u8>>> =
            files.into_iter().map(|f| (f.path, f.bytes)).collect();
        let sums = (!files.is_empty() && !files.contains_key(SUMS)).then(Arc::default);
        MemorySite { files, sums }
    }

    pub fn get(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        if let Some(bytes) = self.files.get(path) {
            return Some(Arc::clone(bytes));
        }
        let sums = self.sums.as_ref().filter(|_| path == SUMS)?;
        Some(Arc::clone(sums.get_or_init(|| {
            let lines: Vec<(&str, String)> = self
                .files
                .par_iter()
                .map(|(p, b)| (p.as_str(), sha256_hex(b)))
                .collect();
            Arc::new(sums_text(lines).into_bytes())
        })))
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path) || (path == SUMS && self.sums.is_some())
    }

    pub fn len(&self) -> usize {
        self.files.len() + usize::from(self.sums.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256sums_made_on_request_are_those_a_build_writes() {
        let files = vec![
            OutputFile::new("index.html", "<p>首页</p>"),
            OutputFile::new("2024/a/index.html", "<p>报告</p>"),
            OutputFile::new("data/all.csv", "a,b\n1,2\n"),
        ];
        let built = super::super::finish(files.clone());
        let sums = built.iter().find(|f| f.path == SUMS).unwrap();
        let without: Vec<OutputFile> = built.iter().filter(|f| f.path != SUMS).cloned().collect();
        let site = MemorySite::new(without);
        assert!(site.contains(SUMS));
        assert_eq!(site.len(), built.len());
        assert_eq!(site.get(SUMS).unwrap(), sums.bytes);
        // given one, it is served as it is
        let given = MemorySite::new(built.clone());
        assert_eq!(given.get(SUMS).unwrap(), sums.bytes);
        assert_eq!(given.len(), built.len());
        // an empty site (the first build failed) has none
        assert!(!MemorySite::default().contains(SUMS));
        assert!(MemorySite::new(Vec::new()).get(SUMS).is_none());
    }
}
