//! A built site held in memory, for the preview server.

use super::OutputFile;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Default, Clone)]
pub struct MemorySite {
    files: HashMap<String, Arc<Vec<u8>>>,
}

impl MemorySite {
    pub fn new(files: Vec<OutputFile>) -> Self {
        MemorySite {
            files: files.into_iter().map(|f| (f.path, f.bytes)).collect(),
        }
    }
    pub fn get(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        self.files.get(path).cloned()
    }
    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
