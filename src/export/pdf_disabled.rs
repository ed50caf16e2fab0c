//! The PDF exporter when nianbao is compiled without the `pdf` feature (no typst): the same
//! interface, and every PDF asked for is a clear error instead.

use crate::content::Report;
use anyhow::{Result, bail};

/// The message given whenever a PDF is wanted from a build without typst.
pub const NOT_INCLUDED: &str = "此版本未包含 PDF 生成（编译时未启用 pdf 功能）";

/// Stands in for the typst engine; holds nothing.
pub struct PdfEngine;

impl PdfEngine {
    /// Succeeds so that the other downloads (Word, Excel, data) are still produced.
    pub fn new(_template: &str, _config: &crate::config::FontsConfig) -> Result<Self> {
        Ok(PdfEngine)
    }

    pub fn identity(&self) -> String {
        "pdf-not-included".to_string()
    }

    pub fn render(&self, _report: &Report, _org_name: &str) -> Result<Vec<u8>> {
        bail!(NOT_INCLUDED)
    }
}
