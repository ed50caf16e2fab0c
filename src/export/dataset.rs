//! The site-wide data for analysts: every cell of every report, one record per cell, as
//! `data/all.csv` and `data/all.json`. Columns: org, org_name, kind, year, format, table, row,
//! column, label, value (docs/county.md describes them). Order: organisation folder name,
//! year, then the tables, rows and columns in printed order — the same on every build.

use crate::content::{Report, Site};
use crate::tables::{ReportTables, Value};
use std::borrow::Cow;
use std::ops::Range;

/// The reports in the documented order: organisation folder name, then year.
pub fn report_order(site: &Site) -> Vec<&Report> {
    let mut reports: Vec<&Report> = site.reports.iter().collect();
    reports.sort_by(|a, b| a.org.cmp(&b.org).then(a.year.cmp(&b.year)));
    reports
}

/// One row of a report's tables as the data files give it: its table, row key and label,
/// and its cells with their columns.
struct RecordRow<'a, 'c> {
    table: &'c str,
    row: &'c str,
    label: &'c str,
    cells: &'c [(Cow<'a, str>, &'a Value)],
}

/// Call `f` with every row of `r`'s tables, in printed order: the one walk over a report's
/// cells that [`report_parts`] reads (and the tests' plain records).
fn each_row<'a>(r: &'a Report, mut f: impl FnMut(RecordRow<'a, '_>)) {
    let mut cells: Vec<(Cow<'a, str>, &'a Value)> = Vec::new();
    match &r.tables {
        ReportTables::National { tables, .. } => {
            for t in tables {
                for (i, (rd, row)) in t.def.rows().iter().zip(&t.rows).enumerate() {
                    cells.clear();
                    let cols = t.def.columns_of(i);
                    cells.extend(
                        cols.iter()
                            .zip(&row.cells)
                            .map(|(col, cell)| (Cow::Borrowed(col.label), &cell.value)),
                    );
                    f(RecordRow {
                        table: t.def.key,
                        row: rd.key,
                        label: &t.def.row_label(i),
                        cells: &cells,
                    });
                }
            }
        }
        ReportTables::Custom(list) => {
            for (n, t) in list.iter().enumerate() {
                let table = format!("tables[{}]", n + 1);
                for (ri, row) in t.rows.iter().enumerate() {
                    let label = row.first().map(|c| c.value.display()).unwrap_or_default();
                    cells.clear();
                    cells.extend(
                        row.iter()
                            .enumerate()
                            .map(|(ci, cell)| (Cow::Owned((ci + 1).to_string()), &cell.value)),
                    );
                    f(RecordRow {
                        table: &table,
                        row: &(ri + 1).to_string(),
                        label: &label,
                        cells: &cells,
                    });
                }
            }
        }
    }
}

const HEADER: [&str; 10] = [
    "org", "org_name", "kind", "year", "format", "table", "row", "column", "label", "value",
];

/// How a data file is made of its reports' parts (see [`report_parts`]): what comes before
/// them, between two parts that are not empty, and after them. `data/all.csv` and
/// `data/all.json` are made by [`DataFile::join`] alone, whether from parts made now or from
/// parts of the last build's file (`build` after an edit).
pub struct DataFile {
    prefix: String,
    separator: &'static [u8],
    suffix: &'static [u8],
}

impl DataFile {
    /// `data/all.csv`: UTF-8 with BOM, CRLF, a header row of the column names, then the rows.
    pub fn csv() -> DataFile {
        let mut prefix = String::from('\u{feff}');
        super::csv::line(&mut prefix, &HEADER);
        DataFile {
            prefix,
            separator: b"",
            suffix: b"",
        }
    }

    /// `data/all.json`: an array of objects with the same fields (numbers as JSON numbers,
    /// text and blank cells as strings).
    pub fn json() -> DataFile {
        DataFile {
            prefix: "[".into(),
            separator: b",",
            suffix: b"]\n",
        }
    }

    /// The file of `parts` (in order) whose lengths add up to `len` (it is made in one
    /// allocation; parts given as owned strings are freed as soon as they are copied), and
    /// where each part is in it (an empty part: an empty range where it would be).
    pub fn join<S: AsRef<[u8]>>(
        &self,
        parts: impl IntoIterator<Item = S>,
        len: usize,
    ) -> (Vec<u8>, Vec<Range<usize>>) {
        let mut out = Vec::with_capacity(self.prefix.len() + len + self.suffix.len());
        out.extend_from_slice(self.prefix.as_bytes());
        let mut at = Vec::new();
        for p in parts {
            let p = p.as_ref();
            if !p.is_empty() && out.len() > self.prefix.len() {
                out.extend_from_slice(self.separator);
            }
            let start = out.len();
            out.extend_from_slice(p);
            at.push(start..out.len());
        }
        out.extend_from_slice(self.suffix);
        (out, at)
    }
}

/// A part given as text, for [`DataFile::join`].
struct Text<S>(S);

impl<S: AsRef<str>> AsRef<[u8]> for Text<S> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref().as_bytes()
    }
}

/// `data/all.csv` from its rows, the CSV parts of [`report_parts`] (in order); `len` is their
/// total length (see [`DataFile::join`]).
pub fn csv_file<S: AsRef<str>>(parts: impl IntoIterator<Item = S>, len: usize) -> Vec<u8> {
    DataFile::csv().join(parts.into_iter().map(Text), len).0
}

/// `data/all.json` from its items, the JSON parts of [`report_parts`] (in order); `len` is
/// their total length plus one per part (see [`DataFile::join`]).
pub fn json_file<S: AsRef<str>>(parts: impl IntoIterator<Item = S>, len: usize) -> Vec<u8> {
    DataFile::json().join(parts.into_iter().map(Text), len).0
}

/// The part of `data/all.csv` (its lines, without the header) and of `data/all.json` (its
/// objects, comma-separated, without the brackets) for one report: every cell, written
/// straight from the report. What is the same for every cell of the
/// report or of a row is escaped once, not once per cell, and no record is made: the data
/// files of 1,000 reports hold 250,000 cells (BENCHMARKS.md). The tests hold both parts to
/// the plain CSV lines and JSON objects of the records.
pub fn report_parts(site: &Site, r: &Report) -> (String, String) {
    let (mut csv, mut json) = (String::new(), String::new());
    let Some(org) = site.org(&r.org) else {
        return (csv, json);
    };
    let kind = org.config.kind.as_deref().unwrap_or("");
    let year = r.year.to_string();
    // org,org_name,kind,year,format,
    let mut csv_report = String::new();
    for f in [&r.org, &org.config.name, kind, &year, r.tables.format_id()] {
        super::csv::field(&mut csv_report, f);
        csv_report.push(',');
    }
    // an item's keys in alphabetical order: column, format, kind, label, org, org_name, row,
    // table, value, year
    let json_format_kind = format!(
        ",\"format\":{},\"kind\":{},\"label\":",
        json_str(r.tables.format_id()),
        json_str(kind)
    );
    let json_org = format!(
        ",\"org\":{},\"org_name\":{},\"row\":",
        json_str(&r.org),
        json_str(&org.config.name)
    );
    let json_year = format!(",\"year\":{year}}}");
    let (mut csv_row, mut csv_label, mut json_row) = (String::new(), String::new(), String::new());
    each_row(r, |row| {
        // table,row,  |  ,label,
        csv_row.clear();
        for f in [row.table, row.row] {
            super::csv::field(&mut csv_row, f);
            csv_row.push(',');
        }
        csv_label.clear();
        csv_label.push(',');
        super::csv::field(&mut csv_label, row.label);
        csv_label.push(',');
        // ,"format":…,"label":<label>,"org":…,"row":<row>,"table":<table>,"value":
        json_row.clear();
        json_row.push_str(&json_format_kind);
        json_into(&mut json_row, row.label);
        json_row.push_str(&json_org);
        json_into(&mut json_row, row.row);
        json_row.push_str(",\"table\":");
        json_into(&mut json_row, row.table);
        json_row.push_str(",\"value\":");
        for (column, value) in row.cells {
            csv.push_str(&csv_report);
            csv.push_str(&csv_row);
            super::csv::field(&mut csv, column);
            csv.push_str(&csv_label);
            match value {
                Value::Int(i) => {
                    use std::fmt::Write;
                    let _ = write!(csv, "{i}");
                }
                Value::Decimal(s) | Value::Text(s) => super::csv::field(&mut csv, s),
                Value::Blank => {}
            }
            csv.push_str("\r\n");

            if !json.is_empty() {
                json.push(',');
            }
            json.push_str("{\"column\":");
            json_into(&mut json, column);
            json.push_str(&json_row);
            match value {
                Value::Int(i) => {
                    use std::fmt::Write;
                    let _ = write!(json, "{i}");
                }
                Value::Text(s) => json_into(&mut json, s),
                Value::Blank => json.push_str("\"\""),
                Value::Decimal(_) => json.push_str(&value.to_json().to_string()),
            }
            json.push_str(&json_year);
        }
    });
    (csv, json)
}

/// `s` as a JSON string, appended to `out`, escaped as serde_json escapes: `"`, `\` and the
/// control characters below U+0020, nothing else. (Written into a `String`: text made through
/// serde_json's byte writer had to be checked as UTF-8 again, ~20 MB at 1,000 reports.)
fn json_into(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        start = i + 1;
        if escaped.is_empty() {
            use std::fmt::Write;
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escaped);
        }
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// `s` as a JSON string.
fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One cell of one report: the record the data files define, one per cell.
    #[derive(Debug, Clone, PartialEq)]
    struct CellRecord<'a> {
        org: &'a str,
        org_name: &'a str,
        kind: &'a str,
        year: u16,
        format: &'static str,
        /// `active` | `applications` | `appeals`; `tables[1]` … for a custom-format table.
        table: String,
        /// The row's TOML key (`withheld.state_secret`); the 1-based row number in a custom table.
        row: String,
        /// The column's official label; the 1-based column position in a custom table.
        column: String,
        /// The row's official label (with its group for numbered items); for a custom table,
        /// the text of the row's first cell.
        label: String,
        value: &'a Value,
    }

    /// Every cell of one report, in printed order (none when its organisation is unknown): what
    /// [`report_parts`] writes, made the plain way.
    fn records_of<'a>(site: &'a Site, r: &'a Report) -> Vec<CellRecord<'a>> {
        let mut out = Vec::new();
        let Some(org) = site.org(&r.org) else {
            return out;
        };
        each_row(r, |row| {
            for (column, value) in row.cells {
                out.push(CellRecord {
                    org: &r.org,
                    org_name: &org.config.name,
                    kind: org.config.kind.as_deref().unwrap_or(""),
                    year: r.year,
                    format: r.tables.format_id(),
                    table: row.table.to_string(),
                    row: row.row.to_string(),
                    column: column.to_string(),
                    label: row.label.to_string(),
                    value,
                });
            }
        });
        out
    }
    use crate::content::load_site;
    use std::path::Path;

    /// The lines as the file defines them: one CSV record per cell.
    fn plain_csv(records: &[CellRecord<'_>]) -> String {
        let mut out = String::new();
        for c in records {
            let (year, value) = (c.year.to_string(), c.value.display());
            crate::export::csv::line(
                &mut out,
                &[
                    c.org, c.org_name, c.kind, &year, c.format, &c.table, &c.row, &c.column,
                    &c.label, &value,
                ],
            );
        }
        out
    }

    /// The items as the file defines them: one JSON object per cell (keys in order).
    fn plain_json(records: &[CellRecord<'_>]) -> String {
        let items: Vec<String> = records
            .iter()
            .map(|c| {
                serde_json::json!({
                    "org": c.org, "org_name": c.org_name, "kind": c.kind, "year": c.year,
                    "format": c.format, "table": c.table, "row": c.row, "column": c.column,
                    "label": c.label, "value": c.value.to_json(),
                })
                .to_string()
            })
            .collect();
        items.join(",")
    }

    /// The first `n` cells of a report's tables, for changing their values.
    fn first_cells(tables: &mut ReportTables, n: usize) -> Vec<&mut Value> {
        match tables {
            ReportTables::National { tables, .. } => tables
                .iter_mut()
                .flat_map(|t| t.rows.iter_mut())
                .flat_map(|r| r.cells.iter_mut().map(|c| &mut c.value))
                .take(n)
                .collect(),
            ReportTables::Custom(list) => list
                .iter_mut()
                .flat_map(|t| t.rows.iter_mut())
                .flat_map(|r| r.iter_mut().map(|c| &mut c.value))
                .take(n)
                .collect(),
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("政府信息公开\u{2028}\u{feff}é");
        for s in [all.as_str(), "", "plain", "\"", "a\\b", "末尾\n"] {
            let mut ours = String::new();
            json_into(&mut ours, s);
            assert_eq!(ours, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn report_parts_are_the_plain_csv_and_json_of_every_cell() {
        let mut site = load_site(Path::new(env!("CARGO_MANIFEST_DIR")))
            .site
            .expect("sample site");
        // names and values that need quoting in CSV and escaping in JSON
        let org = site.reports[0].org.clone();
        let config = &mut site.orgs.get_mut(&org).unwrap().config;
        config.name = "某县\"财政\",局\\".into();
        config.kind = Some("部门\n".into());
        let values = [
            Value::Int(-3),
            Value::Decimal("1.50".into()),
            Value::Blank,
            Value::Text("\"引号\"\\\n,逗号\r".into()),
        ];
        let national = site.reports[0].clone();
        // a custom-format report (rowspan and colspan cells)
        let mut custom = national.clone();
        let src = crate::diagnostics::SourceFile::new(
            "tables.toml",
            "format = \"custom\"\n[[tables]]\ntitle = \"表\"\nheader = [[\"指标\", \"数量\"]]\n\
             rows = [[\"主动公开\", 20], [{ text = \"渠道,\\\"网站\\\"\", rowspan = 2 }, 15], [5]]\n"
                .to_string(),
        );
        custom.tables = crate::tables::parse::parse_tables(&src, false)
            .0
            .expect("custom tables");
        custom.year += 1;
        // the national report with every kind of value; the custom one as written (a label
        // with a comma and quotes)
        for (mut r, change) in [(national, true), (custom, false)] {
            if change {
                for (cell, v) in first_cells(&mut r.tables, values.len())
                    .into_iter()
                    .zip(&values)
                {
                    *cell = v.clone();
                }
            }
            let records = records_of(&site, &r);
            assert!(records.len() > values.len(), "{}", records.len());
            let (csv, json) = report_parts(&site, &r);
            assert_eq!(csv, plain_csv(&records));
            assert_eq!(json, plain_json(&records));
            let file = json_file([&json], json.len() + 1);
            let parsed: serde_json::Value = serde_json::from_slice(&file).unwrap();
            assert_eq!(parsed.as_array().map(Vec::len), Some(records.len()));
        }
        // a report of an organisation the site does not have: no cells
        let mut stray = site.reports[0].clone();
        stray.org = "nobody".into();
        assert_eq!(report_parts(&site, &stray), (String::new(), String::new()));
    }
}
