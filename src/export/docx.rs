//! The report as a Word document (`<org>-<year>.docx`): the narrative and the tables as a clerk
//! would edit them into next year's draft, typeset after 党政机关公文格式 (GB/T 9704-2012) in
//! spirit.
//!
//! The style — fonts, sizes, line spacing, indent, page and margins, table look, page-number
//! format — is the theme's `docx/styles.toml`, read into a [`DocxStyle`] (a theme may set only
//! the keys it changes), with the font names of site.toml's `[fonts]` laid over it
//! ([`DocxStyle::with_site_fonts`]). With the default theme:
//!
//! - A4 portrait, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a 156 × 225 mm text
//!   block); the page number centred at the foot as a `PAGE` field, 「— 1 —」.
//! - Named paragraph styles, so the document can be restyled as a whole: 报告标题 (二号, bold,
//!   方正小标宋简体), 署名日期 (the organisation and the publication date under the title),
//!   报告正文 (三号 仿宋_GB2312, first line indented two characters — in twips, since LibreOffice
//!   ignores `firstLineChars` — at a fixed 28.9 pt line pitch, 22 lines a page), 一级标题 (一、…
//!   黑体), 二级标题 (（一）… 楷体_GB2312), 三级标题 (bold 仿宋), 表格标题 (a custom table's
//!   title), 表格文字 (五号 宋体, or 小五 for tables wider than 12 columns), 表后空行 and 页码.
//!   The font table names a fallback for each Chinese font (方正小标宋简体 → 宋体, 仿宋_GB2312
//!   → 仿宋, 楷体_GB2312 → 楷体).
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
use anyhow::{Context, Result, anyhow};
use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, HeightRule, LineSpacing, LineSpacingType, PageMargin,
    PageNum, Paragraph, Run, RunFonts, Shading, SpecialIndentType, Style, StyleType, Table,
    TableAlignmentType, TableBorder, TableBorderPosition, TableBorders, TableCell,
    TableCellMargins, TableLayoutType, TableRow, VAlignType, VMergeType, WidthType,
};
use std::io::Write;

/// The theme file holding the style, relative to the theme folder.
pub const STYLES_FILE: &str = "docx/styles.toml";

/// The Word file's style: the theme's `docx/styles.toml` (the default theme's copy documents
/// every key, in Chinese). Each field defaults to the default theme's value, so a theme's file
/// may set only the keys it changes.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocxStyle {
    pub fonts: FontNames,
    pub fallbacks: FontFallbacks,
    pub sizes: FontSizes,
    pub bold: Bold,
    pub spacing: Spacing,
    pub page: PageSetup,
    pub table: TableFormat,
}

/// `[fonts]`: font names by role.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FontNames {
    /// 报告标题.
    pub title: String,
    /// 报告正文, and bold for 三级标题.
    pub body: String,
    /// 一级标题 (一、…) and a custom table's title.
    pub heading: String,
    /// 二级标题 (（一）…) and the byline.
    pub subheading: String,
    /// Table text and the page number.
    pub table: String,
    /// Latin letters and figures in the body, the byline, the tables and the page number.
    pub latin: String,
}

impl Default for FontNames {
    fn default() -> Self {
        FontNames {
            title: "方正小标宋简体".into(),
            body: "仿宋_GB2312".into(),
            heading: "黑体".into(),
            subheading: "楷体_GB2312".into(),
            table: "宋体".into(),
            latin: "Times New Roman".into(),
        }
    }
}

/// `[fallbacks]`: the font Word substitutes when a role's font is missing (`w:altName`);
/// empty for none.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FontFallbacks {
    pub title: String,
    pub body: String,
    pub heading: String,
    pub subheading: String,
    pub table: String,
}

impl Default for FontFallbacks {
    fn default() -> Self {
        FontFallbacks {
            title: "宋体".into(),
            body: "仿宋".into(),
            heading: "SimHei".into(),
            subheading: "楷体".into(),
            table: "SimSun".into(),
        }
    }
}

/// `[sizes]`: font sizes in points.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FontSizes {
    /// 二号.
    pub title: f64,
    /// 三号; also the byline's.
    pub body: f64,
    /// 一级, 二级 and 三级标题: the body's size when unset.
    pub heading: Option<f64>,
    pub subheading: Option<f64>,
    pub minor: Option<f64>,
    /// 五号.
    pub table: f64,
    /// 小五, for tables wider than [`TableFormat::small_above`] columns.
    pub table_small: f64,
    /// 四号.
    pub page_number: f64,
}

impl Default for FontSizes {
    fn default() -> Self {
        FontSizes {
            title: 22.0,
            body: 16.0,
            heading: None,
            subheading: None,
            minor: None,
            table: 10.5,
            table_small: 9.0,
            page_number: 14.0,
        }
    }
}

/// `[bold]`: which headings are bold.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bold {
    pub title: bool,
    pub heading: bool,
    pub subheading: bool,
    pub minor: bool,
}

impl Default for Bold {
    fn default() -> Self {
        Bold {
            title: true,
            heading: false,
            subheading: false,
            minor: true,
        }
    }
}

/// `[spacing]`: line pitch and indent.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Spacing {
    /// The body's fixed line pitch, in points: 22 lines in the 225 mm text block. The byline
    /// keeps half a line above and a line below it, a table half a line below it.
    pub line: f64,
    /// The title's fixed line pitch, in points.
    pub title_line: f64,
    /// The body's first-line indent, in characters of the body size.
    pub first_line_indent: f64,
}

impl Default for Spacing {
    fn default() -> Self {
        Spacing {
            line: 28.9,
            title_line: 32.0,
            first_line_indent: 2.0,
        }
    }
}

/// `[page]`: paper and margins in millimetres, and the page-number format.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageSetup {
    pub width: f64,
    pub height: f64,
    pub margin_top: f64,
    pub margin_bottom: f64,
    pub margin_left: f64,
    pub margin_right: f64,
    /// The footer (the page number) from the bottom edge.
    pub footer: f64,
    /// The page number's text, `{page}` standing for the number.
    pub page_number: String,
}

impl Default for PageSetup {
    fn default() -> Self {
        PageSetup {
            width: 210.0,
            height: 297.0,
            margin_top: 37.0,
            margin_bottom: 35.0,
            margin_left: 28.0,
            margin_right: 26.0,
            footer: 22.0,
            page_number: "— {page} —".into(),
        }
    }
}

/// `[table]`: the look of the tables.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TableFormat {
    /// Tables with more columns than this (table 四: 15) are set in the small size.
    pub small_above: usize,
    /// Line spacing of table text, a multiple of single spacing.
    pub line: f64,
    /// Shading of header cells, RGB in hex (a leading `#` allowed).
    pub header_fill: String,
    /// Border width in points, and colour.
    pub border: f64,
    pub border_color: String,
    /// Left and right cell padding, in millimetres, of normal and of small tables.
    pub padding: f64,
    pub small_padding: f64,
}

impl Default for TableFormat {
    fn default() -> Self {
        TableFormat {
            small_above: 12,
            line: 1.0,
            header_fill: "D9D9D9".into(),
            border: 0.5,
            border_color: "000000".into(),
            padding: 1.5,
            small_padding: 1.0,
        }
    }
}

/// Where the page number goes in [`PageSetup::page_number`].
const PAGE_PLACEHOLDER: &str = "{page}";

impl DocxStyle {
    /// The style from a theme's `docx/styles.toml` (None: the defaults). A syntax error, an
    /// unknown key or a value out of range is an error naming the file (and the line).
    pub fn from_theme(text: Option<&str>) -> Result<DocxStyle> {
        let Some(text) = text else {
            return Ok(DocxStyle::default());
        };
        let style: DocxStyle = toml::from_str(text).map_err(|e| {
            let msg = e.message().trim();
            match e.span() {
                Some(span) => {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    anyhow!("主题文件 {STYLES_FILE} 第 {line} 行第 {column} 列：{msg}")
                }
                None => anyhow!("主题文件 {STYLES_FILE}：{msg}"),
            }
        })?;
        style
            .check()
            .map_err(|m| anyhow!("主题文件 {STYLES_FILE}：{m}"))?;
        Ok(style)
    }

    /// The style with the fonts site.toml's `[fonts]` names: title → the title's font, body →
    /// the body's, heading → 一、 headings', subheading → （一） headings'.
    pub fn with_site_fonts(mut self, fonts: &crate::config::FontsConfig) -> DocxStyle {
        let f = &mut self.fonts;
        for (name, slot) in [
            (&fonts.title, &mut f.title),
            (&fonts.body, &mut f.body),
            (&fonts.heading, &mut f.heading),
            (&fonts.subheading, &mut f.subheading),
        ] {
            if let Some(name) = name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                *slot = name.to_string();
            }
        }
        self
    }

    /// Values no document can have, in Chinese for the theme's author.
    fn check(&self) -> std::result::Result<(), String> {
        let f = &self.fonts;
        for (key, name) in [
            ("title", &f.title),
            ("body", &f.body),
            ("heading", &f.heading),
            ("subheading", &f.subheading),
            ("table", &f.table),
            ("latin", &f.latin),
        ] {
            if name.trim().is_empty() {
                return Err(format!("[fonts] 的 {key} 不能为空"));
            }
        }
        let range = |section: &str, key: &str, v: f64, lo: f64, hi: f64| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!(
                    "[{section}] 的 {key} 应在 {lo} 到 {hi} 之间，现为 {v}"
                ))
            }
        };
        let s = &self.sizes;
        for (key, v) in [
            ("title", Some(s.title)),
            ("body", Some(s.body)),
            ("heading", s.heading),
            ("subheading", s.subheading),
            ("minor", s.minor),
            ("table", Some(s.table)),
            ("table_small", Some(s.table_small)),
            ("page_number", Some(s.page_number)),
        ] {
            if let Some(v) = v {
                range("sizes", key, v, 1.0, 400.0)?;
            }
        }
        let sp = &self.spacing;
        range("spacing", "line", sp.line, 1.0, 1000.0)?;
        range("spacing", "title_line", sp.title_line, 1.0, 1000.0)?;
        range(
            "spacing",
            "first_line_indent",
            sp.first_line_indent,
            0.0,
            20.0,
        )?;
        let p = &self.page;
        range("page", "width", p.width, 50.0, 558.0)?;
        range("page", "height", p.height, 50.0, 558.0)?;
        for (key, v) in [
            ("margin_top", p.margin_top),
            ("margin_bottom", p.margin_bottom),
            ("margin_left", p.margin_left),
            ("margin_right", p.margin_right),
            ("footer", p.footer),
        ] {
            range("page", key, v, 0.0, 200.0)?;
        }
        if p.width - p.margin_left - p.margin_right < 30.0
            || p.height - p.margin_top - p.margin_bottom < 30.0
        {
            return Err("[page] 的页边距过大，版心不足 30 毫米".into());
        }
        if p.page_number.matches(PAGE_PLACEHOLDER).count() != 1 {
            return Err(format!(
                "[page] 的 page_number 应含一处 {PAGE_PLACEHOLDER}（页码所在位置），现为 {:?}",
                p.page_number
            ));
        }
        let t = &self.table;
        range("table", "line", t.line, 0.1, 10.0)?;
        range("table", "border", t.border, 0.0, 6.0)?;
        range("table", "padding", t.padding, 0.0, 20.0)?;
        range("table", "small_padding", t.small_padding, 0.0, 20.0)?;
        for (key, colour) in [
            ("header_fill", &t.header_fill),
            ("border_color", &t.border_color),
        ] {
            let hex = hex_colour(colour);
            if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!(
                    "[table] 的 {key} 应为六位十六进制色值，如 \"D9D9D9\"，现为 {colour:?}"
                ));
            }
        }
        Ok(())
    }

    /// The text block's width, in twips: every table is exactly this wide.
    pub fn text_width(&self) -> usize {
        let p = &self.page;
        (mm(p.width) - mm(p.margin_left) - mm(p.margin_right)).max(1) as usize
    }

    /// The body's line pitch, in twips.
    fn line(&self) -> i32 {
        pt(self.spacing.line)
    }

    /// The fonts of the font table: name, fallback name (`w:altName`), character set, family;
    /// each name once.
    fn font_table(&self) -> Vec<(&str, &str, &str, &str)> {
        let (f, b) = (&self.fonts, &self.fallbacks);
        let all = [
            (f.latin.as_str(), "", "00", "roman"),
            (&f.title, &b.title, "86", "auto"),
            (&f.body, &b.body, "86", "modern"),
            (&f.subheading, &b.subheading, "86", "modern"),
            (&f.heading, &b.heading, "86", "modern"),
            (&f.table, &b.table, "86", "auto"),
        ];
        let mut out: Vec<(&str, &str, &str, &str)> = Vec::new();
        for (name, alt, charset, family) in all {
            if name.is_empty() || out.iter().any(|o| o.0 == name) {
                continue;
            }
            let alt = if alt == name { "" } else { alt };
            out.push((name, alt, charset, family));
        }
        out
    }
}

/// A colour as Word writes it: without a leading `#`.
fn hex_colour(s: &str) -> &str {
    s.trim().trim_start_matches('#')
}

/// Millimetres → twips (1/20 pt).
fn mm(v: f64) -> i32 {
    (v * 1440.0 / 25.4).round() as i32
}

/// Points → twips.
fn pt(v: f64) -> i32 {
    (v * 20.0).round() as i32
}

/// Points → half-points, the unit of font sizes.
fn half_points(v: f64) -> usize {
    (v * 2.0).round().max(1.0) as usize
}

/// Header distance from the page edge (the document has no header), in twips.
const HEADER_DISTANCE: i32 = 851;

/// The last paragraph's line pitch when it follows a table (1 pt, lest it make a blank page).
const LAST_LINE: i32 = 20;

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
pub fn report_docx(report: &Report, org_name: &str, style: &DocxStyle) -> Result<Vec<u8>> {
    let what = format!("{}-{}.docx", report.org, report.year);
    build(report, org_name, style).with_context(|| format!("writing {what}"))
}

fn build(report: &Report, org_name: &str, style: &DocxStyle) -> Result<Vec<u8>> {
    let page = &style.page;
    let (before, after) = page
        .page_number
        .split_once(PAGE_PLACEHOLDER)
        .unwrap_or((page.page_number.as_str(), ""));
    let mut number = Paragraph::new().style(STYLE_PAGE_NUMBER.0);
    if !before.is_empty() {
        number = number.add_run(text_run(before));
    }
    number = number.add_page_num(PageNum::new());
    if !after.is_empty() {
        number = number.add_run(text_run(after));
    }
    let mut docx = Docx::new()
        .page_size(mm(page.width).max(1) as u32, mm(page.height).max(1) as u32)
        .page_margin(
            PageMargin::new()
                .top(mm(page.margin_top))
                .bottom(mm(page.margin_bottom))
                .left(mm(page.margin_left))
                .right(mm(page.margin_right))
                .header(HEADER_DISTANCE)
                .footer(mm(page.footer)),
        )
        .default_fonts(fonts_latin(&style.fonts.body, &style.fonts.latin))
        .default_size(half_points(style.sizes.body))
        .footer(Footer::new().add_paragraph(number));
    for s in styles(style) {
        docx = docx.add_style(s);
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
                if let Some(table) = word_table(grid, style) {
                    // A paragraph after every table: two tables in a row would merge into one,
                    // and a document must not end with a table (there, a 1 pt one, lest it
                    // make a blank last page).
                    let mut after = Paragraph::new().style(STYLE_AFTER_TABLE.0);
                    if k + 1 == n {
                        after = after.line_spacing(exact(LAST_LINE));
                    }
                    docx = docx.add_table(table).add_paragraph(after);
                }
            }
        }
    }
    package(docx, report, org_name, style)
}

/// The same font for Latin and Chinese text.
fn fonts(name: &str) -> RunFonts {
    RunFonts::new()
        .ascii(name)
        .hi_ansi(name)
        .east_asia(name)
        .cs(name)
}

/// A Chinese font with another (Times New Roman) for Latin letters and figures.
fn fonts_latin(east_asia: &str, latin: &str) -> RunFonts {
    RunFonts::new()
        .ascii(latin)
        .hi_ansi(latin)
        .cs(latin)
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

fn styles(style: &DocxStyle) -> Vec<Style> {
    let (f, sizes, bold) = (&style.fonts, &style.sizes, &style.bold);
    let line = style.line();
    let body_size = half_points(sizes.body);
    let body = paragraph_style(STYLE_BODY)
        .fonts(fonts_latin(&f.body, &f.latin))
        .size(body_size)
        .align(AlignmentType::Both)
        .indent(
            Some(0),
            Some(SpecialIndentType::FirstLine(pt(style
                .spacing
                .first_line_indent
                * sizes.body))),
            None,
            None,
        )
        .line_spacing(exact(line));
    // headings are based on the body: their size only when it differs, bold only when asked
    let heading = |s: (&str, &str), level: usize, size: Option<f64>, bold: bool| {
        let mut h = paragraph_style(s)
            .based_on(STYLE_BODY.0)
            .next(STYLE_BODY.0)
            .outline_lvl(level);
        if let Some(size) = size {
            h = h.size(half_points(size));
        }
        if bold {
            h = h.bold();
        }
        keep_with_next(h)
    };
    let table = paragraph_style(STYLE_TABLE)
        .fonts(fonts_latin(&f.table, &f.latin))
        .size(half_points(sizes.table))
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Auto)
                .line((style.table.line * 240.0).round() as i32)
                .before(0)
                .after(0),
        );
    let mut title = paragraph_style(STYLE_TITLE)
        .fonts(fonts(&f.title))
        .size(half_points(sizes.title));
    if bold.title {
        title = title.bold();
    }
    vec![
        title
            .align(AlignmentType::Center)
            .line_spacing(exact(pt(style.spacing.title_line)))
            .next(STYLE_BYLINE.0),
        paragraph_style(STYLE_BYLINE)
            .fonts(fonts_latin(&f.subheading, &f.latin))
            .size(body_size)
            .align(AlignmentType::Center)
            .line_spacing(
                exact(line)
                    .before(line.max(0) as u32 / 2)
                    .after(line.max(0) as u32),
            )
            .next(STYLE_BODY.0),
        body,
        heading(STYLE_HEADING_1, 0, sizes.heading, bold.heading).fonts(fonts(&f.heading)),
        heading(STYLE_HEADING_2, 1, sizes.subheading, bold.subheading).fonts(fonts(&f.subheading)),
        heading(STYLE_HEADING_3, 2, sizes.minor, bold.minor),
        keep_with_next(
            paragraph_style(STYLE_CAPTION)
                .based_on(STYLE_BODY.0)
                .fonts(fonts(&f.heading))
                .align(AlignmentType::Center)
                .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None),
        ),
        // half a line: the gap below a table (and no blank page when a table ends one)
        paragraph_style(STYLE_AFTER_TABLE)
            .based_on(STYLE_BODY.0)
            .next(STYLE_BODY.0)
            .line_spacing(exact(line / 2)),
        table,
        paragraph_style(STYLE_TABLE_SMALL)
            .based_on(STYLE_TABLE.0)
            .size(half_points(sizes.table_small)),
        paragraph_style(STYLE_PAGE_NUMBER)
            .fonts(fonts_latin(&f.table, &f.latin))
            .size(half_points(sizes.page_number))
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
fn column_widths(
    grid: &Grid,
    rows: &[Vec<Placed>],
    width: usize,
    em: f64,
    pad: f64,
    text_width: usize,
) -> Vec<usize> {
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
    let total = text_width as f64;
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
        *last = (*last + text_width).saturating_sub(sum).max(1);
    }
    out
}

/// A grid as a Word table; None when it has no rows.
fn word_table(grid: &Grid, docx_style: &DocxStyle) -> Option<Table> {
    if grid.rows.is_empty() {
        return None;
    }
    let (width, rows) = place(grid);
    let t = &docx_style.table;
    let small = width > t.small_above;
    let (style, size, pad) = if small {
        (
            STYLE_TABLE_SMALL.0,
            docx_style.sizes.table_small,
            t.small_padding,
        )
    } else {
        (STYLE_TABLE.0, docx_style.sizes.table, t.padding)
    };
    let pad = mm(pad).max(0) as usize;
    let em = half_points(size) as f64 * 10.0; // half-points → twips
    let text_width = docx_style.text_width();
    let widths = column_widths(grid, &rows, width, em, 2.0 * pad as f64, text_width);
    let fill = hex_colour(&t.header_fill);
    let header_rows = grid.header_rows.min(rows.len());
    let rows: Vec<TableRow> = rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let cells = row
                .iter()
                .map(|p| word_cell(p, &widths, style, fill))
                .collect();
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
        b.set(
            TableBorder::new(pos)
                .size((t.border * 8.0).round() as usize)
                .color(hex_colour(&t.border_color)),
        )
    });
    Some(
        Table::new(rows)
            .set_grid(widths)
            .width(text_width, WidthType::Dxa)
            .align(TableAlignmentType::Center)
            .layout(TableLayoutType::Fixed)
            .margins(TableCellMargins::new().margin(0, pad, 0, pad))
            .set_borders(borders),
    )
}

fn word_cell(p: &Placed, widths: &[usize], style: &str, fill: &str) -> TableCell {
    let width: usize = widths.iter().skip(p.col).take(p.span).sum();
    let mut tc = TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center);
    if p.span > 1 {
        tc = tc.grid_span(p.span);
    }
    let shade = |tc: TableCell, cell: &GridCell| {
        if matches!(cell.role, Role::Header | Role::Note) {
            tc.shading(Shading::new().fill(fill))
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

fn font_table_xml(style: &DocxStyle) -> String {
    let mut s = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
    ));
    for (name, alt, charset, family) in style.font_table() {
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
fn package(docx: Docx, report: &Report, org_name: &str, style: &DocxStyle) -> Result<Vec<u8>> {
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
        ("word/fontTable.xml".into(), font_table_xml(style)),
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

    /// The default text block's width, in twips (156 mm).
    fn text_width() -> usize {
        DocxStyle::default().text_width()
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
        let bytes = report_docx(&r, "寺下镇人民政府", &DocxStyle::default()).unwrap();
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
                &report_docx(&r, "寺下镇人民政府", &DocxStyle::default()).unwrap(),
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
                assert_eq!(cols.iter().sum::<usize>(), text_width(), "{}", g.name);
                if g.label_columns > 0 {
                    let widest_value = cols[g.label_columns..].iter().max().unwrap();
                    let widest_label = cols[..g.label_columns].iter().max().unwrap();
                    assert!(widest_label > widest_value, "{}: {cols:?}", g.name);
                }
            }
            assert_eq!(
                count(
                    &doc,
                    &format!(r#"<w:tblW w:w="{}" w:type="dxa" />"#, text_width())
                ),
                grids.len()
            );
        }
    }

    #[test]
    fn national_2019() {
        let r = report(&zero_tables(&FORMAT_2019), BODY, false, false);
        let bytes = report_docx(&r, "寺下镇人民政府", &DocxStyle::default()).unwrap();
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
            &report_docx(&r, "寺下镇人民政府", &DocxStyle::default()).unwrap(),
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
        let bytes = report_docx(&r, "寺下镇人民政府", &DocxStyle::default()).unwrap();
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
        let doc = part(
            &report_docx(&r, "", &DocxStyle::default()).unwrap(),
            "word/document.xml",
        );
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
            key: None,
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
            let widths = column_widths(g, &rows, width, 210.0, 170.0, text_width());
            assert_eq!(widths.len(), width);
            assert_eq!(widths.iter().sum::<usize>(), text_width(), "{}", g.name);
            assert!(word_table(g, &DocxStyle::default()).is_some());
        }
        let empty = Grid {
            rows: Vec::new(),
            ..grids[1].clone()
        };
        assert!(word_table(&empty, &DocxStyle::default()).is_none());
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
        let a = report_docx(&r, "寺下镇人民政府", &DocxStyle::default()).unwrap();
        // paragraphs built elsewhere on this thread do not change the ids
        let _ = Paragraph::new();
        let b = report_docx(&r, "寺下镇人民政府", &DocxStyle::default()).unwrap();
        let c = std::thread::scope(|s| {
            s.spawn(|| report_docx(&r, "寺下镇人民政府", &DocxStyle::default()).unwrap())
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
        let styles = part(
            &report_docx(&r, "o", &DocxStyle::default()).unwrap(),
            "word/styles.xml",
        );
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

    /// The default theme's embedded file, as the build reads it.
    fn default_theme_styles() -> &'static str {
        crate::render::theme::DEFAULT_THEME
            .iter()
            .find(|(path, _)| *path == STYLES_FILE)
            .map(|(_, bytes)| std::str::from_utf8(bytes).unwrap())
            .expect("docx/styles.toml embedded in the default theme")
    }

    fn styled(style: &DocxStyle) -> Vec<u8> {
        let r = report(&zero_tables(&FORMAT_2021), BODY, true, false);
        report_docx(&r, "寺下镇人民政府", style).unwrap()
    }

    #[test]
    fn default_theme_file_is_the_default_style() {
        let text = default_theme_styles();
        assert_eq!(
            DocxStyle::from_theme(Some(text)).unwrap(),
            DocxStyle::default()
        );
        assert_eq!(DocxStyle::from_theme(None).unwrap(), DocxStyle::default());
        assert_eq!(text_width(), 11906 - 1587 - 1474);
        // the keys left unset (commented out) are valid when set
        let set = text
            .replace("# heading = 16", "heading = 16")
            .replace("# subheading = 16", "subheading = 16")
            .replace("# minor = 16", "minor = 16");
        let s = DocxStyle::from_theme(Some(&set)).unwrap();
        assert_eq!(
            (s.sizes.heading, s.sizes.subheading, s.sizes.minor),
            (Some(16.0), Some(16.0), Some(16.0))
        );
    }

    #[test]
    fn a_partial_override_changes_only_its_keys() {
        let style = DocxStyle::from_theme(Some(
            "# 只改两项\n[fonts]\nbody = \"仿宋\"\n\n[sizes]\ntitle = 24\n",
        ))
        .unwrap();
        let mut expected = DocxStyle::default();
        expected.fonts.body = "仿宋".into();
        expected.sizes.title = 24.0;
        assert_eq!(style, expected);
        let (before, after) = (styled(&DocxStyle::default()), styled(&style));
        let old = part(&before, "word/styles.xml");
        let new = part(&after, "word/styles.xml");
        assert_eq!(count(&old, r#"w:val="44""#), 2, "{old}"); // the title's sz and szCs
        assert_eq!(
            new,
            old.replace("仿宋_GB2312", "仿宋")
                .replace(r#"w:val="44""#, r#"w:val="48""#)
        );
        assert_eq!(
            part(&before, "word/document.xml"),
            part(&after, "word/document.xml")
        );
        // the body font is its own fallback now: no altName
        let fonts = part(&after, "word/fontTable.xml");
        assert!(
            fonts.contains(r#"<w:font w:name="仿宋"><w:charset w:val="86"/>"#),
            "{fonts}"
        );
    }

    #[test]
    fn site_fonts_override_the_theme() {
        let theme = "[fonts]\ntitle = \"宋体\"\nbody = \"仿宋\"\n";
        let site = crate::config::FontsConfig {
            title: None,
            body: Some("方正仿宋_GBK".into()),
            heading: Some("方正黑体_GBK".into()),
            subheading: Some(" ".into()),
        };
        let style = DocxStyle::from_theme(Some(theme))
            .unwrap()
            .with_site_fonts(&site);
        let f = &style.fonts;
        assert_eq!(
            [&f.title, &f.body, &f.heading, &f.subheading, &f.table],
            [
                "宋体",
                "方正仿宋_GBK",
                "方正黑体_GBK",
                "楷体_GB2312",
                "宋体"
            ]
        );
        let bytes = styled(&style);
        let styles = part(&bytes, "word/styles.xml");
        let style_xml = |id: &str| {
            let at = styles.find(&format!("w:styleId=\"{id}\"")).unwrap();
            styles[at..].split("</w:style>").next().unwrap().to_string()
        };
        assert!(style_xml("NbBody").contains(r#"w:eastAsia="方正仿宋_GBK""#));
        assert!(style_xml("NbHeading1").contains(r#"w:eastAsia="方正黑体_GBK""#));
        assert!(style_xml("NbHeading2").contains(r#"w:eastAsia="楷体_GB2312""#));
        assert!(style_xml("NbTitle").contains(r#"w:eastAsia="宋体""#));
        // the fallbacks follow the role; a font named twice is listed once
        let fonts = part(&bytes, "word/fontTable.xml");
        assert!(fonts.contains(r#"<w:font w:name="方正仿宋_GBK"><w:altName w:val="仿宋"/>"#));
        assert!(fonts.contains(r#"<w:font w:name="方正黑体_GBK"><w:altName w:val="SimHei"/>"#));
        assert_eq!(count(&fonts, r#"<w:font w:name="宋体">"#), 1, "{fonts}");
    }

    #[test]
    fn other_values_reach_the_document() {
        let style = DocxStyle::from_theme(Some(concat!(
            "[sizes]\nheading = 18\n[bold]\ntitle = false\nheading = true\n",
            "[spacing]\nline = 30\nfirst_line_indent = 0\n",
            "[page]\nmargin_left = 30\npage_number = \"第 {page} 页\"\n",
            "[table]\nheader_fill = \"#EEEEEE\"\nborder = 1\nsmall_above = 20\n",
        )))
        .unwrap();
        let bytes = styled(&style);
        let styles = part(&bytes, "word/styles.xml");
        let h1 = styles[styles.find(r#"w:styleId="NbHeading1""#).unwrap()..]
            .split("</w:style>")
            .next()
            .unwrap();
        assert!(
            h1.contains(r#"<w:sz w:val="36" />"#) && h1.contains("<w:b />"),
            "{h1}"
        );
        let title = styles[styles.find(r#"w:styleId="NbTitle""#).unwrap()..]
            .split("</w:style>")
            .next()
            .unwrap();
        assert!(!title.contains("<w:b />"), "{title}");
        assert!(styles.contains(r#"w:line="600" w:lineRule="exact""#));
        assert!(styles.contains(r#"w:firstLine="0""#));
        let doc = part(&bytes, "word/document.xml");
        assert!(doc.contains(r#"w:left="1701""#), "{doc}");
        assert!(doc.contains(r#"w:fill="EEEEEE""#));
        assert!(doc.contains(r#"<w:top w:val="single" w:sz="8""#), "{doc}");
        assert!(!doc.contains("NbTableTextSmall"));
        let width = DocxStyle {
            page: PageSetup {
                margin_left: 30.0,
                ..PageSetup::default()
            },
            ..DocxStyle::default()
        }
        .text_width();
        assert_eq!(width, style.text_width());
        assert!(doc.contains(&format!(r#"<w:tblW w:w="{width}" w:type="dxa" />"#)));
        let footer = part(&bytes, "word/footer1.xml");
        assert_eq!(texts(&footer), "第 1 页", "{footer}");
    }

    #[test]
    fn bad_styles_are_errors_naming_the_file() {
        let err = |text: &str| format!("{:#}", DocxStyle::from_theme(Some(text)).unwrap_err());
        let e = err("[fonts]\nbody = \"仿宋\"\n\n[sizes]\nbodyy = 15\n");
        assert!(
            e.contains("docx/styles.toml") && e.contains("第 5 行") && e.contains("bodyy"),
            "{e}"
        );
        let e = err("colour = \"red\"\n");
        assert!(e.contains("第 1 行") && e.contains("colour"), "{e}");
        let e = err("[sizes]\ntitle = \"二号\"\n");
        assert!(
            e.contains("docx/styles.toml") && e.contains("第 2 行"),
            "{e}"
        );
        let e = err("[page]\nmargin_top = 1\nmargin_left = [\n");
        assert!(
            e.contains("docx/styles.toml") && e.contains("第 3 行"),
            "{e}"
        );
        for (text, key) in [
            ("[sizes]\nbody = 0\n", "body"),
            ("[sizes]\nheading = nan\n", "heading"),
            ("[fonts]\ntitle = \" \"\n", "title"),
            ("[page]\npage_number = \"第页\"\n", "page_number"),
            ("[page]\nmargin_left = 100\nmargin_right = 100\n", "[page]"),
            ("[table]\nheader_fill = \"grey\"\n", "header_fill"),
            ("[spacing]\nline = -1\n", "line"),
        ] {
            let e = err(text);
            assert!(
                e.contains("docx/styles.toml") && e.contains(key),
                "{text}: {e}"
            );
        }
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
            let style = DocxStyle::default().with_site_fonts(&site.config.fonts);
            let bytes = report_docx(r, name, &style).unwrap();
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
                let bytes = report_docx(&r, "寺下镇人民政府", &DocxStyle::default()).unwrap();
                std::fs::write(
                    std::path::Path::new(&dir).join(format!("{name}.docx")),
                    bytes,
                )
                .unwrap();
            }
        }
    }
}
