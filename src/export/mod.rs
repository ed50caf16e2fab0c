//! Downloadable versions of a report, each fed by the table definitions and the model.
//! (Data formats here; the typeset PDF, DOCX and XLSX are separate modules.)

pub mod csv;
pub mod json;

use crate::content::Report;

/// A file offered for download beside a report page.
#[derive(Debug, Clone)]
pub struct Download {
    /// File name inside the report folder: `sixia-2024.json`.
    pub file: String,
    /// 「数据（JSON）」
    pub label: String,
    /// `json`, `csv`, …
    pub kind: &'static str,
    pub bytes: Vec<u8>,
}

/// The file names of a report's downloads, without producing them.
pub fn download_names(report: &Report) -> Vec<String> {
    let stem = format!("{}-{}", report.org, report.year);
    let mut out = vec![format!("{stem}.json")];
    out.extend(
        csv::table_keys(&report.tables)
            .into_iter()
            .map(|k| format!("{stem}-{k}.csv")),
    );
    out
}

/// Every download of a report that this build produces.
pub fn downloads(report: &Report, org_name: &str) -> Vec<Download> {
    let stem = format!("{}-{}", report.org, report.year);
    let mut out = vec![Download {
        file: format!("{stem}.json"),
        label: "数据（JSON）".into(),
        kind: "json",
        bytes: json::report_json(report, org_name).into_bytes(),
    }];
    for (table, label, bytes) in csv::report_csvs(&report.tables) {
        out.push(Download {
            file: format!("{stem}-{table}.csv"),
            label: format!("{label}（CSV）"),
            kind: "csv",
            bytes,
        });
    }
    out
}
