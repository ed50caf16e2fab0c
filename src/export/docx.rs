//! The report as a Word document (`<org>-<year>.docx`): the narrative and the tables as a clerk
//! would edit them into next year's draft, typeset after 党政机关公文格式 (GB/T 9704-2012) in
//! spirit.
//!
//! - A4 portrait, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a 156 × 225 mm text
//!   block); the page number centred at the foot as a `PAGE` field, 「— 1 —」.
//! - Named paragraph styles, so the document can be restyled as a whole: 报告标题 (二号, bold,
//!   方正小标宋简体), 署名日期 (the organisation and the publication date under the title),
//!   报告正文 (三号 仿宋_GB2312, first line indented two characters — in twips, since LibreOffice
//!   ignores `firstLineChars` — at a fixed 28.9 pt line pitch, 22 lines a page), 一级标题 (一、…
//!   黑体), 二级标题 (（一）… 楷体_GB2312), 三级标题 (bold 仿宋), 表格标题 (a custom table's
//!   title), 表格文字 (五号 宋体, or 小五 for tables wider than 12 columns), 表后空行 and 页码. The font table names a fallback for each
//!   Chinese font (方正小标宋简体 → 宋体, 仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体).
//! - The narrative from [`crate::render::markdown::document`]: headings and paragraphs in order,
//!   bold and italic kept, every table where the page has it, as a real Word table from
//!   [`crate::tables::grid`]: merged cells with `gridSpan` and `vMerge` exactly as the grid says,
//!   the header rows repeated on every page (`tblHeader`), header cells shaded, every cell
//!   bordered, numbers centred, the table as wide as the text block with fixed column widths
//!   (label columns wider than figure columns), so nothing runs off the page.
//!
//! The document is modelled with docx-rs, whose rendered parts are then post-processed before
//! they are zipped here (docx-rs' own zip writer is not used):
//!
//! - **Schema order.** docx-rs writes the children of `w:pPr`, `w:rPr`, `w:tblPr`, `w:tcPr`,
//!   `w:sectPr`, `w:style` and `w:settings` in its own order (run properties before the paragraph
//!   style, `w:sz` before `w:rFonts`, the footer reference after the page size, …). Word is
//!   known to drop property elements met out of their schema sequence, so every part is passed
//!   through [`ooxml::canonical`], which re-sorts those children into the ECMA-376 order and
//!   drops what the schema does not allow (empty `w:rPr` in a style's paragraph properties,
//!   `w:type` on `w:gridCol`).
//! - **Repeated header rows.** docx-rs has no `w:tblHeader`: header rows are built with a
//!   row height no other row has (1 twip, rule `auto`), which is replaced by `<w:tblHeader/>`.
//! - **Metadata and fonts.** docx-rs cannot set the title or creator, so `docProps/core.xml` is
//!   written here (title = report title, creator = organisation, dates = the published date, or
//!   1 January of the following year); `word/fontTable.xml` is written here to carry the
//!   fallback font names.
//! - **Determinism.** docx-rs numbers paragraphs (`w14:paraId`) from a thread-local counter that
//!   depends on what the thread built before; the optional ids are removed. Entries are
//!   written in name order, deflated, each stamped with the report's date. Two calls give
//!   byte-identical files.

use crate::content::Report;
use crate::render::markdown::{DocBlock, Span, document, table_slots};
use crate::tables::ReportTables;
use crate::tables::grid::{Grid, GridCell, Role, report_grids};
use anyhow::{Context, Result};
use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, HeightRule, LineSpacing, LineSpacingType, PageMargin,
    PageNum, Paragraph, Run, RunFonts, Shading, SpecialIndentType, Style, StyleType, Table,
    TableAlignmentType, TableBorder, TableBorderPosition, TableBorders, TableCell,
    TableCellMargins, TableLayoutType, TableRow, VAlignType, VMergeType, WidthType,
};
use std::io::Write;

/// A4 portrait, in twips (1/20 pt).
const PAGE_WIDTH: u32 = 11906;
const PAGE_HEIGHT: u32 = 16838;
/// Margins: 37, 35, 28 and 26 mm.
const MARGIN_TOP: i32 = 2098;
const MARGIN_BOTTOM: i32 = 1984;
const MARGIN_LEFT: i32 = 1587;
const MARGIN_RIGHT: i32 = 1474;
/// Header and footer distances from the page edge: the page number sits about 7 mm below the
/// text block.
const HEADER_DISTANCE: i32 = 851;
const FOOTER_DISTANCE: i32 = 1247;
/// The text block's width, 156 mm: every table is exactly this wide.
const TEXT_WIDTH: usize = (PAGE_WIDTH as i32 - MARGIN_LEFT - MARGIN_RIGHT) as usize;

/// Font sizes, in half-points: 二号, 三号, 四号, 五号, 小五.
const SIZE_TITLE: usize = 44;
const SIZE_BODY: usize = 32;
const SIZE_PAGE_NUMBER: usize = 28;
const SIZE_TABLE: usize = 21;
const SIZE_TABLE_SMALL: usize = 18;
/// Tables wider than this many columns (table 四: 15) are set in 小五.
const SMALL_TABLE_COLUMNS: usize = 12;

/// The fixed line pitch: 22 lines in the 225 mm text block (28.9 pt).
const LINE: i32 = 578;
/// The title's line pitch (32 pt).
const TITLE_LINE: i32 = 640;
/// Two characters of 三号 (16 pt).
const INDENT_TWO_CHARS: i32 = 640;

const FONT_TITLE: &str = "方正小标宋简体";
const FONT_BODY: &str = "仿宋_GB2312";
const FONT_HEADING_1: &str = "黑体";
const FONT_HEADING_2: &str = "楷体_GB2312";
const FONT_TABLE: &str = "宋体";
const FONT_LATIN: &str = "Times New Roman";
/// The font table: name, fallback name (`w:altName`), character set, family.
const FONTS: &[(&str, &str, &str, &str)] = &[
    (FONT_LATIN, "", "00", "roman"),
    (FONT_TITLE, "宋体", "86", "auto"),
    (FONT_BODY, "仿宋", "86", "modern"),
    (FONT_HEADING_2, "楷体", "86", "modern"),
    (FONT_HEADING_1, "SimHei", "86", "modern"),
    (FONT_TABLE, "SimSun", "86", "auto"),
];

/// Light grey of header cells.
const HEADER_FILL: &str = "D9D9D9";
/// Table borders: 1/2 pt (in eighths of a point).
const BORDER_SIZE: usize = 4;
/// Left and right cell padding, in twips.
const CELL_PADDING: usize = 85;
const CELL_PADDING_SMALL: usize = 57;

/// Column widths, in ems of the table's font size.
const COLUMN_MIN_EM: f64 = 2.0;
const COLUMN_MAX_EM: f64 = 12.0;
/// A label merged over several rows may wrap onto at most this many lines when choosing its
/// column's width.
const SPAN_LINES: usize = 3;
/// Label columns take at most this share of the table's width.
const LABEL_SHARE: f64 = 0.5;
/// A figure column keeps at least this many ems beside the labels, and takes at most this
/// many when there are few (the labels take the rest).
const VALUE_MIN_EM: f64 = 2.5;
const VALUE_MAX_EM: f64 = 7.0;

/// Paragraph style ids and their names as Word shows them.
const STYLE_TITLE: (&str, &str) = ("NbTitle", "报告标题");
const STYLE_BYLINE: (&str, &str) = ("NbByline", "署名日期");
const STYLE_BODY: (&str, &str) = ("NbBody", "报告正文");
const STYLE_HEADING_1: (&str, &str) = ("NbHeading1", "一级标题");
const STYLE_HEADING_2: (&str, &str) = ("NbHeading2", "二级标题");
const STYLE_HEADING_3: (&str, &str) = ("NbHeading3", "三级标题");
const STYLE_CAPTION: (&str, &str) = ("NbTableCaption", "表格标题");
const STYLE_AFTER_TABLE: (&str, &str) = ("NbAfterTable", "表后空行");
const STYLE_TABLE: (&str, &str) = ("NbTableText", "表格文字");
const STYLE_TABLE_SMALL: (&str, &str) = ("NbTableTextSmall", "表格文字（小五）");
const STYLE_PAGE_NUMBER: (&str, &str) = ("NbPageNumber", "页码");

/// The report as a Word document, as bytes.
pub fn report_docx(report: &Report, org_name: &str) -> Result<Vec<u8>> {
    let what = format!("{}-{}.docx", report.org, report.year);
    build(report, org_name).with_context(|| format!("writing {what}"))
}

fn build(report: &Report, org_name: &str) -> Result<Vec<u8>> {
    let mut docx = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT)
                .header(HEADER_DISTANCE)
                .footer(FOOTER_DISTANCE),
        )
        .default_fonts(fonts_latin(FONT_BODY))
        .default_size(SIZE_BODY)
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .style(STYLE_PAGE_NUMBER.0)
                    .add_run(Run::new().add_text("— "))
                    .add_page_num(PageNum::new())
                    .add_run(Run::new().add_text(" —")),
            ),
        );
    for style in styles() {
        docx = docx.add_style(style);
    }

    docx = docx.add_paragraph(
        Paragraph::new()
            .style(STYLE_TITLE.0)
            .add_run(text_run(&report.title)),
    );
    let byline: Vec<String> = [
        Some(org_name.trim().to_string()),
        report.front.published.map(|d| d.chinese()),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect();
    if !byline.is_empty() {
        docx = docx.add_paragraph(
            Paragraph::new()
                .style(STYLE_BYLINE.0)
                .add_run(text_run(&byline.join("　"))),
        );
    }

    let grids = report_grids(&report.tables);
    let custom = matches!(report.tables, ReportTables::Custom(_));
    let blocks = document(report.body(), &table_slots(&report.tables));
    let n = blocks.len();
    for (k, block) in blocks.into_iter().enumerate() {
        match block {
            DocBlock::Heading { level, text } => {
                docx = docx.add_paragraph(
                    Paragraph::new()
                        .style(heading_style(level))
                        .add_run(text_run(&text)),
                );
            }
            DocBlock::Paragraph(spans) => {
                docx = docx.add_paragraph(body_paragraph(&spans));
            }
            DocBlock::Table(i) => {
                let Some(grid) = grids.get(i) else { continue };
                if custom && !grid.title.trim().is_empty() {
                    docx = docx.add_paragraph(
                        Paragraph::new()
                            .style(STYLE_CAPTION.0)
                            .add_run(text_run(&grid.title)),
                    );
                }
                if let Some(table) = word_table(grid) {
                    // A paragraph after every table: two tables in a row would merge into one,
                    // and a document must not end with a table (there, a 1 pt one, lest it
                    // make a blank last page).
                    let mut after = Paragraph::new().style(STYLE_AFTER_TABLE.0);
                    if k + 1 == n {
                        after = after.line_spacing(exact(20));
                    }
                    docx = docx.add_table(table).add_paragraph(after);
                }
            }
        }
    }
    package(docx, report, org_name)
}

/// The same font for Latin and Chinese text.
fn fonts(name: &str) -> RunFonts {
    RunFonts::new()
        .ascii(name)
        .hi_ansi(name)
        .east_asia(name)
        .cs(name)
}

/// A Chinese font with Times New Roman for Latin letters and figures.
fn fonts_latin(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .ascii(FONT_LATIN)
        .hi_ansi(FONT_LATIN)
        .cs(FONT_LATIN)
        .east_asia(east_asia)
}

fn paragraph_style((id, name): (&str, &str)) -> Style {
    Style::new(id, StyleType::Paragraph).name(name)
}

fn exact(line: i32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(line)
        .before(0)
        .after(0)
}

fn keep_with_next(mut style: Style) -> Style {
    style.paragraph_property = style.paragraph_property.keep_next(true);
    style
}

fn styles() -> Vec<Style> {
    let body = paragraph_style(STYLE_BODY)
        .fonts(fonts_latin(FONT_BODY))
        .size(SIZE_BODY)
        .align(AlignmentType::Both)
        .indent(
            Some(0),
            Some(SpecialIndentType::FirstLine(INDENT_TWO_CHARS)),
            None,
            None,
        )
        .line_spacing(exact(LINE));
    let heading = |s: (&str, &str), level: usize| {
        keep_with_next(
            paragraph_style(s)
                .based_on(STYLE_BODY.0)
                .next(STYLE_BODY.0)
                .outline_lvl(level),
        )
    };
    let table = paragraph_style(STYLE_TABLE)
        .fonts(fonts_latin(FONT_TABLE))
        .size(SIZE_TABLE)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Auto)
                .line(240)
                .before(0)
                .after(0),
        );
    vec![
        paragraph_style(STYLE_TITLE)
            .fonts(fonts(FONT_TITLE))
            .size(SIZE_TITLE)
            .bold()
            .align(AlignmentType::Center)
            .line_spacing(exact(TITLE_LINE))
            .next(STYLE_BYLINE.0),
        paragraph_style(STYLE_BYLINE)
            .fonts(fonts_latin(FONT_HEADING_2))
            .size(SIZE_BODY)
            .align(AlignmentType::Center)
            .line_spacing(exact(LINE).before(LINE as u32 / 2).after(LINE as u32))
            .next(STYLE_BODY.0),
        body,
        heading(STYLE_HEADING_1, 0).fonts(fonts(FONT_HEADING_1)),
        heading(STYLE_HEADING_2, 1).fonts(fonts(FONT_HEADING_2)),
        heading(STYLE_HEADING_3, 2).bold(),
        keep_with_next(
            paragraph_style(STYLE_CAPTION)
                .based_on(STYLE_BODY.0)
                .fonts(fonts(FONT_HEADING_1))
                .align(AlignmentType::Center)
                .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None),
        ),
        // half a line: the gap below a table (and no blank page when a table ends one)
        paragraph_style(STYLE_AFTER_TABLE)
            .based_on(STYLE_BODY.0)
            .next(STYLE_BODY.0)
            .line_spacing(exact(LINE / 2)),
        table,
        paragraph_style(STYLE_TABLE_SMALL)
            .based_on(STYLE_TABLE.0)
            .size(SIZE_TABLE_SMALL),
        paragraph_style(STYLE_PAGE_NUMBER)
            .fonts(fonts_latin(FONT_TABLE))
            .size(SIZE_PAGE_NUMBER)
            .align(AlignmentType::Center),
    ]
}

/// Level 2 (一、…) → 一级标题, 3 (（一）…) → 二级标题, deeper → 三级标题.
fn heading_style(level: usize) -> &'static str {
    match level {
        0..=2 => STYLE_HEADING_1.0,
        3 => STYLE_HEADING_2.0,
        _ => STYLE_HEADING_3.0,
    }
}

fn body_paragraph(spans: &[Span]) -> Paragraph {
    let mut p = Paragraph::new().style(STYLE_BODY.0);
    for span in spans.iter().filter(|s| !s.text.is_empty()) {
        let mut run = text_run(&span.text);
        if span.bold {
            run = run.bold();
        }
        if span.italic {
            run = run.italic();
        }
        p = p.add_run(run);
    }
    p
}

/// A run of text: line breaks and tabs as Word's, characters XML cannot hold dropped.
fn text_run(text: &str) -> Run {
    let mut run = Run::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        for (j, piece) in line.split('\t').enumerate() {
            if j > 0 {
                run = run.add_tab();
            }
            let piece = xml_chars(piece);
            if !piece.is_empty() {
                run = run.add_text(piece);
            }
        }
    }
    run
}

/// The characters XML 1.0 allows (carriage returns dropped too).
fn xml_chars(s: &str) -> String {
    s.chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
        .collect()
}

/// Width of a text in ems: full-width characters 1, ASCII ½.
fn text_em(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.5 } else { 1.0 })
        .sum()
}

/// A cell of the Word table, at its grid column.
#[derive(Debug, Clone, PartialEq)]
struct Placed<'a> {
    col: usize,
    span: usize,
    kind: Kind<'a>,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind<'a> {
    /// A cell of the grid, merged down over `rowspan` rows.
    Cell { cell: &'a GridCell, rowspan: usize },
    /// The place of a cell merged down from a row above.
    Continue { origin: &'a GridCell },
    /// A place no cell of the grid fills (a short row).
    Empty,
}

/// A column covered by a cell from a row above.
#[derive(Clone, Copy)]
struct Cover<'a> {
    /// Which cell (row, index), to tell neighbouring merges apart.
    id: (usize, usize),
    cell: &'a GridCell,
    /// Rows still covered, counting the current one.
    rows: usize,
}

/// Lay the grid's rows out on grid columns: each cell at the first column not covered by a
/// cell from above, continuation places where cells span down. Spans that overlap or run past
/// the last row are cut back; short rows are filled with empty places. Returns the number of
/// columns and the rows.
fn place(grid: &Grid) -> (usize, Vec<Vec<Placed<'_>>>) {
    let nrows = grid.rows.len();
    let mut cover: Vec<Option<Cover>> = Vec::new();
    let mut out: Vec<Vec<Placed>> = Vec::with_capacity(nrows);
    let mut width = grid.columns.max(1);
    for (r, row) in grid.rows.iter().enumerate() {
        let mut next: Vec<Option<Cover>> = cover
            .iter()
            .map(|c| {
                c.filter(|c| c.rows > 1).map(|c| Cover {
                    rows: c.rows - 1,
                    ..c
                })
            })
            .collect();
        let covered = |c: usize| cover.get(c).copied().flatten();
        let mut placed = Vec::new();
        let mut cells = row.iter().enumerate();
        let mut c = 0;
        loop {
            if let Some(cv) = covered(c) {
                let mut span = 1;
                while covered(c + span).is_some_and(|o| o.id == cv.id) {
                    span += 1;
                }
                placed.push(Placed {
                    col: c,
                    span,
                    kind: Kind::Continue { origin: cv.cell },
                });
                c += span;
                continue;
            }
            match cells.next() {
                Some((i, cell)) => {
                    let want = cell.colspan.max(1);
                    let mut span = 1;
                    while span < want && covered(c + span).is_none() {
                        span += 1;
                    }
                    let rowspan = cell.rowspan.clamp(1, nrows - r);
                    if rowspan > 1 {
                        if next.len() < c + span {
                            next.resize(c + span, None);
                        }
                        for slot in &mut next[c..c + span] {
                            *slot = Some(Cover {
                                id: (r, i),
                                cell,
                                rows: rowspan - 1,
                            });
                        }
                    }
                    placed.push(Placed {
                        col: c,
                        span,
                        kind: Kind::Cell { cell, rowspan },
                    });
                    c += span;
                }
                None => match (c..cover.len()).find(|&k| covered(k).is_some()) {
                    Some(k) => {
                        placed.extend((c..k).map(|col| Placed {
                            col,
                            span: 1,
                            kind: Kind::Empty,
                        }));
                        c = k;
                    }
                    None => break,
                },
            }
        }
        width = width.max(c);
        cover = next;
        out.push(placed);
    }
    for row in &mut out {
        let end = row.last().map_or(0, |p| p.col + p.span);
        row.extend((end..width).map(|col| Placed {
            col,
            span: 1,
            kind: Kind::Empty,
        }));
    }
    (width, out)
}

/// Column widths in twips, summing to the text width: label columns as wide as their labels
/// need (a label merged over several rows may wrap onto them), within bounds, the figure
/// columns sharing the rest equally; without label columns, widths follow the content.
fn column_widths(grid: &Grid, rows: &[Vec<Placed>], width: usize, em: f64, pad: f64) -> Vec<usize> {
    let mut need = vec![COLUMN_MIN_EM; width];
    for p in rows.iter().flatten().filter(|p| p.span == 1) {
        let Kind::Cell { cell, rowspan } = p.kind else {
            continue;
        };
        let len = text_em(&cell.text);
        let n = match cell.role {
            // header text may wrap onto two lines
            Role::Header | Role::Note => (len / 2.0).ceil(),
            _ if cell.numeric => len + 0.5,
            _ => (len / rowspan.min(SPAN_LINES) as f64).ceil(),
        };
        need[p.col] = need[p.col].max(n.min(COLUMN_MAX_EM));
    }
    let total = TEXT_WIDTH as f64;
    let labels = grid.label_columns.min(width);
    let values = width - labels;
    let mut w: Vec<f64> = need.iter().map(|n| n * em + pad).collect();
    if labels > 0 && values > 0 {
        let min_value = VALUE_MIN_EM * em + pad;
        let cap = (total * LABEL_SHARE).min(total - values as f64 * min_value);
        let sum: f64 = w[..labels].iter().sum();
        if sum > cap && cap > 0.0 {
            // narrow the widest label columns first, down to a common width
            let (mut lo, mut hi) = (0.0, w[..labels].iter().cloned().fold(0.0, f64::max));
            for _ in 0..50 {
                let mid = (lo + hi) / 2.0;
                if w[..labels].iter().map(|x| x.min(mid)).sum::<f64>() > cap {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            for x in &mut w[..labels] {
                *x = x.min(lo);
            }
        }
        let sum: f64 = w[..labels].iter().sum();
        let each = ((total - sum) / values as f64).min(VALUE_MAX_EM * em + pad);
        let spare = total - sum - each * values as f64;
        for x in &mut w[..labels] {
            *x += spare * *x / sum;
        }
        for x in &mut w[labels..] {
            *x = each;
        }
    } else {
        let sum: f64 = w.iter().sum();
        for x in &mut w {
            *x *= total / sum;
        }
    }
    if w.iter().any(|x| !x.is_finite() || *x < 1.0) {
        w = vec![total / width as f64; width];
    }
    let mut out: Vec<usize> = w.iter().map(|x| x.floor().max(1.0) as usize).collect();
    let sum: usize = out.iter().sum();
    if let Some(last) = out.last_mut() {
        *last = (*last + TEXT_WIDTH).saturating_sub(sum).max(1);
    }
    out
}

/// A grid as a Word table; None when it has no rows.
fn word_table(grid: &Grid) -> Option<Table> {
    if grid.rows.is_empty() {
        return None;
    }
    let (width, rows) = place(grid);
    let small = width > SMALL_TABLE_COLUMNS;
    let (style, size, pad) = if small {
        (STYLE_TABLE_SMALL.0, SIZE_TABLE_SMALL, CELL_PADDING_SMALL)
    } else {
        (STYLE_TABLE.0, SIZE_TABLE, CELL_PADDING)
    };
    let em = size as f64 * 10.0; // half-points → twips
    let widths = column_widths(grid, &rows, width, em, 2.0 * pad as f64);
    let header_rows = grid.header_rows.min(rows.len());
    let rows: Vec<TableRow> = rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let cells = row.iter().map(|p| word_cell(p, &widths, style)).collect();
            // rows are not split across pages; a header row carries a marker, see `package`
            let tr = TableRow::new(cells).cant_split();
            if r < header_rows {
                tr.row_height(1.0).height_rule(HeightRule::Auto)
            } else {
                tr
            }
        })
        .collect();
    let borders = [
        TableBorderPosition::Top,
        TableBorderPosition::Left,
        TableBorderPosition::Bottom,
        TableBorderPosition::Right,
        TableBorderPosition::InsideH,
        TableBorderPosition::InsideV,
    ]
    .into_iter()
    .fold(TableBorders::new(), |b, pos| {
        b.set(TableBorder::new(pos).size(BORDER_SIZE).color("000000"))
    });
    Some(
        Table::new(rows)
            .set_grid(widths)
            .width(TEXT_WIDTH, WidthType::Dxa)
            .align(TableAlignmentType::Center)
            .layout(TableLayoutType::Fixed)
            .margins(TableCellMargins::new().margin(0, pad, 0, pad))
            .set_borders(borders),
    )
}

fn word_cell(p: &Placed, widths: &[usize], style: &str) -> TableCell {
    let width: usize = widths.iter().skip(p.col).take(p.span).sum();
    let mut tc = TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center);
    if p.span > 1 {
        tc = tc.grid_span(p.span);
    }
    let shade = |tc: TableCell, cell: &GridCell| {
        if matches!(cell.role, Role::Header | Role::Note) {
            tc.shading(Shading::new().fill(HEADER_FILL))
        } else {
            tc
        }
    };
    let empty = Paragraph::new().style(style);
    match p.kind {
        Kind::Cell { cell, rowspan } => {
            if rowspan > 1 {
                tc = tc.vertical_merge(VMergeType::Restart);
            }
            let centred = match cell.role {
                Role::Header | Role::Note => true,
                Role::Label => rowspan > 1,
                Role::Value => cell.numeric || text_em(&cell.text) <= 4.0,
            };
            let align = if centred {
                AlignmentType::Center
            } else {
                AlignmentType::Both
            };
            let mut para = empty.align(align);
            if !cell.text.is_empty() {
                para = para.add_run(text_run(&cell.text));
            }
            shade(tc, cell).add_paragraph(para)
        }
        Kind::Continue { origin } => {
            shade(tc.vertical_merge(VMergeType::Continue), origin).add_paragraph(empty)
        }
        Kind::Empty => tc.add_paragraph(empty),
    }
}

/// The date the document carries (core properties and zip entries): the published date, else
/// 1 January of the following year.
fn stamp(report: &Report) -> (u16, u8, u8) {
    match report.front.published {
        Some(d) => (d.year, d.month, d.day),
        None => (report.year.saturating_add(1), 1, 1),
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in xml_chars(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn core_xml(report: &Report, org_name: &str) -> String {
    let (y, m, d) = stamp(report);
    let date = format!("{y:04}-{m:02}-{d:02}T00:00:00Z");
    let org = xml_escape(org_name.trim());
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{title}</dc:title><dc:creator>{org}</dc:creator>",
            "<cp:lastModifiedBy>{org}</cp:lastModifiedBy><cp:revision>1</cp:revision>",
            "<dc:language>zh-CN</dc:language>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{date}</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">{date}</dcterms:modified>"#,
            "</cp:coreProperties>"
        ),
        title = xml_escape(&report.title),
        org = org,
        date = date,
    )
}

fn font_table_xml() -> String {
    let mut s = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
    ));
    for (name, alt, charset, family) in FONTS {
        s.push_str(&format!(r#"<w:font w:name="{}">"#, xml_escape(name)));
        if !alt.is_empty() {
            s.push_str(&format!(r#"<w:altName w:val="{}"/>"#, xml_escape(alt)));
        }
        s.push_str(&format!(
            r#"<w:charset w:val="{charset}"/><w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>"#
        ));
    }
    s.push_str("</w:fonts>");
    s
}

/// How docx-rs writes the row height given to header rows (no other row has one): replaced by
/// `w:tblHeader`, which docx-rs cannot write.
const HEADER_ROW_MARKER: &str = r#"<w:trHeight w:val="1" w:hRule="auto" />"#;

/// Render the parts, fix them up (see the module documentation) and zip them.
fn package(docx: Docx, report: &Report, org_name: &str) -> Result<Vec<u8>> {
    let x = docx.build();
    let text = |name: &str, bytes: Vec<u8>| -> Result<String> {
        String::from_utf8(bytes).with_context(|| format!("{name} is not UTF-8"))
    };
    let mut parts: Vec<(String, String)> = vec![
        (
            "[Content_Types].xml".into(),
            text("content types", x.content_type)?,
        ),
        ("_rels/.rels".into(), text("rels", x.rels)?),
        ("docProps/app.xml".into(), text("app.xml", x.doc_props.app)?),
        ("docProps/core.xml".into(), core_xml(report, org_name)),
        (
            "docProps/custom.xml".into(),
            text("custom.xml", x.doc_props.custom)?,
        ),
        (
            "word/_rels/document.xml.rels".into(),
            text("document rels", x.document_rels)?,
        ),
        (
            "word/document.xml".into(),
            text("document.xml", x.document)?.replace(HEADER_ROW_MARKER, "<w:tblHeader />"),
        ),
        ("word/styles.xml".into(), text("styles.xml", x.styles)?),
        (
            "word/settings.xml".into(),
            text("settings.xml", x.settings)?,
        ),
        ("word/fontTable.xml".into(), font_table_xml()),
        (
            "word/comments.xml".into(),
            text("comments.xml", x.comments)?,
        ),
        (
            "word/numbering.xml".into(),
            text("numbering.xml", x.numberings)?,
        ),
        (
            "word/commentsExtended.xml".into(),
            text("commentsExtended.xml", x.comments_extended)?,
        ),
        (
            "word/footnotes.xml".into(),
            text("footnotes.xml", x.footnotes)?,
        ),
    ];
    for (kind, list, rels) in [
        ("header", x.headers, x.header_rels),
        ("footer", x.footers, x.footer_rels),
    ] {
        let n = list.len();
        for (i, part) in list.into_iter().enumerate() {
            parts.push((format!("word/{kind}{}.xml", i + 1), text(kind, part)?));
        }
        for (i, part) in rels.into_iter().take(n).enumerate() {
            parts.push((
                format!("word/_rels/{kind}{}.xml.rels", i + 1),
                text(kind, part)?,
            ));
        }
    }
    parts.sort_by(|a, b| a.0.cmp(&b.0));

    let (y, m, d) = stamp(report);
    let time = zip::DateTime::from_date_and_time(y, m, d, 0, 0, 0).unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(time)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, xml) in parts {
        let xml = if name.ends_with(".xml") {
            ooxml::canonical(&xml).with_context(|| format!("rewriting {name}"))?
        } else {
            xml
        };
        zip.start_file(name.as_str(), options)
            .with_context(|| format!("adding {name}"))?;
        zip.write_all(xml.as_bytes())
            .with_context(|| format!("writing {name}"))?;
    }
    Ok(zip.finish().context("finishing the zip")?.into_inner())
}

/// Post-processing of the XML docx-rs renders.
mod ooxml {
    use anyhow::{Result, bail};

    /// Children of the property elements, in the order the schema (ECMA-376, transitional)
    /// requires.
    fn order(element: &str) -> Option<&'static [&'static str]> {
        Some(match element {
            "w:pPr" => &[
                "w:pStyle",
                "w:keepNext",
                "w:keepLines",
                "w:pageBreakBefore",
                "w:framePr",
                "w:widowControl",
                "w:numPr",
                "w:suppressLineNumbers",
                "w:pBdr",
                "w:shd",
                "w:tabs",
                "w:suppressAutoHyphens",
                "w:kinsoku",
                "w:wordWrap",
                "w:overflowPunct",
                "w:topLinePunct",
                "w:autoSpaceDE",
                "w:autoSpaceDN",
                "w:bidi",
                "w:adjustRightInd",
                "w:snapToGrid",
                "w:spacing",
                "w:ind",
                "w:contextualSpacing",
                "w:mirrorIndents",
                "w:suppressOverlap",
                "w:jc",
                "w:textDirection",
                "w:textAlignment",
                "w:textboxTightWrap",
                "w:outlineLvl",
                "w:divId",
                "w:cnfStyle",
                "w:rPr",
                "w:sectPr",
                "w:pPrChange",
            ],
            "w:rPr" => &[
                "w:ins",
                "w:del",
                "w:moveFrom",
                "w:moveTo",
                "w:rStyle",
                "w:rFonts",
                "w:b",
                "w:bCs",
                "w:i",
                "w:iCs",
                "w:caps",
                "w:smallCaps",
                "w:strike",
                "w:dstrike",
                "w:outline",
                "w:shadow",
                "w:emboss",
                "w:imprint",
                "w:noProof",
                "w:snapToGrid",
                "w:vanish",
                "w:webHidden",
                "w:color",
                "w:spacing",
                "w:w",
                "w:kern",
                "w:position",
                "w:sz",
                "w:szCs",
                "w:highlight",
                "w:u",
                "w:effect",
                "w:bdr",
                "w:shd",
                "w:fitText",
                "w:vertAlign",
                "w:rtl",
                "w:cs",
                "w:em",
                "w:lang",
                "w:eastAsianLayout",
                "w:specVanish",
                "w:oMath",
                "w:rPrChange",
            ],
            "w:tblPr" => &[
                "w:tblStyle",
                "w:tblpPr",
                "w:tblOverlap",
                "w:bidiVisual",
                "w:tblStyleRowBandSize",
                "w:tblStyleColBandSize",
                "w:tblW",
                "w:jc",
                "w:tblCellSpacing",
                "w:tblInd",
                "w:tblBorders",
                "w:shd",
                "w:tblLayout",
                "w:tblCellMar",
                "w:tblLook",
                "w:tblCaption",
                "w:tblDescription",
                "w:tblPrChange",
            ],
            "w:trPr" => &[
                "w:cnfStyle",
                "w:divId",
                "w:gridBefore",
                "w:gridAfter",
                "w:wBefore",
                "w:wAfter",
                "w:cantSplit",
                "w:trHeight",
                "w:tblHeader",
                "w:tblCellSpacing",
                "w:jc",
                "w:hidden",
                "w:ins",
                "w:del",
                "w:trPrChange",
            ],
            "w:tcPr" => &[
                "w:cnfStyle",
                "w:tcW",
                "w:gridSpan",
                "w:hMerge",
                "w:vMerge",
                "w:tcBorders",
                "w:shd",
                "w:noWrap",
                "w:tcMar",
                "w:textDirection",
                "w:tcFitText",
                "w:vAlign",
                "w:hideMark",
                "w:headers",
                "w:cellIns",
                "w:cellDel",
                "w:cellMerge",
                "w:tcPrChange",
            ],
            "w:tblCellMar" | "w:tcMar" => {
                &["w:top", "w:start", "w:left", "w:bottom", "w:end", "w:right"]
            }
            "w:tblBorders" | "w:tcBorders" => &[
                "w:top",
                "w:start",
                "w:left",
                "w:bottom",
                "w:end",
                "w:right",
                "w:insideH",
                "w:insideV",
                "w:tl2br",
                "w:tr2bl",
            ],
            "w:sectPr" => &[
                "w:headerReference",
                "w:footerReference",
                "w:footnotePr",
                "w:endnotePr",
                "w:type",
                "w:pgSz",
                "w:pgMar",
                "w:paperSrc",
                "w:pgBorders",
                "w:lnNumType",
                "w:pgNumType",
                "w:cols",
                "w:formProt",
                "w:vAlign",
                "w:noEndnote",
                "w:titlePg",
                "w:textDirection",
                "w:bidi",
                "w:rtlGutter",
                "w:docGrid",
                "w:printerSettings",
                "w:sectPrChange",
            ],
            "w:style" => &[
                "w:name",
                "w:aliases",
                "w:basedOn",
                "w:next",
                "w:link",
                "w:autoRedefine",
                "w:hidden",
                "w:uiPriority",
                "w:semiHidden",
                "w:unhideWhenUsed",
                "w:qFormat",
                "w:locked",
                "w:personal",
                "w:personalCompose",
                "w:personalReply",
                "w:rsid",
                "w:pPr",
                "w:rPr",
                "w:tblPr",
                "w:trPr",
                "w:tcPr",
                "w:tblStylePr",
            ],
            "w:settings" => &[
                "w:writeProtection",
                "w:view",
                "w:zoom",
                "w:removePersonalInformation",
                "w:removeDateAndTime",
                "w:doNotDisplayPageBoundaries",
                "w:displayBackgroundShape",
                "w:printPostScriptOverText",
                "w:printFractionalCharacterWidth",
                "w:printFormsData",
                "w:embedTrueTypeFonts",
                "w:embedSystemFonts",
                "w:saveSubsetFonts",
                "w:saveFormsData",
                "w:mirrorMargins",
                "w:alignBordersAndEdges",
                "w:bordersDoNotSurroundHeader",
                "w:bordersDoNotSurroundFooter",
                "w:gutterAtTop",
                "w:hideSpellingErrors",
                "w:hideGrammaticalErrors",
                "w:activeWritingStyle",
                "w:proofState",
                "w:formsDesign",
                "w:attachedTemplate",
                "w:linkStyles",
                "w:stylePaneFormatFilter",
                "w:stylePaneSortMethod",
                "w:documentType",
                "w:mailMerge",
                "w:revisionView",
                "w:trackRevisions",
                "w:doNotTrackMoves",
                "w:doNotTrackFormatting",
                "w:documentProtection",
                "w:autoFormatOverride",
                "w:styleLockTheme",
                "w:styleLockQFSet",
                "w:defaultTabStop",
                "w:autoHyphenation",
                "w:consecutiveHyphenLimit",
                "w:hyphenationZone",
                "w:doNotHyphenateCaps",
                "w:showEnvelope",
                "w:summaryLength",
                "w:clickAndTypeStyle",
                "w:defaultTableStyle",
                "w:evenAndOddHeaders",
                "w:bookFoldRevPrinting",
                "w:bookFoldPrinting",
                "w:bookFoldPrintingSheets",
                "w:drawingGridHorizontalSpacing",
                "w:drawingGridVerticalSpacing",
                "w:displayHorizontalDrawingGridEvery",
                "w:displayVerticalDrawingGridEvery",
                "w:doNotUseMarginsForDrawingGridOrigin",
                "w:drawingGridHorizontalOrigin",
                "w:drawingGridVerticalOrigin",
                "w:doNotShadeFormData",
                "w:noPunctuationKerning",
                "w:characterSpacingControl",
                "w:printTwoOnOne",
                "w:strictFirstAndLastChars",
                "w:noLineBreaksAfter",
                "w:noLineBreaksBefore",
                "w:savePreviewPicture",
                "w:doNotValidateAgainstSchema",
                "w:saveInvalidXml",
                "w:ignoreMixedContent",
                "w:alwaysShowPlaceholderText",
                "w:doNotDemarcateInvalidXml",
                "w:saveXmlDataOnly",
                "w:useXSLTWhenSaving",
                "w:saveThroughXslt",
                "w:showXMLTags",
                "w:alwaysMergeEmptyNamespace",
                "w:updateFields",
                "w:hdrShapeDefaults",
                "w:footnotePr",
                "w:endnotePr",
                "w:compat",
                "w:docVars",
                "w:rsids",
                "m:mathPr",
                "w:attachedSchema",
                "w:themeFontLang",
                "w:clrSchemeMapping",
                "w:doNotIncludeSubdocsInStats",
                "w:doNotAutoCompressPictures",
                "w:forceUpgrade",
                "w:captions",
                "w:readModeInkLockDown",
                "w:smartTagType",
                "sl:schemaLibrary",
                "w:shapeDefaults",
                "w:doNotEmbedSmartTags",
                "w:decimalSymbol",
                "w:listSeparator",
            ],
            _ => return None,
        })
    }

    enum Node<'a> {
        /// Text, a declaration or a comment, copied as it is.
        Raw(&'a str),
        Element(Element<'a>),
    }

    struct Element<'a> {
        name: &'a str,
        /// The start tag as written, attributes removed where asked.
        open: String,
        children: Vec<Node<'a>>,
        /// The end tag; empty for `<x/>`.
        close: &'a str,
    }

    /// Attributes dropped wherever they occur: paragraph ids docx-rs numbers from a
    /// thread-local counter (optional, and not reproducible).
    const DROPPED: &[&str] = &["w14:paraId"];

    /// Attributes dropped from one element: `w:type` is not an attribute of `w:gridCol`.
    fn dropped(element: &str, attribute: &str) -> bool {
        DROPPED.contains(&attribute) || (element == "w:gridCol" && attribute == "w:type")
    }

    /// The XML with the children of property elements in schema order, the attributes above
    /// and empty run properties removed. Text, declarations and everything else are kept byte
    /// for byte.
    pub fn canonical(xml: &str) -> Result<String> {
        let mut stack: Vec<Element> = vec![Element {
            name: "",
            open: String::new(),
            children: Vec::new(),
            close: "",
        }];
        let b = xml.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] != b'<' {
                let end = xml[i..].find('<').map_or(xml.len(), |k| i + k);
                push(&mut stack, Node::Raw(&xml[i..end]));
                i = end;
                continue;
            }
            let rest = &xml[i..];
            let end = if rest.starts_with("<!--") {
                match rest.find("-->") {
                    Some(k) => i + k + 2,
                    None => bail!("unterminated comment at byte {i}"),
                }
            } else {
                tag_end(b, i)?
            };
            let tag = &xml[i..=end];
            if tag.starts_with("<?") || tag.starts_with("<!") {
                push(&mut stack, Node::Raw(tag));
            } else if let Some(name) = tag.strip_prefix("</") {
                let name = name.trim_end_matches('>').trim();
                let Some(mut element) = stack.pop().filter(|e| e.name == name) else {
                    bail!("unexpected </{name}> at byte {i}");
                };
                if stack.is_empty() {
                    bail!("unexpected </{name}> at byte {i}");
                }
                element.close = tag;
                sort(&mut element);
                push(&mut stack, Node::Element(element));
            } else {
                let name = tag_name(tag);
                let element = Element {
                    name,
                    open: strip_attributes(name, tag),
                    children: Vec::new(),
                    close: "",
                };
                if tag.ends_with("/>") {
                    // an empty `<w:rPr/>` says nothing, and a style's `w:pPr` may not hold one
                    if element.open != "<w:rPr />" {
                        push(&mut stack, Node::Element(element));
                    }
                } else {
                    stack.push(element);
                }
            }
            i = end + 1;
        }
        if stack.len() != 1 {
            bail!("unclosed <{}>", stack.last().map_or("", |e| e.name));
        }
        let mut out = String::with_capacity(xml.len());
        for node in &stack[0].children {
            write(node, &mut out);
        }
        Ok(out)
    }

    fn push<'a>(stack: &mut [Element<'a>], node: Node<'a>) {
        if let Some(top) = stack.last_mut() {
            top.children.push(node);
        }
    }

    /// The index of the `>` closing the tag that starts at `start`, outside quoted values.
    fn tag_end(b: &[u8], start: usize) -> Result<usize> {
        let mut quote: Option<u8> = None;
        for (k, &c) in b.iter().enumerate().skip(start + 1) {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(c),
                (None, b'>') => return Ok(k),
                (None, b'<') => bail!("unexpected < in a tag at byte {k}"),
                _ => {}
            }
        }
        bail!("unterminated tag at byte {start}")
    }

    fn tag_name(tag: &str) -> &str {
        let inner = &tag[1..];
        let end = inner
            .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .unwrap_or(inner.len());
        &inner[..end]
    }

    /// The start tag without the dropped attributes.
    fn strip_attributes(name: &str, tag: &str) -> String {
        let any = DROPPED.iter().any(|a| tag.contains(a))
            || (name == "w:gridCol" && tag.contains("w:type"));
        if !any {
            return tag.to_string();
        }
        let mut out = String::with_capacity(tag.len());
        out.push('<');
        out.push_str(name);
        let mut rest = &tag[1 + name.len()..];
        loop {
            let trimmed = rest.trim_start();
            let Some(eq) = trimmed.find('=') else { break };
            let attr = trimmed[..eq].trim();
            let after = trimmed[eq + 1..].trim_start();
            let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                break;
            };
            let Some(close) = after[1..].find(q) else {
                break;
            };
            let value = &after[..close + 2];
            if !dropped(name, attr) {
                out.push(' ');
                out.push_str(attr);
                out.push('=');
                out.push_str(value);
            }
            rest = &after[close + 2..];
        }
        out.push_str(if tag.ends_with("/>") { " />" } else { ">" });
        out
    }

    /// Put the children of a property element in schema order (stable: unknown elements keep
    /// their relative order, after the known ones). Mixed content is left alone.
    fn sort(element: &mut Element) {
        let Some(order) = order(element.name) else {
            return;
        };
        if element.children.iter().any(|c| matches!(c, Node::Raw(_))) {
            return;
        }
        let rank = |n: &Node| match n {
            Node::Element(e) => order
                .iter()
                .position(|o| *o == e.name)
                .unwrap_or(order.len()),
            Node::Raw(_) => order.len(),
        };
        element.children.sort_by_key(rank);
    }

    fn write(node: &Node, out: &mut String) {
        match node {
            Node::Raw(s) => out.push_str(s),
            Node::Element(e) => {
                out.push_str(&e.open);
                for c in &e.children {
                    write(c, out);
                }
                out.push_str(e.close);
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::canonical;

        #[test]
        fn sorts_property_children_and_keeps_the_rest() {
            let xml = r#"<?xml version="1.0"?><w:p w14:paraId="0000000A" a='x>y'><w:pPr><w:rPr /><w:jc w:val="center" /><w:pStyle w:val="S" /></w:pPr><w:r><w:rPr><w:sz w:val="2" /><w:b /><w:rFonts w:eastAsia="宋体" /></w:rPr><w:t xml:space="preserve">a &lt; b</w:t></w:r></w:p>"#;
            assert_eq!(
                canonical(xml).unwrap(),
                r#"<?xml version="1.0"?><w:p a='x>y'><w:pPr><w:pStyle w:val="S" /><w:jc w:val="center" /></w:pPr><w:r><w:rPr><w:rFonts w:eastAsia="宋体" /><w:b /><w:sz w:val="2" /></w:rPr><w:t xml:space="preserve">a &lt; b</w:t></w:r></w:p>"#
            );
            assert_eq!(
                canonical(r#"<w:tblGrid><w:gridCol w:w="5" w:type="dxa" /></w:tblGrid>"#).unwrap(),
                r#"<w:tblGrid><w:gridCol w:w="5" /></w:tblGrid>"#
            );
        }

        #[test]
        fn malformed_xml_is_an_error() {
            for bad in ["<a><b></a>", "<a>", "</a>", "<a b=\"c>", "<!-- x"] {
                assert!(canonical(bad).is_err(), "{bad}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Date, FrontMatter};
    use crate::diagnostics::SourceFile;
    use crate::scaffold::zero_tables;
    use crate::tables::national::{FORMAT_2019, FORMAT_2021};
    use crate::tables::parse_tables;
    use std::collections::BTreeMap;
    use std::io::Read;

    const BODY: &str = "依据《中华人民共和国政府信息公开条例》，编制本报告。\n\n\
        ## 一、总体情况\n\n本年度**主动公开**政府信息*139*条。\n\n### （一）主动公开情况\n\n- 甲\n- 乙\n\n\
        #### 1. 细目\n\n正文。\n\n\
        ## 二、主动公开政府信息情况\n\n## 三、收到和处理政府信息公开申请情况\n\n\
        ## 四、政府信息公开行政复议、行政诉讼情况\n\n## 五、存在的主要问题及改进情况\n\n问题。\n\n\
        ## 六、其他需要报告的事项\n\n无。\n";

    const CUSTOM: &str = "format = \"custom\"\n[[tables]]\ntitle = \"政府信息公开情况统计表\"\nheader = [[\"指标名称\", \"计量单位\", \"本年度\", \"历年累计\"]]\nrows = [[\"主动公开文件数\", \"件\", 20, 120],\n        [{ text = \"其中：\", rowspan = 2 }, \"网站公开\", \"件\", 15],\n        [\"公告栏\", \"件\", \"/\"]]\n";

    fn report(tables: &str, body: &str, published: bool, archived: bool) -> Report {
        let src = SourceFile::new("tables.toml", tables.to_string());
        let (parsed, diags) = parse_tables(&src, archived);
        assert!(!diags.has_errors(), "{diags:?}");
        let front = "+++\ntitle = \"寺下镇2024年政府信息公开工作年度报告\"\n+++\n";
        let md = format!("{front}{body}");
        let body_offset = front.len();
        Report {
            org: "sixia".into(),
            year: 2024,
            front: FrontMatter {
                published: published.then_some(Date {
                    year: 2025,
                    month: 1,
                    day: 20,
                    time: None,
                }),
                archived,
                ..FrontMatter::default()
            },
            title: "寺下镇2024年政府信息公开工作年度报告".into(),
            markdown: SourceFile::new("content/sixia/2024/report.md", md),
            body_offset,
            tables: parsed.expect("tables"),
            tables_src: src,
            attachments: Vec::new(),
        }
    }

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let mut f = zip
            .by_name(name)
            .unwrap_or_else(|_| panic!("{name} missing"));
        let mut s = String::new();
        f.read_to_string(&mut s).expect("utf-8");
        s
    }

    /// The text of an XML fragment: the content of its `<w:t>` elements.
    fn texts(xml: &str) -> String {
        xml.split("<w:t xml:space=\"preserve\">")
            .skip(1)
            .filter_map(|s| s.split("</w:t>").next())
            .collect()
    }

    /// Each `<w:tbl>` of a document, as rows of cells (the XML of each `<w:tc>`).
    fn tables(xml: &str) -> Vec<Vec<Vec<String>>> {
        xml.split("<w:tbl>")
            .skip(1)
            .map(|t| {
                let t = t.split("</w:tbl>").next().unwrap();
                t.split("<w:tr>")
                    .skip(1)
                    .map(|r| {
                        r.split("<w:tc>")
                            .skip(1)
                            .map(|c| c.split("</w:tc>").next().unwrap().to_string())
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }

    fn attr(cell: &str, element: &str) -> Option<String> {
        let at = cell.find(&format!("<{element} w:val=\""))? + element.len() + 9;
        Some(cell[at..].split('"').next()?.to_string())
    }

    /// The vertical merges of a Word table: for each restarting cell (by its text), how many
    /// continuation cells follow it in its grid column. Also checks that a continuation has a
    /// restart or continuation above it with the same span.
    fn merges(table: &[Vec<String>]) -> Vec<(String, usize)> {
        let mut open: BTreeMap<usize, (usize, usize)> = BTreeMap::new(); // col → (merge, span)
        let mut out: Vec<(String, usize)> = Vec::new();
        for row in table {
            let mut col = 0;
            let mut seen = Vec::new();
            for cell in row {
                let span: usize = attr(cell, "w:gridSpan").map_or(1, |s| s.parse().unwrap());
                match attr(cell, "w:vMerge").as_deref() {
                    Some("restart") => {
                        open.insert(col, (out.len(), span));
                        out.push((texts(cell), 0));
                        seen.push(col);
                    }
                    Some("continue") => {
                        let (m, s) = open[&col];
                        assert_eq!(s, span, "continuation of {} changes span", out[m].0);
                        out[m].1 += 1;
                        seen.push(col);
                    }
                    _ => {}
                }
                col += span;
            }
            open.retain(|c, _| seen.contains(c));
        }
        out
    }

    fn count(xml: &str, s: &str) -> usize {
        xml.matches(s).count()
    }

    fn grids_of(r: &Report) -> Vec<Grid> {
        report_grids(&r.tables)
    }

    #[test]
    fn national_2021() {
        let text = zero_tables(&FORMAT_2021)
            .replace(
                "received = [0, 0, 0, 0, 0, 0, 0]",
                "received = [31, 2, 0, 0, 0, 0, 33]",
            )
            .replace("licensing = 0", "licensing = 4567");
        let r = report(&text, BODY, true, false);
        let bytes = report_docx(&r, "寺下镇人民政府").unwrap();
        let doc = part(&bytes, "word/document.xml");
        let all = texts(&doc);
        for s in [
            "寺下镇2024年政府信息公开工作年度报告",
            "寺下镇人民政府　2025年1月20日",
            "一、总体情况",
            "（一）主动公开情况",
            "1. 细目",
            "二、主动公开政府信息情况",
            "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况",
            "五、存在的主要问题及改进情况",
            "六、其他需要报告的事项",
            "三、本年度办理结果",
            "未经复议直接起诉",
            "申请人情况",
            "• 甲",
            "4567",
        ] {
            assert!(all.contains(s), "{s} missing");
        }
        // headings by level, body with the emphasis kept
        assert!(doc.contains(r#"<w:pStyle w:val="NbHeading1" /></w:pPr><w:r><w:t xml:space="preserve">一、总体情况"#), "{doc}");
        assert!(doc.contains(r#"<w:pStyle w:val="NbHeading2" />"#));
        assert!(doc.contains(r#"<w:pStyle w:val="NbHeading3" />"#));
        assert!(
            doc.contains(r#"<w:b /><w:bCs /></w:rPr><w:t xml:space="preserve">主动公开</w:t>"#)
        );
        assert!(doc.contains(r#"<w:i /><w:iCs /></w:rPr><w:t xml:space="preserve">139</w:t>"#));
        // the order of the narrative and the tables
        let pos = |s: &str| doc.find(s).unwrap_or_else(|| panic!("{s}"));
        assert!(pos("二、主动公开政府信息情况") < pos("信息内容"));
        assert!(pos("信息内容") < pos("三、收到和处理政府信息公开申请情况"));
        assert!(pos("三、本年度办理结果") < pos("四、政府信息公开行政复议"));
        assert!(pos("未经复议直接起诉") < pos("五、存在的主要问题"));

        let grids = grids_of(&r);
        let tables = tables(&doc);
        assert_eq!(tables.len(), grids.len());
        // rows, header rows, restarts and continuations as the grids say
        for (g, t) in grids.iter().zip(&tables) {
            assert_eq!(t.len(), g.rows.len(), "{}", g.name);
            let spans: Vec<usize> = g
                .rows
                .iter()
                .flatten()
                .filter(|c| c.rowspan > 1)
                .map(|c| c.rowspan - 1)
                .collect();
            let m = merges(t);
            assert_eq!(m.len(), spans.len(), "{}", g.name);
            assert_eq!(
                m.iter().map(|x| x.1).collect::<Vec<_>>(),
                spans,
                "{}",
                g.name
            );
        }
        let three = merges(&tables[1]);
        assert!(
            three.contains(&("三、本年度办理结果".to_string(), 21)),
            "{three:?}"
        );
        assert_eq!(
            count(&doc, "<w:tblHeader />"),
            grids.iter().map(|g| g.header_rows).sum::<usize>()
        );
        assert_eq!(
            count(&doc, r#"<w:vMerge w:val="restart" />"#),
            grids
                .iter()
                .flat_map(|g| g.rows.iter().flatten())
                .filter(|c| c.rowspan > 1)
                .count()
        );
        assert!(doc.contains(r#"<w:gridSpan w:val="3" />"#));
        // rows are kept whole; the header-row marker is gone
        assert_eq!(
            count(&doc, "<w:trPr><w:cantSplit />"),
            grids.iter().map(|g| g.rows.len()).sum::<usize>()
        );
        assert!(!doc.contains("w:trHeight"));
        // table 四 has 15 columns: 小五
        assert!(
            tables[2]
                .iter()
                .flatten()
                .all(|c| c.contains("NbTableTextSmall"))
        );
        assert!(
            tables[1]
                .iter()
                .flatten()
                .all(|c| c.contains(r#""NbTableText""#))
        );
        // numbers centred, headers shaded
        let c33 = tables[1]
            .iter()
            .flatten()
            .find(|c| texts(c) == "33")
            .unwrap();
        assert!(c33.contains(r#"<w:jc w:val="center" />"#), "{c33}");
        let head = tables[1][0]
            .iter()
            .find(|c| texts(c) == "申请人情况")
            .unwrap();
        assert!(head.contains(r#"w:fill="D9D9D9""#), "{head}");
        // page
        assert!(doc.contains(r#"<w:pgSz w:w="11906" w:h="16838" />"#));
        assert!(doc.contains(r#"<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587" w:header="851" w:footer="1247" w:gutter="0" />"#), "{doc}");
        assert!(doc.contains(
            r#"<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter1" /><w:pgSz"#
        ));
        let footer = part(&bytes, "word/footer1.xml");
        assert!(
            footer.contains("<w:instrText>PAGE</w:instrText>") && texts(&footer) == "— 1 —",
            "{footer}"
        );
    }

    #[test]
    fn tables_fill_the_text_width_with_wider_labels() {
        for f in [&FORMAT_2021, &FORMAT_2019] {
            let r = report(&zero_tables(f), BODY, true, false);
            let doc = part(
                &report_docx(&r, "寺下镇人民政府").unwrap(),
                "word/document.xml",
            );
            let grids = grids_of(&r);
            for (t, g) in doc.split("<w:tblGrid>").skip(1).zip(&grids) {
                let cols: Vec<usize> = t
                    .split("</w:tblGrid>")
                    .next()
                    .unwrap()
                    .split("w:w=\"")
                    .skip(1)
                    .map(|s| s.split('"').next().unwrap().parse().unwrap())
                    .collect();
                assert_eq!(cols.len(), g.columns, "{}", g.name);
                assert_eq!(cols.iter().sum::<usize>(), TEXT_WIDTH, "{}", g.name);
                if g.label_columns > 0 {
                    let widest_value = cols[g.label_columns..].iter().max().unwrap();
                    let widest_label = cols[..g.label_columns].iter().max().unwrap();
                    assert!(widest_label > widest_value, "{}: {cols:?}", g.name);
                }
            }
            assert_eq!(
                count(
                    &doc,
                    &format!(r#"<w:tblW w:w="{TEXT_WIDTH}" w:type="dxa" />"#)
                ),
                grids.len()
            );
        }
    }

    #[test]
    fn national_2019() {
        let r = report(&zero_tables(&FORMAT_2019), BODY, false, false);
        let bytes = report_docx(&r, "寺下镇人民政府").unwrap();
        let doc = part(&bytes, "word/document.xml");
        let tables = tables(&doc);
        let three = merges(&tables[1]);
        assert!(
            three.contains(&("三、本年度办理结果".to_string(), 19)),
            "{three:?}"
        );
        // without a published date: the organisation alone under the title, 1 January next
        let all = texts(&doc);
        assert!(all.contains("年度报告寺下镇人民政府依据"), "{all}");
        let core = part(&bytes, "docProps/core.xml");
        assert!(
            core.contains(">2025-01-01T00:00:00Z</dcterms:created>"),
            "{core}"
        );
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let f = zip.by_index(0).unwrap();
        let t = f.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day()), (2025, 1, 1));
    }

    #[test]
    fn custom_tables_with_their_titles() {
        let r = report(CUSTOM, "## 一、总体情况\n\n文字。\n", true, false);
        let doc = part(
            &report_docx(&r, "寺下镇人民政府").unwrap(),
            "word/document.xml",
        );
        assert!(doc.contains(r#"<w:pStyle w:val="NbTableCaption" />"#));
        let all = texts(&doc);
        for s in [
            "政府信息公开情况统计表",
            "指标名称",
            "主动公开文件数",
            "120",
            "/",
            "公告栏",
        ] {
            assert!(all.contains(s), "{s}");
        }
        let tables = tables(&doc);
        assert_eq!(tables.len(), 1);
        assert_eq!(merges(&tables[0]), [("其中：".to_string(), 1)]);
        assert_eq!(count(&doc, "<w:tblHeader />"), 1);
        // 公告栏 sits in the second column, beside the merged 其中：
        assert!(tables[0][3][0].contains(r#"<w:vMerge w:val="continue" />"#));
        assert_eq!(texts(&tables[0][3][1]), "公告栏");
    }

    #[test]
    fn archived_blanks_and_text() {
        let text = zero_tables(&FORMAT_2021)
            .replace(
                "received = [0, 0, 0, 0, 0, 0, 0]",
                "received = [5, \"\", \"\", \"\", \"\", \"\", \"\"]",
            )
            .replace(
                "regulations = [0, 0, 0]",
                "regulations = [\"22（其中修订 16 件）\", \"/\", 3]",
            )
            .replace("fees = 0", "fees = \"251000元\"");
        let r = report(&text, "只有一段文字。\u{1}\u{FFFF}\n", true, true);
        let bytes = report_docx(&r, "寺下镇人民政府").unwrap();
        let doc = part(&bytes, "word/document.xml");
        let all = texts(&doc);
        for s in ["22（其中修订 16 件）", "251000元", "只有一段文字。"] {
            assert!(all.contains(s), "{s}");
        }
        assert!(!doc.contains('\u{1}') && !doc.contains('\u{FFFF}'));
        // the three section headings the narrative lacks are added
        assert_eq!(count(&doc, r#"<w:pStyle w:val="NbHeading1" />"#), 3);
    }

    #[test]
    fn archived_with_missing_rows_and_tables() {
        let text: String = zero_tables(&FORMAT_2021)
            .lines()
            .filter(|l| !l.starts_with("received") && !l.starts_with("licensing"))
            .map(|l| format!("{l}\n"))
            .collect();
        // no table 四 at all
        let text = text.split("[appeals]").next().unwrap();
        let r = report(text, "", false, true);
        let doc = part(&report_docx(&r, "").unwrap(), "word/document.xml");
        let all = texts(&doc);
        assert!(
            all.contains("行政许可") && all.contains("三、本年度办理结果"),
            "{all}"
        );
    }

    #[test]
    fn any_grid_is_laid_out() {
        let cell = |text: &str, colspan: usize, rowspan: usize| GridCell {
            text: text.into(),
            colspan,
            rowspan,
            role: Role::Value,
            numeric: false,
        };
        let grids = [
            // spans running past the grid, overlapping, zero; short and long rows
            Grid {
                name: "表1".into(),
                title: String::new(),
                columns: 2,
                header_rows: 9,
                label_columns: 5,
                rows: vec![
                    vec![cell("a", 0, 0), cell("b", 1, 9)],
                    vec![cell("c", 4, 1), cell("d", 1, 1)],
                    vec![],
                    vec![cell("e", 1, 2), cell("f", 3, 1), cell("g", 1, 1)],
                ],
            },
            Grid {
                name: "表2".into(),
                title: String::new(),
                columns: 0,
                header_rows: 0,
                label_columns: 0,
                rows: vec![vec![]],
            },
            Grid {
                name: "表3".into(),
                title: String::new(),
                columns: 400,
                header_rows: 0,
                label_columns: 0,
                rows: vec![vec![cell(&"长".repeat(500), 400, 1)], vec![cell("1", 1, 1)]],
            },
        ];
        for g in &grids {
            let (width, rows) = place(g);
            for row in &rows {
                // every row fills the width, without gaps or overlaps
                let mut col = 0;
                for p in row {
                    assert_eq!(p.col, col, "{}", g.name);
                    col += p.span;
                }
                assert_eq!(col, width, "{}", g.name);
            }
            let widths = column_widths(g, &rows, width, 210.0, 170.0);
            assert_eq!(widths.len(), width);
            assert_eq!(widths.iter().sum::<usize>(), TEXT_WIDTH, "{}", g.name);
            assert!(word_table(g).is_some());
        }
        let empty = Grid {
            rows: Vec::new(),
            ..grids[1].clone()
        };
        assert!(word_table(&empty).is_none());
        let (width, rows) = place(&grids[0]);
        assert_eq!(width, 6);
        // b merges down to the last row, its places skipped by the cells below
        assert_eq!(
            rows[1][1].kind,
            Kind::Continue {
                origin: &grids[0].rows[0][1]
            }
        );
        assert_eq!(
            rows[3][1].kind,
            Kind::Continue {
                origin: &grids[0].rows[0][1]
            }
        );
    }

    #[test]
    fn deterministic_and_described() {
        let r = report(&zero_tables(&FORMAT_2021), BODY, true, false);
        let a = report_docx(&r, "寺下镇人民政府").unwrap();
        // paragraphs built elsewhere on this thread do not change the ids
        let _ = Paragraph::new();
        let b = report_docx(&r, "寺下镇人民政府").unwrap();
        let c = std::thread::scope(|s| {
            s.spawn(|| report_docx(&r, "寺下镇人民政府").unwrap())
                .join()
                .unwrap()
        });
        assert!(a == b && b == c);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&a)).unwrap();
        let names: Vec<String> = (0..zip.len())
            .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names[0], "[Content_Types].xml");
        for i in 0..zip.len() {
            let f = zip.by_index(i).unwrap();
            let t = f.last_modified().unwrap();
            assert_eq!(
                (t.year(), t.month(), t.day()),
                (2025, 1, 20),
                "{:?}",
                f.name()
            );
        }
        let core = part(&a, "docProps/core.xml");
        assert!(core.contains("<dc:title>寺下镇2024年政府信息公开工作年度报告</dc:title>"));
        assert!(core.contains("<dc:creator>寺下镇人民政府</dc:creator>"));
        assert!(core.contains(">2025-01-20T00:00:00Z</dcterms:modified>"));
        assert!(!part(&a, "word/document.xml").contains("paraId"));
        let fonts = part(&a, "word/fontTable.xml");
        assert!(fonts.contains(r#"<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>"#));
    }

    #[test]
    fn styles_follow_the_official_format() {
        let r = report(&zero_tables(&FORMAT_2021), BODY, true, false);
        let styles = part(&report_docx(&r, "o").unwrap(), "word/styles.xml");
        let style = |id: &str| {
            let at = styles
                .find(&format!("w:styleId=\"{id}\""))
                .unwrap_or_else(|| panic!("{id}"));
            styles[at..].split("</w:style>").next().unwrap().to_string()
        };
        let title = style("NbTitle");
        assert!(
            title.contains(r#"w:eastAsia="方正小标宋简体""#)
                && title.contains(r#"<w:sz w:val="44" />"#)
                && title.contains("<w:b />")
                && title.contains(r#"<w:jc w:val="center" />"#),
            "{title}"
        );
        let body = style("NbBody");
        assert!(
            body.contains(r#"w:eastAsia="仿宋_GB2312""#)
                && body.contains(r#"<w:sz w:val="32" />"#)
                && body.contains(r#"w:firstLine="640""#)
                && body.contains(r#"w:line="578" w:lineRule="exact""#),
            "{body}"
        );
        // schema order: name, basedOn, next, …, pPr before rPr
        let h1 = style("NbHeading1");
        assert!(
            h1.contains(r#"w:eastAsia="黑体""#)
                && h1.contains("<w:keepNext />")
                && h1.contains(r#"<w:outlineLvl w:val="0" />"#),
            "{h1}"
        );
        let pos = |s: &str| h1.find(s).unwrap_or_else(|| panic!("{s} in {h1}"));
        assert!(
            pos("<w:name") < pos("<w:basedOn")
                && pos("<w:basedOn") < pos("<w:next")
                && pos("<w:pPr>") < pos("<w:rPr>")
        );
        assert!(style("NbHeading2").contains(r#"w:eastAsia="楷体_GB2312""#));
        assert!(style("NbTableText").contains(r#"<w:sz w:val="21" />"#));
        assert!(style("NbTableTextSmall").contains(r#"<w:sz w:val="18" />"#));
    }

    /// Every report of the repository's sample site converts. With `NIANBAO_DOCX_SAMPLE=dir`,
    /// the documents are written there (to look at them in Word or LibreOffice).
    #[test]
    fn sample_site() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let loaded = crate::content::load_site(root);
        let Some(site) = loaded.site else {
            return;
        };
        for r in &site.reports {
            let name = site
                .org(&r.org)
                .map_or(r.org.as_str(), |o| o.config.name.as_str());
            let bytes = report_docx(r, name).unwrap();
            assert!(part(&bytes, "word/document.xml").contains(&xml_escape(&r.title)));
            if let Some(dir) = std::env::var_os("NIANBAO_DOCX_SAMPLE") {
                let path = std::path::Path::new(&dir).join(format!("{}-{}.docx", r.org, r.year));
                std::fs::write(path, bytes).unwrap();
            }
        }
        if let Some(dir) = std::env::var_os("NIANBAO_DOCX_SAMPLE") {
            for (name, r) in [
                (
                    "2019",
                    report(&zero_tables(&FORMAT_2019), BODY, true, false),
                ),
                ("custom", report(CUSTOM, BODY, true, false)),
            ] {
                let bytes = report_docx(&r, "寺下镇人民政府").unwrap();
                std::fs::write(
                    std::path::Path::new(&dir).join(format!("{name}.docx")),
                    bytes,
                )
                .unwrap();
            }
        }
    }
}
