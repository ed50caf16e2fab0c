//! Checking a loaded site. Schema problems are found while loading; this phase adds the rules
//! between cells (R1–R4), across years (R5, R6), narrative figures against the tables, page
//! metadata and publication dates, personal data, and links.
//!
//! Rule ids are stable: R1–R6 as in the national format; `narrative`, `meta`, `pub-date`,
//! `year`, `personal-data`, `link`, `placement`, `summary` here; `syntax`, `schema`, `layout`, `text-cell`
//! from loading.

mod county;
mod cross_year;
pub mod kept;
mod links;
mod metadata;
mod narrative;
mod personal;
#[doc(hidden)] // public for the fuzz targets (fuzz/)
pub mod text;

use crate::content::{Report, Site};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::tables::{ReportTables, Value, rules};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

pub use personal::valid_id;

/// Findings of an earlier check per report, reused while everything a report's rules read is
/// the same (the preview keeps one between generations; `build` and `check` keep one in the
/// cache folder, see [`kept`]): report → (hash of its sources, its previous year's sources,
/// the site's output paths, organisations and deadline, and for a report compiled from others
/// (`summary_of`) their settings and same-year sources; the findings).
#[derive(Debug, Default)]
pub struct CheckCache {
    reports: HashMap<(String, u16), ([u8; 32], Diagnostics)>,
    /// Whether the last check changed what the cache holds (it is worth saving).
    changed: bool,
}

/// Every rule over every report. In an archived report every finding is a warning.
pub fn check_site(site: &Site) -> Diagnostics {
    check_site_with(site, None)
}

/// Like [`check_site`], re-checking only the reports whose inputs changed since the last call
/// with this `cache`. The findings are the same.
pub fn check_site_cached(site: &Site, cache: &mut CheckCache) -> Diagnostics {
    check_site_with(site, Some(cache))
}

fn check_site_with(site: &Site, cache: Option<&mut CheckCache>) -> Diagnostics {
    let outputs = crate::render::urls::site_paths(site);
    // what every report's rules read besides the report and its previous year: the output
    // paths (links; an organisation page's among them, so the organisations too, whose names
    // a misnamed `summary_of` entry is told) and the deadline
    let common = cache.as_ref().map(|_| {
        let mut paths: Vec<&String> = outputs.iter().collect();
        paths.sort();
        let mut h = Sha256::new();
        h.update(format!("{:?}\n", site.config.deadline));
        for p in paths {
            h.update(p.as_bytes());
            h.update(b"\0");
        }
        h.finalize()
    });
    let old = cache.as_ref().map(|c| &c.reports);
    let per_report: Vec<(Diagnostics, Option<[u8; 32]>, bool)> = site
        .reports
        .par_iter()
        .map(|r| {
            let key = common.map(|common| {
                let last = site.reports_of(&r.org).find(|x| x.year + 1 == r.year);
                let mut h = Sha256::new();
                h.update(common);
                // each part prefixed by its length
                let mut part = |s: &[u8]| {
                    h.update((s.len() as u64).to_le_bytes());
                    h.update(s);
                };
                part(r.title.as_bytes());
                part(&sources_hash(Some(r)));
                part(&sources_hash(last));
                // a report compiled from others (`summary_of`) is checked against their sum:
                // what the summary reads of them (settings, same year's report) is its input too
                for (id, _) in r.front.summary_of.iter().flatten() {
                    let org = site
                        .org(id)
                        .map(|o| serde_json::to_string(&o.config).unwrap_or_default());
                    part(id.as_bytes());
                    part(org.as_deref().unwrap_or("\0").as_bytes());
                    let same_year = site.reports_of(id).find(|x| x.year == r.year);
                    part(&sources_hash(same_year));
                }
                let key: [u8; 32] = h.finalize().into();
                key
            });
            if let (Some(key), Some(old)) = (key, old)
                && let Some((k, d)) = old.get(&(r.org.clone(), r.year))
                && *k == key
            {
                return (d.clone(), Some(key), false);
            }
            let mut d = check_report(site, r, &outputs);
            if r.archived() {
                d.downgrade_errors();
            }
            (d, key, true)
        })
        .collect();
    let per_report: Vec<Diagnostics> = match cache {
        Some(c) => {
            let before = c.reports.len();
            c.reports = site
                .reports
                .iter()
                .zip(&per_report)
                .filter_map(|(r, (d, key, _))| {
                    Some(((r.org.clone(), r.year), ((*key)?, d.clone())))
                })
                .collect();
            c.changed = before != c.reports.len() || per_report.iter().any(|p| p.2);
            per_report.into_iter().map(|(d, ..)| d).collect()
        }
        None => per_report.into_iter().map(|(d, ..)| d).collect(),
    };
    let mut out = metadata::check_site(site);
    out.extend(county::check_parents(site));
    for d in per_report {
        out.extend(d);
    }
    out
}

/// The hash of what a report's check reads of its files (for the cache key; each file's own
/// hash is taken once, see [`crate::diagnostics::SourceFile::sha256`]), or zeros for no report.
fn sources_hash(r: Option<&Report>) -> [u8; 32] {
    r.map_or([0; 32], |r| {
        let mut h = Sha256::new();
        h.update(r.markdown.sha256());
        h.update(r.tables_src.sha256());
        h.finalize().into()
    })
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

#[cfg(test)]
mod cache_tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_cached_check_finds_the_same() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut site = crate::content::load_site(root).site.unwrap();
        let show = |d: &Diagnostics| format!("{d:?}");
        let mut cache = CheckCache::default();
        let fresh = show(&check_site(&site));
        assert_eq!(show(&check_site_cached(&site, &mut cache)), fresh);
        assert_eq!(cache.reports.len(), site.reports.len());
        assert_eq!(show(&check_site_cached(&site, &mut cache)), fresh);
        // a personal-data finding appears when the narrative changes, and goes again
        let original = site.reports[0].markdown.clone();
        site.reports[0].insert_paragraph("联系人手机 13812345678。");
        let edited = check_site_cached(&site, &mut cache);
        assert_eq!(show(&edited), show(&check_site(&site)));
        assert_ne!(show(&edited), fresh);
        site.reports[0].markdown = original;
        assert_eq!(show(&check_site_cached(&site, &mut cache)), fresh);
    }

    /// The sample's report copied to the organisations `ids` (named "<id>机关"), the one of
    /// `county` summing the organisations `summed`; the organisations `empty` have no report.
    fn summed_site(ids: &[&str], empty: &[&str], summed: &[&str]) -> Site {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let sample = crate::content::load_site(root).site.unwrap();
        let (org, report) = (sample.orgs.values().next().unwrap(), &sample.reports[0]);
        let mut orgs = std::collections::BTreeMap::new();
        let mut reports = Vec::new();
        for &id in ids.iter().chain(empty) {
            let mut config = org.config.clone();
            config.name = format!("{id}机关");
            let org = crate::content::Org {
                id: id.to_string(),
                config,
            };
            orgs.insert(id.to_string(), org);
            if empty.contains(&id) {
                continue;
            }
            let mut r = report.clone();
            r.org = id.to_string();
            if id == "county" {
                r.front.summary_of = Some(summed.iter().map(|s| (s.to_string(), 0..0)).collect());
            }
            reports.push(r);
        }
        Site::new(sample.root.clone(), sample.config.clone(), orgs, reports)
    }

    /// A misnamed `summary_of` entry is told the nearest of the site's organisations: adding
    /// one (without reports) changes the finding, cached or not (the organisation pages'
    /// paths are in every report's key).
    #[test]
    fn a_cached_check_follows_the_organisations() {
        let show = |d: &Diagnostics| format!("{d:?}");
        let mut cache = CheckCache::default();
        let site = summed_site(&["a", "county"], &[], &["a", "xiangzhen"]);
        let before = check_site_cached(&site, &mut cache);
        assert_eq!(show(&before), show(&check_site(&site)));
        let site = summed_site(&["a", "county"], &["xiangzhe"], &["a", "xiangzhen"]);
        let after = check_site_cached(&site, &mut cache);
        assert_eq!(show(&after), show(&check_site(&site)));
        assert_ne!(show(&after), show(&before));
        assert!(show(&after).contains("xiangzhe"), "{after:?}");
    }

    /// A 本级政府 report compiled from others (`summary_of`) is checked against their sum: when
    /// one of them changes, so do its findings, though its own files did not (regression: the
    /// preview kept its findings from before).
    #[test]
    fn a_cached_check_follows_the_reports_a_summary_adds_up() {
        let mut site = summed_site(&["a", "b", "county"], &[], &["a", "b"]);
        let show = |d: &Diagnostics| format!("{d:?}");
        let mut cache = CheckCache::default();
        let before = check_site_cached(&site, &mut cache);
        assert_eq!(show(&before), show(&check_site(&site)));
        assert!(show(&before).contains("summary"), "{before:?}");
        // one of the summed reports changes a figure
        let a = site.reports.iter_mut().find(|r| r.org == "a").unwrap();
        let ReportTables::National { tables, .. } = &mut a.tables else {
            panic!("the sample report is in a national format");
        };
        let cell = tables[0].rows[0].cells.iter_mut().next().unwrap();
        cell.value = Value::Int(match cell.value {
            Value::Int(i) => i + 7,
            _ => 7,
        });
        // (as when its file is edited: the text changes with the figure)
        let text = format!("{}# 改\n", a.tables_src.text);
        a.tables_src = crate::diagnostics::SourceFile::new(a.tables_src.path.clone(), text);
        let after = check_site_cached(&site, &mut cache);
        assert_eq!(show(&after), show(&check_site(&site)));
        assert_ne!(show(&after), show(&before));
    }
}
