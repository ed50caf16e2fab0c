//! Reading a text file of the site: size limit, BOM, line endings, and the encodings Windows
//! tools save in. UTF-8 (with or without BOM) is read as is; a file that is entirely GBK/GB18030
//! (old Notepad's "ANSI") is decoded with a warning suggesting UTF-8; anything else that is not
//! UTF-8 is refused at the first bad byte, so no mojibake ever reaches the site. CRLF and lone CR
//! line endings become LF, so every later phase (front matter, TOML, Markdown) sees one kind.

use crate::diagnostics::{Diagnostic, Diagnostics, Severity, SourceFile, rule};
use std::path::Path;

/// Larger files are refused: no real report comes near this, and it bounds memory and time.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Read `abs` as text, naming it `rel` in diagnostics; a warning (a GBK file read anyway) is
/// dropped: callers that report diagnostics use [`read_source_with_warnings`].
pub fn read_source(abs: &Path, rel: &Path) -> Result<SourceFile, Diagnostic> {
    read_source_with_warnings(abs, rel, &mut Diagnostics::new())
}

/// Read `abs` as text, naming it `rel` in diagnostics. Warnings (a GBK file read anyway) are
/// added to `warnings`; a file that cannot be used is the error.
pub fn read_source_with_warnings(
    abs: &Path,
    rel: &Path,
    warnings: &mut Diagnostics,
) -> Result<SourceFile, Diagnostic> {
    let found = open(abs).map_err(|e| {
        Diagnostic::file(Severity::Error, rule::SYNTAX, rel, format!("无法读取：{e}"))
    })?;
    read_opened(found, rel, warnings)
}

/// A file looked up to be read: its status, and the file opened when it is a regular one.
#[derive(Debug)]
pub struct Found {
    pub meta: std::fs::Metadata,
    file: Option<std::fs::File>,
}

/// Look up `abs` to read it. On Linux the file is opened and its status taken from the open
/// file, one system call fewer than a look-up by name first, and what is read next is the
/// file the status describes; opening never waits (a named pipe put in place of a file is
/// opened without a writer, then refused as no file).
pub fn open(abs: &Path) -> std::io::Result<Found> {
    open_with(abs, true)
}

/// [`open`]; unless `follow`, a symlink at `abs` is not opened but an error (see
/// [`is_symlink_error`]), for callers that check where it leads first.
#[cfg(target_os = "linux")]
pub fn open_with(abs: &Path, follow: bool) -> std::io::Result<Found> {
    use std::os::unix::fs::OpenOptionsExt;
    let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
    let open = |flags| {
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(flags)
            .open(abs)
    };
    let file = match open(libc::O_NONBLOCK | nofollow) {
        // a regular file another program holds a lease on (a file share's lock, say):
        // opened as before, waiting for the lease to be given up (not a device that would
        // block: what opening without waiting is for)
        Err(e)
            if e.kind() == std::io::ErrorKind::WouldBlock
                && std::fs::metadata(abs).is_ok_and(|m| m.is_file()) =>
        {
            open(nofollow)?
        }
        r => r?,
    };
    let meta = file.metadata()?;
    let file = meta.is_file().then_some(file);
    Ok(Found { meta, file })
}

/// [`open`] elsewhere: looked up by name, opened only when a regular file.
#[cfg(not(target_os = "linux"))]
pub fn open_with(abs: &Path, follow: bool) -> std::io::Result<Found> {
    if !follow && std::fs::symlink_metadata(abs)?.is_symlink() {
        return Err(std::io::Error::other(NOT_FOLLOWED));
    }
    let meta = std::fs::metadata(abs)?;
    let file = if meta.is_file() {
        Some(std::fs::File::open(abs)?)
    } else {
        None
    };
    Ok(Found { meta, file })
}

#[cfg(not(target_os = "linux"))]
const NOT_FOLLOWED: &str = "symlink not followed";

/// Whether `e` is [`open_with`]'s refusal to follow a symlink.
pub fn is_symlink_error(e: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    return e.raw_os_error() == Some(libc::ELOOP);
    #[cfg(not(target_os = "linux"))]
    return e.kind() == std::io::ErrorKind::Other && e.to_string() == NOT_FOLLOWED;
}

/// Read a file [`open`]ed as text, naming it `rel` in diagnostics (as
/// [`read_source_with_warnings`]).
pub fn read_opened(
    found: Found,
    rel: &Path,
    warnings: &mut Diagnostics,
) -> Result<SourceFile, Diagnostic> {
    use std::io::Read;
    let fail = |msg: String| Diagnostic::file(Severity::Error, rule::SYNTAX, rel, msg);
    let Some(file) = found.file else {
        return Err(fail(if found.meta.is_dir() {
            "应为文件，实为文件夹".into()
        } else {
            "应为普通文件（不能是管道、设备等特殊文件）".into()
        }));
    };
    let too_big = |len: u64| {
        fail(format!(
            "文件过大（{len} 字节，上限 {MAX_FILE_BYTES} 字节），不像是年报文件"
        ))
    };
    if found.meta.len() > MAX_FILE_BYTES {
        return Err(too_big(found.meta.len()));
    }
    // no more than the limit even if the file grows while it is read
    let mut bytes = Vec::with_capacity(found.meta.len() as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("无法读取：{e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    let (text, warning) = decode_owned(bytes, rel)?;
    if let Some(w) = warning {
        warnings.push(w);
    }
    Ok(SourceFile::new(rel, text))
}

/// [`decode`], taking the bytes: plain UTF-8 (the usual case) becomes the text without a copy.
fn decode_owned(bytes: Vec<u8>, rel: &Path) -> Result<(String, Option<Diagnostic>), Diagnostic> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return decode(&bytes, rel);
    }
    match String::from_utf8(bytes) {
        Ok(t) => Ok((normalize_newlines(t), None)),
        Err(e) => decode(e.as_bytes(), rel),
    }
}

/// Bytes → text with LF line endings, or the diagnostic explaining why not.
pub fn decode(bytes: &[u8], rel: &Path) -> Result<(String, Option<Diagnostic>), Diagnostic> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest, rel, true).map(|t| (normalize_newlines(t), None));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(Diagnostic::file(
            Severity::Error,
            rule::SYNTAX,
            rel,
            "文件是 UTF-16 编码（记事本的“Unicode”）：请在编辑器中“另存为”，编码选 UTF-8",
        ));
    }
    if let Ok(t) = std::str::from_utf8(bytes) {
        return Ok((normalize_newlines(t.to_string()), None));
    }
    if looks_like_gbk(bytes) {
        let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
        let src = SourceFile::new(rel, normalize_newlines(text.into_owned()));
        let first_chinese = src.text.find(|c: char| !c.is_ascii()).unwrap_or(0);
        let w = Diagnostic::at(
            Severity::Warning,
            rule::ENCODING,
            &src,
            first_chinese,
            "文件是 GBK/GB18030 编码（旧版记事本的“ANSI”），已按 GBK 读取；请在编辑器中“另存为”，编码选 UTF-8，以免其他软件显示乱码",
        );
        return Ok((src.text, Some(w)));
    }
    utf8(bytes, rel, false).map(|t| (normalize_newlines(t), None))
}

/// Not UTF-8, but GBK/GB18030 throughout: the bytes decode as GB18030 without error, and
/// Chinese characters that happen to be valid UTF-8 are rare beside the invalid sequences (GBK
/// text forms them only by accident; a UTF-8 file with some GBK pasted in is full of them, and
/// decoding it as GBK would garble its UTF-8 part, so it is refused instead).
fn looks_like_gbk(bytes: &[u8]) -> bool {
    let (_, _, gb_errors) = encoding_rs::GB18030.decode(bytes);
    if gb_errors || bytes.contains(&0) {
        return false;
    }
    let lossy = String::from_utf8_lossy(bytes);
    let invalid = lossy.chars().filter(|&c| c == '\u{FFFD}').count();
    let ideographs = lossy
        .chars()
        .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
        .count();
    invalid > 0 && ideographs * 30 < invalid
}

/// `bytes` as UTF-8, or an error at the first bad byte.
fn utf8(bytes: &[u8], rel: &Path, had_bom: bool) -> Result<String, Diagnostic> {
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(t.to_string()),
        Err(e) => {
            let good = e.valid_up_to();
            let prefix = String::from_utf8_lossy(&bytes[..good]).into_owned();
            let src = SourceFile::new(rel, normalize_newlines(prefix));
            let what = if had_bom {
                "文件开头标明是 UTF-8，但此处不是 UTF-8（可能混入了 GBK 文字）"
            } else {
                "文件不是 UTF-8 编码（可能是 GBK/ANSI，或混用了两种编码）"
            };
            let mut d = Diagnostic::at(
                Severity::Error,
                rule::SYNTAX,
                &src,
                src.text.len(),
                format!("{what}：请在编辑器中另存为 UTF-8，并检查此处的文字"),
            );
            d.source_line = None;
            Err(d)
        }
    }
}

/// CRLF and lone CR → LF.
pub fn normalize_newlines(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(p: &Path) -> (Result<SourceFile, Diagnostic>, Diagnostics) {
        let mut w = Diagnostics::new();
        (read_source_with_warnings(p, Path::new("a.md"), &mut w), w)
    }

    #[test]
    fn bom_is_dropped_and_bad_bytes_located() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        std::fs::write(&p, b"\xEF\xBB\xBFok\n").unwrap();
        assert_eq!(read(&p).0.unwrap().text, "ok\n");
        // mixed: UTF-8 Chinese, then GBK bytes → refused at the first bad byte
        std::fs::write(
            &p,
            "line1\n文b"
                .bytes()
                .chain(*b"\xB0\xA1\n")
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let d = read(&p).0.unwrap_err();
        assert_eq!((d.line, d.column), (2, 3));
        assert!(d.message.contains("UTF-8"));
        let d = read_source(dir.path(), Path::new("x")).unwrap_err();
        assert!(d.message.contains("文件夹"));
    }

    #[test]
    fn gbk_files_are_read_with_a_warning_at_the_first_chinese_character() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        let (gbk, _, _) = encoding_rs::GBK.encode("title = 1\r\n# 统计表，“引号”\r\n");
        std::fs::write(&p, &gbk).unwrap();
        let (src, warnings) = read(&p);
        assert_eq!(src.unwrap().text, "title = 1\n# 统计表，“引号”\n");
        let w: Vec<_> = warnings.iter().collect();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].severity, Severity::Warning);
        assert_eq!((w[0].line, w[0].column), (2, 3));
        assert!(w[0].message.contains("GBK") && w[0].message.contains("UTF-8"));
        assert_eq!(w[0].file, Path::new("a.md"));
    }

    #[test]
    fn utf16_and_undecodable_bytes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        std::fs::write(&p, b"\xFF\xFEt\x00").unwrap();
        assert!(read(&p).0.unwrap_err().message.contains("UTF-16"));
        // 0xFF is neither UTF-8 nor GB18030
        std::fs::write(&p, b"ab\n\xFF\xFF").unwrap();
        let d = read(&p).0.unwrap_err();
        assert_eq!((d.line, d.column), (2, 1));
    }

    #[test]
    fn line_endings_become_lf() {
        assert_eq!(normalize_newlines("a\r\nb\rc\n".into()), "a\nb\nc\n");
        let (t, w) = decode(b"\xEF\xBB\xBFa\r\n", Path::new("x")).unwrap();
        assert_eq!((t.as_str(), w), ("a\n", None));
    }

    #[test]
    fn oversized_files_are_refused_without_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.md");
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap(); // sparse: no 8 MB written
        let d = read(&p).0.unwrap_err();
        assert!(d.message.contains("文件过大"), "{}", d.message);
    }
}
