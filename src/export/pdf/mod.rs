//! `<org>-<year>.pdf`: the report typeset by typst, in-process, like the paper document
//! (GB/T 9704-2012 in spirit). The layout is the theme's `pdf/report.typ`, which reads the
//! report from `data.json`: the narrative as blocks and every table as its printed grid
//! ([`crate::tables::grid`]). Text is data, never typst markup, so nothing needs escaping.
//!
//! Archival by default: PDF/A-2b, tagged (PDF/A needs a date: a draft without `published`
//! is a plain tagged PDF), fonts embedded and subset, title, author and date
//! in the metadata, a document id derived from the organisation and year, no build timestamp.

mod fonts;
mod system_fonts;
mod world;

use crate::content::Report;
use crate::render::markdown::{DocBlock, document, table_slots};
use crate::tables::grid::report_grids;
use anyhow::{Result, anyhow, bail};
use serde_json::json;
use typst::WorldExt;
use typst::diag::Severity as TypstSeverity;
use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};
use world::{ReportWorld, Shared};

/// Typesets reports; load once per build (fonts are parsed once) and share across threads.
pub struct PdfEngine {
    shared: Shared,
    template: String,
    /// Family names for the template's roles (title, body, heading, subheading), each
    /// followed by the embedded fallbacks.
    families: serde_json::Value,
}

const SERIF: &str = "Noto Serif CJK SC";
const SANS: &str = "Noto Sans CJK SC";

impl PdfEngine {
    /// An engine with the embedded fonts, plus any installed fonts site.toml names, and the
    /// theme's template.
    pub fn new(template: &str, config: &crate::config::FontsConfig) -> Result<Self> {
        let mut fonts = fonts::embedded();
        let requested: Vec<&str> = [
            &config.title,
            &config.body,
            &config.heading,
            &config.subheading,
        ]
        .into_iter()
        .filter_map(|f| f.as_deref())
        .collect();
        let mut found = Vec::new();
        if !requested.is_empty() {
            let f = system_fonts::find(&requested)?;
            fonts.extend(f.fonts);
            found = f.families;
        }
        let role = |name: &Option<String>, default: &str| {
            let mut list: Vec<String> = Vec::new();
            if let Some(n) = name
                && let Some((_, family)) = found.iter().find(|(r, _)| r == n)
            {
                list.push(family.clone());
            }
            list.push(default.to_string());
            if default != SERIF {
                list.push(SERIF.to_string());
            }
            list
        };
        let families = json!({
            "title": role(&config.title, SERIF),
            "body": role(&config.body, SERIF),
            "heading": role(&config.heading, SANS),
            "subheading": role(&config.subheading, SERIF),
        });
        Ok(PdfEngine {
            shared: Shared::new(fonts),
            template: template.to_string(),
            families,
        })
    }

    /// An engine with exactly the given fonts (tests, experiments).
    pub fn with_fonts(template: &str, fonts: Vec<typst::text::Font>) -> Self {
        PdfEngine {
            shared: Shared::new(fonts),
            template: template.to_string(),
            families: json!({
                "title": [SERIF], "body": [SERIF], "heading": [SANS, SERIF], "subheading": [SERIF],
            }),
        }
    }

    /// What, besides the report, decides the PDF: the template, the font roles and the bytes
    /// of every font (embedded and installed), hashed (the download cache's key).
    pub fn identity(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.template.as_bytes());
        h.update(self.families.to_string().as_bytes());
        for f in &self.shared.fonts {
            let data: &[u8] = f.data();
            h.update((data.len() as u64).to_le_bytes());
            h.update(data);
            h.update(f.index().to_le_bytes());
        }
        format!("{:x}", h.finalize())
    }

    /// The report as the template's `data.json`.
    fn data(&self, report: &Report, org_name: &str) -> serde_json::Value {
        let blocks: Vec<serde_json::Value> = document(report.body(), &table_slots(&report.tables))
            .into_iter()
            .map(|b| match b {
                DocBlock::Heading { level, text } => json!({"kind": "heading", "level": level, "text": text}),
                DocBlock::Paragraph(runs) => json!({
                    "kind": "paragraph",
                    "runs": runs.iter().map(|r| json!({"text": r.text, "bold": r.bold, "italic": r.italic})).collect::<Vec<_>>(),
                }),
                DocBlock::Table(i) => json!({"kind": "table", "table": i}),
            })
            .collect();
        let published = report.front.published;
        json!({
            "title": report.title,
            "org_name": org_name,
            "year": report.year,
            "published": published.map(|d| d.chinese()),
            "date": published.map(|d| json!({"year": d.year, "month": d.month, "day": d.day})),
            "index_number": report.front.index_number,
            "format": report.tables.format_id(),
            "blocks": blocks,
            "grids": report_grids(&report.tables),
            "fonts": self.families,
        })
    }

    /// Typeset one report.
    pub fn render(&self, report: &Report, org_name: &str) -> Result<Vec<u8>> {
        let data = self.data(report, org_name);
        let missing = fonts::uncovered(&self.shared.fonts, &data.to_string());
        if !missing.is_empty() {
            let list: String = missing
                .iter()
                .map(|c| format!("「{c}」(U+{:04X}) ", *c as u32))
                .collect();
            bail!("内置字体缺少这些字符，无法生成 PDF：{list}");
        }
        let world = ReportWorld::new(&self.shared, &self.template, serde_json::to_vec(&data)?);
        let warned = typst::compile::<PagedDocument>(&world);
        let describe = |d: &typst::diag::SourceDiagnostic| {
            let line = world.range(d.span).map(|r| world.line_of(r.start));
            match line {
                Some(l) => format!("pdf/report.typ 第 {l} 行：{}", d.message),
                None => d.message.to_string(),
            }
        };
        // a missing font only warns in typst; here it is an error (the PDF would be wrong)
        let warnings: Vec<String> = warned
            .warnings
            .iter()
            .filter(|w| w.severity == TypstSeverity::Warning)
            .map(describe)
            .collect();
        if let Some(w) = warnings.iter().find(|w| w.contains("font")) {
            bail!("PDF 排版失败：{w}");
        }
        let doc = warned.output.map_err(|errs| {
            anyhow!(
                "PDF 排版失败：{}",
                errs.iter().map(describe).collect::<Vec<_>>().join("；")
            )
        })?;
        let timestamp = report
            .front
            .published
            .and_then(|d| Datetime::from_ymd(i32::from(d.year), d.month, d.day))
            .map(Timestamp::new_utc);
        let options = PdfOptions {
            ident: Smart::Custom(format!("nianbao:{}:{}", report.org, report.year)),
            creator: Smart::Custom(Some("nianbao".into())),
            // PDF/A needs the document's date: a report not yet given its publication date
            // (a draft) is a plain tagged PDF until it is
            standards: if timestamp.is_some() {
                PdfStandards::new(&[PdfStandard::A_2b])
                    .map_err(|e| anyhow!("PDF/A 设置有误：{e:?}"))?
            } else {
                PdfStandards::default()
            },
            tagged: true,
            timestamp,
            ..PdfOptions::default()
        };
        typst_pdf::pdf(&doc, &options).map_err(|errs| {
            anyhow!(
                "PDF 输出失败：{}",
                errs.iter().map(describe).collect::<Vec<_>>().join("；")
            )
        })
    }
}

#[cfg(test)]
mod tests;
