//! The arithmetic rules (勾稽关系) of a table, evaluated from its definition.

use super::def::RuleKind;
use super::model::{Row, TableData};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity, SourceFile, rule};
use std::ops::Range;

/// Check every rule of a table. Text cells make a rule inapplicable: that is reported once per
/// cell as a warning, and the rule is skipped for that row or column.
pub fn check_table(data: &TableData, src: &SourceFile) -> Diagnostics {
    let mut out = Diagnostics::new();
    let def = data.def;
    let mut text_reported = std::collections::HashSet::new();
    let mut text_cell = |out: &mut Diagnostics, r: usize, c: usize, rule_id: &str| {
        if text_reported.insert((r, c)) {
            let cell = &data.rows[r].cells[c];
            out.push(Diagnostic::at_span(
                Severity::Warning,
                rule::TEXT_CELL,
                src,
                cell.span.as_ref(),
                format!(
                    "{}「{}」「{}」是文字 \"{}\"，{rule_id} 无法核对",
                    def.name(),
                    def.row_label(r),
                    def.columns_of(r)[c].label,
                    cell.value.display()
                ),
            ));
        }
    };
    for rd in def.rules {
        match &rd.kind {
            RuleKind::RowSum { rows, total, parts } => {
                let indices: Vec<usize> = if rows.is_empty() {
                    (0..data.rows.len()).collect()
                } else {
                    rows.iter().filter_map(|k| def.row_index(k)).collect()
                };
                for r in indices {
                    let row = &data.rows[r];
                    let mut sum = 0i64;
                    let mut ok = true;
                    for &c in parts.iter().chain(std::iter::once(total)) {
                        if row.cells[c].value.rule_value().is_none() {
                            text_cell(&mut out, r, c, rd.id);
                            ok = false;
                        }
                    }
                    if !ok {
                        continue;
                    }
                    for &c in parts.iter() {
                        sum += row.cells[c].value.rule_value().unwrap_or(0);
                    }
                    let actual = row.cells[*total].value.rule_value().unwrap_or(0);
                    if sum != actual {
                        let cell = &row.cells[*total];
                        out.push(Diagnostic::at_span(
                            Severity::Error,
                            rd.id,
                            src,
                            cell_span(row, *total).as_ref(),
                            format!(
                                "{}「{}」「{}」应为 {sum}（{}），实为 {}",
                                def.name(),
                                def.row_label(r),
                                def.columns_of(r)[*total].label,
                                rd.explain,
                                shown(&cell.value.display())
                            ),
                        ));
                    }
                }
            }
            RuleKind::ColumnSum { lhs, rhs } => {
                let l: Vec<usize> = lhs.iter().filter_map(|k| def.row_index(k)).collect();
                let r: Vec<usize> = rhs.iter().filter_map(|k| def.row_index(k)).collect();
                let Some(&first) = l.first() else { continue };
                for c in 0..def.columns_of(first).len() {
                    let mut ok = true;
                    for &row in l.iter().chain(r.iter()) {
                        if data.rows[row].cells[c].value.rule_value().is_none() {
                            text_cell(&mut out, row, c, rd.id);
                            ok = false;
                        }
                    }
                    if !ok {
                        continue;
                    }
                    let sum = |rows: &[usize]| -> i64 {
                        rows.iter()
                            .map(|&row| data.rows[row].cells[c].value.rule_value().unwrap_or(0))
                            .sum()
                    };
                    let (ls, rs) = (sum(&l), sum(&r));
                    if ls == rs {
                        continue;
                    }
                    let col = def.columns_of(first)[c].label;
                    let msg = if l.len() == 1 {
                        // one cell must equal the sum of the others: name it
                        format!(
                            "{}「{}」「{col}」应为 {rs}（{}），实为 {}",
                            def.name(),
                            def.row_label(l[0]),
                            rd.explain,
                            shown(&data.rows[l[0]].cells[c].value.display())
                        )
                    } else {
                        let names = |rows: &[usize]| {
                            rows.iter()
                                .map(|&i| format!("「{}」", def.row_label(i)))
                                .collect::<Vec<_>>()
                                .join("加")
                        };
                        format!(
                            "{}「{col}」列不符合勾稽关系（{}）：{}之和为 {ls}，{}之和为 {rs}",
                            def.name(),
                            rd.explain,
                            names(&l),
                            names(&r)
                        )
                    };
                    // Point at the first cell written by the author on the left, else right.
                    let at = l
                        .iter()
                        .chain(r.iter())
                        .find_map(|&row| cell_span(&data.rows[row], c));
                    out.push(Diagnostic::at_span(
                        Severity::Error,
                        rd.id,
                        src,
                        at.as_ref(),
                        msg,
                    ));
                }
            }
        }
    }
    out
}

/// The cell's own span, or its row's if the cell was computed.
fn cell_span(row: &Row, c: usize) -> Option<Range<usize>> {
    row.cells[c].span.clone().or_else(|| row.span.clone())
}

fn shown(s: &str) -> String {
    if s.is_empty() {
        "空白".to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::ReportTables;
    use super::super::parse::parse_tables;
    use super::*;

    pub(crate) fn zero_2021() -> String {
        let mut s = String::from(
            "format = \"2021\"\n[active]\nregulations = [0, 0, 0]\nnormative_documents = [0, 0, 0]\nlicensing = 0\npunishment = 0\ncoercion = 0\nfees = 0\n[applications]\n",
        );
        let def = crate::tables::national::FORMAT_2021
            .table("applications")
            .unwrap();
        for r in def.rows() {
            s.push_str(&format!("{} = [0, 0, 0, 0, 0, 0, 0]\n", r.key));
        }
        s.push_str("[appeals]\nreview = [0, 0, 0, 0, 0]\nlitigation_direct = [0, 0, 0, 0, 0]\nlitigation_after_review = [0, 0, 0, 0, 0]\n");
        s
    }

    /// Replace the value of the line `key = …`.
    pub(crate) fn set(text: &str, key: &str, value: &str) -> String {
        let prefix = format!("{key} = ");
        let mut hit = false;
        let out: Vec<String> = text
            .lines()
            .map(|l| {
                if l.starts_with(&prefix) {
                    hit = true;
                    format!("{prefix}{value}")
                } else {
                    l.to_string()
                }
            })
            .collect();
        assert!(hit, "no line {key}");
        out.join("\n") + "\n"
    }

    fn check(text: &str) -> Vec<Diagnostic> {
        let src = SourceFile::new("content/a/2024/tables.toml", text.to_string());
        let (t, d) = parse_tables(&src, false);
        assert!(!d.has_errors(), "{d:?}");
        let ReportTables::National { tables, .. } = t.unwrap() else {
            panic!()
        };
        tables.iter().flat_map(|t| check_table(t, &src)).collect()
    }

    #[test]
    fn zeros_pass() {
        assert!(check(&zero_2021()).is_empty());
    }

    #[test]
    fn r2_names_row_column_expected_actual() {
        let text = set(&zero_2021(), "received", "[1, 0, 0, 0, 0, 0, 2]");
        let d = check(&text);
        let r2: Vec<_> = d.iter().filter(|d| d.rule == "R2").collect();
        assert_eq!(r2.len(), 1, "{d:?}");
        assert_eq!(
            r2[0].message,
            "表三「一、本年新收政府信息公开申请数量」「总计」应为 1（六类申请人之和），实为 2"
        );
        let line = text
            .lines()
            .position(|l| l.starts_with("received"))
            .unwrap()
            + 1;
        assert_eq!((r2[0].line, r2[0].column), (line, 31));
        // and R1 fails in the 自然人 and 总计 columns
        assert_eq!(d.iter().filter(|d| d.rule == "R1").count(), 2, "{d:?}");
    }

    #[test]
    fn r3_and_r4() {
        let text = set(&zero_2021(), "disclosed", "[1, 0, 0, 0, 0, 0, 1]");
        let text = set(&text, "review", "[1, 0, 0, 0, 0]");
        let d = check(&text);
        assert!(
            d.iter().any(|d| d.rule == "R3"
                && d.message
                    == "表三「（七）总计」「自然人」应为 1（本年度办理结果各项之和），实为 0"),
            "{d:?}"
        );
        assert!(d.iter().any(|d| d.rule == "R4"
            && d.message == "表四「行政复议」「总计」应为 1（结果维持、结果纠正、其他结果、尚未审结之和），实为 0"), "{d:?}");
    }

    #[test]
    fn blank_total_is_an_r2_finding_and_text_skips() {
        let text = set(&zero_2021(), "received", "[1, 0, 0, 0, 0, \"/\", \"\"]");
        let src = SourceFile::new("t.toml", text);
        let (t, _) = parse_tables(&src, true);
        let ReportTables::National { tables, .. } = t.unwrap() else {
            panic!()
        };
        let d: Vec<_> = tables.iter().flat_map(|t| check_table(t, &src)).collect();
        // the row holds text ("/") so R2 is skipped for it, with a warning naming the cell
        assert!(
            d.iter()
                .any(|d| d.rule == "text-cell" && d.message.contains("「其他」")),
            "{d:?}"
        );
        assert!(!d.iter().any(|d| d.rule == "R2"), "{d:?}");
    }

    #[test]
    fn format_2019_rules_use_its_single_other_handling_row() {
        let zero = crate::scaffold::zero_tables(&crate::tables::national::FORMAT_2019);
        assert!(check(&zero).is_empty());
        let text = set(&zero, "other_handling", "[1, 0, 0, 0, 0, 0, 1]");
        let text = set(&text, "received", "[1, 0, 0, 0, 0, 0, 1]");
        assert!(check(&text).iter().any(|d| d.rule == "R3"));
        let text = set(&text, "total", "[1, 0, 0, 0, 0, 0, 1]");
        assert!(check(&text).is_empty(), "{:?}", check(&text));
        let text = set(&text, "review", "[0, 1, 0, 0, 0]");
        let d = check(&text);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].rule, "R4");
    }

    #[test]
    fn computed_totals_satisfy_r2_and_r3() {
        let mut text = String::new();
        for l in zero_2021().lines() {
            if l.starts_with("total") {
                continue;
            }
            if l.starts_with("received") {
                text.push_str("received = [1, 0, 0, 0, 0, 1]\n");
            } else if l.starts_with("unavailable.not_held") {
                text.push_str("unavailable.not_held = [1, 0, 0, 0, 0, 1]\n");
            } else {
                text.push_str(l);
                text.push('\n');
            }
        }
        assert!(check(&text).is_empty());
        let src = SourceFile::new("t.toml", text);
        let (t, _) = parse_tables(&src, false);
        let t = t.unwrap();
        let apps = t.national("applications").unwrap();
        let total = apps.row("total").unwrap();
        assert!(total.cells.iter().all(|c| c.computed));
        assert_eq!(total.cells[6].value, crate::tables::Value::Int(2));
        let json = t.to_json();
        assert_eq!(json["applications"]["total"][6], 2);
        assert_eq!(json["applications"]["received"][6], 2);
        assert_eq!(json["applications"]["withheld"]["state_secret"][0], 0);
        assert_eq!(json["active"]["licensing"], 0);
    }
}
