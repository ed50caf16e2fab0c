//! .html / .htm reader: the page is parsed with html5ever (via scraper), the report body is
//! found among the page furniture, and its paragraphs and tables (rowspan/colspan, numbers
//! split across spans, header cells written as <td>) go into the document model. Nothing of
//! the markup survives: only text is kept.

use super::model::{Block, Document, Meta, SourceCell, Table};
use super::text;
use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node, Selector};

/// Elements whose content is never report text.
const SKIP: &[&str] = &[
    "script", "style", "noscript", "iframe", "object", "embed", "input", "button", "select",
    "textarea", "nav", "template", "svg", "canvas", "video", "audio", "head", "title", "map",
    "img", "link", "meta",
];
/// Elements that end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "section",
    "article",
    "blockquote",
    "pre",
    "center",
    "header",
    "footer",
    "address",
    "dd",
    "dt",
    "dl",
    "tr",
    "td",
    "th",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "caption",
    "main",
    "aside",
    "hr",
    "body",
    "font",
];
/// Class or id fragments CMSs give the article body (TRS, Hanweb, …).
const KNOWN_BODIES: &[&str] = &[
    "trs_editor",
    "trs_ueditor",
    "custom_unionstyle",
    "article_content",
    "article-content",
    "bt_content",
    "zoom",
    "zwnr",
    "con_text",
    "wzcon",
    "ucapcontent",
    "xxgk_content",
];

fn hidden(e: &scraper::node::Element) -> bool {
    if e.attr("hidden").is_some() {
        return true;
    }
    e.attr("style").is_some_and(|s| {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let s = s.to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

fn skipped(e: &scraper::node::Element) -> bool {
    SKIP.contains(&e.name()) || hidden(e)
}

/// Nesting deeper than this is not followed (hostile pages; no report nests this deep).
const MAX_DEPTH: usize = 200;

/// Visible text length and link text length of a subtree.
fn measure(node: NodeRef<'_, Node>, in_link: bool, out: &mut (usize, usize)) {
    measure_at(node, in_link, out, 0)
}

fn measure_at(node: NodeRef<'_, Node>, in_link: bool, out: &mut (usize, usize), depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match node.value() {
        Node::Text(t) => {
            let n = t
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
                .count();
            out.0 += n;
            if in_link {
                out.1 += n;
            }
        }
        Node::Element(e) => {
            if skipped(e) {
                return;
            }
            let link = in_link || e.name() == "a";
            for c in node.children() {
                measure_at(c, link, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn content_len(node: NodeRef<'_, Node>) -> usize {
    let mut m = (0, 0);
    measure(node, false, &mut m);
    m.0.saturating_sub(m.1)
}

/// A table that lays out the page rather than holding data: it contains another table.
fn is_layout_table(e: ElementRef<'_>) -> bool {
    e.descendants().skip(1).any(|n| {
        n.value()
            .as_element()
            .is_some_and(|el| el.name() == "table")
    })
}

/// The element holding the report: a known CMS body container when there is one with text,
/// else the element the text concentrates in.
fn find_body(html: &Html) -> ElementRef<'_> {
    let root = html.root_element();
    let mut known: Option<(usize, ElementRef<'_>)> = None;
    let mut measured = 0;
    for node in root.descendants() {
        if measured >= 50 {
            break;
        }
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        let e = el.value();
        let names = e
            .attr("class")
            .unwrap_or("")
            .split_whitespace()
            .chain(e.id())
            .map(|s| s.to_ascii_lowercase())
            .collect::<Vec<_>>();
        if names.iter().any(|n| KNOWN_BODIES.contains(&n.as_str())) {
            measured += 1;
            let len = content_len(node);
            if len >= 50 && known.is_none_or(|(l, _)| len > l) {
                known = Some((len, el));
            }
        }
    }
    if let Some((_, el)) = known {
        return el;
    }
    // descend while one child holds most of the visible non-link text
    let body = Selector::parse("body").ok();
    let mut cur = body.and_then(|s| html.select(&s).next()).unwrap_or(root);
    for _ in 0..MAX_DEPTH {
        let total = content_len(*cur);
        let best = cur
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|c| !skipped(c.value()))
            .map(|c| (content_len(*c), c))
            .max_by_key(|(l, _)| *l);
        match best {
            Some((l, c)) if total > 0 && l * 10 >= total * 7 => {
                // descend into containers only: a paragraph or a data table is content
                let name = c.value().name();
                let container = matches!(
                    name,
                    "div"
                        | "section"
                        | "article"
                        | "main"
                        | "center"
                        | "tbody"
                        | "tr"
                        | "td"
                        | "th"
                        | "form"
                ) || (name == "table" && is_layout_table(c));
                if !container {
                    return cur;
                }
                cur = c;
            }
            _ => return cur,
        }
    }
    cur
}

struct Walker {
    doc: Document,
    buf: String,
    heading: Option<u8>,
    depth: usize,
}

impl Walker {
    fn flush(&mut self) {
        let t = std::mem::take(&mut self.buf);
        self.doc.para(t, self.heading);
    }

    fn walk(&mut self, node: NodeRef<'_, Node>) {
        if self.depth > MAX_DEPTH {
            return;
        }
        match node.value() {
            Node::Text(t) => self.buf.push_str(t),
            Node::Element(e) => {
                if skipped(e) {
                    return;
                }
                let name = e.name();
                if name == "br" {
                    self.flush();
                    return;
                }
                if name == "table"
                    && let Some(el) = ElementRef::wrap(node)
                    && !is_layout_table(el)
                {
                    self.flush();
                    let t = read_table(el);
                    if !t.rows.is_empty() {
                        self.doc.blocks.push(Block::Table(t));
                    }
                    return;
                }
                let block = BLOCKS.contains(&name);
                if block {
                    self.flush();
                }
                let level = match name {
                    "h1" => Some(1),
                    "h2" => Some(2),
                    "h3" => Some(3),
                    "h4" => Some(4),
                    "h5" => Some(5),
                    "h6" => Some(6),
                    _ => None,
                };
                let outer = self.heading;
                if level.is_some() {
                    self.heading = level;
                }
                // an ordered list's numbers are printed by the browser: keep them as text
                if name == "li"
                    && let Some(parent) = node.parent().and_then(ElementRef::wrap)
                    && parent.value().name() == "ol"
                {
                    let n = node
                        .prev_siblings()
                        .filter(|s| s.value().as_element().is_some_and(|e| e.name() == "li"))
                        .count();
                    self.buf.push_str(&format!("{}.", n + 1));
                }
                self.depth += 1;
                for c in node.children() {
                    self.walk(c);
                }
                self.depth -= 1;
                if block {
                    self.flush();
                }
                self.heading = outer;
            }
            _ => {}
        }
    }
}

/// A cell's text: every visible text node, block boundaries joined without a separator (a
/// label wrapped over two <p>s is one label; a number split over <span>s is one number).
fn cell_text(node: NodeRef<'_, Node>, out: &mut String, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match node.value() {
        Node::Text(t) => out.push_str(t),
        Node::Element(e) if !skipped(e) => {
            for c in node.children() {
                cell_text(c, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn span_attr(e: &scraper::node::Element, name: &str) -> usize {
    e.attr(name)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, super::model::MAX_SPAN)
}

fn collect_rows<'a>(node: NodeRef<'a, Node>, rows: &mut Vec<ElementRef<'a>>) {
    for c in node.children() {
        if let Some(el) = ElementRef::wrap(c) {
            match el.value().name() {
                "tr" => rows.push(el),
                "thead" | "tbody" | "tfoot" => collect_rows(c, rows),
                _ => {}
            }
        }
    }
}

fn read_table(table: ElementRef<'_>) -> Table {
    let mut trs = Vec::new();
    collect_rows(*table, &mut trs);
    let mut rows = Vec::new();
    for tr in trs {
        if hidden(tr.value()) {
            continue;
        }
        let mut row = Vec::new();
        for c in tr.children().filter_map(ElementRef::wrap) {
            let e = c.value();
            if !matches!(e.name(), "td" | "th") || hidden(e) {
                continue;
            }
            let mut t = String::new();
            cell_text(*c, &mut t, 0);
            row.push(SourceCell {
                text: text::clean_line(&t),
                colspan: span_attr(e, "colspan"),
                rowspan: span_attr(e, "rowspan"),
            });
        }
        rows.push(row);
    }
    Table { rows }
}

/// All visible text of the page, one line per block, for the metadata labels.
fn page_lines(html: &Html) -> Vec<String> {
    let mut w = Walker {
        doc: Document::default(),
        buf: String::new(),
        heading: None,
        depth: 0,
    };
    w.walk(*html.root_element());
    w.flush();
    let mut lines = Vec::new();
    for b in w.doc.blocks {
        match b {
            Block::Para(p) => lines.push(p.text),
            Block::Table(t) => {
                for r in t.rows {
                    lines.push(
                        r.iter()
                            .map(|c| c.text.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                }
            }
        }
    }
    lines
}

/// The value written after a label such as 索引号 or 发布机构 anywhere in the page.
fn labelled(lines: &[String], labels: &[&str]) -> Option<String> {
    for line in lines {
        let l = text::fold_width(line);
        for label in labels {
            if let Some(at) = l.find(label) {
                let rest = l[at + label.len()..]
                    .trim_start_matches([' ', ':', '：'])
                    .trim_start();
                let v: String = rest.split_whitespace().next().unwrap_or("").to_string();
                // the value ends where the next label starts
                let v = v
                    .split(['【', '['])
                    .next()
                    .unwrap_or("")
                    .trim_end_matches(['；', ';', '，'])
                    .to_string();
                if !v.is_empty() && v.chars().count() <= 80 {
                    return Some(v);
                }
            }
        }
    }
    None
}

fn meta_content(html: &Html, names: &[&str]) -> Option<String> {
    let sel = Selector::parse("meta").ok()?;
    for m in html.select(&sel) {
        let e = m.value();
        let name = e.attr("name").or(e.attr("property")).unwrap_or("");
        if names.iter().any(|n| n.eq_ignore_ascii_case(name))
            && let Some(c) = e.attr("content")
        {
            let c = text::clean_line(c);
            if !c.is_empty() {
                return Some(c);
            }
        }
    }
    None
}

fn page_meta(html: &Html, doc: &Document) -> Meta {
    let lines = page_lines(html);
    let mut meta = Meta {
        title: meta_content(html, &["ArticleTitle", "og:title", "title"]),
        published: meta_content(html, &["PubDate", "firstpublishedtime", "publishdate"])
            .and_then(|d| text::date(&d)),
        index_number: labelled(&lines, &["索引号", "索 引 号"]),
        publisher: labelled(&lines, &["发布机构", "发文机关", "发布单位"]),
    };
    if meta.published.is_none() {
        meta.published =
            labelled(&lines, &["发布日期", "发布时间", "成文日期"]).and_then(|d| text::date(&d));
    }
    if meta.title.is_none() {
        meta.title = doc.blocks.iter().find_map(|b| match b {
            Block::Para(p) if p.heading == Some(1) => Some(p.text.clone()),
            _ => None,
        });
    }
    if meta.title.is_none()
        && let Ok(sel) = Selector::parse("title")
        && let Some(t) = html.select(&sel).next()
    {
        let t: String = t.text().collect();
        let first = t.split(['_', '|']).next().unwrap_or("").to_string();
        let first = text::clean_line(&first);
        if !first.is_empty() {
            meta.title = Some(first);
        }
    }
    meta
}

/// The deepest element nesting a page is read with. html5ever rescans the stack of open
/// elements for many start tags, so parsing costs (tags × depth): 8 000 nested `<div>` took
/// seconds, a 20 MB page of them would take hours (found while fuzzing, RELIABILITY.md). Real
/// pages nest a few dozen levels.
pub const MAX_NESTING: usize = 500;

/// Elements without content or whose end tag may be left out: they do not deepen the nesting
/// (a page of a thousand unclosed `<p>` is flat).
const FLAT: &[&[u8]] = &[
    b"area",
    b"base",
    b"br",
    b"col",
    b"embed",
    b"hr",
    b"img",
    b"input",
    b"link",
    b"meta",
    b"param",
    b"source",
    b"track",
    b"wbr",
    b"p",
    b"li",
    b"dt",
    b"dd",
    b"tr",
    b"td",
    b"th",
    b"option",
    b"optgroup",
    b"thead",
    b"tbody",
    b"tfoot",
    b"colgroup",
    b"rb",
    b"rt",
    b"rp",
    b"html",
    b"head",
    b"body",
];

/// Elements whose content is text, not tags.
const RAW: &[&[u8]] = &[
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"noscript",
];

/// An upper estimate of the element nesting of a page, in one pass over its bytes: start tags
/// open, end tags close, comments and script/style content are skipped.
pub fn nesting_depth(source: &str) -> usize {
    let b = source.to_ascii_lowercase().into_bytes();
    let find = |from: usize, pat: &[u8]| -> Option<usize> {
        b.get(from..)?
            .windows(pat.len())
            .position(|w| w == pat)
            .map(|p| from + p)
    };
    let (mut i, mut depth, mut max) = (0, 0usize, 0usize);
    while let Some(lt) = b.get(i..).and_then(|r| r.iter().position(|&c| c == b'<')) {
        i += lt + 1;
        if b[i..].starts_with(b"!--") {
            i = find(i + 3, b"-->").map_or(b.len(), |e| e + 3);
            continue;
        }
        let closing = b.get(i) == Some(&b'/');
        let start = i + usize::from(closing);
        let len = b[start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if len == 0 {
            continue;
        }
        let name = &b[start..start + len];
        let end = find(start + len, b">").unwrap_or(b.len());
        i = end;
        if closing {
            if !FLAT.contains(&name) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        if RAW.contains(&name) {
            let mut close = b"</".to_vec();
            close.extend_from_slice(name);
            i = find(end, &close).unwrap_or(b.len());
            continue;
        }
        let self_closing = end > 0 && b.get(end - 1) == Some(&b'/');
        if !FLAT.contains(&name) && !self_closing {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

/// Read a decoded page.
pub fn read(source: &str) -> Document {
    let html = Html::parse_document(source);
    let body = find_body(&html);
    let mut w = Walker {
        doc: Document::default(),
        buf: String::new(),
        heading: None,
        depth: 0,
    };
    for c in body.children() {
        w.walk(c);
    }
    w.flush();
    let meta = page_meta(&html, &w.doc);
    w.doc.meta = meta;
    w.doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::model::Paragraph;

    #[test]
    fn nesting_depth_counts_open_elements_only() {
        assert_eq!(
            nesting_depth("<html><body><div><div></div><div><span>a</span></div></div>"),
            3
        );
        // unclosed <p>, void elements, comments, scripts and self-closing tags add nothing
        let flat = "<div><p>a<p>b<br><img src=x><!-- <div><div> --><script>'<div><div>'</script><x/></div>";
        assert_eq!(nesting_depth(flat), 1);
        assert_eq!(nesting_depth("<div"), 1);
        assert_eq!(nesting_depth("< <> </ <!-- 正文"), 0);
    }

    /// Found while fuzzing (import_html, RELIABILITY.md): deeply nested elements made html5ever
    /// quadratic; such a page is now refused before parsing, in bounded time.
    #[test]
    fn deep_nesting_is_measured_in_linear_time() {
        let n = 200_000;
        let page = format!(
            "<html><body>{}<p>正文</p>{}",
            "<div>".repeat(n),
            "</div>".repeat(n)
        );
        let started = std::time::Instant::now();
        assert_eq!(nesting_depth(&page), n);
        assert!(
            started.elapsed().as_secs_f64() < 2.0,
            "{:?}",
            started.elapsed()
        );
    }

    /// The real pages beside the repository (when present) are well under the limit.
    #[test]
    fn real_pages_are_within_the_nesting_limit() {
        let dir = std::path::Path::new("../shared/reference/real-pages");
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "html" || x == "htm") {
                    let (text, _) = crate::import::encoding::decode(&std::fs::read(&p).unwrap());
                    let d = nesting_depth(&text);
                    assert!(d < MAX_NESTING / 4, "{}: {d}", p.display());
                }
            }
        }
    }

    fn paras(d: &Document) -> Vec<String> {
        d.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Para(Paragraph { text, .. }) => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn body_is_found_among_furniture() {
        let page = r#"<html><head><title>某报告_政务公开</title><script>var x="一、总体情况";</script></head>
<body><div class="nav"><a href="/">首页</a> <a href="/a">政务公开</a> <a href="/b">互动交流</a></div>
<div class="main"><div class="info">索引号：TEST-001 发布机构：测试镇人民政府 发布日期：2025-01-20</div>
<div class="TRS_Editor"><p class="MsoNormal"><span>一、总体情况</span></p>
<p class="MsoNormal" onclick="evil()"><span style="font-family:仿宋">本机关依法</span><span>公开政府信息</span><span>共</span><span>1</span><span>2</span>条。</p>
<p class="MsoNormal">本年度，本机关认真贯彻落实政府信息公开条例，完善工作机制，规范办理流程，主动回应社会关切。</p>
<p style="display:none">隐藏文字</p><script>alert(1)</script></div></div>
<div class="footer">版权所有 主办单位</div></body></html>"#;
        let d = read(page);
        let p = paras(&d);
        assert_eq!(p[0], "一、总体情况");
        assert_eq!(p[1], "本机关依法公开政府信息共12条。");
        assert!(
            !p.iter()
                .any(|t| t.contains("版权") || t.contains("首页") || t.contains("隐藏"))
        );
        assert_eq!(d.meta.index_number.as_deref(), Some("TEST-001"));
        assert_eq!(d.meta.publisher.as_deref(), Some("测试镇人民政府"));
        assert_eq!(d.meta.published.as_deref(), Some("2025-01-20"));
        assert_eq!(d.meta.title.as_deref(), Some("某报告"));
    }

    #[test]
    fn tables_keep_spans_and_join_split_text() {
        let page = r#"<body><div><p>一、总体情况</p><p>正文内容很长很长很长很长很长很长很长很长很长很长很长很长。</p>
<table><tr><td rowspan="2"><p>1.申请人无正当理由逾期不补正、</p><p>行政机关不再处理</p></td><td colspan="2"><span>１</span><span>2</span></td></tr>
<tr><td>&nbsp;</td><td>x</td></tr></table></div></body>"#;
        let d = read(page);
        let t = d
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .unwrap();
        assert_eq!(t.rows[0][0].rowspan, 2);
        assert_eq!(
            t.rows[0][0].text,
            "1.申请人无正当理由逾期不补正、行政机关不再处理"
        );
        assert_eq!(t.rows[0][1].colspan, 2);
        assert_eq!(t.rows[0][1].text, "１2");
        assert_eq!(t.rows[1][0].text, "");
    }

    #[test]
    fn ordered_lists_keep_numbers_and_deep_nesting_is_bounded() {
        let page = "<body><div class=TRS_Editor><p>六、其他需要报告的事项</p><ol><li>第一项说明文字。</li><li>第二项说明文字。</li></ol><p>本机关本年度没有收取信息处理费（测试文本）。</p></div></body>";
        let p = paras(&read(page));
        assert!(p.contains(&"1.第一项说明文字。".to_string()), "{p:?}");
        assert!(p.contains(&"2.第二项说明文字。".to_string()), "{p:?}");
        let deep = format!(
            "<body>{}一、总体情况{}</body>",
            "<div>".repeat(5_000),
            "</div>".repeat(5_000)
        );
        let d = read(&deep);
        assert!(paras(&d).len() <= 1);
    }

    #[test]
    fn old_layout_table_pages_without_known_containers() {
        let narrative =
            "本年度本机关依法推进政府信息公开工作（测试文本），完善制度，规范流程，回应关切。"
                .repeat(4);
        let page = format!(
            r#"<html><body><table width="980"><tr><td width="200"><a href="/">首页</a><br><a href="/a">机构概况</a><br><a href="/b">政策法规</a></td>
<td><table><tr><td><p><font size="3">一、总体情况</font></p><p><font>{narrative}</font></p>
<table border="1"><tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td><font>1</font><font>2</font></td></tr></table>
</td></tr></table></td></tr></table><div>版权所有：测试</div></body></html>"#
        );
        let d = read(&page);
        let p = paras(&d);
        assert_eq!(p[0], "一、总体情况");
        assert!(p[1].starts_with("本年度本机关"));
        assert!(
            !p.iter().any(|t| t.contains("首页") || t.contains("版权")),
            "{p:?}"
        );
        let t = d
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .expect("the data table is kept as a table");
        assert_eq!(t.rows[1][1].text, "12");
    }
}
