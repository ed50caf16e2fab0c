//! One CSV per table (UTF-8 with BOM so that Excel reads Chinese), with a header row of
//! official labels. Table 二 is written one cell per line (its blocks have different columns);
//! tables 三 and 四 are written as the grid they are.

use crate::tables::def::Layout;
use crate::tables::{ReportTables, TableData};

/// One field, quoted (inner quotes doubled) when it holds a comma, quote or line break.
pub(crate) fn field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// One CSV record (CRLF-terminated), fields quoted where needed.
pub fn line<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, f.as_ref());
    }
    out.push_str("\r\n");
}

/// The `<table>` part of each CSV's name.
pub fn table_keys(tables: &ReportTables) -> Vec<&'static str> {
    match tables {
        ReportTables::National { tables, .. } => tables.iter().map(|t| t.def.key).collect(),
        ReportTables::Custom(_) => vec!["tables"],
    }
}

/// (table key, label, bytes) for every CSV of a report.
pub fn report_csvs(tables: &ReportTables) -> Vec<(String, String, Vec<u8>)> {
    match tables {
        ReportTables::National { tables, .. } => tables
            .iter()
            .map(|t| (t.def.key.to_string(), t.def.name(), table_csv(t)))
            .collect(),
        ReportTables::Custom(list) => {
            let mut out = String::from("\u{feff}");
            for (i, t) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str("\r\n");
                }
                line(&mut out, std::slice::from_ref(&t.title));
                for r in t.header.iter().chain(t.rows.iter()) {
                    let mut fields = Vec::new();
                    for c in r {
                        fields.push(c.value.display());
                        for _ in 1..c.colspan {
                            fields.push(String::new());
                        }
                    }
                    line(&mut out, &fields);
                }
            }
            vec![("tables".into(), "统计表".into(), out.into_bytes())]
        }
    }
}

fn table_csv(t: &TableData) -> Vec<u8> {
    let def = t.def;
    let mut out = String::from("\u{feff}");
    match &def.layout {
        Layout::Blocks(blocks) => {
            line(
                &mut out,
                &[
                    "条款",
                    crate::tables::national::CONTENT_HEADER,
                    "指标",
                    "数值",
                ],
            );
            let mut r = 0;
            for b in *blocks {
                for rd in b.rows {
                    for (c, col) in b.columns.iter().enumerate() {
                        line(
                            &mut out,
                            &[
                                b.article,
                                rd.label,
                                col.label,
                                &t.rows[r].cells[c].value.display(),
                            ],
                        );
                    }
                    r += 1;
                }
            }
        }
        Layout::Grid { columns, .. } | Layout::Strip { columns, .. } => {
            let mut head = vec!["项目".to_string()];
            head.extend(columns.iter().map(|c| c.label.to_string()));
            line(&mut out, &head);
            for (i, (rd, row)) in def.rows().iter().zip(&t.rows).enumerate() {
                let mut label: Vec<&str> = rd.groups.to_vec();
                let own = def.row_label(i);
                let mut fields = vec![{
                    label.retain(|g| !own.starts_with(g));
                    let mut s = label.join("·");
                    if !s.is_empty() {
                        s.push('·');
                    }
                    s + &own
                }];
                fields.extend(row.cells.iter().map(|c| c.value.display()));
                line(&mut out, &fields);
            }
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let one = |s: &str| {
            let mut out = String::new();
            field(&mut out, s);
            out
        };
        assert_eq!(one("a,b"), "\"a,b\"");
        assert_eq!(one("x\"y"), "\"x\"\"y\"");
        assert_eq!(one("平"), "平");
        let mut out = String::new();
        line(&mut out, &["a", "b\nc", ""]);
        assert_eq!(out, "a,\"b\nc\",\r\n");
    }
}
