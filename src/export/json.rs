//! `<org>-<year>.json`: metadata and every table value, keys as in tables.toml, computed
//! totals filled in.

use crate::content::Report;

pub fn report_json(report: &Report, org_name: &str) -> String {
    let v = serde_json::json!({
        "org": report.org,
        "org_name": org_name,
        "year": report.year,
        "title": report.title,
        "published": report.front.published.map(|d| d.ymd()),
        "index_number": report.front.index_number,
        "archived": report.front.archived,
        "format": report.tables.format_id(),
        "tables": report.tables.to_json(),
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
