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
use std::collections::BTreeSet;

/// The alphabet of bitset postings (URL-safe base64 order).
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A CJK ideograph (the unified blocks and compatibility ideographs).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// The search tokens of a text: every pair of adjacent CJK characters, and every run of ASCII
/// letters and digits (lower-cased). Full-width letters and digits count as their ASCII forms.
/// `nianbao.js` implements the same function; keep them in step.
/// Sorted, each once, as [`TokenSet`] keeps them. The pairs are gathered as numbers and the
/// words as ranges of one buffer, sorted and deduplicated before the set's text is written
/// (a report has thousands of pairs, most repeated): no string is made per token.
pub fn tokens(text: &str) -> TokenSet {
    let mut pairs: Vec<u64> = Vec::new();
    // every word's letters, one after another, and where each word is in them
    let mut letters = String::new();
    let mut words: Vec<std::ops::Range<usize>> = Vec::new();
    let mut prev_cjk: Option<char> = None;
    let mut word_start = 0;
    for c in text.chars() {
        let c = fold_width(c);
        if is_cjk(c) {
            if let Some(p) = prev_cjk {
                pairs.push((u64::from(p) << 32) | u64::from(c));
            }
            prev_cjk = Some(c);
        } else {
            prev_cjk = None;
        }
        if c.is_ascii_alphanumeric() {
            letters.push(c.to_ascii_lowercase());
        } else if letters.len() > word_start {
            words.push(word_start..letters.len());
            word_start = letters.len();
        }
    }
    if letters.len() > word_start {
        words.push(word_start..letters.len());
    }
    pairs.sort_unstable();
    pairs.dedup();
    let word = |r: &std::ops::Range<usize>| &letters[r.clone()];
    words.sort_unstable_by(|a, b| word(a).cmp(word(b)));
    words.dedup_by(|a, b| word(a) == word(b));
    // in the set's order, by string (bytes): every word is ASCII and every pair starts with
    // a byte above ASCII, so the words come first; a pair's UTF-8 bytes sort as its two
    // characters do, and so as the numbers do
    let mut out = String::with_capacity(letters.len() + words.len() + pairs.len() * 7);
    for w in &words {
        out.push_str(word(w));
        out.push('\n');
    }
    for p in pairs {
        let (Some(a), Some(b)) = (char::from_u32((p >> 32) as u32), char::from_u32(p as u32))
        else {
            continue;
        };
        out.push(a);
        out.push(b);
        out.push('\n');
    }
    out.pop();
    TokenSet(out.into_boxed_str())
}

/// A sorted set of tokens, kept as one string (a token per line: no token holds a line
/// break). A report has ~1,500 tokens; one allocation each took most of the memory of a
/// 5,000-report build's search index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenSet(Box<str>);

impl TokenSet {
    /// The set as one string, a token per line (to keep it between builds).
    pub fn as_text(&self) -> &str {
        &self.0
    }

    /// A set kept by [`as_text`](Self::as_text); None unless sorted, each token once, as
    /// [`tokens`] makes them.
    pub fn from_text(text: &str) -> Option<TokenSet> {
        in_order(text).then(|| TokenSet(text.into()))
    }

    /// A set kept by [`as_text`](Self::as_text) and read back whole (the file that holds it
    /// frames each set by its length), taken as it is: checking the order of every set of a
    /// site took ~4 ms at 1,000 reports, and only the sets of edited reports are walked in
    /// order (by [`OldIndex::update`], after [`is_in_order`](Self::is_in_order)).
    pub fn from_kept(text: &str) -> TokenSet {
        TokenSet(text.into())
    }

    /// Whether the set is as [`tokens`] makes them (sorted, each token once).
    pub fn is_in_order(&self) -> bool {
        in_order(&self.0)
    }

    /// The tokens, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split('\n').filter(|t| !t.is_empty())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Whether `text` is a set as [`TokenSet::as_text`] gives it: tokens sorted, each once, one
/// per line (or none).
fn in_order(text: &str) -> bool {
    if text.is_empty() {
        return true;
    }
    let mut last: Option<&str> = None;
    for t in text.split('\n') {
        if t.is_empty() || last.is_some_and(|l| l >= t) {
            return false;
        }
        last = Some(t);
    }
    true
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

/// One report as the index lists it.
pub struct Doc {
    pub title: String,
    /// Relative to the site's root, where the search page lives.
    pub href: String,
    pub org_name: String,
    pub year: u16,
    /// Its tokens, sorted, each once ([`report_tokens`]).
    pub tokens: std::sync::Arc<TokenSet>,
}

/// The reports in the order results are listed in: newest first, then by organisation.
pub fn index_order(site: &Site) -> Vec<&crate::content::Report> {
    let mut reports: Vec<&crate::content::Report> = site.reports.iter().collect();
    reports.sort_by(|a, b| b.year.cmp(&a.year).then_with(|| a.org.cmp(&b.org)));
    reports
}

/// The tokens one report contributes to the index, sorted.
pub fn report_tokens(site: &Site, r: &crate::content::Report) -> TokenSet {
    tokens(&searchable_text(site, r))
}

/// The JavaScript source of the index of `docs`, in [`index_order`].
pub fn script(docs: &[Doc]) -> String {
    Postings::new(docs).script(docs)
}

/// The posting lists of an index: for every token, the documents holding it (ascending) and
/// the list as written. Kept by the preview between generations: when the documents are the
/// same ones in the same order, [`Postings::update`] changes only the lists of the tokens
/// that edited documents gained or lost.
#[derive(Default)]
pub struct Postings {
    /// The documents' hrefs, in order: what the numbers in the lists refer to.
    hrefs: Vec<String>,
    /// Each document's tokens, as indexed.
    tokens: Vec<std::sync::Arc<TokenSet>>,
    grams: std::collections::BTreeMap<Box<str>, (Vec<usize>, String)>,
}

impl Postings {
    pub fn new(docs: &[Doc]) -> Postings {
        use rayon::prelude::*;
        type Lists<'a> = std::collections::HashMap<&'a str, Vec<usize>>;
        // each thread indexes a run of documents; runs are joined in order, so that every
        // list stays ascending
        let lists: Lists<'_> = docs
            .par_iter()
            .enumerate()
            .fold(Lists::default, |mut lists, (i, d)| {
                for t in d.tokens.iter() {
                    let ids = lists.entry(t).or_default();
                    // once, even from a set read back with a token twice (not checked then)
                    if ids.last() != Some(&i) {
                        ids.push(i);
                    }
                }
                lists
            })
            .reduce(Lists::default, |mut left, right| {
                for (t, ids) in right {
                    left.entry(t).or_default().extend(ids);
                }
                left
            });
        let n = docs.len();
        let mut lists: Vec<(&str, Vec<usize>)> = lists.into_iter().collect();
        lists.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
        let grams: Vec<_> = lists
            .into_par_iter()
            .map(|(t, ids)| {
                let written = encode(&ids, n);
                (t.into(), (ids, written))
            })
            .collect();
        Postings {
            hrefs: docs.iter().map(|d| d.href.clone()).collect(),
            tokens: docs
                .iter()
                .map(|d| std::sync::Arc::clone(&d.tokens))
                .collect(),
            // in order already: the map's own sort finds nothing to move
            grams: grams.into_iter().collect(),
        }
    }

    /// These postings brought up to `docs`: changed in place when `docs` are the same
    /// documents in the same order, made anew otherwise.
    pub fn update(mut self, docs: &[Doc]) -> Postings {
        if self.hrefs.len() != docs.len() || self.hrefs.iter().zip(docs).any(|(h, d)| *h != d.href)
        {
            return Postings::new(docs);
        }
        let n = docs.len();
        let mut touched: BTreeSet<Box<str>> = BTreeSet::new();
        for (i, d) in docs.iter().enumerate() {
            let old = std::sync::Arc::clone(&self.tokens[i]);
            if std::sync::Arc::ptr_eq(&old, &d.tokens) || *old == *d.tokens {
                continue;
            }
            let (mut a, mut b) = (old.iter().peekable(), d.tokens.iter().peekable());
            // both lists are sorted: walk them together
            loop {
                let step = match (a.peek(), b.peek()) {
                    (None, None) => break,
                    (Some(x), Some(y)) => x.cmp(y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                };
                match step {
                    std::cmp::Ordering::Equal => {
                        a.next();
                        b.next();
                    }
                    std::cmp::Ordering::Less => {
                        // lost
                        let Some(t) = a.next() else { break };
                        if let Some((ids, _)) = self.grams.get_mut(t)
                            && let Ok(at) = ids.binary_search(&i)
                        {
                            ids.remove(at);
                        }
                        touched.insert(t.into());
                    }
                    std::cmp::Ordering::Greater => {
                        // gained
                        let Some(t) = b.next() else { break };
                        let (ids, _) = self.grams.entry(t.into()).or_default();
                        if let Err(at) = ids.binary_search(&i) {
                            ids.insert(at, i);
                        }
                        touched.insert(t.into());
                    }
                }
            }
            self.tokens[i] = std::sync::Arc::clone(&d.tokens);
        }
        for t in touched {
            match self.grams.get_mut(&t) {
                Some((ids, _)) if ids.is_empty() => {
                    self.grams.remove(&t);
                }
                Some((ids, written)) => *written = encode(ids, n),
                None => {}
            }
        }
        self
    }

    /// The JavaScript source of the index (`docs` as given to [`new`](Self::new) or
    /// [`update`](Self::update)).
    pub fn script(&self, docs: &[Doc]) -> String {
        script_of(
            docs,
            self.grams.iter().map(|(t, (_, w))| (&**t, w.as_str())),
        )
    }
}

/// The index script of `docs` with the posting lists `grams` (token, list as written), in
/// the tokens' order.
fn script_of<'a>(docs: &[Doc], grams: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> String {
    let list: Vec<serde_json::Value> = docs
        .iter()
        .map(|d| serde_json::json!([d.title, d.href, d.org_name, d.year]))
        .collect();
    // `</` never appears in JSON strings we write unescaped: serde_json leaves `/` alone,
    // so escape `<` to keep the script inert in any context
    let docs_json = serde_json::to_string(&list)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    let size: usize = grams.clone().map(|(t, w)| t.len() + w.len() + 6).sum();
    let mut out = String::with_capacity(docs_json.len() + size + 64);
    out.push_str(SCRIPT_START);
    out.push_str(&docs_json);
    out.push_str(SCRIPT_GRAMS);
    for (i, (t, written)) in grams.enumerate() {
        if i > 0 {
            out.push(',');
        }
        // tokens are CJK pairs and ASCII letters and digits, lists base-36 or base-64
        // digits: nothing to escape, but JSON's own escaping keeps that a non-assumption
        out.push_str(&serde_json::to_string(t).unwrap_or_default());
        out.push(':');
        out.push_str(&serde_json::to_string(written).unwrap_or_default());
    }
    out.push_str(SCRIPT_END);
    out
}

const SCRIPT_START: &str = "window.NIANBAO_SEARCH={\"docs\":";
const SCRIPT_GRAMS: &str = ",\"grams\":{";
const SCRIPT_END: &str = "},\"v\":1};\n";

/// An index script as written by an earlier build, read back to be updated: `build` after an
/// edit changes the lists of the tokens the edited reports gained or lost, instead of making
/// every list again from every report's tokens.
pub struct OldIndex {
    /// Each document as listed: title, href, organisation, year.
    pub docs: Vec<(String, String, String, u16)>,
    /// Token → its list as written.
    grams: std::collections::BTreeMap<String, String>,
}

impl OldIndex {
    /// `script` read back; None when it is not an index script.
    pub fn parse(script: &str) -> Option<OldIndex> {
        let body = script
            .strip_prefix(SCRIPT_START)?
            .strip_suffix(SCRIPT_END)?;
        // (inside the documents' JSON strings a `"` is escaped: the first match is the end)
        let (docs, grams) = body.split_once(SCRIPT_GRAMS)?;
        Some(OldIndex {
            docs: serde_json::from_str(docs).ok()?,
            grams: serde_json::from_str(&format!("{{{grams}}}")).ok()?,
        })
    }

    /// The script of `docs`, the documents of this index (the same hrefs, in the same order)
    /// but for `changes`: (position, tokens as indexed, tokens now) of each document whose
    /// tokens changed. The script is the one [`Postings::new`] would give. None when the
    /// documents are not the same, or a list or a set of tokens cannot be what was indexed.
    pub fn update(
        mut self,
        docs: &[Doc],
        changes: &[(usize, &TokenSet, &TokenSet)],
    ) -> Option<String> {
        let n = docs.len();
        if self.docs.len() != n || self.docs.iter().zip(docs).any(|(o, d)| o.1 != d.href) {
            return None;
        }
        let mut lists: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
        for &(i, old, new) in changes {
            if i >= n || !old.is_in_order() || !new.is_in_order() {
                return None;
            }
            let (mut a, mut b) = (old.iter().peekable(), new.iter().peekable());
            // both sets are sorted: walk them together
            loop {
                let (token, gained) = match (a.peek(), b.peek()) {
                    (None, None) => break,
                    (Some(x), Some(y)) if x == y => {
                        a.next();
                        b.next();
                        continue;
                    }
                    (Some(x), Some(y)) if x < y => (a.next()?, false),
                    (Some(_), None) => (a.next()?, false),
                    _ => (b.next()?, true),
                };
                let ids = match lists.entry(token.to_string()) {
                    std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::btree_map::Entry::Vacant(e) => {
                        let ids = match self.grams.get(token) {
                            Some(w) => decode(w, n)?,
                            None => Vec::new(),
                        };
                        e.insert(ids)
                    }
                };
                match (ids.binary_search(&i), gained) {
                    (Err(at), true) => ids.insert(at, i),
                    (Ok(at), false) => {
                        ids.remove(at);
                    }
                    // gained what it had, or lost what it had not: not the indexed set
                    _ => return None,
                }
            }
        }
        for (token, ids) in lists {
            if ids.is_empty() {
                self.grams.remove(&token);
            } else {
                self.grams.insert(token, encode(&ids, n));
            }
        }
        Some(script_of(
            docs,
            self.grams.iter().map(|(t, w)| (t.as_str(), w.as_str())),
        ))
    }
}

/// A posting list written by [`encode`] for `n` documents, read back; None when it is not one.
fn decode(s: &str, n: usize) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    if let Some(bits) = s.strip_prefix('~') {
        if bits.len() != n.div_ceil(6) {
            return None;
        }
        for (i, c) in bits.bytes().enumerate() {
            let w = B64.iter().position(|b| *b == c)?;
            for bit in 0..6 {
                if w & (1 << bit) != 0 {
                    let id = i * 6 + bit;
                    if id >= n {
                        return None;
                    }
                    out.push(id);
                }
            }
        }
    } else {
        let mut prev = 0usize;
        for (k, gap) in s.split('.').enumerate() {
            if gap.is_empty()
                || !gap
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
            {
                return None;
            }
            let gap = usize::from_str_radix(gap, 36).ok()?;
            // ascending, each document once
            if k > 0 && gap == 0 {
                return None;
            }
            prev = prev.checked_add(gap)?;
            if prev >= n {
                return None;
            }
            out.push(prev);
        }
    }
    Some(out)
}

/// One posting list, as the shorter of a bitset and base-36 gaps.
fn encode(ids: &[usize], n: usize) -> String {
    let bits_len = n.div_ceil(6) + 1;
    // the length of the gap list, without writing it
    let mut prev = 0;
    let mut list_len = ids.len().saturating_sub(1);
    for &id in ids {
        list_len += base36_len(id - prev);
        prev = id;
    }
    if bits_len < list_len {
        let mut words = vec![0u8; n.div_ceil(6)];
        for &id in ids {
            words[id / 6] |= 1 << (id % 6);
        }
        let mut s = String::with_capacity(bits_len);
        s.push('~');
        s.extend(words.iter().map(|w| B64[*w as usize] as char));
        s
    } else {
        let mut s = String::with_capacity(list_len);
        let mut prev = 0;
        for (i, &id) in ids.iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            push_base36(&mut s, id - prev);
            prev = id;
        }
        s
    }
}

/// The number of base-36 digits of `n`.
fn base36_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 36 {
        n /= 36;
        len += 1;
    }
    len
}

/// Append `n` in base 36 (digits, then lower-case letters).
fn push_base36(out: &mut String, n: usize) {
    const D: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut digits = [0u8; 16];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = D[n % 36];
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[i..].iter().map(|&d| d as char));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_cjk_bigrams_and_ascii_words() {
        let t: BTreeSet<String> = tokens("收到申请12件，ＡＢ公开 R1")
            .iter()
            .map(String::from)
            .collect();
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
                assert_eq!(decode(&encode(&ids, n), n), Some(ids.clone()), "n={n}");
            }
        }
        // dense lists become bitsets, sparse ones gap lists
        assert!(encode(&(0..600).collect::<Vec<_>>(), 600).starts_with('~'));
        assert!(!encode(&[3, 400], 600).starts_with('~'));
    }

    fn docs(texts: &[&str]) -> Vec<Doc> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Doc {
                title: format!("报告<{i}>"),
                href: format!("{i}/index.html"),
                org_name: "测试".into(),
                year: 2024,
                tokens: tokens(t).into(),
            })
            .collect()
    }

    #[test]
    fn tokens_are_the_token_set_in_order() {
        let text = "收到申请12件，ＡＢ公开 R1 申请公开 ab 收到";
        let set: Vec<String> = tokens_by_set(text).into_iter().collect();
        assert_eq!(tokens(text).iter().collect::<Vec<_>>(), set);
        // and on a whole real report (the sample site's)
        let sample = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/content/sixia/2024/report.md"
        ))
        .unwrap();
        let set: Vec<String> = tokens_by_set(&sample).into_iter().collect();
        assert!(set.len() > 500, "{}", set.len());
        assert_eq!(tokens(&sample).iter().collect::<Vec<_>>(), set);
    }

    proptest::proptest! {
        /// Any mix of CJK characters (at the ends of the ranges too), ASCII and full-width
        /// letters and digits, and other characters gives the plain definition's set, in order.
        #[test]
        fn tokens_of_any_text_are_the_token_set(
            text in "[收到申请公开\u{3400}\u{4DBF}\u{9FFF}\u{F900}\u{FAFF}aZ09ａＺ０９ ，。é\n-]{0,40}"
        ) {
            let set: Vec<String> = tokens_by_set(&text).into_iter().collect();
            let got = tokens(&text);
            proptest::prop_assert_eq!(got.iter().collect::<Vec<_>>(), set);
            proptest::prop_assert!(in_order(got.as_text()));
        }
    }

    /// The definition of [`tokens`], written the plain way.
    fn tokens_by_set(text: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let chars: Vec<char> = text.chars().map(fold_width).collect();
        for w in chars.windows(2) {
            if is_cjk(w[0]) && is_cjk(w[1]) {
                out.insert(w.iter().collect());
            }
        }
        for word in chars
            .split(|c| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            out.insert(word.iter().map(|c| c.to_ascii_lowercase()).collect());
        }
        out
    }

    #[test]
    fn updated_postings_equal_new_ones() {
        let before = ["收到申请公开", "申请公开答复 abc", "公开", "行政复议 R1"];
        let mut postings = Postings::new(&docs(&before));
        let edits: [[&str; 4]; 4] = [
            // one document gains and loses tokens
            ["收到申请公开", "申请答复 xyz 新增", "公开", "行政复议 R1"],
            // a token held by one document only disappears; another appears in all
            ["收到申请公开 年报", "申请答复 年报", "公开 年报", "R1 年报"],
            // all emptied
            ["", "", "", ""],
            before,
        ];
        for after in edits {
            let d = docs(&after);
            postings = postings.update(&d);
            assert_eq!(postings.script(&d), script(&d), "{after:?}");
        }
        // other documents (another order): made anew
        let reordered = docs(&["公开", "收到申请公开"]);
        assert_eq!(
            postings.update(&reordered).script(&reordered),
            script(&reordered)
        );
    }

    /// An index script read back and updated for the documents whose tokens changed is the
    /// script made anew; what cannot be the indexed documents is refused.
    #[test]
    fn an_old_index_updated_equals_a_new_one() {
        let before = ["收到申请公开", "申请公开答复 abc", "公开", "行政复议 R1"];
        let mut old_docs = docs(&before);
        let mut old_script = script(&old_docs);
        // with many documents a list is a bitset: a token in all but one, in every other one
        let many: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    "{} {}",
                    if i == 7 { "" } else { "公开" },
                    if i % 2 == 0 { "申请" } else { "" }
                )
            })
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let edits: [Vec<&str>; 5] = [
            vec!["收到申请公开", "申请答复 xyz 新增", "公开", "行政复议 R1"],
            vec!["收到申请公开 年报", "申请答复 年报", "公开 年报", "R1 年报"],
            vec!["", "", "", ""],
            before.to_vec(),
            many.clone(),
        ];
        for after in edits {
            let new_docs = docs(&after);
            if new_docs.len() != old_docs.len() {
                // other documents: not an update
                assert!(
                    OldIndex::parse(&old_script)
                        .unwrap()
                        .update(&new_docs, &[])
                        .is_none()
                );
                old_docs = new_docs;
                old_script = script(&old_docs);
                // in the bitset case: the document without 公开 gains it, one loses 申请
                let mut edited = many.clone();
                edited[7] = "公开";
                edited[8] = "公开";
                let new_docs = docs(&edited);
                let changes = [
                    (7, &*old_docs[7].tokens, &*new_docs[7].tokens),
                    (8, &*old_docs[8].tokens, &*new_docs[8].tokens),
                ];
                let updated = OldIndex::parse(&old_script)
                    .unwrap()
                    .update(&new_docs, &changes);
                assert_eq!(updated.as_deref(), Some(script(&new_docs).as_str()));
                continue;
            }
            let changes: Vec<(usize, &TokenSet, &TokenSet)> = (0..after.len())
                .filter(|&i| old_docs[i].tokens != new_docs[i].tokens)
                .map(|i| (i, &*old_docs[i].tokens, &*new_docs[i].tokens))
                .collect();
            let updated = OldIndex::parse(&old_script)
                .unwrap()
                .update(&new_docs, &changes);
            assert_eq!(
                updated.as_deref(),
                Some(script(&new_docs).as_str()),
                "{after:?}"
            );
            old_docs = new_docs;
            old_script = updated.unwrap();
        }
        // a change that does not start from the indexed tokens
        let d = docs(&before);
        let s = script(&d);
        let other = tokens("从未出现");
        assert!(
            OldIndex::parse(&s)
                .unwrap()
                .update(&d, &[(0, &other, &d[0].tokens)])
                .is_none()
        );
        assert!(
            OldIndex::parse(&s)
                .unwrap()
                .update(&d, &[(0, &d[1].tokens, &d[0].tokens)])
                .is_none()
        );
        // documents in another order, or a script that is not one
        let reordered = docs(&["公开", "收到申请公开", "a", "b"]);
        let mut moved = reordered;
        moved.swap(0, 1);
        assert!(OldIndex::parse(&s).unwrap().update(&moved, &[]).is_none());
        assert!(OldIndex::parse(&s[..s.len() - 2]).is_none());
        assert!(OldIndex::parse(&s.replace("\"v\":1", "\"v\":2")).is_none());
        assert_eq!(decode("~", 1), None);
        assert_eq!(decode("1.0", 5), None);
        assert_eq!(decode("5", 5), None);
        assert_eq!(decode("2.A", 50), None);
    }

    /// The lists made in parallel runs are those of one pass over the documents in order.
    #[test]
    fn postings_are_ascending_lists_of_every_document_holding_a_token() {
        let words = [
            "收到申请",
            "公开答复",
            "行政复议",
            "诉讼",
            "年报 abc",
            "依申请公开",
        ];
        let texts: Vec<String> = (0..2000usize)
            .map(|i| {
                (0..words.len())
                    .filter(|w| (i * 7 + w * 3) % (w + 2) == 0)
                    .map(|w| words[w])
                    .collect::<Vec<_>>()
                    .join("，")
            })
            .collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let d = docs(&texts);
        let mut plain: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (i, doc) in d.iter().enumerate() {
            for t in doc.tokens.iter() {
                plain.entry(t).or_default().push(i);
            }
        }
        let postings = Postings::new(&d);
        let made: std::collections::BTreeMap<&str, Vec<usize>> = postings
            .grams
            .iter()
            .map(|(t, (ids, written))| {
                assert_eq!(*written, encode(ids, d.len()));
                (&**t, ids.clone())
            })
            .collect();
        assert!(plain.len() > 10, "{}", plain.len());
        assert_eq!(made, plain);
    }

    #[test]
    fn the_script_is_inert_json() {
        let d = docs(&["收到申请", "申请公开"]);
        let s = script(&d);
        assert!(!s.contains('<'), "{s}");
        let json = s
            .strip_prefix("window.NIANBAO_SEARCH=")
            .and_then(|j| j.strip_suffix(";\n"))
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["v"], 1);
        assert_eq!(v["docs"][0][0], "报告<0>");
        assert_eq!(
            decode(v["grams"]["申请"].as_str().unwrap(), 2),
            Some(vec![0, 1])
        );
        assert_eq!(
            decode(v["grams"]["公开"].as_str().unwrap(), 2),
            Some(vec![1])
        );
    }

    #[test]
    fn base36_digits() {
        let b36 = |n| {
            let mut s = String::new();
            push_base36(&mut s, n);
            assert_eq!(s.len(), base36_len(n), "{n}");
            s
        };
        assert_eq!(b36(0), "0");
        assert_eq!(b36(35), "z");
        assert_eq!(b36(36), "10");
        assert_eq!(b36(36 * 36 - 1), "zz");
        assert_eq!(b36(36 * 36), "100");
        assert_eq!(b36(usize::MAX), format!("{}", radix36(usize::MAX)));
    }

    fn radix36(mut n: usize) -> String {
        let mut v = Vec::new();
        while n > 0 {
            v.push(std::char::from_digit((n % 36) as u32, 36).unwrap());
            n /= 36;
        }
        v.iter().rev().collect()
    }
}
