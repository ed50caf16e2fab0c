//! Diagnostics: every problem found in a site, with its file, position and rule id.
//!
//! Messages are in Chinese (official labels verbatim); rule ids are ASCII. The text form is
//! `path:line:col: error[ID]: message`, followed by the offending source line and a caret.

mod print;
mod source;

pub use print::{Style, render_json, render_text, summary_line};
pub use source::SourceFile;

use std::ops::Range;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Stable rule ids. R1–R6 are the national format's rules (national-format.md).
pub mod rule {
    /// The file is not valid TOML / UTF-8, or cannot be read.
    pub const SYNTAX: &str = "syntax";
    /// A key, type, row length or value does not fit the schema.
    pub const SCHEMA: &str = "schema";
    /// A file or folder the layout needs is missing or misnamed.
    pub const LAYOUT: &str = "layout";
    /// A rule could not be applied to a cell holding text.
    pub const TEXT_CELL: &str = "text-cell";
    pub const R1: &str = "R1";
    pub const R2: &str = "R2";
    pub const R3: &str = "R3";
    pub const R4: &str = "R4";
    /// A file was read, but not in the encoding it should be saved in (GBK instead of UTF-8).
    pub const ENCODING: &str = "encoding";
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub rule: &'static str,
    /// Path relative to the site root, with `/` separators when printed.
    pub file: PathBuf,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The source line the position points into, for the caret display.
    #[serde(skip)]
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A diagnostic about a whole file (or folder), without a position.
    pub fn file(
        severity: Severity,
        rule: &'static str,
        file: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            rule,
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
            source_line: None,
        }
    }

    /// A diagnostic at a byte offset of a source file.
    pub fn at(
        severity: Severity,
        rule: &'static str,
        src: &SourceFile,
        offset: usize,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = src.line_col(offset);
        Diagnostic {
            severity,
            rule,
            file: src.path.clone(),
            line,
            column,
            message: message.into(),
            source_line: src.line_text(line).map(str::to_owned),
        }
    }

    /// A diagnostic at the start of a span (if any) of a source file.
    pub fn at_span(
        severity: Severity,
        rule: &'static str,
        src: &SourceFile,
        span: Option<&Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        match span {
            Some(s) => Self::at(severity, rule, src, s.start, message),
            None => Self::file(severity, rule, src.path.clone(), message),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `path:line:col` (or just `path` without a position), `/`-separated on every platform.
    pub fn location(&self) -> String {
        let path = self.file.to_string_lossy().replace('\\', "/");
        if self.line == 0 {
            path
        } else {
            format!("{path}:{}:{}", self.line, self.column)
        }
    }
}

/// An ordered collection of diagnostics.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }
    /// Sort by file, then position, so output is stable whatever order checks ran in.
    pub fn sort(&mut self) {
        self.items
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    }
    /// Every error becomes a warning (archived reports are records, published as written).
    pub fn downgrade_errors(&mut self) {
        for d in &mut self.items {
            d.severity = Severity::Warning;
        }
    }
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<T: IntoIterator<Item = Diagnostic>>(iter: T) -> Self {
        Diagnostics {
            items: iter.into_iter().collect(),
        }
    }
}
