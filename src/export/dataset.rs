//! The site-wide data for analysts: every cell of every report, one record per cell, as
//! `data/all.csv` and `data/all.json`. Columns: org, org_name, kind, year, format, table, row,
//! column, label, value (docs/county.md describes them). Order: organisation folder name,
//! year, then the tables, rows and columns in printed order — the same on every build.

use crate::content::{Report, Site};
use crate::tables::{ReportTables, Value};

/// One cell of one report.
#[derive(Debug, Clone, PartialEq)]
pub struct CellRecord<'a> {
    pub org: &'a str,
    pub org_name: &'a str,
    pub kind: &'a str,
    pub year: u16,
    pub format: &'static str,
    /// `active` | `applications` | `appeals`; `tables[1]` … for a custom-format table.
    pub table: String,
    /// The row's TOML key (`withheld.state_secret`); the 1-based row number in a custom table.
    pub row: String,
    /// The column's official label; the 1-based column position in a custom table.
    pub column: String,
    /// The row's official label (with its group for numbered items); for a custom table,
    /// the text of the row's first cell.
    pub label: String,
    pub value: &'a Value,
}

/// The reports in the documented order: organisation folder name, then year.
pub fn report_order(site: &Site) -> Vec<&Report> {
    let mut reports: Vec<&Report> = site.reports.iter().collect();
    reports.sort_by(|a, b| a.org.cmp(&b.org).then(a.year.cmp(&b.year)));
    reports
}

/// Every cell of one report, in printed order (none when its organisation is unknown).
pub fn records_of<'a>(site: &'a Site, r: &'a Report) -> Vec<CellRecord<'a>> {
    let mut out = Vec::new();
    let Some(org) = site.org(&r.org) else {
        return out;
    };
    let base = |table: String, row: String, column: String, label: String, value| CellRecord {
        org: &r.org,
        org_name: &org.config.name,
        kind: org.config.kind.as_deref().unwrap_or(""),
        year: r.year,
        format: r.tables.format_id(),
        table,
        row,
        column,
        label,
        value,
    };
    match &r.tables {
        ReportTables::National { tables, .. } => {
            for t in tables {
                for (i, (rd, row)) in t.def.rows().iter().zip(&t.rows).enumerate() {
                    let cols = t.def.columns_of(i);
                    for (col, cell) in cols.iter().zip(&row.cells) {
                        out.push(base(
                            t.def.key.to_string(),
                            rd.key.to_string(),
                            col.label.to_string(),
                            t.def.row_label(i),
                            &cell.value,
                        ));
                    }
                }
            }
        }
        ReportTables::Custom(list) => {
            for (n, t) in list.iter().enumerate() {
                for (ri, row) in t.rows.iter().enumerate() {
                    let label = row.first().map(|c| c.value.display()).unwrap_or_default();
                    for (ci, cell) in row.iter().enumerate() {
                        out.push(base(
                            format!("tables[{}]", n + 1),
                            (ri + 1).to_string(),
                            (ci + 1).to_string(),
                            label.clone(),
                            &cell.value,
                        ));
                    }
                }
            }
        }
    }
    out
}

const HEADER: [&str; 10] = [
    "org", "org_name", "kind", "year", "format", "table", "row", "column", "label", "value",
];

/// `data/all.csv` (UTF-8 with BOM, CRLF, a header row of the column names) from its rows,
/// made by [`csv_rows`] (in order).
/// `len` is the parts' total length (the file is made in one allocation); parts given as
/// owned strings are freed as soon as they are copied.
pub fn csv_file<S: AsRef<str>>(parts: impl IntoIterator<Item = S>, len: usize) -> Vec<u8> {
    let mut out = String::with_capacity(len + 128);
    out.push('\u{feff}');
    super::csv::line(&mut out, &HEADER);
    for p in parts {
        out.push_str(p.as_ref());
    }
    out.into_bytes()
}

/// The lines of `data/all.csv` for `records`, without the header.
pub fn csv_rows(records: &[CellRecord<'_>]) -> String {
    let mut out = String::with_capacity(records.len() * 120);
    for c in records {
        let (year, value) = (c.year.to_string(), c.value.display());
        super::csv::line(
            &mut out,
            &[
                c.org, c.org_name, c.kind, &year, c.format, &c.table, &c.row, &c.column, &c.label,
                &value,
            ],
        );
    }
    out
}

/// `data/all.json` (an array of objects with the same fields; numbers as JSON numbers, text
/// and blank cells as strings) from its items, made by [`json_items`] (in order).
/// `len` (the parts' total length plus one per part) and the parts as for [`csv_file`].
pub fn json_file<S: AsRef<str>>(parts: impl IntoIterator<Item = S>, len: usize) -> Vec<u8> {
    let mut out = String::with_capacity(len + 4);
    out.push('[');
    for p in parts {
        let p = p.as_ref();
        if p.is_empty() {
            continue;
        }
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(p);
    }
    out.push_str("]\n");
    out.into_bytes()
}

/// The objects of `data/all.json` for `records`, separated by commas, without the brackets.
pub fn json_items(records: &[CellRecord<'_>]) -> String {
    /// One item, fields in the file's (alphabetical) key order, serialised without building
    /// a `serde_json::Value` per cell.
    #[derive(serde::Serialize)]
    struct Item<'a> {
        column: &'a str,
        format: &'a str,
        kind: &'a str,
        label: &'a str,
        org: &'a str,
        org_name: &'a str,
        row: &'a str,
        table: &'a str,
        value: ItemValue<'a>,
        year: u16,
    }
    /// A cell's value as [`Value::to_json`] gives it, without copying text.
    struct ItemValue<'a>(&'a Value);
    impl serde::Serialize for ItemValue<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self.0 {
                Value::Int(i) => s.serialize_i64(*i),
                Value::Text(t) => s.serialize_str(t),
                Value::Blank => s.serialize_str(""),
                Value::Decimal(_) => self.0.to_json().serialize(s),
            }
        }
    }
    let mut out = Vec::with_capacity(records.len() * 200);
    for c in records {
        if !out.is_empty() {
            out.push(b',');
        }
        let item = Item {
            column: &c.column,
            format: c.format,
            kind: c.kind,
            label: &c.label,
            org: c.org,
            org_name: c.org_name,
            row: &c.row,
            table: &c.table,
            value: ItemValue(c.value),
            year: c.year,
        };
        // writing into a Vec cannot fail, and the items hold only strings and numbers
        let _ = serde_json::to_writer(&mut out, &item);
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::load_site;
    use std::path::Path;

    /// The items as the file defines them: one JSON object per cell (keys in order).
    fn plain(records: &[CellRecord<'_>]) -> String {
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

    #[test]
    fn json_items_are_the_plain_json_of_every_cell() {
        let site = load_site(Path::new(env!("CARGO_MANIFEST_DIR")))
            .site
            .expect("sample site");
        let r = &site.reports[0];
        let mut records = records_of(&site, r);
        assert!(records.len() > 150, "{}", records.len());
        // every kind of value, text needing escapes included
        let (int, dec, blank, text) = (
            Value::Int(-3),
            Value::Decimal("1.50".into()),
            Value::Blank,
            Value::Text("\"引号\"\\\n".into()),
        );
        for (i, v) in [&int, &dec, &blank, &text].into_iter().enumerate() {
            records[i].value = v;
        }
        let items = json_items(&records);
        assert_eq!(items, plain(&records));
        let file = json_file([&items], items.len() + 1);
        let parsed: serde_json::Value = serde_json::from_slice(&file).unwrap();
        assert_eq!(parsed.as_array().map(Vec::len), Some(records.len()));
    }
}
