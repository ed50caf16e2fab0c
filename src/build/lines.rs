//! A field of a line in nianbao's cache files (`.nianbao-cache/`): text that may hold any
//! character but a line break, so that each field fits on its line. `\`, line feed and
//! carriage return are escaped; tabs are left as they are (a field that may hold one comes
//! last on its line, or on a line of its own).

use std::borrow::Cow;

/// `text` with `\`, line feed and carriage return escaped.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['\\', '\n', '\r']) {
        return text.into();
    }
    text.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
        .into()
}

/// A field [`escape`]d, read back; None when it is no such field.
pub(crate) fn unescape(s: &str) -> Option<String> {
    if !s.contains('\\') {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            'n' => '\n',
            'r' => '\r',
            _ => return None,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_come_back_as_they_were() {
        for text in [
            "",
            "plain",
            "2024/a\nb\\n\r\t.html",
            "\\",
            "\\n",
            "报告\r\n",
        ] {
            let e = escape(text);
            assert!(!e.contains(['\n', '\r']), "{e:?}");
            assert_eq!(unescape(&e).as_deref(), Some(text));
        }
        assert_eq!(unescape("a\\x"), None);
        assert_eq!(unescape("a\\"), None);
    }
}
