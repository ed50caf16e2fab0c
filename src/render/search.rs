//! The offline full-text search: a character-bigram index of every report (title, narrative,
//! table titles and labels), written as a first-party script that the search page loads. No
//! service, no library: `assets/nianbao.js` tokenises the query the same way and intersects the
//! posting lists, so any query of two or more Chinese characters finds every report containing
//! those characters in that order (bigram matching: rarely, a report whose text holds each
//! bigram of the query but not the whole query is listed too).
//!
//! Index format (`search-index.js`):
//! `window.NIANBAO_SEARCH = {"v":1,"docs":[[title, href, org name, year], …],
//!  "grams":{"公开":"<postings>", …}};` where postings are either a bitset over the documents,
//! written `~` + 6 bits per character in [`B64`] (low bit first), or the ascending document
//! numbers as base-36 gaps joined by `.` — whichever is shorter.

use crate::check::text;
use crate::content::Site;
use crate::tables::grid::{self, Role};
use std::collections::{BTreeMap, BTreeSet};

/// The alphabet of bitset postings (URL-safe base64 order).
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A CJK ideograph (the unified blocks and compatibility ideographs).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// The search tokens of a text: every pair of adjacent CJK characters, and every run of ASCII
/// letters and digits (lower-cased). Full-width letters and digits count as their ASCII forms.
/// `nianbao.js` implements the same function; keep them in step.
pub fn tokens(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut prev_cjk: Option<char> = None;
    let mut word = String::new();
    for c in text.chars() {
        let c = fold_width(c);
        if is_cjk(c) {
            if let Some(p) = prev_cjk {
                out.insert(format!("{p}{c}"));
            }
            prev_cjk = Some(c);
        } else {
            prev_cjk = None;
        }
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        } else if !word.is_empty() {
            out.insert(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.insert(word);
    }
    out
}

/// Full-width ASCII (！ to ～) as ASCII.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Everything a reader may search for in one report.
fn searchable_text(site: &Site, r: &crate::content::Report) -> String {
    let mut s = String::new();
    s.push_str(&r.title);
    s.push('\n');
    if let Some(o) = site.org(&r.org) {
        s.push_str(&o.config.name);
        s.push('\n');
    }
    for b in text::extract(r.body()).blocks {
        s.push_str(&b.text);
        s.push('\n');
    }
    for g in grid::report_grids(&r.tables) {
        s.push_str(&g.title);
        s.push('\n');
        for row in &g.rows {
            for cell in row {
                // labels and text cells; figures are not searched (every report has a 0)
                if cell.role != Role::Value || !cell.numeric {
                    s.push_str(&cell.text);
                    s.push('\n');
                }
            }
        }
    }
    s
}

/// The JavaScript source of the index. `href`s are relative to the site's root, where the
/// search page lives.
pub fn index_script(site: &Site, href_of: impl Fn(&crate::content::Report) -> String) -> String {
    let mut reports: Vec<&crate::content::Report> = site.reports.iter().collect();
    // newest first, then by organisation: the order results are listed in
    reports.sort_by(|a, b| b.year.cmp(&a.year).then_with(|| a.org.cmp(&b.org)));
    let mut postings: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut docs = Vec::with_capacity(reports.len());
    for (i, r) in reports.iter().enumerate() {
        for t in tokens(&searchable_text(site, r)) {
            postings.entry(t).or_default().push(i);
        }
        let org_name = site
            .org(&r.org)
            .map_or_else(|| r.org.clone(), |o| o.config.name.clone());
        docs.push(serde_json::json!([r.title, href_of(r), org_name, r.year]));
    }
    let n = reports.len();
    let grams: serde_json::Map<String, serde_json::Value> = postings
        .into_iter()
        .map(|(t, ids)| (t, serde_json::Value::String(encode(&ids, n))))
        .collect();
    let index = serde_json::json!({ "v": 1, "docs": docs, "grams": grams });
    // `</` never appears in JSON strings we write unescaped: serde_json leaves `/` alone, so
    // escape `<` to keep the script inert in any context.
    let json = serde_json::to_string(&index)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    format!("window.NIANBAO_SEARCH={json};\n")
}

/// One posting list, as the shorter of a bitset and base-36 gaps.
fn encode(ids: &[usize], n: usize) -> String {
    let gaps: Vec<String> = ids
        .iter()
        .scan(0usize, |prev, &id| {
            let gap = id - *prev;
            *prev = id;
            Some(base36(gap))
        })
        .collect();
    let list = gaps.join(".");
    let bits_len = n.div_ceil(6) + 1;
    if bits_len < list.len() {
        let mut words = vec![0u8; n.div_ceil(6)];
        for &id in ids {
            words[id / 6] |= 1 << (id % 6);
        }
        let mut s = String::with_capacity(bits_len);
        s.push('~');
        s.extend(words.iter().map(|w| B64[*w as usize] as char));
        s
    } else {
        list
    }
}

fn base36(mut n: usize) -> String {
    const D: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    if n == 0 {
        return "0".into();
    }
    let mut v = Vec::new();
    while n > 0 {
        v.push(D[n % 36]);
        n /= 36;
    }
    v.reverse();
    String::from_utf8(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decode a posting list the way nianbao.js does.
    fn decode(s: &str, n: usize) -> Vec<usize> {
        if let Some(bits) = s.strip_prefix('~') {
            let mut out = Vec::new();
            for (i, c) in bits.bytes().enumerate() {
                let w = B64.iter().position(|b| *b == c).unwrap();
                for bit in 0..6 {
                    let id = i * 6 + bit;
                    if w & (1 << bit) != 0 && id < n {
                        out.push(id);
                    }
                }
            }
            out
        } else {
            let mut prev = 0;
            s.split('.')
                .map(|g| {
                    prev += usize::from_str_radix(g, 36).unwrap();
                    prev
                })
                .collect()
        }
    }

    #[test]
    fn tokens_are_cjk_bigrams_and_ascii_words() {
        let t = tokens("收到申请12件，ＡＢ公开 R1");
        let want: BTreeSet<String> = ["收到", "到申", "申请", "12", "ab", "公开", "r1"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(t, want);
        // a lone character between non-CJK text gives no token
        assert!(tokens("件").is_empty());
    }

    #[test]
    fn postings_round_trip_in_both_encodings() {
        for n in [1usize, 5, 6, 7, 64, 1000] {
            for ids in [
                vec![0],
                vec![n - 1],
                (0..n).collect::<Vec<_>>(),
                (0..n).step_by(3).collect(),
                (0..n).filter(|i| i % 97 == 5).collect(),
            ] {
                let ids: Vec<usize> = ids.into_iter().filter(|i| *i < n).collect();
                if ids.is_empty() {
                    continue;
                }
                assert_eq!(decode(&encode(&ids, n), n), ids, "n={n}");
            }
        }
        // dense lists become bitsets, sparse ones gap lists
        assert!(encode(&(0..600).collect::<Vec<_>>(), 600).starts_with('~'));
        assert!(!encode(&[3, 400], 600).starts_with('~'));
    }

    #[test]
    fn base36_digits() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(36), "10");
    }
}
