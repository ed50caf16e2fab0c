//! The narrative as Markdown: the six section headings as `##` headings, sub-items kept with
//! their numbering, page furniture and page-number lines dropped, tables replaced by their
//! markers. Every character of text is escaped, so no markup of the source (raw HTML, links,
//! images) can reach content/.

use super::model::{Block, Document, Table};
use super::text;
use crate::render::markdown::section_of;

/// Lines that are page furniture, not report text.
fn is_furniture(line: &str) -> bool {
    let k = text::key(line).replace('：', ":");
    let k = k.trim_matches(['【', '】', '[', ']', '|', '.', '"']);
    if k.is_empty() {
        return true;
    }
    const EXACT: &[&str] = &[
        "打印",
        "关闭",
        "打印本页",
        "关闭窗口",
        "返回顶部",
        "分享到",
        "分享",
        "收藏",
        "扫一扫在手机打开当前页",
        "扫一扫",
        "字号",
        "大中小",
        "字体",
        "返回",
        "上一篇",
        "下一篇",
        "【打印】【关闭】",
        "打印】【关闭",
    ];
    if EXACT.contains(&k) {
        return true;
    }
    if [
        "字号:",
        "字体:",
        "分享到:",
        "上一篇",
        "下一篇",
        "相关链接",
        "【字体",
    ]
    .iter()
    .any(|p| k.starts_with(p))
    {
        return true;
    }
    if (k.contains("打印") && k.contains("关闭") && k.chars().count() <= 16)
        || (k.contains("扫一扫") && k.chars().count() <= 20)
    {
        return true;
    }
    // the article's information bar: 索引号 / 发布机构 / 发布日期 / 来源 / 浏览次数 on one line
    let labels = [
        "索引号",
        "发布机构",
        "发布日期",
        "发布时间",
        "来源:",
        "浏览次数",
        "点击数",
        "信息来源",
    ];
    if labels.iter().filter(|l| k.contains(*l)).count() >= 2 {
        return true;
    }
    is_page_number(k)
}

/// `- 1 -`, `—2—`, `第 1 页 共 3 页`, `1/3`, a lone number.
fn is_page_number(k: &str) -> bool {
    // compiled once: compiling it per paragraph made imports of long pages take minutes
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^(?:[-—–]*\d{1,3}[-—–]*|第\d{1,3}页(?:[,，]?共\d{1,3}页)?|\d{1,3}/\d{1,3}|共\d{1,3}页)$",
        )
        .expect("page number pattern")
    });
    RE.is_match(k)
}

/// Escape text so Markdown shows it verbatim: no emphasis, links, HTML or list markers.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '!' | '#' | '$'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    // a line starting with a list marker, heading or rule
    let first = out.chars().next();
    if matches!(first, Some('-' | '+' | '=' | ':')) {
        out.insert(0, '\\');
    }
    let digits = out.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && matches!(out.as_bytes().get(digits), Some(b'.' | b')')) {
        out.insert(digits, '\\');
    }
    out
}

/// A paragraph that is one of the six section headings (in order, after the previous one).
fn section_heading(text: &str, last: usize) -> Option<usize> {
    let chars = text.chars().count();
    if chars > 40 || text.ends_with('。') {
        return None;
    }
    let n = section_of(text)?;
    // the heading's own words, so a numbered sub-item 「三、加强培训」 is not taken for one
    const WORDS: [&str; 6] = ["总体情况", "主动公开", "申请", "复议", "问题", "其他"];
    (n > last && text.contains(WORDS[n - 1])).then_some(n)
}

/// What the narrative writer needs to know about each table.
pub enum TableMark {
    /// A national table: its marker, e.g. `表三` (a table split in parts is marked once).
    National(String),
    /// A custom table (format "custom"): its number.
    Custom(usize),
    /// Not recognised in a national-format report: kept as a Markdown table to review.
    Inline,
}

/// The report body.
pub struct Narrative {
    pub markdown: String,
    /// Sections found (1–6).
    pub sections: Vec<usize>,
    pub dropped_lines: usize,
}

fn pipe_table(t: &Table) -> String {
    let grid = t.grid();
    let mut lines = Vec::new();
    for (r, row) in grid.slots.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, slot)| match slot {
                Some(o) if grid.slots[r].get(c.wrapping_sub(1)) != Some(slot) || c == 0 => {
                    let above = r > 0 && grid.slots[r - 1][c] == Some(*o);
                    if above {
                        String::new()
                    } else {
                        escape(&t.cell(*o).text)
                    }
                }
                _ => String::new(),
            })
            .collect();
        lines.push(format!("| {} |", cells.join(" | ")));
        if r == 0 {
            lines.push(format!("|{}", " --- |".repeat(grid.width.max(1))));
        }
    }
    lines.join("\n")
}

/// Write the body: `title` (already in the front matter) is not repeated.
pub fn markdown(doc: &Document, marks: &[TableMark], title: Option<&str>) -> Narrative {
    let mut out: Vec<String> = Vec::new();
    let mut last = 0;
    let mut sections = Vec::new();
    let mut dropped = 0;
    let mut tables = marks.iter();
    let mut marked: Vec<String> = Vec::new();
    // the source's heading level of the section headings: sub-headings nest below them
    let mut section_level: Option<u8> = None;
    let title_key = title.map(text::key);
    for block in &doc.blocks {
        match block {
            Block::Para(p) => {
                if is_furniture(&p.text) {
                    dropped += 1;
                    continue;
                }
                if last == 0 && title_key.as_deref() == Some(text::key(&p.text).as_str()) {
                    continue;
                }
                if let Some(n) = section_heading(&p.text, last) {
                    last = n;
                    section_level = section_level.or(p.heading);
                    sections.push(n);
                    out.push(format!("## {}", escape(&p.text)));
                    continue;
                }
                match p.heading {
                    Some(level) if p.text.chars().count() <= 60 && last > 0 => {
                        let depth = match section_level {
                            Some(s) if level > s => 2 + (level - s) as usize,
                            _ => 3,
                        };
                        let hashes = "#".repeat(depth.clamp(3, 6));
                        out.push(format!("{hashes} {}", escape(&p.text)));
                    }
                    _ => out.push(escape(&p.text)),
                }
            }
            Block::Table(t) => match tables.next() {
                Some(TableMark::National(name)) => {
                    if !marked.contains(name) {
                        out.push(format!("<!-- {name} -->"));
                        marked.push(name.clone());
                    }
                }
                Some(TableMark::Custom(n)) => out.push(format!("<!-- 表{n} -->")),
                Some(TableMark::Inline) | None => out.push(pipe_table(t)),
            },
        }
    }
    let mut markdown = out.join("\n\n");
    markdown.push('\n');
    Narrative {
        markdown,
        sections,
        dropped_lines: dropped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (fuzz target import_html, RELIABILITY.md): the page-number pattern was
    /// compiled once per paragraph, about 2.5 ms each; a page of 8 000 short paragraphs took
    /// 24 s to import. Compiled once, 20 000 paragraphs take milliseconds.
    #[test]
    fn many_paragraphs_import_in_bounded_time() {
        let mut doc = Document::default();
        for i in 0..20_000 {
            doc.para(format!("第{i}段文字，政府信息公开。"), None);
        }
        let started = std::time::Instant::now();
        let n = markdown(&doc, &[], None);
        let took = started.elapsed();
        assert_eq!(n.markdown.lines().filter(|l| !l.is_empty()).count(), 20_000);
        assert!(took.as_secs_f64() < 2.0, "20 000 paragraphs took {took:?}");
    }

    #[test]
    fn furniture_and_page_numbers() {
        for f in [
            "【打印】【关闭】",
            "- 2 -",
            "第 1 页 共 3 页",
            "3/5",
            "扫一扫在手机打开当前页",
            "字号：大 中 小",
        ] {
            assert!(is_furniture(f), "{f}");
        }
        assert!(is_furniture(
            "索引号：X-1 发布机构：测试镇 发布日期：2025-01-20"
        ));
        for t in ["一、总体情况", "全年公开信息12条。", "2025年1月20日"] {
            assert!(!is_furniture(t), "{t}");
        }
    }

    #[test]
    fn escaping_defuses_markup() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "\\<script\\>alert(1)\\</script\\>"
        );
        assert_eq!(escape("[链接](http://x)"), "\\[链接\\](http://x)");
        assert_eq!(escape("1. 第一项"), "1\\. 第一项");
        assert_eq!(escape("- 项目"), "\\- 项目");
        assert_eq!(escape("（一）主动公开"), "（一）主动公开");
    }

    #[test]
    fn sub_headings_nest_below_the_sections() {
        use crate::import::model::{Document, Paragraph};
        let para = |t: &str, h: Option<u8>| {
            Block::Para(Paragraph {
                text: t.into(),
                heading: h,
            })
        };
        let doc = Document {
            meta: Default::default(),
            blocks: vec![
                para("某镇2024年政府信息公开工作年度报告", Some(1)),
                para("一、总体情况", Some(2)),
                para("（一）主动公开情况", Some(3)),
                para("正文。", None),
            ],
        };
        let n = markdown(&doc, &[], Some("某镇2024年政府信息公开工作年度报告"));
        assert_eq!(
            n.markdown,
            "## 一、总体情况\n\n### （一）主动公开情况\n\n正文。\n"
        );
    }

    #[test]
    fn sections_in_order_only() {
        assert_eq!(section_heading("一、总体情况", 0), Some(1));
        assert_eq!(section_heading("二、主动公开政府信息情况", 1), Some(2));
        // a numbered sub-item inside section 五 is not a section heading
        assert_eq!(section_heading("一、加强培训", 5), None);
        assert_eq!(section_heading("三、加强培训", 2), None);
        assert_eq!(
            section_heading("四、政府信息公开行政复议和行政诉讼情况", 3),
            Some(4)
        );
        assert_eq!(section_heading("（一）主动公开", 1), None);
    }
}
