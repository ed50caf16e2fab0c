//! Printing diagnostics for people (text with a caret) and for CI (JSON).

use super::{Diagnostic, Diagnostics, Severity};
use std::fmt::Write;

/// Whether to colour the text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Colour,
}

impl Style {
    /// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    pub fn for_stderr() -> Self {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if !no_color && std::io::stderr().is_terminal() {
            Style::Colour
        } else {
            Style::Plain
        }
    }
}

fn paint(style: Style, code: &str, text: &str) -> String {
    match style {
        Style::Plain => text.to_string(),
        Style::Colour => format!("\x1b[{code}m{text}\x1b[0m"),
    }
}

/// One diagnostic: the headline, then the source line with a caret under the column.
pub fn render_one(d: &Diagnostic, style: Style) -> String {
    let (code, word) = match d.severity {
        Severity::Error => ("1;31", "error"),
        Severity::Warning => ("1;33", "warning"),
    };
    let mut out = format!(
        "{}: {}: {}\n",
        paint(style, "1", &d.location()),
        paint(style, code, &format!("{word}[{}]", d.rule)),
        d.message
    );
    if let Some(line) = &d.source_line {
        let gutter = d.line.to_string();
        let pad: String = " ".repeat(gutter.len());
        // The caret sits under the column; wide (CJK) characters take two cells on a terminal.
        let before: usize = line
            .chars()
            .take(d.column.saturating_sub(1))
            .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
            .sum();
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{gutter} | {line}");
        let _ = writeln!(
            out,
            "{pad} | {}{}",
            " ".repeat(before),
            paint(style, code, "^")
        );
    }
    out
}

/// Every diagnostic, in order.
pub fn render_text(diags: &Diagnostics, style: Style) -> String {
    diags.iter().map(|d| render_one(d, style)).collect()
}

/// `N 个错误，M 个警告，共检查 K 份报告` — counts for the summary line.
pub fn summary_line(diags: &Diagnostics, reports: usize) -> String {
    format!(
        "{} errors, {} warnings in {} reports（{} 个错误，{} 个警告，共 {} 份报告）",
        diags.error_count(),
        diags.warning_count(),
        reports,
        diags.error_count(),
        diags.warning_count(),
        reports
    )
}

/// A JSON array of objects with file, line, column, severity, rule, message.
pub fn render_json(diags: &Diagnostics) -> String {
    let items: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            serde_json::json!({
                "file": d.file.to_string_lossy().replace('\\', "/"),
                "line": d.line,
                "column": d.column,
                "severity": d.severity.as_str(),
                "rule": d.rule,
                "message": d.message,
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceFile;

    #[test]
    fn text_has_location_rule_and_caret() {
        let src = SourceFile::new(
            "content/a/2024/tables.toml",
            "x = 1\nreceived = [1, 2]\n".into(),
        );
        let d = Diagnostic::at(Severity::Error, "R2", &src, 18, "表三…");
        let text = render_one(&d, Style::Plain);
        assert!(
            text.starts_with("content/a/2024/tables.toml:2:13: error[R2]: 表三…\n"),
            "{text}"
        );
        assert!(text.ends_with("  |             ^\n"), "{text:?}");
    }

    #[test]
    fn json_is_an_array_of_objects() {
        let mut ds = Diagnostics::new();
        ds.push(Diagnostic::file(
            Severity::Warning,
            "layout",
            "content/x",
            "m",
        ));
        let v: serde_json::Value = serde_json::from_str(&render_json(&ds)).unwrap();
        assert_eq!(v[0]["severity"], "warning");
        assert_eq!(v[0]["rule"], "layout");
        assert_eq!(v[0]["line"], 0);
    }
}
