//! Rules across years of one organisation: R5 (上年结转 = last year's 结转下年度继续办理, per
//! column) and R6 (现行有效件数 continuity, a warning: documents can also expire).

use crate::content::Report;
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::tables::{Cell, ReportTables, Value};

fn int(c: &Cell) -> Option<i64> {
    match c.value {
        Value::Int(n) => Some(n),
        Value::Blank => Some(0),
        _ => None,
    }
}

/// Compare `this` with the same organisation's report of the previous year.
pub fn check(this: &Report, last: &Report) -> Diagnostics {
    let mut out = Diagnostics::new();
    let (Some(now), Some(before)) = (
        this.tables.national("applications"),
        last.tables.national("applications"),
    ) else {
        return out;
    };
    let (Some(over), Some(forward)) = (now.row("carried_over"), before.row("carried_forward"))
    else {
        return out;
    };
    let columns = now.def.columns_of(0);
    for (c, col) in columns.iter().enumerate() {
        let (Some(a), Some(b)) = (
            over.cells.get(c).and_then(int),
            forward.cells.get(c).and_then(int),
        ) else {
            continue;
        };
        if a != b {
            let span = over.cells[c].span.clone().or_else(|| over.span.clone());
            out.push(Diagnostic::at_span(
                Severity::Error,
                "R5",
                &this.tables_src,
                span.as_ref(),
                format!(
                    "表三「二、上年结转政府信息公开申请数量」「{}」应为 {b}（{} 年报告的「四、结转下年度继续办理」），实为 {a}",
                    col.label, last.year
                ),
            ));
        }
    }
    // R6: only between two reports in the 2021 format, whose table 二 has 现行有效件数
    if let (ReportTables::National { format: f1, .. }, ReportTables::National { format: f2, .. }) =
        (&this.tables, &last.tables)
        && f1.id == "2021"
        && f2.id == "2021"
    {
        let (Some(a1), Some(a0)) = (
            this.tables.national("active"),
            last.tables.national("active"),
        ) else {
            return out;
        };
        for (key, label) in [
            ("regulations", "规章"),
            ("normative_documents", "行政规范性文件"),
        ] {
            let (Some(r1), Some(r0)) = (a1.row(key), a0.row(key)) else {
                continue;
            };
            let vals = |r: &crate::tables::Row| -> Option<(i64, i64, i64)> {
                Some((
                    int(r.cells.first()?)?,
                    int(r.cells.get(1)?)?,
                    int(r.cells.get(2)?)?,
                ))
            };
            let (Some((made, repealed, valid)), Some((_, _, valid_before))) = (vals(r1), vals(r0))
            else {
                continue;
            };
            let expected = valid_before + made - repealed;
            if valid != expected {
                let span = r1.cells[2].span.clone().or_else(|| r1.span.clone());
                out.push(Diagnostic::at_span(
                        Severity::Warning,
                        "R6",
                        &this.tables_src,
                        span.as_ref(),
                        format!(
                            "表二「{label}」「现行有效件数」按上年 {valid_before} 件加本年制发 {made} 件减本年废止 {repealed} 件应为 {expected}，实为 {valid}（如有文件到期失效，可忽略此提示）"
                        ),
                    ));
            }
        }
    }
    out
}
