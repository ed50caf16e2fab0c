//! Downloadable versions of a report, each fed by the table definitions and the model:
//! the typeset PDF (`pdf`), the Word draft (`docx`), the Excel tables (`xlsx`), the data
//! (`json`, `csv`), and the per-year archive (`archive`).

pub mod archive;
pub mod cache;
pub mod csv;
pub mod dataset;
pub mod docx;
pub mod json;
#[cfg(feature = "pdf")]
pub mod pdf;
#[cfg(not(feature = "pdf"))]
#[path = "pdf_disabled.rs"]
pub mod pdf;
pub mod xlsx;

use crate::content::Report;
use crate::render::Theme;
use anyhow::{Context, Result};
use std::sync::Arc;

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
    /// Documents and zips kept between builds (see [`cache`]), when enabled.
    cache: Option<Cached>,
}

/// The download cache with the parts of its keys that are the same for every report.
struct Cached {
    cache: cache::DownloadCache,
    /// The nianbao binary.
    binary: String,
    /// The PDF engine's identity (template, fonts), computed on first use.
    pdf: std::sync::OnceLock<String>,
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
        Ok(Exporter {
            pdf,
            docx_style,
            cache: None,
        })
    }

    /// Keep the documents and year zips in `dir` between builds, keyed by content hash.
    pub fn with_cache(mut self, dir: std::path::PathBuf) -> Self {
        self.cache = Some(Cached {
            cache: cache::DownloadCache::new(dir),
            binary: crate::build::inputs::binary_identity(),
            pdf: std::sync::OnceLock::new(),
        });
        self
    }

    /// Remove the cached files this exporter did not use (call after a complete build).
    pub fn prune_cache(&self) -> usize {
        self.cache.as_ref().map_or(0, |c| c.cache.prune())
    }

    /// One typeset document of a report, from the cache when its inputs are unchanged.
    fn document(
        &self,
        kind: &str,
        report: &Report,
        org_name: &str,
        make: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        let Some(c) = &self.cache else {
            return make();
        };
        let specific = match (kind, &self.pdf) {
            ("pdf", Some(engine)) => c.pdf.get_or_init(|| engine.identity()).clone(),
            ("docx", _) => format!("{:?}", self.docx_style),
            _ => String::new(),
        };
        let year = report.year.to_le_bytes();
        // the tables' values: a comment in tables.toml remakes no document
        let tables = report.tables.values_sha256();
        let key = cache::key(&[
            c.binary.as_bytes(),
            kind.as_bytes(),
            specific.as_bytes(),
            report.org.as_bytes(),
            &year,
            org_name.as_bytes(),
            report.title.as_bytes(),
            report.markdown.text.as_bytes(),
            &tables,
        ]);
        c.cache.get_or_make(&key, kind, make)
    }

    /// `downloads/<year>.zip` of these files, from the cache when they are the same.
    pub fn year_zip(
        &self,
        year: u16,
        files: &[&crate::output::OutputFile],
    ) -> Result<crate::output::OutputFile> {
        let Some(c) = &self.cache else {
            return archive::year_zip(year, files);
        };
        let hashes: Vec<String> = files
            .iter()
            .flat_map(|f| [f.path.clone(), crate::output::sha256_hex(&f.bytes)])
            .collect();
        let year_bytes = year.to_le_bytes();
        let mut parts: Vec<&[u8]> = vec![c.binary.as_bytes(), b"zip", &year_bytes];
        parts.extend(hashes.iter().map(|h| h.as_bytes()));
        let key = cache::key(&parts);
        let bytes = c.cache.get_or_make(&key, "zip", || {
            archive::year_zip(year, files).map(|z| Arc::unwrap_or_clone(z.bytes))
        })?;
        Ok(crate::output::OutputFile::new(
            format!("downloads/{year}.zip"),
            bytes,
        ))
    }

    /// Every download of a report: the documents (unless disabled), then the data.
    pub fn downloads(&self, report: &Report, org_name: &str) -> Result<Vec<Download>> {
        let stem = stem(report);
        let mut out = Vec::new();
        if let Some(engine) = &self.pdf {
            for (kind, label) in DOCUMENTS {
                let at = format!("{}/{} 的 {kind}", report.org, report.year);
                let bytes = self
                    .document(kind, report, org_name, || match kind {
                        "pdf" => engine.render(report, org_name),
                        "docx" => docx::report_docx(report, org_name, &self.docx_style),
                        _ => xlsx::report_xlsx(report, org_name),
                    })
                    .context(at)?;
                out.push(Download {
                    file: format!("{stem}.{kind}"),
                    label: label.into(),
                    kind,
                    bytes,
                });
            }
        }
        out.push(Download {
            file: format!("{stem}.json"),
            label: "数据（JSON）".into(),
            kind: "json",
            bytes: json::report_json(report, org_name).into_bytes(),
        });
        for (table, label, bytes) in csv::report_csvs(&report.tables) {
            out.push(Download {
                file: csv_name(&stem, &table),
                label: format!("{label}（CSV）"),
                kind: "csv",
                bytes,
            });
        }
        Ok(out)
    }
}

/// The typeset documents, in the order pages list them: (extension, label).
const DOCUMENTS: [(&str, &str); 3] = [
    ("pdf", "PDF 版"),
    ("docx", "Word 版"),
    ("xlsx", "统计表（Excel）"),
];

/// The typeset documents (extension, label) in the order pages list them.
pub fn documents() -> &'static [(&'static str, &'static str)] {
    &DOCUMENTS
}

/// `<org>-<year>`, the stem of every download's file name.
fn stem(report: &Report) -> String {
    format!("{}-{}", report.org, report.year)
}

fn csv_name(stem: &str, table: &str) -> String {
    format!("{stem}-{table}.csv")
}

/// The file names of a report's downloads (documents included), without producing them.
pub fn download_names(report: &Report) -> Vec<String> {
    let stem = stem(report);
    let mut out: Vec<String> = DOCUMENTS
        .iter()
        .map(|(kind, _)| format!("{stem}.{kind}"))
        .collect();
    out.push(format!("{stem}.json"));
    out.extend(
        csv::table_keys(&report.tables)
            .into_iter()
            .map(|k| csv_name(&stem, k)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn download_names_are_the_files_produced() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let site = crate::content::load_site(root).site.unwrap();
        let theme = Theme::load(root, &site.config.theme).unwrap();
        let exporter = Exporter::new(&theme, true, &site.config.fonts).unwrap();
        for r in &site.reports {
            let produced: Vec<String> = exporter
                .downloads(r, "x")
                .unwrap()
                .into_iter()
                .map(|d| d.file)
                .collect();
            assert_eq!(produced, download_names(r));
        }
    }
}
