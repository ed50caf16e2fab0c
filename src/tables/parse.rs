//! tables.toml → [`ReportTables`], every problem reported at its cell.

use super::def::{CellKind, ColumnDef, Computed, FormatDef, TableDef};
use super::model::*;
use super::national;
use crate::config::suggest;
use crate::config::toml_doc::{self, integer, type_name};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity, SourceFile, rule};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Read a tables.toml. `archived` reports may hold blank and text cells and miss rows.
pub fn parse_tables(src: &SourceFile, archived: bool) -> (Option<ReportTables>, Diagnostics) {
    let mut p = Parser {
        src,
        archived,
        diags: Diagnostics::new(),
    };
    let doc = match toml_doc::parse(src, &src.text, 0) {
        Ok(doc) => doc,
        Err(d) => return (None, Diagnostics::from_iter([d])),
    };
    let tables = p.document(&doc);
    (tables, p.diags)
}

struct Parser<'a> {
    src: &'a SourceFile,
    archived: bool,
    diags: Diagnostics,
}

const FORMATS: &[&str] = &["2021", "2019", "custom"];

/// The most columns or rows one cell of a custom table may span.
pub const MAX_SPAN: u32 = 1000;

fn find<'t, 'i>(
    t: &'t DeTable<'i>,
    key: &str,
) -> Option<(
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
)> {
    t.iter().find(|(k, _)| k.get_ref() == key)
}

impl Parser<'_> {
    fn err(&mut self, rule: &'static str, span: Option<&Range<usize>>, msg: String) {
        self.diags.push(Diagnostic::at_span(
            Severity::Error,
            rule,
            self.src,
            span,
            msg,
        ));
    }
    fn warn(&mut self, rule: &'static str, span: Option<&Range<usize>>, msg: String) {
        self.diags.push(Diagnostic::at_span(
            Severity::Warning,
            rule,
            self.src,
            span,
            msg,
        ));
    }

    fn document(&mut self, doc: &Spanned<DeTable<'_>>) -> Option<ReportTables> {
        let top = doc.get_ref();
        let Some((_, fv)) = find(top, "format") else {
            self.err(
                rule::SCHEMA,
                Some(&(0..0)),
                "缺少 `format`：应在文件开头写 format = \"2021\"（或 \"2019\"、\"custom\"）".into(),
            );
            return None;
        };
        let id = match fv.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Integer(_) => {
                let n = integer(fv.get_ref()).unwrap_or(0);
                self.err(
                    rule::SCHEMA,
                    Some(&fv.span()),
                    format!("`format` 应为字符串，请写作 format = \"{n}\"（加英文双引号）"),
                );
                return None;
            }
            other => {
                let msg = format!(
                    "`format` 应为字符串 \"2021\"、\"2019\" 或 \"custom\"，实为{}",
                    type_name(other)
                );
                self.err(rule::SCHEMA, Some(&fv.span()), msg);
                return None;
            }
        };
        if id == "custom" {
            self.unknown_keys(top, "", &["format", "tables"]);
            return Some(ReportTables::Custom(self.custom(top)));
        }
        let Some(format) = national::by_id(&id) else {
            let msg = format!(
                "未知的格式 `{id}`{}（可用：\"2021\"、\"2019\"、\"custom\"）",
                suggest::hint(&id, FORMATS.iter().copied())
            );
            self.err(rule::SCHEMA, Some(&fv.span()), msg);
            return None;
        };
        let mut known = vec!["format"];
        known.extend(format.tables.iter().map(|t| t.key));
        self.unknown_keys(top, "", &known);
        let tables = format
            .tables
            .iter()
            .map(|def| {
                let found = find(top, def.key).map(|(_, v)| v);
                self.national_table(format, def, found)
            })
            .collect();
        Some(ReportTables::National { format, tables })
    }

    fn unknown_keys(&mut self, table: &DeTable<'_>, prefix: &str, known: &[&str]) {
        for (k, _) in table.iter() {
            let key = k.get_ref().as_ref();
            if !known.contains(&key) {
                let msg = format!(
                    "未知的键 `{prefix}{key}`{}",
                    suggest::hint(key, known.iter().copied())
                );
                self.err(rule::SCHEMA, Some(&k.span()), msg);
            }
        }
    }

    fn national_table(
        &mut self,
        format: &FormatDef,
        def: &'static TableDef,
        value: Option<&Spanned<DeValue<'_>>>,
    ) -> TableData {
        let row_defs = def.rows();
        let mut rows: Vec<Option<Row>> = vec![None; row_defs.len()];
        let mut partial_total = vec![false; row_defs.len()];
        let table_span = value.map(|v| v.span());
        match value.map(|v| (v, v.get_ref())) {
            None => {
                let msg = format!(
                    "缺少 [{}]（{}「{}」，{}格式）",
                    def.key,
                    def.name(),
                    def.section,
                    format.document
                );
                self.missing(Some(&(0..0)), msg);
            }
            Some((v, DeValue::Table(t))) => {
                let mut leaves = Vec::new();
                flatten(t, "", &mut leaves);
                let keys: Vec<&str> = row_defs.iter().map(|r| r.key).collect();
                for (key, key_span, val) in leaves {
                    match def.row_index(&key) {
                        Some(i) => {
                            let (row, partial) = self.row(def, i, key_span, val);
                            rows[i] = Some(row);
                            partial_total[i] = partial;
                        }
                        None => {
                            let msg = format!(
                                "{}中未知的键 `{}.{key}`{}",
                                def.name(),
                                def.key,
                                suggest::hint(&key, keys.iter().copied())
                            );
                            self.err(rule::SCHEMA, Some(&key_span), msg);
                        }
                    }
                }
                let _ = v;
            }
            Some((v, other)) => {
                let msg = format!(
                    "`{}` 应为表（[{}]），实为{}",
                    def.key,
                    def.key,
                    type_name(other)
                );
                self.err(rule::SCHEMA, Some(&v.span()), msg);
            }
        }
        // Rows left out: computed where the format allows it, else missing.
        let mut out = Vec::with_capacity(rows.len());
        for (i, (rd, r)) in row_defs.iter().zip(rows).enumerate() {
            out.push(match r {
                Some(r) => r,
                None => {
                    if rd.computed.is_none() && value.is_some() {
                        let msg = format!(
                            "{}缺少「{}」（键 `{}.{}`）",
                            def.name(),
                            def.row_label(i),
                            def.key,
                            rd.key
                        );
                        self.missing(table_span.as_ref(), msg);
                    }
                    Row {
                        cells: vec![Cell::new(Value::Blank, None); def.columns_of(i).len()],
                        span: None,
                    }
                }
            });
        }
        let mut data = TableData {
            def,
            rows: out,
            span: table_span,
        };
        self.compute(&mut data, &partial_total, value.is_some());
        data
    }

    /// A missing row or table: an error in a new report, a warning in an archived one.
    fn missing(&mut self, span: Option<&Range<usize>>, msg: String) {
        if self.archived {
            self.warn(rule::SCHEMA, span, msg);
        } else {
            self.err(rule::SCHEMA, span, msg);
        }
    }

    /// Fill computed cells: an omitted 总计 column, then omitted computed rows.
    fn compute(&mut self, data: &mut TableData, partial_total: &[bool], present: bool) {
        let def = data.def;
        if let Some(tc) = def.total_column() {
            for (row, _) in data.rows.iter_mut().zip(partial_total).filter(|(_, p)| **p) {
                let parts: Option<i64> = row.cells[..tc].iter().map(|c| c.value.rule_value()).sum();
                row.cells
                    .push(Cell::computed(parts.map_or(Value::Blank, Value::Int)));
            }
        }
        for (i, rd) in def.rows().iter().enumerate() {
            let Some(Computed::SumOfRows(keys)) = rd.computed else {
                continue;
            };
            if data.rows[i].span.is_some() || !present {
                continue;
            }
            let idx: Vec<usize> = keys.iter().filter_map(|k| def.row_index(k)).collect();
            let cells = (0..def.columns_of(i).len())
                .map(|c| {
                    let sum: Option<i64> = idx
                        .iter()
                        .map(|&r| data.rows[r].cells[c].value.rule_value())
                        .sum();
                    Cell::computed(sum.map_or(Value::Blank, Value::Int))
                })
                .collect();
            data.rows[i].cells = cells;
        }
    }

    /// One row. Returns the row and whether its total column was left out (to be computed).
    fn row(
        &mut self,
        def: &TableDef,
        i: usize,
        key_span: Range<usize>,
        val: &Spanned<DeValue<'_>>,
    ) -> (Row, bool) {
        let cols = def.columns_of(i);
        let label = def.row_label(i);
        let elems: Vec<&Spanned<DeValue<'_>>> = match val.get_ref() {
            DeValue::Array(a) => a.iter().collect(),
            _ if cols.len() == 1 => vec![val],
            other => {
                let msg = format!(
                    "{}「{label}」应为 {} 个数的数组，如 [{}]，实为{}",
                    def.name(),
                    cols.len(),
                    vec!["0"; cols.len()].join(", "),
                    type_name(other)
                );
                self.err(rule::SCHEMA, Some(&val.span()), msg);
                return (blank_row(cols.len(), key_span), false);
            }
        };
        let short_ok = def.total_column() == Some(cols.len() - 1);
        let partial = short_ok && elems.len() == cols.len() - 1;
        if elems.len() != cols.len() && !partial {
            let names: Vec<&str> = cols.iter().map(|c| c.label).collect();
            let msg = format!(
                "{}「{label}」应有 {} 个数（{}{}），实有 {} 个",
                def.name(),
                cols.len(),
                names.join("、"),
                if short_ok { "；总计可省略" } else { "" },
                elems.len()
            );
            self.err(rule::SCHEMA, Some(&val.span()), msg);
            return (blank_row(cols.len(), key_span), false);
        }
        let cells = elems
            .iter()
            .zip(cols)
            .map(|(e, c)| self.cell(def, &label, c, e))
            .collect();
        (
            Row {
                cells,
                span: Some(key_span),
            },
            partial,
        )
    }

    fn cell(
        &mut self,
        def: &TableDef,
        row_label: &str,
        col: &ColumnDef,
        v: &Spanned<DeValue<'_>>,
    ) -> Cell {
        let span = v.span();
        // where the cell is, for messages: made only when there is one
        let at = CellAt(def, row_label, col.label);
        let value = match v.get_ref() {
            DeValue::Integer(_) => match integer(v.get_ref()) {
                Some(n) if n < 0 && col.kind != CellKind::SignedCount => {
                    self.err(
                        rule::SCHEMA,
                        Some(&span),
                        format!("{at}不能为负数，实为 {n}"),
                    );
                    Value::Int(n)
                }
                Some(n) if col.kind == CellKind::Amount => Value::Decimal(n.to_string()),
                Some(n) => Value::Int(n),
                None => {
                    self.err(rule::SCHEMA, Some(&span), format!("{at}的数值过大"));
                    Value::Blank
                }
            },
            DeValue::Float(f) => {
                let text = f.as_str().replace('_', "");
                let parsed: Option<f64> = text.parse().ok().filter(|x: &f64| x.is_finite());
                match (col.kind, parsed) {
                    (_, None) => {
                        self.err(
                            rule::SCHEMA,
                            Some(&span),
                            format!("{at}应为数字，实为 {text}"),
                        );
                        Value::Text(text)
                    }
                    (CellKind::Amount, Some(x)) if x < 0.0 => {
                        self.err(
                            rule::SCHEMA,
                            Some(&span),
                            format!("{at}不能为负数，实为 {text}"),
                        );
                        Value::Decimal(text)
                    }
                    (CellKind::Amount, Some(_)) => Value::Decimal(text),
                    (_, Some(_)) => {
                        self.err(
                            rule::SCHEMA,
                            Some(&span),
                            format!("{at}是件数，应为整数，实为 {text}"),
                        );
                        Value::Text(text)
                    }
                }
            }
            DeValue::String(s) if s.is_empty() => {
                if !self.archived {
                    self.err(
                        rule::SCHEMA,
                        Some(&span),
                        format!("{at}为空（\"\"）：新报告的统计数据不能留空，没有请填 0"),
                    );
                }
                Value::Blank
            }
            DeValue::String(s) => {
                if !self.archived {
                    let fix = match number_hint(s) {
                        Some(n) => format!("应写成数字 {n}（不加引号、使用半角数字）"),
                        None => "新报告的统计数据应为数字".to_string(),
                    };
                    self.err(
                        rule::SCHEMA,
                        Some(&span),
                        format!("{at}为文字 \"{s}\"：{fix}"),
                    );
                }
                Value::Text(s.to_string())
            }
            other => {
                let msg = format!("{at}应为数字，实为{}", type_name(other));
                self.err(rule::SCHEMA, Some(&span), msg);
                Value::Blank
            }
        };
        Cell::new(value, Some(span))
    }

    fn custom(&mut self, top: &DeTable<'_>) -> Vec<CustomTable> {
        let Some((_, tv)) = find(top, "tables") else {
            self.err(
                rule::SCHEMA,
                Some(&(0..0)),
                "custom 格式缺少 [[tables]]：至少应有一张表".into(),
            );
            return Vec::new();
        };
        let DeValue::Array(items) = tv.get_ref() else {
            let msg = format!(
                "`tables` 应写作 [[tables]]（表的数组），实为{}",
                type_name(tv.get_ref())
            );
            self.err(rule::SCHEMA, Some(&tv.span()), msg);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (n, item) in items.iter().enumerate() {
            let DeValue::Table(t) = item.get_ref() else {
                let msg = format!(
                    "第 {} 张表应为表（[[tables]]），实为{}",
                    n + 1,
                    type_name(item.get_ref())
                );
                self.err(rule::SCHEMA, Some(&item.span()), msg);
                continue;
            };
            self.unknown_keys(t, "tables.", &["title", "header", "rows"]);
            let title = match find(t, "title").map(|(_, v)| v) {
                Some(v) => match v.get_ref() {
                    DeValue::String(s) => s.to_string(),
                    other => {
                        let msg = format!("表的 `title` 应为字符串，实为{}", type_name(other));
                        self.err(rule::SCHEMA, Some(&v.span()), msg);
                        String::new()
                    }
                },
                None => String::new(),
            };
            let header = self.custom_grid(t, "header", n);
            let rows = self.custom_grid(t, "rows", n);
            if header.is_empty() && rows.is_empty() {
                self.err(
                    rule::SCHEMA,
                    Some(&item.span()),
                    format!("第 {} 张表没有 header 也没有 rows", n + 1),
                );
            }
            let table = CustomTable {
                title,
                header,
                rows,
            };
            self.check_custom_shape(&table, n, &item.span());
            out.push(table);
        }
        out
    }

    fn custom_grid(&mut self, t: &DeTable<'_>, key: &str, n: usize) -> Vec<Vec<CustomCell>> {
        let Some((_, v)) = find(t, key) else {
            return Vec::new();
        };
        let DeValue::Array(rows) = v.get_ref() else {
            let msg = format!(
                "第 {} 张表的 `{key}` 应为数组的数组，如 [[\"a\", 1]]，实为{}",
                n + 1,
                type_name(v.get_ref())
            );
            self.err(rule::SCHEMA, Some(&v.span()), msg);
            return Vec::new();
        };
        rows.iter()
            .filter_map(|r| match r.get_ref() {
                DeValue::Array(cells) => Some(cells.iter().map(|c| self.custom_cell(c)).collect()),
                other => {
                    let msg = format!(
                        "第 {} 张表 `{key}` 的每一行应为数组，实为{}",
                        n + 1,
                        type_name(other)
                    );
                    self.err(rule::SCHEMA, Some(&r.span()), msg);
                    None
                }
            })
            .collect()
    }

    fn custom_cell(&mut self, c: &Spanned<DeValue<'_>>) -> CustomCell {
        let span = c.span();
        let simple = |value| CustomCell {
            value,
            colspan: 1,
            rowspan: 1,
            span: Some(span.clone()),
        };
        match c.get_ref() {
            DeValue::Table(t) => {
                self.unknown_keys(t, "", &["text", "colspan", "rowspan"]);
                let value = match find(t, "text").map(|(_, v)| v) {
                    Some(v) => self.plain_value(v),
                    None => Value::Blank,
                };
                let mut span_of = |k: &str| match find(t, k).map(|(_, v)| v) {
                    None => 1,
                    Some(v) => match integer(v.get_ref()) {
                        Some(n) if (1..=i64::from(MAX_SPAN)).contains(&n) => n as u32,
                        _ => {
                            self.err(
                                rule::SCHEMA,
                                Some(&v.span()),
                                format!("`{k}` 应为 1 到 {MAX_SPAN} 之间的整数"),
                            );
                            1
                        }
                    },
                };
                let colspan = span_of("colspan");
                let rowspan = span_of("rowspan");
                CustomCell {
                    value,
                    colspan,
                    rowspan,
                    span: Some(span),
                }
            }
            _ => {
                let v = self.plain_value(c);
                simple(v)
            }
        }
    }

    fn plain_value(&mut self, v: &Spanned<DeValue<'_>>) -> Value {
        match v.get_ref() {
            DeValue::String(s) if s.is_empty() => Value::Blank,
            DeValue::String(s) => Value::Text(s.to_string()),
            DeValue::Integer(_) => integer(v.get_ref()).map_or(Value::Blank, Value::Int),
            DeValue::Float(f) => Value::Decimal(f.as_str().replace('_', "")),
            other => {
                let msg = format!("单元格应为文字或数字，实为{}", type_name(other));
                self.err(rule::SCHEMA, Some(&v.span()), msg);
                Value::Blank
            }
        }
    }

    /// Rows of a custom table should be equally wide once spans are accounted for.
    fn check_custom_shape(&mut self, t: &CustomTable, n: usize, span: &Range<usize>) {
        let all: Vec<&Vec<CustomCell>> = t.header.iter().chain(t.rows.iter()).collect();
        let widths = grid_widths(&all);
        if let Some(&first) = widths.first() {
            for (i, w) in widths.iter().enumerate() {
                if *w != first {
                    let at = all[i]
                        .first()
                        .and_then(|c| c.span.clone())
                        .unwrap_or(span.clone());
                    self.warn(
                        rule::SCHEMA,
                        Some(&at),
                        format!(
                            "第 {} 张表「{}」第 {} 行占 {w} 列，与第 1 行的 {first} 列不一致（请检查 colspan/rowspan）",
                            n + 1,
                            t.title,
                            i + 1
                        ),
                    );
                    break;
                }
            }
        }
    }
}

/// Width of each row of a grid with col/row spans: cells from rows above that span down
/// occupy columns too.
pub fn grid_widths(rows: &[&Vec<CustomCell>]) -> Vec<usize> {
    let mut carry: Vec<u32> = Vec::new(); // remaining rowspan per column
    let mut widths = Vec::with_capacity(rows.len());
    for r in rows {
        let mut col = 0usize;
        let mut next: Vec<u32> = carry.iter().map(|c| c.saturating_sub(1)).collect();
        let occupied = |col: usize, carry: &Vec<u32>| carry.get(col).is_some_and(|c| *c > 0);
        for cell in r.iter() {
            while occupied(col, &carry) {
                col += 1;
            }
            for k in col..col + cell.colspan as usize {
                if next.len() <= k {
                    next.resize(k + 1, 0);
                }
                next[k] = next[k].max(cell.rowspan - 1);
            }
            col += cell.colspan as usize;
        }
        while occupied(col, &carry) {
            col += 1;
        }
        widths.push(col);
        carry = next;
    }
    widths
}

fn blank_row(n: usize, span: Range<usize>) -> Row {
    Row {
        cells: vec![Cell::new(Value::Blank, Some(span.clone())); n],
        span: Some(span),
    }
}

/// Leaves of a (possibly nested) table with dotted keys: `withheld.state_secret`.
fn flatten<'t, 'i>(
    t: &'t DeTable<'i>,
    prefix: &str,
    out: &mut Vec<(String, Range<usize>, &'t Spanned<DeValue<'i>>)>,
) {
    for (k, v) in t.iter() {
        let key = format!("{prefix}{}", k.get_ref());
        match v.get_ref() {
            DeValue::Table(inner) => flatten(inner, &format!("{key}."), out),
            _ => out.push((key, k.span(), v)),
        }
    }
}

/// "１２" or " 12 " written as text: the number the author meant.
fn number_hint(s: &str) -> Option<String> {
    let normal: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '－' => '-',
            c => c,
        })
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect();
    (!normal.is_empty() && normal.parse::<f64>().is_ok()).then_some(normal)
}

/// `表三「…」「…」`: a national table's cell, as messages name it.
struct CellAt<'a>(&'a TableDef, &'a str, &'static str);

impl std::fmt::Display for CellAt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}「{}」「{}」", self.0.name(), self.1, self.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, archived: bool) -> (Option<ReportTables>, Vec<Diagnostic>) {
        let src = SourceFile::new("t.toml", text.to_string());
        let (t, d) = parse_tables(&src, archived);
        (t, d.into_vec())
    }

    #[test]
    fn number_hints() {
        assert_eq!(number_hint("１２"), Some("12".into()));
        assert_eq!(number_hint(" 3 "), Some("3".into()));
        assert_eq!(number_hint("/"), None);
    }

    #[test]
    fn missing_format() {
        let (t, d) = parse("[active]\n", false);
        assert!(t.is_none());
        assert!(d[0].message.contains("format"));
        let (t, d) = parse("format = 2021\n", false);
        assert!(t.is_none());
        assert!(
            d[0].message.contains("format = \"2021\""),
            "{}",
            d[0].message
        );
        let (_, d) = parse("format = \"2O21\"\n", false);
        assert!(d[0].message.contains("`2021`"), "{}", d[0].message);
    }

    #[test]
    fn huge_and_deeply_nested_values_are_errors_not_hangs() {
        // a row of a million cells: one schema error, promptly
        let mut text = crate::scaffold::zero_tables(&crate::tables::national::FORMAT_2021);
        let huge = format!("[{}]", vec!["0"; 1_000_000].join(","));
        text = text.replacen(
            "received = [0, 0, 0, 0, 0, 0, 0]",
            &format!("received = {huge}"),
            1,
        );
        let (_, d) = parse(&text, false);
        assert_eq!(d.len(), 1, "{:?}", d.first());
        assert!(d[0].message.contains("实有 1000000 个"), "{}", d[0].message);
        // nesting far beyond any table: toml's recursion limit makes it a syntax error
        let nested = format!(
            "format = \"custom\"\nx = {}1{}\n",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let (t, d) = parse(&nested, false);
        assert!(t.is_none());
        assert_eq!(d[0].rule, "syntax");
    }

    #[test]
    fn the_values_hash_follows_values_not_layout() {
        let hash = |text: &str| {
            let (t, d) = parse(text, false);
            assert!(
                d.iter()
                    .all(|d| d.severity != crate::diagnostics::Severity::Error),
                "{d:?}"
            );
            t.unwrap().values_sha256()
        };
        let text = crate::scaffold::zero_tables(&crate::tables::national::FORMAT_2021);
        let base = hash(&text);
        // a comment, blank lines, spaces: the same values
        let relaid = format!("# 说明\n\n{}", text.replace(" = [", " =   ["));
        assert_ne!(relaid, text);
        assert_eq!(hash(&relaid), base);
        // one value changed, or written as text: another hash
        let one = "received = [0, 0, 0, 0, 0, 0, 0]";
        assert!(text.contains(one));
        assert_ne!(
            hash(&text.replacen(one, "received = [1, 0, 0, 0, 0, 0, 1]", 1)),
            base
        );
        // another format with the same cells: another hash
        let custom = |cell: &str| {
            format!(
                "format = \"custom\"\n[[tables]]\ntitle = \"表\"\nheader = [[{cell}, \"b\"]]\nrows = [[1, 2]]\n"
            )
        };
        let plain = hash(&custom("\"a\""));
        assert_eq!(hash(&format!("{}# 注\n", custom("\"a\""))), plain);
        assert_ne!(hash(&custom("\"ab\"")), plain);
        // a number written as text
        assert_ne!(
            hash(&custom("\"a\"").replace("[[1, 2]]", "[[\"1\", 2]]")),
            plain
        );
        // a span is a value of the table as printed
        assert_ne!(
            hash(
                &custom("{ text = \"a\", rowspan = 2 }").replace("rows = [[1, 2]]", "rows = [[2]]")
            ),
            plain
        );
    }

    #[test]
    fn custom_widths_account_for_spans() {
        let cell = |c, r| CustomCell {
            value: Value::Blank,
            colspan: c,
            rowspan: r,
            span: None,
        };
        let a = vec![cell(1, 2), cell(1, 1), cell(1, 1)];
        let b = vec![cell(1, 1), cell(1, 1)];
        let c = vec![cell(3, 1)];
        assert_eq!(grid_widths(&[&a, &b, &c]), vec![3, 3, 3]);
    }
}
