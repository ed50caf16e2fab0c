//! The narrative: Markdown → HTML with the report's six sections recognised, heading levels
//! normalised under the page title, and the tables placed — where the author put a marker
//! (`<!-- 表三 -->`), else at the end of their section (二, 三, 四), adding missing headings.

use super::escape::html;
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A table the narrative can place: its marker names and its HTML.
pub struct Placeable {
    /// `["表三", "applications"]`
    pub names: Vec<String>,
    /// Section it belongs to when not placed (2–4); None: after the narrative.
    pub section: Option<usize>,
    /// Heading to add when its section has none.
    pub heading: Option<String>,
    pub html: String,
}

#[derive(Debug, Default)]
pub struct Narrative {
    pub html: String,
    /// (id, text) of the section headings, for a table of contents.
    pub toc: Vec<(String, String)>,
    /// Marker comments naming no table, e.g. `<!-- 表五 -->`.
    pub unknown_markers: Vec<String>,
}

/// The tables of a report as slots the narrative can place (without HTML: fill `html` for
/// the page). Table `i` of the slots is table `i` of [`crate::tables::grid::report_grids`].
pub fn table_slots(tables: &crate::tables::ReportTables) -> Vec<Placeable> {
    use crate::tables::ReportTables;
    match tables {
        ReportTables::National { tables, .. } => tables
            .iter()
            .map(|t| Placeable {
                names: vec![t.def.name(), t.def.key.to_string()],
                section: Some(t.def.section_index),
                heading: Some(t.def.section.to_string()),
                html: String::new(),
            })
            .collect(),
        ReportTables::Custom(list) => (1..=list.len())
            .map(|i| Placeable {
                names: vec![format!("表{i}"), i.to_string()],
                section: None,
                heading: None,
                html: String::new(),
            })
            .collect(),
    }
}

/// Which of the six sections a heading starts, if any: by its numbering (一、… or 1、…) or,
/// unnumbered, by its wording. Sub-headings （一）… never are.
pub fn section_of(heading: &str) -> Option<usize> {
    let t = heading.trim();
    if t.starts_with(['（', '(']) {
        return None;
    }
    let mut chars = t.chars();
    let first = chars.next()?;
    let num = "一二三四五六".find(first).map(|i| i / 3 + 1).or_else(|| {
        first
            .to_digit(10)
            .map(|d| d as usize)
            .filter(|d| (1..=6).contains(d))
    });
    if let Some(n) = num {
        let next = chars.next();
        if matches!(next, Some('、' | '.' | '．' | ' ' | '　')) {
            return Some(n);
        }
    }
    const WORDS: [&str; 6] = [
        "总体情况",
        "主动公开政府信息情况",
        "收到和处理政府信息公开申请情况",
        "行政复议、行政诉讼",
        "存在的主要问题",
        "其他需要报告的事项",
    ];
    WORDS.iter().position(|w| t.contains(w)).map(|i| i + 1)
}

/// Parse a marker comment: `<!-- 表三 -->` or `<!-- table: applications -->`.
pub fn marker(block: &str) -> Option<String> {
    let inner = block
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    if inner.contains("-->") {
        return None;
    }
    let name = inner.strip_prefix("table:").map(str::trim).unwrap_or(inner);
    let numbered = name.strip_prefix('表').is_some_and(|r| {
        !r.is_empty()
            && r.chars()
                .all(|c| "一二三四五六七八九十0123456789".contains(c))
    });
    let is_marker = numbered || inner.starts_with("table:");
    is_marker.then(|| name.to_string())
}

fn level_num(l: HeadingLevel) -> usize {
    l as usize
}
fn level_of(n: usize) -> HeadingLevel {
    match n.clamp(1, 6) {
        1 => HeadingLevel::H1,
        2 => HeadingLevel::H2,
        3 => HeadingLevel::H3,
        4 => HeadingLevel::H4,
        5 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

enum Chunk<'a> {
    Heading {
        level: usize,
        text: String,
        events: Vec<Event<'a>>,
    },
    Marker(String),
    Other(Vec<Event<'a>>),
}

/// The narrative in order, with the tables placed: the common ground of the HTML page and
/// the typeset downloads.
pub enum Piece<'a> {
    /// Markdown events of one top-level block (headings already have their level and id).
    Markdown(Vec<Event<'a>>),
    /// A section heading nianbao adds because the narrative lacks it.
    Heading {
        level: usize,
        id: String,
        text: String,
    },
    /// Table `i` of the slots given.
    Table(usize),
}

/// The pieces, the table of contents and the markers that named no table.
pub struct Placed<'a> {
    pub pieces: Vec<Piece<'a>>,
    pub toc: Vec<(String, String)>,
    pub unknown_markers: Vec<String>,
}

/// Split the narrative into blocks, normalise heading levels, recognise sections and place
/// the tables: at their markers, else at the end of their section (adding missing headings),
/// else after the narrative.
pub fn place<'a>(body: &'a str, tables: &[Placeable]) -> Placed<'a> {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut depth = 0usize;
    let mut current: Vec<Event> = Vec::new();
    let mut heading: Option<(usize, String)> = None;
    let mut html_block: Option<String> = None;
    for ev in Parser::new_ext(body, opts) {
        match &ev {
            Event::Start(Tag::Heading { level, .. }) if depth == 0 => {
                heading = Some((level_num(*level), String::new()));
            }
            Event::Start(Tag::HtmlBlock) if depth == 0 => html_block = Some(String::new()),
            Event::Html(t) | Event::Text(t) | Event::Code(t) => {
                if let Some(h) = html_block.as_mut().filter(|_| matches!(ev, Event::Html(_))) {
                    h.push_str(t);
                }
                if let Some((_, text)) = heading.as_mut() {
                    text.push_str(t);
                }
            }
            _ => {}
        }
        if matches!(ev, Event::Start(_)) {
            depth += 1;
        }
        if matches!(ev, Event::End(_)) {
            depth -= 1;
        }
        current.push(ev);
        if depth == 0 {
            let events = std::mem::take(&mut current);
            if let Some((level, text)) = heading.take() {
                chunks.push(Chunk::Heading {
                    level,
                    text,
                    events,
                });
            } else if let Some(block) = html_block.take() {
                match marker(&block) {
                    Some(name) => chunks.push(Chunk::Marker(name)),
                    None => chunks.push(Chunk::Other(events)),
                }
            } else {
                chunks.push(Chunk::Other(events));
            }
        }
    }

    // Headings are shifted so the highest one in the narrative is an <h2> under the page's <h1>.
    let min_level = chunks
        .iter()
        .filter_map(|c| match c {
            Chunk::Heading { level, .. } => Some(*level),
            _ => None,
        })
        .min()
        .unwrap_or(2);
    let shift = 2isize - min_level as isize;
    let section_level = chunks
        .iter()
        .find_map(|c| match c {
            Chunk::Heading { level, text, .. } if section_of(text).is_some() => {
                Some((*level as isize + shift) as usize)
            }
            _ => None,
        })
        .unwrap_or(2);

    let explicitly: Vec<bool> = tables
        .iter()
        .map(|t| {
            chunks
                .iter()
                .any(|c| matches!(c, Chunk::Marker(n) if t.names.iter().any(|x| x == n)))
        })
        .collect();
    let mut pending: Vec<usize> = (0..tables.len()).filter(|&i| !explicitly[i]).collect();
    let mut out = Placed {
        pieces: Vec::new(),
        toc: Vec::new(),
        unknown_markers: Vec::new(),
    };
    let mut current_section = 0usize;
    let mut seen_sections = std::collections::HashSet::new();

    // Emit the pending tables whose section satisfies `pred`, adding headings when asked.
    let flush = |out: &mut Placed,
                 pending: &mut Vec<usize>,
                 pred: &dyn Fn(Option<usize>) -> bool,
                 with_heading: bool| {
        let (now, later): (Vec<usize>, Vec<usize>) =
            pending.iter().partition(|&&i| pred(tables[i].section));
        *pending = later;
        for i in now {
            let t = &tables[i];
            if let (true, Some(h), Some(s)) = (with_heading, &t.heading, t.section) {
                let id = format!("section-{s}");
                out.toc.push((id.clone(), h.clone()));
                out.pieces.push(Piece::Heading {
                    level: section_level,
                    id,
                    text: h.clone(),
                });
            }
            out.pieces.push(Piece::Table(i));
        }
    };

    for chunk in chunks {
        match chunk {
            Chunk::Heading {
                level,
                text,
                events: hev,
            } => {
                let new_level = (level as isize + shift).clamp(1, 6) as usize;
                let section = section_of(&text)
                    .filter(|_| new_level == section_level)
                    .filter(|s| seen_sections.insert(*s));
                if let Some(s) = section {
                    // close the current section: its own table, then sections skipped entirely
                    let cur = current_section;
                    flush(&mut out, &mut pending, &|t| t == Some(cur), false);
                    flush(
                        &mut out,
                        &mut pending,
                        &|t| t.is_some_and(|t| t > cur && t < s),
                        true,
                    );
                    current_section = s;
                }
                let id = section.map(|s| format!("section-{s}"));
                if let Some(id) = &id {
                    out.toc.push((id.clone(), text.trim().to_string()));
                }
                let events = hev
                    .into_iter()
                    .map(|ev| match ev {
                        Event::Start(Tag::Heading {
                            classes,
                            attrs,
                            id: own,
                            ..
                        }) => Event::Start(Tag::Heading {
                            level: level_of(new_level),
                            id: id.clone().map(CowStr::from).or(own),
                            classes,
                            attrs,
                        }),
                        Event::End(TagEnd::Heading(_)) => {
                            Event::End(TagEnd::Heading(level_of(new_level)))
                        }
                        other => other,
                    })
                    .collect();
                out.pieces.push(Piece::Markdown(events));
            }
            Chunk::Marker(name) => match tables.iter().position(|t| t.names.contains(&name)) {
                Some(i) => out.pieces.push(Piece::Table(i)),
                None => out.unknown_markers.push(name),
            },
            Chunk::Other(evs) => out.pieces.push(Piece::Markdown(evs)),
        }
    }
    let cur = current_section;
    flush(&mut out, &mut pending, &|t| t == Some(cur), false);
    flush(
        &mut out,
        &mut pending,
        &|t| t.is_some_and(|t| t > cur),
        true,
    );
    flush(&mut out, &mut pending, &|_| true, false);
    out
}

/// Render the narrative as HTML with the tables placed.
pub fn render(body: &str, tables: &[Placeable]) -> Narrative {
    let placed = place(body, tables);
    let mut events: Vec<Event> = Vec::new();
    for piece in placed.pieces {
        match piece {
            Piece::Markdown(evs) => events.extend(evs),
            Piece::Heading { level, id, text } => events.push(Event::Html(CowStr::from(format!(
                "<h{level} id=\"{id}\">{}</h{level}>\n",
                html(&text)
            )))),
            Piece::Table(i) => events.push(Event::Html(CowStr::from(tables[i].html.clone()))),
        }
    }
    let mut out = Narrative {
        toc: placed.toc,
        unknown_markers: placed.unknown_markers,
        ..Narrative::default()
    };
    pulldown_cmark::html::push_html(&mut out.html, events.into_iter());
    out
}

/// A run of text with its emphasis, for the typeset downloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
}

/// The narrative as the PDF and Word downloads lay it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocBlock {
    /// Level 2 for the six sections, 3 for （一）… and deeper below.
    Heading {
        level: usize,
        text: String,
    },
    Paragraph(Vec<Span>),
    /// Table `i` of the slots given.
    Table(usize),
}

/// The narrative as blocks of plain text runs, with the tables placed as on the page.
/// Lists become paragraphs with their markers; quotes and code keep their text; raw HTML is
/// dropped.
pub fn document(body: &str, tables: &[Placeable]) -> Vec<DocBlock> {
    let placed = place(body, tables);
    let mut out = Vec::new();
    let mut runs: Vec<Span> = Vec::new();
    let mut heading: Option<usize> = None;
    let (mut bold, mut italic) = (0usize, 0usize);
    let mut lists: Vec<Option<u64>> = Vec::new();
    let finish = |out: &mut Vec<DocBlock>, runs: &mut Vec<Span>, heading: Option<usize>| {
        let text: String = runs.iter().map(|r| r.text.as_str()).collect();
        if text.trim().is_empty() {
            runs.clear();
            return;
        }
        match heading {
            Some(level) => out.push(DocBlock::Heading {
                level,
                text: text.trim().to_string(),
            }),
            None => out.push(DocBlock::Paragraph(std::mem::take(runs))),
        }
        runs.clear();
    };
    for piece in placed.pieces {
        match piece {
            Piece::Table(i) => out.push(DocBlock::Table(i)),
            Piece::Heading { level, text, .. } => out.push(DocBlock::Heading { level, text }),
            Piece::Markdown(events) => {
                for ev in events {
                    match ev {
                        Event::Start(Tag::Heading { level, .. }) => {
                            finish(&mut out, &mut runs, None);
                            heading = Some(level_num(level));
                        }
                        Event::End(TagEnd::Heading(_)) => {
                            finish(&mut out, &mut runs, heading.take());
                        }
                        Event::Start(Tag::Strong) => bold += 1,
                        Event::End(TagEnd::Strong) => bold = bold.saturating_sub(1),
                        Event::Start(Tag::Emphasis) => italic += 1,
                        Event::End(TagEnd::Emphasis) => italic = italic.saturating_sub(1),
                        Event::Start(Tag::List(start)) => lists.push(start),
                        Event::End(TagEnd::List(_)) => {
                            lists.pop();
                        }
                        Event::Start(Tag::Item) => {
                            finish(&mut out, &mut runs, None);
                            let marker = match lists.last_mut() {
                                Some(Some(n)) => {
                                    *n += 1;
                                    format!("{}. ", *n - 1)
                                }
                                _ => "• ".to_string(),
                            };
                            runs.push(Span {
                                text: marker,
                                bold: false,
                                italic: false,
                            });
                        }
                        Event::Text(t) | Event::Code(t) => runs.push(Span {
                            text: t.to_string(),
                            bold: bold > 0,
                            italic: italic > 0,
                        }),
                        Event::SoftBreak => runs.push(Span {
                            text: String::new(),
                            bold: false,
                            italic: false,
                        }),
                        Event::HardBreak => runs.push(Span {
                            text: "\n".into(),
                            bold: false,
                            italic: false,
                        }),
                        Event::End(
                            TagEnd::Paragraph
                            | TagEnd::Item
                            | TagEnd::CodeBlock
                            | TagEnd::TableRow
                            | TagEnd::TableHead,
                        ) => finish(&mut out, &mut runs, None),
                        Event::End(TagEnd::TableCell) => runs.push(Span {
                            text: "\t".into(),
                            bold: false,
                            italic: false,
                        }),
                        _ => {}
                    }
                }
                finish(&mut out, &mut runs, None);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(names: &[&str], section: Option<usize>) -> Placeable {
        Placeable {
            names: names.iter().map(|s| s.to_string()).collect(),
            section,
            heading: section.map(|s| crate::tables::national::SECTIONS[s - 1].to_string()),
            html: format!("<table id=\"{}\"></table>\n", names[0]),
        }
    }
    fn three() -> Vec<Placeable> {
        vec![
            t(&["表二"], Some(2)),
            t(&["表三"], Some(3)),
            t(&["表四"], Some(4)),
        ]
    }

    #[test]
    fn recognises_sections() {
        assert_eq!(section_of("一、总体情况"), Some(1));
        assert_eq!(section_of("1、 总体情况"), Some(1));
        assert_eq!(
            section_of("四、政府信息公开行政法复议、行政诉讼情况"),
            Some(4)
        );
        assert_eq!(section_of("五、存在的主要问题及整改措施"), Some(5));
        assert_eq!(section_of("其他需要报告的事项"), Some(6));
        assert_eq!(section_of("（二）依申请公开情况"), None);
        assert_eq!(section_of("2024年工作"), None);
    }

    #[test]
    fn tables_go_to_the_end_of_their_sections() {
        let body = "## 一、总体情况\n\n文字\n\n## 二、主动公开政府信息情况\n\n## 三、收到和处理政府信息公开申请情况\n\n说明\n\n## 四、政府信息公开行政复议、行政诉讼情况\n\n## 五、存在的主要问题及改进情况\n\n问题\n";
        let n = render(body, &three());
        let h = &n.html;
        let pos = |s: &str| h.find(s).unwrap_or_else(|| panic!("{s} in {h}"));
        assert!(pos("id=\"section-2\"") < pos("id=\"表二\""));
        assert!(pos("id=\"表二\"") < pos("id=\"section-3\""));
        assert!(pos("说明") < pos("id=\"表三\""));
        assert!(pos("id=\"表四\"") < pos("id=\"section-5\""));
        assert_eq!(n.toc.len(), 5);
    }

    #[test]
    fn missing_headings_are_added_in_order() {
        let body = "# 一、总体情况\n\n文字\n\n# 五、存在的主要问题及改进情况\n\n问题\n";
        let n = render(body, &three());
        let h = &n.html;
        assert!(h.contains("<h2 id=\"section-1\">一、总体情况</h2>"), "{h}");
        let pos = |s: &str| h.find(s).unwrap();
        assert!(pos("文字") < pos("<h2 id=\"section-2\">二、主动公开政府信息情况</h2>"));
        assert!(pos("id=\"表四\"") < pos("<h2 id=\"section-5\">"));
        assert_eq!(
            n.toc.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>(),
            [
                "section-1",
                "section-2",
                "section-3",
                "section-4",
                "section-5"
            ]
        );
    }

    #[test]
    fn explicit_markers_and_unknown_ones() {
        let body = "## 二、主动公开政府信息情况\n\n<!-- 表三 -->\n\n正文\n\n<!-- table: active -->\n\n<!-- 表九 -->\n";
        let n = render(
            body,
            &[t(&["表二", "active"], Some(2)), t(&["表三"], Some(3))],
        );
        let h = &n.html;
        assert!(h.find("id=\"表三\"").unwrap() < h.find("正文").unwrap());
        assert!(h.find("正文").unwrap() < h.find("id=\"表二\"").unwrap());
        assert_eq!(h.matches("<table").count(), 2, "{h}");
        assert_eq!(n.unknown_markers, ["表九"]);
        // an ordinary comment is kept as it is
        let n = render("<!-- 备注 -->\n", &[]);
        assert!(n.html.contains("<!-- 备注 -->"));
    }

    #[test]
    fn document_blocks_follow_the_page() {
        let body = "## 一、总体情况\n\n第一段**加粗**。\n\n- 甲\n- 乙\n\n1. 子\n\n### （一）小标题\n\n## 五、存在的主要问题及改进情况\n";
        let d = document(body, &three());
        assert_eq!(
            d[0],
            DocBlock::Heading {
                level: 2,
                text: "一、总体情况".into()
            }
        );
        match &d[1] {
            DocBlock::Paragraph(runs) => {
                assert_eq!(runs.len(), 3);
                assert!(runs[1].bold && runs[1].text == "加粗");
            }
            other => panic!("{other:?}"),
        }
        let texts: Vec<String> = d
            .iter()
            .map(|b| match b {
                DocBlock::Heading { text, .. } => format!("H:{text}"),
                DocBlock::Paragraph(r) => r.iter().map(|s| s.text.as_str()).collect(),
                DocBlock::Table(i) => format!("T{i}"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                "H:一、总体情况",
                "第一段加粗。",
                "• 甲",
                "• 乙",
                "1. 子",
                "H:（一）小标题",
                "H:二、主动公开政府信息情况",
                "T0",
                "H:三、收到和处理政府信息公开申请情况",
                "T1",
                "H:四、政府信息公开行政复议、行政诉讼情况",
                "T2",
                "H:五、存在的主要问题及改进情况"
            ]
        );
    }

    #[test]
    fn deeply_nested_markdown_renders() {
        let body = format!("{}深\n\n{}- 列表\n", "> ".repeat(2000), "  ".repeat(500));
        let n = render(&body, &three());
        assert!(n.html.contains("深"));
        assert_eq!(n.html.matches("<table").count(), 3);
    }

    #[test]
    fn body_without_headings_gets_all_three() {
        let n = render("只有一段文字。\n", &three());
        assert!(n.html.starts_with("<p>只有一段文字。</p>"));
        assert_eq!(n.html.matches("<h2").count(), 3);
    }
}
