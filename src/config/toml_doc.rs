//! Reading TOML with positions: parse into toml's spanned document model and pull typed
//! values out of it, reporting every problem as a diagnostic at the right line and column.

use crate::config::suggest;
use crate::diagnostics::{Diagnostic, Diagnostics, Severity, SourceFile, rule};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Parse `text` (which starts at byte `offset` of `src`) as a TOML document.
pub fn parse<'i>(
    src: &SourceFile,
    text: &'i str,
    offset: usize,
) -> Result<Spanned<DeTable<'i>>, Diagnostic> {
    DeTable::parse(text).map_err(|e| {
        let at = e.span().map(|s| s.start).unwrap_or(0);
        if let Some((pos, msg)) = fullwidth_hint(text, at) {
            return Diagnostic::at(Severity::Error, rule::SYNTAX, src, pos + offset, msg);
        }
        let msg = e.message().trim().to_string();
        Diagnostic::at(
            Severity::Error,
            rule::SYNTAX,
            src,
            at + offset,
            format!("TOML 语法错误：{}", translate_toml_message(&msg)),
        )
    })
}

/// The half-width (ASCII) character a full-width one typed with a Chinese input method stands
/// for: `１` → `1`, `，` → `,`, `　` → ` `, `“` → `"`.
fn half_width(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{3000}' => Some(' '),
        '“' | '”' => Some('"'),
        '、' => Some(','),
        _ => None,
    }
}

/// When a TOML syntax error sits on a line (or just after one) holding full-width characters
/// outside strings and comments, the precise message: where the first run starts, and what to
/// type instead (「１２」应写作 12).
pub fn fullwidth_hint(text: &str, error_at: usize) -> Option<(usize, String)> {
    let at = error_at.min(text.len());
    let line_start = |i: usize| text[..i].rfind('\n').map_or(0, |p| p + 1);
    let this = line_start(at);
    let mut starts = vec![this];
    if this > 0 {
        starts.push(line_start(this - 1));
    }
    for start in starts {
        let line = text[start..].split('\n').next().unwrap_or("");
        let mut in_string = false;
        let mut run: Option<(usize, String, String)> = None;
        for (i, c) in line.char_indices() {
            if run.is_none() {
                if c == '"' {
                    in_string = !in_string;
                }
                if in_string {
                    continue;
                }
                if c == '#' {
                    break;
                }
            }
            match (half_width(c), run.as_mut()) {
                (Some(h), Some((_, wide, narrow))) => {
                    wide.push(c);
                    narrow.push(h);
                }
                (Some(h), None) => run = Some((start + i, c.to_string(), h.to_string())),
                (None, Some(_)) => break,
                (None, None) => {}
            }
        }
        if let Some((pos, wide, narrow)) = run {
            let fix = if narrow.trim().is_empty() {
                "应删去或改为半角空格".to_string()
            } else {
                format!("应写作 {}", narrow.trim())
            };
            let msg = format!(
                "「{wide}」是全角字符，{fix}（请切换到英文/半角输入法，数字、逗号、方括号、等号、引号都用半角）"
            );
            return Some((pos, msg));
        }
    }
    None
}

/// Keep toml's own wording (precise) but name the commonest cases in Chinese first.
fn translate_toml_message(msg: &str) -> String {
    let lower = msg.to_lowercase();
    let zh = if lower.contains("duplicate key") {
        "重复的键"
    } else if lower.contains("invalid string") || lower.contains("unterminated") {
        "字符串写法有误"
    } else if lower.contains("expected") {
        "此处写法有误"
    } else {
        ""
    };
    if zh.is_empty() {
        msg.to_string()
    } else {
        format!("{zh}（{msg}）")
    }
}

/// Short Chinese name of a TOML value's type, for messages.
pub fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "字符串",
        DeValue::Integer(_) => "整数",
        DeValue::Float(_) => "小数",
        DeValue::Boolean(_) => "布尔值",
        DeValue::Datetime(_) => "日期",
        DeValue::Array(_) => "数组",
        DeValue::Table(_) => "表",
    }
}

/// Integer value of a TOML integer (any radix), if it fits in i64.
pub fn integer(v: &DeValue<'_>) -> Option<i64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

/// A calendar date (and optionally a time of day) from front matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    /// Hour and minute, when the front matter gave a time.
    pub time: Option<(u8, u8)>,
}

impl Date {
    /// `2025-01-20`
    pub fn ymd(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
    /// `2025-01-20 09:00` (00:00 when no time was given), as the PubDate meta wants.
    pub fn ymd_hm(&self) -> String {
        let (h, m) = self.time.unwrap_or((0, 0));
        format!("{} {:02}:{:02}", self.ymd(), h, m)
    }
    /// `2025年1月20日`
    pub fn chinese(&self) -> String {
        format!("{}年{}月{}日", self.year, self.month, self.day)
    }
    /// RFC 3339 at midnight China Standard Time (or the given time), for feeds and sitemaps.
    pub fn rfc3339(&self) -> String {
        let (h, m) = self.time.unwrap_or((0, 0));
        format!("{}T{:02}:{:02}:00+08:00", self.ymd(), h, m)
    }
}

/// A table being read: remembers which keys were used, so that the rest can be reported as
/// unknown (with the nearest known key suggested).
pub struct TableReader<'a, 'i> {
    src: &'a SourceFile,
    offset: usize,
    table: &'a DeTable<'i>,
    /// Where the table starts (for "missing key" messages).
    span: Range<usize>,
    /// `[gov]` etc., for messages; empty at the top level.
    prefix: String,
    known: &'static [&'static str],
    pub diags: Diagnostics,
}

impl<'a, 'i> TableReader<'a, 'i> {
    pub fn new(
        src: &'a SourceFile,
        offset: usize,
        table: &'a Spanned<DeTable<'i>>,
        prefix: &str,
        known: &'static [&'static str],
    ) -> Self {
        TableReader {
            src,
            offset,
            table: table.get_ref(),
            span: table.span(),
            prefix: prefix.to_string(),
            known,
            diags: Diagnostics::new(),
        }
    }

    pub fn src(&self) -> &'a SourceFile {
        self.src
    }

    fn full_key(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    pub fn error_at(&mut self, span: Range<usize>, msg: String) {
        self.diags.push(Diagnostic::at(
            Severity::Error,
            rule::SCHEMA,
            self.src,
            span.start + self.offset,
            msg,
        ));
    }

    pub fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        debug_assert!(self.known.contains(&key), "{key} not declared as known");
        self.table
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map(|(_, v)| v)
    }

    /// A string value; an absent key gives None; a wrong type is reported.
    pub fn string(&mut self, key: &str) -> Option<String> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                let msg = format!(
                    "`{}` 应为字符串（用英文双引号括起来），实为{}",
                    self.full_key(key),
                    type_name(other)
                );
                self.error_at(v.span(), msg);
                None
            }
        }
    }

    /// A string that must be present and non-empty.
    pub fn required_string(&mut self, key: &str, what: &str) -> Option<String> {
        let present = self.get(key).is_some();
        match self.string(key) {
            Some(s) if !s.trim().is_empty() => Some(s),
            Some(_) => {
                let span = self.get(key).map(|v| v.span()).unwrap_or(self.span.clone());
                let msg = format!("`{}`（{what}）不能为空", self.full_key(key));
                self.error_at(span, msg);
                None
            }
            None if !present => {
                let msg = format!("缺少必填项 `{}`（{what}）", self.full_key(key));
                self.error_at(self.span.start..self.span.start, msg);
                None
            }
            None => None,
        }
    }

    pub fn bool(&mut self, key: &str) -> Option<bool> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let msg = format!(
                    "`{}` 应为 true 或 false，实为{}",
                    self.full_key(key),
                    type_name(other)
                );
                self.error_at(v.span(), msg);
                None
            }
        }
    }

    /// A four-digit year.
    pub fn year(&mut self, key: &str) -> Option<u16> {
        let v = self.get(key)?;
        match integer(v.get_ref()) {
            Some(y) if (1990..=2999).contains(&y) => Some(y as u16),
            _ => {
                let msg = format!("`{}` 应为四位年份，如 2024", self.full_key(key));
                self.error_at(v.span(), msg);
                None
            }
        }
    }

    /// A TOML date (`2025-01-20`) or local date-time (`2025-01-20 09:30:00`).
    pub fn date(&mut self, key: &str) -> Option<Date> {
        let v = self.get(key)?;
        let bad = |this: &mut Self, what: &str| {
            let msg = format!(
                "`{}` 应为日期，写作 2025-01-20（不加引号），实为{what}",
                this.full_key(key)
            );
            this.error_at(v.span(), msg);
            None
        };
        match v.get_ref() {
            DeValue::Datetime(dt) => match dt.date {
                Some(d) => Some(Date {
                    year: d.year,
                    month: d.month,
                    day: d.day,
                    time: dt.time.map(|t| (t.hour, t.minute)),
                }),
                None => bad(self, "只有时间"),
            },
            DeValue::String(s) => {
                let what = format!("字符串 \"{s}\"");
                bad(self, &what)
            }
            other => bad(self, type_name(other)),
        }
    }

    /// An array of non-empty strings, with the span of each; wrong types are reported.
    pub fn string_list(&mut self, key: &str) -> Option<Vec<(String, Range<usize>)>> {
        let v = self.get(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            let msg = format!(
                "`{}` 应为字符串数组，如 [\"a\", \"b\"]，实为{}",
                self.full_key(key),
                type_name(v.get_ref())
            );
            self.error_at(v.span(), msg);
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() => {
                    out.push((s.trim().to_string(), item.span()))
                }
                other => {
                    let msg = format!(
                        "`{}` 的每一项应为非空字符串，实为{}",
                        self.full_key(key),
                        if matches!(other, DeValue::String(_)) {
                            "空字符串"
                        } else {
                            type_name(other)
                        }
                    );
                    self.error_at(item.span(), msg);
                }
            }
        }
        Some(out)
    }

    /// A nested table, to be read with its own known keys.
    pub fn table(
        &mut self,
        key: &str,
        known: &'static [&'static str],
    ) -> Option<TableReader<'a, 'i>> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(TableReader {
                src: self.src,
                offset: self.offset,
                table: t,
                span: v.span(),
                prefix: self.full_key(key),
                known,
                diags: Diagnostics::new(),
            }),
            other => {
                let msg = format!(
                    "`{}` 应为表（[{}]），实为{}",
                    self.full_key(key),
                    self.full_key(key),
                    type_name(other)
                );
                self.error_at(v.span(), msg);
                None
            }
        }
    }

    /// Take the diagnostics of a nested reader.
    pub fn absorb(&mut self, child: TableReader<'_, '_>) {
        let diags = child.finish();
        self.diags.extend(diags);
    }

    /// Report every key that is not known, and return all diagnostics.
    pub fn finish(mut self) -> Diagnostics {
        for (k, _) in self.table.iter() {
            let key = k.get_ref().as_ref();
            if !self.known.contains(&key) {
                let msg = format!(
                    "未知的键 `{}`{}",
                    self.full_key(key),
                    suggest::hint(key, self.known.iter().copied())
                );
                self.error_at(k.span(), msg);
            }
        }
        self.diags
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::SourceFile;

    fn syntax_error(text: &str) -> crate::diagnostics::Diagnostic {
        let src = SourceFile::new("tables.toml", text.to_string());
        parse(&src, &src.text, 0).unwrap_err()
    }

    #[test]
    fn fullwidth_digits_get_the_fix_at_their_position() {
        let d = syntax_error("format = \"2021\"\n[active]\nlicensing = １２\n");
        assert_eq!((d.line, d.column), (3, 13));
        assert!(
            d.message.contains("「１２」") && d.message.contains("应写作 12"),
            "{}",
            d.message
        );
        let d = syntax_error("received = [1，0, 0]\n");
        assert_eq!((d.line, d.column), (1, 14));
        assert!(d.message.contains("应写作 ,"), "{}", d.message);
        let d = syntax_error("a = 1\nb =\u{3000}2\n");
        assert_eq!((d.line, d.column), (2, 4));
        assert!(
            d.message.contains("全角空格") || d.message.contains("半角空格"),
            "{}",
            d.message
        );
    }

    #[test]
    fn fullwidth_text_in_strings_and_comments_is_left_alone() {
        // the error is the missing value; the full-width text is legitimate
        let d = syntax_error("a = \"１２\"  # 注释：１２\nb = \n");
        assert!(d.message.starts_with("TOML 语法错误"), "{}", d.message);
    }

    use super::*;

    const KNOWN: &[&str] = &["title", "published", "archived"];

    #[test]
    fn reads_values_and_reports_unknown_keys_with_positions() {
        let text = "title = \"t\"\npublised = 2025-01-20\narchived = \"yes\"\n";
        let src = SourceFile::new("r.md", text.to_string());
        let doc = parse(&src, text, 0).unwrap();
        let mut r = TableReader::new(&src, 0, &doc, "", KNOWN);
        assert_eq!(r.string("title").as_deref(), Some("t"));
        assert_eq!(r.bool("archived"), None);
        assert_eq!(r.date("published"), None);
        let diags: Vec<_> = r.finish().into_vec();
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert_eq!((diags[0].line, diags[0].column), (3, 12));
        assert!(diags[1].message.contains("`publised`"));
        assert!(diags[1].message.contains("`published`"));
        assert_eq!((diags[1].line, diags[1].column), (2, 1));
    }

    #[test]
    fn duplicate_keys_are_syntax_errors_with_position() {
        let text = "a = 1\na = 2\n";
        let src = SourceFile::new("x.toml", text.to_string());
        let err = parse(&src, text, 0).unwrap_err();
        assert_eq!(err.rule, rule::SYNTAX);
        assert_eq!(err.line, 2, "{err:?}");
        assert!(err.message.contains("重复的键"), "{}", err.message);
    }

    #[test]
    fn dates_with_and_without_time() {
        let text = "published = 2025-01-20\n";
        let src = SourceFile::new("r.md", text.to_string());
        let doc = parse(&src, text, 0).unwrap();
        let mut r = TableReader::new(&src, 0, &doc, "", KNOWN);
        let d = r.date("published").unwrap();
        assert_eq!(d.ymd_hm(), "2025-01-20 00:00");
        assert_eq!(d.chinese(), "2025年1月20日");
    }
}
