//! Reading a text file of the site: size limit, BOM, UTF-8 with the position of a bad byte.

use crate::diagnostics::{Diagnostic, Severity, SourceFile, rule};
use std::path::Path;

/// Larger files are refused: no real report comes near this, and it bounds memory and time.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Read `abs` as UTF-8 text (a leading BOM is dropped), naming it `rel` in diagnostics.
pub fn read_source(abs: &Path, rel: &Path) -> Result<SourceFile, Diagnostic> {
    let fail = |msg: String| Diagnostic::file(Severity::Error, rule::SYNTAX, rel, msg);
    let meta = std::fs::metadata(abs).map_err(|e| fail(format!("无法读取：{e}")))?;
    if !meta.is_file() {
        return Err(fail("应为文件，实为文件夹".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(fail(format!(
            "文件过大（{} 字节，上限 {} 字节），不像是年报文件",
            meta.len(),
            MAX_FILE_BYTES
        )));
    }
    let mut bytes = std::fs::read(abs).map_err(|e| fail(format!("无法读取：{e}")))?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(rel, text)),
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..good]).into_owned();
            let src = SourceFile::new(rel, prefix);
            let mut d = Diagnostic::at(
                Severity::Error,
                rule::SYNTAX,
                &src,
                good,
                "文件不是 UTF-8 编码（可能是 GBK/ANSI）：请在编辑器中另存为 UTF-8".to_string(),
            );
            d.source_line = None;
            Err(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_dropped_and_bad_bytes_located() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        std::fs::write(&p, b"\xEF\xBB\xBFok\n").unwrap();
        assert_eq!(read_source(&p, Path::new("a.md")).unwrap().text, "ok\n");
        std::fs::write(&p, b"line1\nab\xB0\xA1\n").unwrap();
        let d = read_source(&p, Path::new("a.md")).unwrap_err();
        assert_eq!((d.line, d.column), (2, 3));
        assert!(d.message.contains("UTF-8"));
        let d = read_source(dir.path(), Path::new("x")).unwrap_err();
        assert!(d.message.contains("文件夹"));
    }

    #[test]
    fn oversized_files_are_refused_without_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.md");
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap(); // sparse: no 8 MB written
        let d = read_source(&p, Path::new("report.md")).unwrap_err();
        assert!(d.message.contains("文件过大"), "{}", d.message);
    }
}
