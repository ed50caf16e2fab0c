//! Downloadable versions of a report, each fed by the table definitions and the model:
//! the typeset PDF (`pdf`), the Word draft (`docx`), the Excel tables (`xlsx`), the data
//! (`json`, `csv`), and the per-year archive (`archive`).

pub mod archive;
pub mod csv;
pub mod docx;
pub mod json;
pub mod pdf;
pub mod xlsx;

use crate::content::Report;
use crate::render::Theme;
use anyhow::{Context, Result};

/// A file offered for download beside a report page.
#[derive(Debug, Clone)]
pub struct Download {
    /// File name inside the report folder: `sixia-2024.json`.
    pub file: String,
    /// 「PDF 版」, 「数据（JSON）」 …
    pub label: String,
    /// `pdf`, `docx`, `xlsx`, `json`, `csv`
    pub kind: &'static str,
    pub bytes: Vec<u8>,
}

/// Produces the downloads of reports; built once per build and shared across threads.
pub struct Exporter {
    /// None when the documents (PDF, Word, Excel) are not wanted (`--no-downloads`).
    pdf: Option<pdf::PdfEngine>,
    /// The Word file's style: the theme's `docx/styles.toml` with site.toml's `[fonts]`.
    docx_style: docx::DocxStyle,
}

impl Exporter {
    pub fn new(theme: &Theme, documents: bool, fonts: &crate::config::FontsConfig) -> Result<Self> {
        let pdf = if documents {
            let template = theme
                .files
                .get("pdf/report.typ")
                .context("主题缺少 pdf/report.typ")?;
            Some(pdf::PdfEngine::new(template, fonts)?)
        } else {
            None
        };
        let docx_style =
            docx::DocxStyle::from_theme(theme.files.get(docx::STYLES_FILE).map(String::as_str))?
                .with_site_fonts(fonts);
        Ok(Exporter { pdf, docx_style })
    }

    /// Every download of a report: the documents (unless disabled), then the data.
    pub fn downloads(&self, report: &Report, org_name: &str) -> Result<Vec<Download>> {
        let stem = format!("{}-{}", report.org, report.year);
        let mut out = Vec::new();
        if let Some(engine) = &self.pdf {
            let at = || format!("{}/{}", report.org, report.year);
            out.push(Download {
                file: format!("{stem}.pdf"),
                label: "PDF 版".into(),
                kind: "pdf",
                bytes: engine
                    .render(report, org_name)
                    .with_context(|| format!("{} 的 PDF", at()))?,
            });
            out.push(Download {
                file: format!("{stem}.docx"),
                label: "Word 版".into(),
                kind: "docx",
                bytes: docx::report_docx(report, org_name, &self.docx_style)
                    .with_context(|| format!("{} 的 Word 文件", at()))?,
            });
            out.push(Download {
                file: format!("{stem}.xlsx"),
                label: "统计表（Excel）".into(),
                kind: "xlsx",
                bytes: xlsx::report_xlsx(report, org_name)
                    .with_context(|| format!("{} 的 Excel", at()))?,
            });
        }
        out.push(Download {
            file: format!("{stem}.json"),
            label: "数据（JSON）".into(),
            kind: "json",
            bytes: json::report_json(report, org_name).into_bytes(),
        });
        for (table, label, bytes) in csv::report_csvs(&report.tables) {
            out.push(Download {
                file: format!("{stem}-{table}.csv"),
                label: format!("{label}（CSV）"),
                kind: "csv",
                bytes,
            });
        }
        Ok(out)
    }
}

/// The file names of a report's downloads (documents included), without producing them.
pub fn download_names(report: &Report) -> Vec<String> {
    let stem = format!("{}-{}", report.org, report.year);
    let mut out = vec![
        format!("{stem}.pdf"),
        format!("{stem}.docx"),
        format!("{stem}.xlsx"),
        format!("{stem}.json"),
    ];
    out.extend(
        csv::table_keys(&report.tables)
            .into_iter()
            .map(|k| format!("{stem}-{k}.csv")),
    );
    out
}
