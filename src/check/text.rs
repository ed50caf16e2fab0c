//! The narrative as the checks see it: blocks of text with a map back to byte offsets in
//! report.md, the heading each block sits under, and every link and marker.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// A paragraph, list item, heading or table cell's text.
#[derive(Debug, Default)]
pub struct Block {
    pub text: String,
    /// (offset in `text`, offset in the body) at the start of each text run.
    map: Vec<(usize, usize)>,
    /// The nearest heading above the block.
    pub heading: String,
    /// The text of the section heading (一、… 六、) above the block.
    pub section: Option<usize>,
}

impl Block {
    /// The body offset of a byte offset in `text`.
    pub fn source_offset(&self, at: usize) -> usize {
        let i = self
            .map
            .partition_point(|(t, _)| *t <= at)
            .saturating_sub(1);
        match self.map.get(i) {
            Some((t, s)) => s + (at - t),
            None => 0,
        }
    }
}

#[derive(Debug)]
pub struct Link {
    pub dest: String,
    /// Byte range in the body.
    pub range: Range<usize>,
}

#[derive(Debug, Default)]
pub struct NarrativeText {
    pub blocks: Vec<Block>,
    pub links: Vec<Link>,
    /// HTML blocks (markers, comments), with their ranges.
    pub html_blocks: Vec<(String, Range<usize>)>,
}

/// Walk the Markdown body and collect its text with positions.
pub fn extract(body: &str) -> NarrativeText {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    let mut out = NarrativeText::default();
    let mut cur = Block::default();
    let mut heading = String::new();
    let mut section = None;
    let mut in_heading = false;
    let mut html: Option<(String, Range<usize>)> = None;
    let flush =
        |cur: &mut Block, out: &mut NarrativeText, heading: &str, section: Option<usize>| {
            if !cur.text.trim().is_empty() {
                let mut b = std::mem::take(cur);
                b.heading = heading.to_string();
                b.section = section;
                out.blocks.push(b);
            } else {
                *cur = Block::default();
            }
        };
    for (ev, range) in Parser::new_ext(body, opts).into_offset_iter() {
        match ev {
            Event::Start(Tag::Heading { .. }) => {
                flush(&mut cur, &mut out, &heading, section);
                in_heading = true;
            }
            Event::End(TagEnd::Heading(_)) => {
                in_heading = false;
                heading = cur.text.trim().to_string();
                if let Some(s) = crate::render::markdown::section_of(&heading) {
                    section = Some(s);
                }
                flush(&mut cur, &mut out, &heading, section);
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                out.links.push(Link {
                    dest: dest_url.to_string(),
                    range: range.clone(),
                });
            }
            Event::Start(Tag::HtmlBlock) => html = Some((String::new(), range.clone())),
            Event::Html(t) => {
                if let Some((s, _)) = html.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::End(TagEnd::HtmlBlock) => {
                if let Some(h) = html.take() {
                    out.html_blocks.push(h);
                }
            }
            Event::Text(t) | Event::Code(t) => {
                let src = &body[range.clone()];
                // a text run maps to its source when it is written as is (no escapes)
                let start = if src == &*t {
                    range.start
                } else {
                    src.find(&*t).map_or(range.start, |i| range.start + i)
                };
                cur.map.push((cur.text.len(), start));
                cur.text.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak => {
                cur.map.push((cur.text.len(), range.start));
                cur.text.push('\n');
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) if !in_heading => {
                flush(&mut cur, &mut out, &heading, section);
            }
            _ => {}
        }
    }
    flush(&mut cur, &mut out, &heading, section);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_know_their_heading_and_source() {
        let body = "## 一、总体情况\n\n### （二）依申请公开情况\n\n收到申请**1**件。\n\n[附件](files/a.pdf)\n";
        let n = extract(body);
        assert_eq!(n.blocks.len(), 4, "{:?}", n.blocks);
        let b = &n.blocks[2];
        assert_eq!(b.text, "收到申请1件。");
        assert_eq!(b.heading, "（二）依申请公开情况");
        assert_eq!(b.section, Some(1));
        let one = b.text.find('1').unwrap();
        assert_eq!(&body[b.source_offset(one)..b.source_offset(one) + 1], "1");
        assert_eq!(n.links[0].dest, "files/a.pdf");
    }
}
