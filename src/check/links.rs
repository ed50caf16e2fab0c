//! Links and images in the narrative that point inside the site must resolve.

use super::text::NarrativeText;
use crate::content::Report;
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::serve::paths::percent_decode;
use std::collections::HashSet;

pub const RULE: &str = "link";

/// Check every relative link of a report against the site's output paths.
pub fn check(report: &Report, text: &NarrativeText, outputs: &HashSet<String>) -> Diagnostics {
    let mut out = Diagnostics::new();
    let dir = format!("{}/{}", report.year, report.org);
    for link in &text.links {
        let dest = link.dest.trim();
        if dest.is_empty()
            || dest.starts_with('#')
            || dest.contains("://")
            || dest.starts_with("mailto:")
            || dest.starts_with("tel:")
            || dest.starts_with("data:")
        {
            continue;
        }
        let at = report.body_offset + link.range.start;
        if dest.starts_with('/') {
            out.push(Diagnostic::at(
                Severity::Warning,
                RULE,
                &report.markdown,
                at,
                format!("链接 {dest} 以 / 开头：网站放在子路径下时会失效，请改用相对链接"),
            ));
            continue;
        }
        let path = dest.split(['#', '?']).next().unwrap_or("");
        let Some(decoded) = percent_decode(path) else {
            out.push(Diagnostic::at(
                Severity::Warning,
                RULE,
                &report.markdown,
                at,
                format!("链接 {dest} 的写法有误"),
            ));
            continue;
        };
        let mut parts: Vec<&str> = dir.split('/').collect();
        let mut escaped = false;
        for seg in decoded.split('/') {
            match seg {
                "" | "." => {}
                ".." => escaped |= parts.pop().is_none(),
                s => parts.push(s),
            }
        }
        let target = parts.join("/");
        let found = !escaped
            && (outputs.contains(&target)
                || outputs.contains(&format!("{target}/index.html"))
                || outputs.contains(&format!("{}index.html", target)));
        if !found {
            out.push(Diagnostic::at(
                Severity::Warning,
                RULE,
                &report.markdown,
                at,
                format!("链接 {dest} 指向的文件不存在（附件请放在报告文件夹的 files/ 中，并写作 files/文件名）"),
            ));
        }
    }
    out
}
