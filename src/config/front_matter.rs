//! A report's front matter: TOML between `+++` lines at the top of report.md.

use super::toml_doc::{self, Date, TableReader};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity, SourceFile, rule};
use std::ops::Range;

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub published: Option<Date>,
    pub index_number: Option<String>,
    pub archived: bool,
    /// Optional; when given it must match the report's folder.
    pub year: Option<u16>,
    /// A 本级政府 report compiled from other organisations' reports: their folder names, each
    /// with its byte range in report.md. `check` compares the tables with their sum.
    #[serde(skip)]
    pub summary_of: Option<Vec<(String, Range<usize>)>>,
}

const FRONT_KEYS: &[&str] = &[
    "title",
    "published",
    "index_number",
    "archived",
    "year",
    "summary_of",
];

/// report.md split: the front matter text and its byte offset (if any), the body, and the
/// body's byte offset.
pub type Split<'a> = (Option<(&'a str, usize)>, &'a str, usize);

/// Split report.md into front matter and body. A file without a leading `+++` line has no
/// front matter; an unterminated one is an error at the given offset.
pub fn split_front_matter(text: &str) -> Result<Split<'_>, usize> {
    let first_end = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
    if text[..first_end].trim_end() != "+++" {
        return Ok((None, text, 0));
    }
    let mut pos = first_end;
    while pos < text.len() {
        let end = text[pos..]
            .find('\n')
            .map(|i| pos + i + 1)
            .unwrap_or(text.len());
        if text[pos..end].trim_end() == "+++" {
            return Ok((Some((&text[first_end..pos], first_end)), &text[end..], end));
        }
        pos = end;
    }
    Err(0)
}

impl FrontMatter {
    /// Parse the front matter of `src` (a report.md). Returns the front matter (defaults when
    /// absent or unusable), the body's byte offset, and diagnostics.
    pub fn parse(src: &SourceFile) -> (Option<FrontMatter>, usize, Diagnostics) {
        let text = src.text.as_str();
        let (front, _body, body_offset) = match split_front_matter(text) {
            Ok(parts) => parts,
            Err(at) => {
                let d = Diagnostic::at(
                    Severity::Error,
                    rule::SYNTAX,
                    src,
                    at,
                    "front matter 没有结束：第一行的 +++ 之后缺少另一行 +++",
                );
                return (None, 0, Diagnostics::from_iter([d]));
            }
        };
        let Some((fm_text, offset)) = front else {
            return (
                Some(FrontMatter::default()),
                body_offset,
                Diagnostics::new(),
            );
        };
        let doc = match toml_doc::parse(src, fm_text, offset) {
            Ok(doc) => doc,
            Err(d) => return (None, body_offset, Diagnostics::from_iter([d])),
        };
        let mut r = TableReader::new(src, offset, &doc, "", FRONT_KEYS);
        let fm = FrontMatter {
            title: r.string("title").filter(|s| !s.trim().is_empty()),
            published: r.date("published"),
            index_number: r.string("index_number").filter(|s| !s.trim().is_empty()),
            archived: r.bool("archived").unwrap_or(false),
            year: r.year("year"),
            summary_of: r.string_list("summary_of").map(|list| {
                list.into_iter()
                    .map(|(s, span)| (s, span.start + offset..span.end + offset))
                    .collect()
            }),
        };
        (Some(fm), body_offset, r.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_parses() {
        let text =
            "+++\ntitle = \"T\"\npublished = 2025-01-20\narchived = true\n+++\n\n## 一、总体情况\n";
        let src = SourceFile::new("report.md", text.to_string());
        let (fm, body, d) = FrontMatter::parse(&src);
        assert!(d.is_empty(), "{d:?}");
        let fm = fm.unwrap();
        assert!(fm.archived);
        assert_eq!(fm.title.as_deref(), Some("T"));
        assert_eq!(&text[body..], "\n## 一、总体情况\n");
    }

    #[test]
    fn summary_of_lists_organisations_with_positions() {
        let text = "+++\nsummary_of = [\"a\", \"b-c\"]\n+++\nbody";
        let src = SourceFile::new("report.md", text.to_string());
        let (fm, _, d) = FrontMatter::parse(&src);
        assert!(d.is_empty(), "{d:?}");
        let list = fm.unwrap().summary_of.unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].0, "b-c");
        assert_eq!(&text[list[1].1.clone()], "\"b-c\"");
        let src = SourceFile::new("report.md", "+++\nsummary_of = [\"a\", 2]\n+++\n".into());
        let (_, _, d) = FrontMatter::parse(&src);
        let d: Vec<_> = d.into_vec();
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].line, d[0].column), (2, 20));
    }

    #[test]
    fn crlf_and_no_front_matter() {
        let (front, body, _) = split_front_matter("+++\r\ntitle = \"x\"\r\n+++\r\nbody").unwrap();
        assert_eq!(front.unwrap().0, "title = \"x\"\r\n");
        assert_eq!(body, "body");
        let (front, body, off) = split_front_matter("# 标题\n").unwrap();
        assert!(front.is_none());
        assert_eq!((body, off), ("# 标题\n", 0));
    }

    #[test]
    fn errors_point_into_the_file() {
        let text = "+++\ntitle = \"T\"\npublished = \"2025-01-20\"\n+++\nbody";
        let src = SourceFile::new("report.md", text.to_string());
        let (_, _, d) = FrontMatter::parse(&src);
        let d: Vec<_> = d.into_vec();
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].line, d[0].column), (3, 13));
        let src = SourceFile::new("report.md", "+++\ntitle = 1\n".to_string());
        let (fm, _, d) = FrontMatter::parse(&src);
        assert!(fm.is_none());
        assert!(d.iter().next().unwrap().message.contains("+++"));
    }
}
