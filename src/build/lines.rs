//! A field of a line in nianbao's cache files (`.nianbao-cache/`): text that may hold any
//! character but a line break, so that each field fits on its line. `\`, line feed and
//! carriage return are escaped; tabs are left as they are (a field that may hold one comes
//! last on its line, read with `splitn`, or on a line of its own). Keys are hex.

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

/// A key (SHA-256) as 64 lower-case hex digits.
pub(crate) fn hex(k: &[u8; 32]) -> String {
    let mut out = String::with_capacity(64);
    push_hex(&mut out, k);
    out
}

/// [`hex`], added to `out`.
pub(crate) fn push_hex(out: &mut String, k: &[u8; 32]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in k {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
}

/// A key written by [`hex`] (either case), read back; None when it is not 64 hex digits.
pub(crate) fn unhex(s: &str) -> Option<[u8; 32]> {
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let s = s.as_bytes();
    if s.len() != 64 {
        return None;
    }
    let mut k = [0u8; 32];
    for (i, b) in k.iter_mut().enumerate() {
        *b = (nibble(s[2 * i])? << 4) | nibble(s[2 * i + 1])?;
    }
    Some(k)
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

    #[test]
    fn keys_come_back_and_nothing_else_is_one() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(unhex(&hex(&key)), Some(key));
        assert_eq!(unhex(&hex(&key).to_uppercase()), Some(key));
        let mut plus = hex(&key);
        plus.replace_range(0..2, "+a");
        assert_eq!(unhex(&plus), None);
        assert_eq!(unhex(&hex(&key)[1..]), None);
        assert_eq!(unhex(&format!("{}0", hex(&key))), None);
    }
}
