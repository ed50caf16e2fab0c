//! Where a rendered site goes: a staging folder swapped into place only when everything
//! succeeded (build), or memory (serve). Both get the same files, with `SHA256SUMS`.

mod manifest;
mod memory;
mod staging;

pub use manifest::{MARKER, sha256_hex, sha256sums, sha256sums_with};
pub use memory::MemorySite;
pub use staging::{StagingError, write_site};

use std::sync::Arc;

/// One file of the built site: a `/`-separated path relative to the output folder. The bytes
/// are shared: the preview's memo, its in-memory site and the next generation hold the same
/// copy of an unchanged file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Arc<Vec<u8>>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile {
            path: path.into(),
            bytes: Arc::new(bytes.into()),
        }
    }
}

/// Add the marker and `SHA256SUMS` to a rendered site and sort it by path.
pub fn finish(files: Vec<OutputFile>) -> Vec<OutputFile> {
    finish_with(files, &|_| None)
}

/// Like [`finish`], with the hashes of files already known (see [`sha256sums_with`]).
pub fn finish_with(
    mut files: Vec<OutputFile>,
    known: &(dyn Fn(&OutputFile) -> Option<String> + Sync),
) -> Vec<OutputFile> {
    files.push(OutputFile::new(MARKER, manifest::marker_text()));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let sums = sha256sums_with(&files, known);
    files.push(OutputFile::new("SHA256SUMS", sums));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}
