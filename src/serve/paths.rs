//! Mapping a request path to a file of the built site, safely: percent-decoded once, no `..`,
//! no absolute or drive components, no backslashes or NUL; folders map to `index.html`.

/// What a request path resolves to.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A file of the site, by its output path.
    File(String),
    /// A folder asked for without its trailing slash: redirect here.
    Redirect(String),
    /// Nothing there (the site's 404 page).
    NotFound,
    /// A path that tries to leave the site or is malformed.
    Forbidden,
}

/// Decode `%XX` escapes once. Invalid escapes or invalid UTF-8 give None.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The path part of a request URL, split into safe segments.
fn segments(url: &str) -> Option<(Vec<String>, bool)> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(path)?;
    if decoded.contains(['\\', '\0']) || decoded.chars().any(char::is_control) {
        return None;
    }
    let trailing = decoded.ends_with('/');
    let mut segs = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => continue,
            // "..", and "...", "...." which some filesystems treat alike
            s if s.chars().all(|c| c == '.') => return None,
            s if s.contains(':') => return None, // C:, drive-relative and stream names
            s => segs.push(s.to_string()),
        }
    }
    Some((segs, trailing))
}

/// Resolve `url` against the site, where `exists(path)` says whether an output file exists.
pub fn resolve(url: &str, exists: impl Fn(&str) -> bool) -> Resolved {
    let Some((segs, trailing)) = segments(url) else {
        return Resolved::Forbidden;
    };
    let joined = segs.join("/");
    if joined.is_empty() {
        return if exists("index.html") {
            Resolved::File("index.html".into())
        } else {
            Resolved::NotFound
        };
    }
    if !trailing && exists(&joined) {
        return Resolved::File(joined);
    }
    let index = format!("{joined}/index.html");
    if exists(&index) {
        if trailing {
            Resolved::File(index)
        } else {
            let encoded: Vec<String> = segs
                .iter()
                .map(|s| crate::render::escape::segment(s))
                .collect();
            Resolved::Redirect(format!("/{}/", encoded.join("/")))
        }
    } else {
        Resolved::NotFound
    }
}

/// Content-Type by file extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "zip" => "application/zip",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        _ if path.ends_with("SHA256SUMS") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(p: &str) -> bool {
        matches!(
            p,
            "index.html"
                | "2024/index.html"
                | "2024/sixia/index.html"
                | "assets/nianbao.css"
                | "2024/寺下/index.html"
        )
    }

    #[test]
    fn ordinary_paths() {
        assert_eq!(resolve("/", site), Resolved::File("index.html".into()));
        assert_eq!(
            resolve("/2024/", site),
            Resolved::File("2024/index.html".into())
        );
        assert_eq!(resolve("/2024", site), Resolved::Redirect("/2024/".into()));
        assert_eq!(
            resolve("/assets/nianbao.css?v=1", site),
            Resolved::File("assets/nianbao.css".into())
        );
        assert_eq!(
            resolve("/2024/%E5%AF%BA%E4%B8%8B/", site),
            Resolved::File("2024/寺下/index.html".into())
        );
        assert_eq!(resolve("/nope", site), Resolved::NotFound);
    }

    #[test]
    fn traversal_and_encoding_tricks_never_escape() {
        let tricks = [
            "/../etc/passwd",
            "/..",
            "/a/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/%2E%2E/etc/passwd",
            "/..%2fetc%2fpasswd",
            "/..%2Fetc",
            "/%2e%2e%2fetc",
            "/.%2e/etc",
            "/%2e./etc",
            "/..\\etc\\passwd",
            "/%5c..%5cetc",
            "/..%5c..%5cwindows",
            "/a%00b",
            "/index.html%00.css",
            "/%c0%ae%c0%ae/etc",
            "/%c0%af",
            "/%e0%80%ae%e0%80%ae/",
            "/%ff",
            "/C:/Windows/win.ini",
            "/C:%5cWindows",
            "/c:",
            "/\\\\server\\share",
            "//../etc",
            "/./../etc",
            "/%2e%2e%5c",
            "/2024/../../x",
            "/2024/%2e%2e/%2e%2e/x",
            "/%u002e%u002e/x",
            "/%",
            "/%2",
            "/%zz",
            "etc/passwd",
            "",
            "http://evil/../x",
            "/....//etc",
            "/..;/etc",
            "/%0a",
            "/%0d%0a",
            "/a/%2e%2e%2f%2e%2e%2f",
            "/..%00/",
            "/\u{0}",
            "/%252e%252e/etc",
            "/file:..",
            "/con:",
            "/aux:stream",
            "/%e2%80%ae",
            "/%7f",
            "/ ..",
            "/\t..",
        ];
        assert!(tricks.len() >= 50);
        for t in tricks {
            let r = resolve(t, |p| {
                assert!(
                    p.split('/')
                        .all(|s| !s.is_empty() && !s.chars().all(|c| c == '.')),
                    "{t} reached {p}"
                );
                assert!(
                    !p.starts_with('/') && !p.contains('\\') && !p.contains(':'),
                    "{t} reached {p}"
                );
                site(p)
            });
            assert!(
                matches!(r, Resolved::Forbidden | Resolved::NotFound),
                "{t:?} resolved to {r:?}"
            );
        }
    }

    #[test]
    fn double_encoding_is_decoded_once() {
        // %252e is "%2e" literally: a file named "%2e%2e", not a parent reference
        let r = resolve("/%252e%252e/x", |p| {
            assert!(p.starts_with("%2e%2e/x"), "{p}");
            false
        });
        assert_eq!(r, Resolved::NotFound);
    }

    #[test]
    fn content_types() {
        assert_eq!(
            content_type("a/b.docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert_eq!(content_type("x.CSV"), "text/csv; charset=utf-8");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
    }
}
