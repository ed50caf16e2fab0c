//! Rules of a county portal: `parent` in org.toml names another organisation (no cycles), and
//! a 本级政府 report marked `summary_of = [...]` agrees, cell by cell, with the sum of those
//! organisations' reports (a warning per differing cell).

use crate::content::read::read_source;
use crate::content::{Org, Report, Site};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity, SourceFile, rule};
use crate::summary;
use crate::summary::decimal::Decimal;
use crate::tables::Value;
use std::path::Path;

/// The rule id of the summary comparison.
pub const SUMMARY: &str = "summary";

/// `parent`: an existing organisation other than itself, without cycles.
pub fn check_parents(site: &Site) -> Diagnostics {
    let mut out = Diagnostics::new();
    for org in site.orgs.values() {
        let Some(parent) = &org.config.parent else {
            continue;
        };
        let problem = if parent == &org.id {
            Some("`parent` 不能是机关自己".to_string())
        } else if site.org(parent).is_none() {
            Some(format!(
                "`parent` 的「{parent}」不是本站的机关（content/ 下没有此文件夹）{}",
                crate::config::suggest::hint(parent, site.orgs.keys().map(String::as_str))
            ))
        } else if in_cycle(site, org) {
            Some(format!(
                "`parent` 形成循环：「{}」经上级机关又回到自己",
                org.id
            ))
        } else {
            None
        };
        if let Some(msg) = problem {
            out.push(at_org_toml(site, org, msg));
        }
    }
    out
}

fn in_cycle(site: &Site, org: &Org) -> bool {
    let mut at = org;
    for _ in 0..=site.orgs.len() {
        match at.config.parent.as_deref().and_then(|p| site.org(p)) {
            Some(p) if p.id == org.id => return true,
            Some(p) => at = p,
            None => return false,
        }
    }
    false
}

fn at_org_toml(site: &Site, org: &Org, msg: String) -> Diagnostic {
    let rel = Path::new("content").join(&org.id).join("org.toml");
    let abs = site.root.join(&rel);
    match (read_source(&abs, &rel), &org.config.parent_span) {
        (Ok(src), Some(span)) => {
            Diagnostic::at(Severity::Error, rule::SCHEMA, &src, span.start, msg)
        }
        _ => Diagnostic::file(Severity::Error, rule::SCHEMA, rel, msg),
    }
}

/// A report with `summary_of`: every cell of tables 二–四 against the sum of those
/// organisations' reports of the same year.
pub fn check_summary_of(site: &Site, r: &Report) -> Diagnostics {
    let mut out = Diagnostics::new();
    let Some(list) = &r.front.summary_of else {
        return out;
    };
    let warn = |out: &mut Diagnostics,
                src: &SourceFile,
                at: Option<&std::ops::Range<usize>>,
                msg: String| {
        out.push(Diagnostic::at_span(
            Severity::Warning,
            SUMMARY,
            src,
            at,
            msg,
        ));
    };
    let first = list.first().map(|(_, s)| s.clone());
    let mut orgs = Vec::new();
    for (id, span) in list {
        match site.org(id) {
            Some(o) => orgs.push(o),
            None => warn(
                &mut out,
                &r.markdown,
                Some(span),
                format!(
                    "summary_of 中的「{id}」不是本站的机关{}",
                    crate::config::suggest::hint(id, site.orgs.keys().map(String::as_str))
                ),
            ),
        }
    }
    if orgs.is_empty() {
        return out;
    }
    let s = match summary::summarize(site, r.year, &orgs) {
        Ok(s) => s,
        Err(e) => {
            warn(
                &mut out,
                &r.markdown,
                first.as_ref(),
                format!("无法核对汇总数据：{e}"),
            );
            return out;
        }
    };
    for o in &s.missing {
        let span = list.iter().find(|(id, _)| *id == o.id).map(|(_, s)| s);
        warn(
            &mut out,
            &r.markdown,
            span,
            format!(
                "summary_of 中的「{}」没有 {} 年报告，核对时未计入",
                o.id, r.year
            ),
        );
    }
    if r.tables.format_id() != s.format.id {
        warn(
            &mut out,
            &r.tables_src,
            None,
            format!(
                "本报告统计表为 {} 格式，所汇总机关的报告为 {} 格式，无法逐项核对",
                r.tables.format_id(),
                s.format.id
            ),
        );
        return out;
    }
    for def in s.format.tables {
        let (Some(sum), Some(mine)) = (s.tables.national(def.key), r.tables.national(def.key))
        else {
            continue;
        };
        for (i, (srow, mrow)) in sum.rows.iter().zip(&mine.rows).enumerate() {
            for (c, (sc, mc)) in srow.cells.iter().zip(&mrow.cells).enumerate() {
                if same(&sc.value, &mc.value) {
                    continue;
                }
                let shown = match &mc.value {
                    Value::Blank => "空白".to_string(),
                    v => v.display(),
                };
                let span = mc
                    .span
                    .as_ref()
                    .or(mrow.span.as_ref())
                    .or(mine.span.as_ref());
                warn(
                    &mut out,
                    &r.tables_src,
                    span,
                    format!(
                        "{}「{}」「{}」为 {shown}，summary_of 所列 {} 个机关之和为 {}",
                        def.name(),
                        def.row_label(i),
                        def.columns_of(i)[c].label,
                        s.covered.len(),
                        sc.value.display()
                    ),
                );
            }
        }
    }
    out
}

/// The report's cell equals the sum (a blank counts as 0; text never equals a number).
fn same(sum: &Value, mine: &Value) -> bool {
    let num = |v: &Value| match v {
        Value::Int(n) => Some(Decimal::from_int(*n)),
        Value::Decimal(t) => Decimal::parse(t),
        Value::Blank => Some(Decimal::from_int(0)),
        Value::Text(_) => None,
    };
    match (num(sum), num(mine)) {
        (Some(a), Some(b)) => a.same_value(b),
        _ => false,
    }
}
