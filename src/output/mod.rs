//! Where a rendered site goes: a staging folder swapped into place only when everything
//! succeeded (build), or memory (serve). Both get the same files, with `SHA256SUMS`.

mod manifest;
mod memory;
mod staging;

pub use manifest::{MARKER, sha256_hex, sha256sums, sha256sums_with};
pub use memory::MemorySite;
pub(crate) use staging::list_tree;
pub use staging::{Listing, StagingError, write_site, write_site_with};

use std::sync::Arc;

/// One file of the built site: a `/`-separated path relative to the output folder. The bytes
/// are shared: the preview's memo, its in-memory site and the next generation hold the same
/// copy of an unchanged file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    /// Empty when the file is [`InPlace`].
    pub bytes: Arc<Vec<u8>>,
    /// Set when the bytes were not read into memory: `build` taking a page of its last build
    /// as it is from the output folder (the staging writer links or copies it from there).
    pub in_place: Option<InPlace>,
}

/// A file on disk holding an [`OutputFile`]'s bytes: the one at `path` as it was when
/// recorded, if it is still a plain file of `len` bytes not modified after `written` (when the
/// output it belongs to was complete). That is tested where the file is used (see
/// [`InPlace::check`]), not when it is taken: most are never used, the staging folder (the
/// spare) already holding a copy of the same content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InPlace {
    pub path: std::path::PathBuf,
    pub len: u64,
    pub written: std::time::SystemTime,
}

impl InPlace {
    /// Whether the file is still as recorded (an error naming it when it is not).
    pub fn check(&self) -> std::io::Result<()> {
        let meta = std::fs::symlink_metadata(&self.path)?;
        if meta.is_file() && meta.len() == self.len && meta.modified()? <= self.written {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "{} 在上次生成之后被改动过",
                self.path.display()
            )))
        }
    }
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        let mut bytes: Vec<u8> = bytes.into();
        // a page rendered into a growing String holds up to twice its size; a site's files
        // are all kept until they are written
        if bytes.capacity() > bytes.len() + bytes.len() / 8 {
            bytes.shrink_to_fit();
        }
        OutputFile {
            path: path.into(),
            bytes: Arc::new(bytes),
            in_place: None,
        }
    }

    /// The file at `path` of the output, whose bytes are those of `on_disk`.
    pub fn in_place(path: impl Into<String>, on_disk: InPlace) -> Self {
        OutputFile {
            path: path.into(),
            bytes: Arc::default(),
            in_place: Some(on_disk),
        }
    }

    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        match &self.in_place {
            Some(p) => p.len,
            None => self.bytes.len() as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Its SHA-256 (hex).
    pub fn sha256(&self) -> String {
        sha256_hex(&self.read().unwrap_or_default())
    }

    /// Its bytes (read from disk when it is [`InPlace`]).
    pub fn read(&self) -> std::io::Result<Arc<Vec<u8>>> {
        match &self.in_place {
            Some(p) => {
                p.check()?;
                let bytes = std::fs::read(&p.path)?;
                if bytes.len() as u64 != p.len {
                    return Err(std::io::Error::other(format!(
                        "{} changed while the site was built",
                        p.path.display()
                    )));
                }
                Ok(Arc::new(bytes))
            }
            None => Ok(Arc::clone(&self.bytes)),
        }
    }
}

/// Add the marker to a rendered site and sort it by path (the preview's files: it makes its
/// `SHA256SUMS` when asked for, see [`MemorySite`]).
pub fn with_marker(mut files: Vec<OutputFile>) -> Vec<OutputFile> {
    files.push(OutputFile::new(MARKER, manifest::marker_text()));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
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
    files = with_marker(files);
    let sums = sha256sums_with(&files, known);
    files.push(OutputFile::new("SHA256SUMS", sums));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}
