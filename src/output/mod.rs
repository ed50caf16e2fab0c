//! Where a rendered site goes: a staging folder swapped into place only when everything
//! succeeded (build), or memory (serve). Both get the same files, with `SHA256SUMS`.

mod manifest;
mod memory;
mod staging;

pub use manifest::{MARKER, sha256_hex, sha256sums};
pub use memory::MemorySite;
pub use staging::{StagingError, write_site};

/// One file of the built site: a `/`-separated path relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// Add the marker and `SHA256SUMS` to a rendered site and sort it by path.
pub fn finish(mut files: Vec<OutputFile>) -> Vec<OutputFile> {
    files.push(OutputFile::new(MARKER, manifest::marker_text()));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let sums = sha256sums(&files);
    files.push(OutputFile::new("SHA256SUMS", sums));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}
