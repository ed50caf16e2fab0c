//! Source text with a line index, turning byte offsets into 1-based line and column numbers.

use std::path::{Path, PathBuf};

/// A file's text as read from disk, with its path relative to the site root (for messages).
/// Its text is not changed once made (a changed text is a new `SourceFile`): the SHA-256 of
/// it is taken once, when first asked for, and kept.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    /// Where each line starts (found when first asked for: most files loaded are never
    /// pointed into).
    line_starts: std::sync::OnceLock<Vec<usize>>,
    sha256: std::sync::OnceLock<[u8; 32]>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Self {
        SourceFile {
            path: path.into(),
            text,
            line_starts: std::sync::OnceLock::new(),
            sha256: std::sync::OnceLock::new(),
        }
    }

    /// The SHA-256 of the text (the check's and the render's keys read it: one report's
    /// sources are hashed once per build, not once per phase).
    pub fn sha256(&self) -> [u8; 32] {
        *self.sha256.get_or_init(|| {
            use sha2::Digest;
            sha2::Sha256::digest(self.text.as_bytes()).into()
        })
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(self.text.match_indices('\n').map(|(i, _)| i + 1));
            starts
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// 1-based line and column (in characters) of a byte offset. Offsets past the end or inside
    /// a multi-byte character are clamped to the nearest preceding character boundary.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts().partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts()[line];
        let col = self.text[start..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts().get(line.checked_sub(1)?)?;
        let end = self
            .line_starts()
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let f = SourceFile::new("a.toml", "a = 1\n中文 = \"x\"\r\nlast".to_string());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(4), (1, 5));
        let pos = f
            .text
            .find('=')
            .map(|_| f.text.rfind("= \"").unwrap())
            .unwrap();
        assert_eq!(f.line_col(pos), (2, 4));
        assert_eq!(f.line_text(2), Some("中文 = \"x\""));
        assert_eq!(f.line_col(f.text.len()), (3, 5));
        assert_eq!(f.line_text(4), None);
        // inside a multi-byte character: clamps to its start
        assert_eq!(f.line_col(7), (2, 1));
    }
}
