//! Checking a loaded site. Schema problems are found while loading; this phase adds the rules
//! between cells (R1–R4), across years (R5, R6), narrative figures against the tables, page
//! metadata and publication dates, personal data, and links.
//!
//! Rule ids are stable: R1–R6 as in the national format; `narrative`, `meta`, `pub-date`,
//! `year`, `personal-data`, `link`, `placement`, `summary` here; `syntax`, `schema`, `layout`, `text-cell`
//! from loading.

mod county;
mod cross_year;
mod links;
mod metadata;
mod narrative;
mod personal;
pub(crate) mod text;

use crate::content::{Report, Site};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::tables::{ReportTables, Value, rules};
use rayon::prelude::*;
use std::collections::HashSet;

pub use personal::valid_id;

/// Every rule over every report. In an archived report every finding is a warning.
pub fn check_site(site: &Site) -> Diagnostics {
    let outputs = crate::render::urls::site_paths(site);
    let per_report: Vec<Diagnostics> = site
        .reports
        .par_iter()
        .map(|r| {
            let mut d = check_report(site, r, &outputs);
            if r.archived() {
                d.downgrade_errors();
            }
            d
        })
        .collect();
    let mut out = metadata::check_site(site);
    out.extend(county::check_parents(site));
    for d in per_report {
        out.extend(d);
    }
    out
}

fn check_report(site: &Site, r: &Report, outputs: &HashSet<String>) -> Diagnostics {
    let mut d = Diagnostics::new();
    if let ReportTables::National { tables, .. } = &r.tables {
        for t in tables {
            d.extend(rules::check_table(t, &r.tables_src));
        }
    }
    if let Some(last) = site.reports_of(&r.org).find(|x| x.year + 1 == r.year) {
        d.extend(cross_year::check(r, last));
    }
    let text = text::extract(r.body());
    d.extend(narrative::check(r, &text));
    d.extend(links::check(r, &text, outputs));
    d.extend(metadata::check_report(site, r));
    d.extend(county::check_summary_of(site, r));
    d.extend(placement(r, &text));
    d.extend(personal_data(r, &text));
    d
}

/// Marker comments that name no table of the report.
fn placement(r: &Report, text: &text::NarrativeText) -> Diagnostics {
    let names: Vec<String> = match &r.tables {
        ReportTables::National { tables, .. } => tables
            .iter()
            .flat_map(|t| [t.def.name(), t.def.key.to_string()])
            .collect(),
        ReportTables::Custom(list) => (1..=list.len())
            .flat_map(|i| [format!("表{i}"), i.to_string()])
            .collect(),
    };
    text.html_blocks
        .iter()
        .filter_map(|(html, range)| {
            let name = crate::render::markdown::marker(html)?;
            (!names.contains(&name)).then(|| {
                Diagnostic::at(
                    Severity::Warning,
                    "placement",
                    &r.markdown,
                    r.body_offset + range.start,
                    format!(
                        "表格标记「{name}」不对应本报告的任何表（可用：{}）",
                        names.join("、")
                    ),
                )
            })
        })
        .collect()
}

fn personal_data(r: &Report, text: &text::NarrativeText) -> Diagnostics {
    let mut d = Diagnostics::new();
    let warn = |src, at, what: &str| {
        Diagnostic::at(
            Severity::Warning,
            personal::RULE,
            src,
            at,
            format!("疑似{what}：个人信息不得公开，请删除或打码"),
        )
    };
    for b in &text.blocks {
        for (at, what) in personal::find(&b.text) {
            d.push(warn(&r.markdown, r.body_offset + b.source_offset(at), what));
        }
    }
    let mut cell_texts: Vec<(&str, usize)> = Vec::new();
    match &r.tables {
        ReportTables::National { tables, .. } => {
            for t in tables {
                for row in &t.rows {
                    for c in &row.cells {
                        if let (Value::Text(s), Some(span)) = (&c.value, &c.span) {
                            cell_texts.push((s, span.start));
                        }
                    }
                }
            }
        }
        ReportTables::Custom(list) => {
            for t in list {
                for c in t.header.iter().chain(t.rows.iter()).flatten() {
                    if let (Value::Text(s), Some(span)) = (&c.value, &c.span) {
                        cell_texts.push((s, span.start));
                    }
                }
            }
        }
    }
    for (s, at) in cell_texts {
        for (_, what) in personal::find(s) {
            d.push(warn(&r.tables_src, at, what));
        }
    }
    d
}
#[cfg(test)]
mod tests;
