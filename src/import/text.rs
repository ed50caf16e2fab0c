//! Text normalisation: what the page printed versus what the recogniser compares.

/// Fold full-width ASCII (digits, letters, punctuation) to ASCII, and every kind of space
/// (`&nbsp;`, ideographic space, zero-width) to a plain space.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\u{FF01}'..='\u{FF5E}'
                if !matches!(c, '（' | '）' | '，' | '；' | '：' | '！' | '？') =>
            {
                char::from_u32(c as u32 - 0xFEE0)
            }
            '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\t' | '\r' | '\n' => Some(' '),
            '\u{200B}'..='\u{200D}' | '\u{FEFF}' | '\u{00AD}' => None,
            c => Some(c),
        })
        .collect()
}

/// A printed line: spaces of every kind collapsed, trimmed.
pub fn clean_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        let c = match c {
            '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\t' | '\r' | '\n' => ' ',
            '\u{200B}'..='\u{200D}' | '\u{FEFF}' | '\u{00AD}' => continue,
            c => c,
        };
        if c == ' ' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out.trim_matches('\u{3000}').to_string()
}

/// The comparison key of a label: width folded, no spaces, one spelling of 、/. and quotes,
/// full-width parentheses.
pub fn key(s: &str) -> String {
    fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '．' | '、' | '。' => '.',
            '“' | '”' | '"' | '「' | '」' | '‘' | '’' | '\'' => '"',
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect()
}

/// Split a leading item number off a label key: `（三）`, `3.`, `三.`, `第三`.
pub fn split_number(key: &str) -> (&str, &str) {
    let b = key.as_bytes();
    // （三） / （3）
    if let Some(rest) = key.strip_prefix('（')
        && let Some(end) = rest.find('）')
        && end <= 9
        && rest[..end].chars().all(is_numeral)
    {
        let n = '（'.len_utf8() + end + '）'.len_utf8();
        return (&key[..n], &key[n..]);
    }
    // 3. / 三.
    let digits: usize = key
        .char_indices()
        .take_while(|(_, c)| is_numeral(*c))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    if digits > 0 && b.get(digits) == Some(&b'.') {
        return (&key[..digits + 1], &key[digits + 1..]);
    }
    ("", key)
}

fn is_numeral(c: char) -> bool {
    c.is_ascii_digit() || "一二三四五六七八九十".contains(c)
}

/// The number a cell prints, if it is one: `12`, `１２`, `1,234`, `-2`, `＋2`, `0.35`.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    Int(i64),
    /// A decimal as written (ASCII), e.g. `12.50`.
    Decimal(String),
}

pub fn number(s: &str) -> Option<Number> {
    let t: String = fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .map(|c| match c {
            '−' | '–' | '—' | '－' => '-',
            c => c,
        })
        .collect();
    let body = t.strip_prefix('+').unwrap_or(&t);
    let digits = body.strip_prefix('-').unwrap_or(body);
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        return body.parse().ok().map(Number::Int);
    }
    let (i, f) = digits.split_once('.')?;
    if !i.is_empty()
        && !f.is_empty()
        && i.bytes().all(|b| b.is_ascii_digit())
        && f.bytes().all(|b| b.is_ascii_digit())
    {
        return Some(Number::Decimal(body.to_string()));
    }
    None
}

/// A date written as `2025-03-10`, `2025/3/10`, `2025.3.10` or `2025年3月10日`.
pub fn date(s: &str) -> Option<String> {
    let t = fold_width(s);
    // compiled once: it is tried on many paragraphs of a document
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
            .expect("date pattern")
    });
    let c = RE.captures(&t)?;
    let y: u32 = c[1].parse().ok()?;
    let m: u32 = c[2].parse().ok()?;
    let d: u32 = c[3].parse().ok()?;
    ((1990..=2999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_every_spelling() {
        assert_eq!(number("１２"), Some(Number::Int(12)));
        assert_eq!(number(" 1,234 "), Some(Number::Int(1234)));
        assert_eq!(number("\u{a0}7\u{a0}"), Some(Number::Int(7)));
        assert_eq!(number("－2"), Some(Number::Int(-2)));
        assert_eq!(number("0.35"), Some(Number::Decimal("0.35".into())));
        assert_eq!(number("/"), None);
        assert_eq!(number(""), None);
        assert_eq!(number("22（其中修订16件）"), None);
    }

    #[test]
    fn label_keys_unify_punctuation() {
        assert_eq!(key("3、危及\"三安全 一稳定\""), key("3.危及“三安全一稳定”"));
        assert_eq!(key("(三)不予公开"), key("（三）不予公开"));
        assert_eq!(split_number(&key("（三）不予公开")), ("（三）", "不予公开"));
        assert_eq!(
            split_number(&key("1、属于国家秘密")),
            ("1.", "属于国家秘密")
        );
        assert_eq!(split_number(&key("一、本年新收")), ("一.", "本年新收"));
        assert_eq!(split_number("规章"), ("", "规章"));
    }

    #[test]
    fn dates() {
        assert_eq!(
            date("发布日期：2025年1月20日").as_deref(),
            Some("2025-01-20")
        );
        assert_eq!(date("2025-03-10 15:35").as_deref(), Some("2025-03-10"));
        assert_eq!(date("无"), None);
    }

    #[test]
    fn lines_are_collapsed() {
        assert_eq!(clean_line("  a\u{a0}\u{a0} b\n"), "a b");
    }
}
