//! The tables of a report as an Excel workbook (`<org>-<year>.xlsx`): one worksheet per table
//! (「表二」「表三」「表四」, or 「表1」… for a custom-format report), each laid out as the printed
//! form and generated from the same format definitions as the HTML
//! ([`crate::render::tables_html`]): the section title merged across the top, the header rows
//! with their merged cells, the row labels merged as the form groups them, then the data.
//!
//! Every cell holds what the author wrote: counts and amounts as numbers (an amount keeps its
//! written precision through a number format), blanks as empty cells, text verbatim. Totals
//! (总计, （七）总计) are written as values, **not formulas**: a published report is a record, an
//! archived one may not add up, and a formula would silently replace the author's figure.
//!
//! The bytes are deterministic: the document's creation time is derived from the report (its
//! published date, else 1 January of the following year) and rust_xlsxwriter stamps every zip
//! entry with a fixed time, so two builds of the same report give the same file.

use crate::content::Report;
use crate::tables::grid::{self, GridCell, Role};
use crate::tables::{CustomTable, ReportTables, TableData, Value};
use anyhow::{Context, Result};
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};
use std::collections::HashSet;

const BODY_FONT: &str = "宋体";
const TITLE_FONT: &str = "黑体";
const BODY_SIZE: f64 = 11.0;
const TITLE_SIZE: f64 = 16.0;
const HEAD_FILL: u32 = 0xD9D9D9;
const LABEL_FILL: u32 = 0xF2F2F2;

/// Column widths, in Excel's units (about the width of a `0` of the default font).
const DATA_WIDTH: f64 = 10.0;
const LABEL_MIN: f64 = 10.0;
const LABEL_MAX: f64 = 40.0;
const CUSTOM_MIN: f64 = 8.0;
const CUSTOM_MAX: f64 = 30.0;
/// Width units of a full-width (CJK) and of a half-width character at the body size.
const WIDE_CHAR: f64 = 2.2;
const NARROW_CHAR: f64 = 1.1;
/// Room a cell's padding takes from its width.
const CELL_PAD: f64 = 1.0;
/// A multi-row label may wrap onto at most this many lines when choosing its column's width.
const SPAN_LINES: u32 = 3;

/// Row heights, in points.
const LINE_HEIGHT: f64 = 15.0;
const TITLE_LINE_HEIGHT: f64 = 22.0;
const ROW_PAD: f64 = 5.0;
const MIN_ROW_HEIGHT: f64 = 20.0;
const MIN_TITLE_HEIGHT: f64 = 32.0;
const MAX_ROW_HEIGHT: f64 = 409.0;

/// Excel's limits.
const MAX_COLS: u32 = 16_384;
const MAX_ROWS: u32 = 1_048_576;
/// Integers beyond this are not exact as a spreadsheet number: they are written as text.
const MAX_EXACT: u64 = 1 << 53;
/// A4, in Excel's paper-size numbering.
const PAPER_A4: u8 = 9;
/// Sheets wider than this (sum of column widths) are printed in landscape.
const LANDSCAPE_WIDTH: f64 = 100.0;

/// The workbook of a report's tables, as bytes.
pub fn report_xlsx(report: &Report, org_name: &str) -> Result<Vec<u8>> {
    let what = format!("{}-{}.xlsx", report.org, report.year);
    let created = creation_date(report).with_context(|| format!("{what}：创建日期"))?;
    tables_workbook(&report.tables, &report.title, org_name, &created, &[])
        .with_context(|| format!("生成 {what} 失败"))
}

/// A workbook of any tables (a report's, or a summary's) laid out as printed, with an
/// optional first sheet 「说明」 of notes, one per line. `created` fixes the document date so
/// the bytes are deterministic.
pub fn tables_workbook(
    tables: &ReportTables,
    title: &str,
    author: &str,
    created: &ExcelDateTime,
    notes: &[String],
) -> Result<Vec<u8>> {
    let sheets: Vec<Sheet> = match tables {
        ReportTables::National { tables, .. } => tables.iter().map(national_sheet).collect(),
        ReportTables::Custom(tables) => tables
            .iter()
            .enumerate()
            .map(|(i, t)| custom_sheet(t, i + 1))
            .collect(),
    };
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author(author)
            .set_creation_datetime(created),
    );
    if !notes.is_empty() {
        let ws = workbook.add_worksheet();
        ws.set_name("说明").context("工作表「说明」")?;
        ws.set_column_width(0, 100.0).context("工作表「说明」")?;
        let f = Format::new()
            .set_font_name(BODY_FONT)
            .set_font_size(BODY_SIZE);
        for (i, n) in notes.iter().enumerate() {
            let row = u32::try_from(i)
                .ok()
                .filter(|r| *r < MAX_ROWS)
                .context("说明过长")?;
            ws.write_string_with_format(row, 0, n, &f)
                .context("工作表「说明」")?;
        }
    }
    for sheet in &sheets {
        let ws = workbook.add_worksheet();
        write_sheet(ws, sheet).with_context(|| format!("工作表「{}」", sheet.name))?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// The date a generated workbook carries (creation time), from a calendar date.
pub fn excel_date(year: u16, month: u8, day: u8) -> Result<ExcelDateTime> {
    Ok(ExcelDateTime::from_ymd(year, month, day)?)
}

/// A fixed creation time: the published date, else 1 January after the report's year.
fn creation_date(report: &Report) -> Result<ExcelDateTime> {
    let published = report
        .front
        .published
        .and_then(|d| ExcelDateTime::from_ymd(d.year, d.month, d.day).ok());
    let next_year = || {
        report
            .year
            .checked_add(1)
            .and_then(|y| ExcelDateTime::from_ymd(y, 1, 1).ok())
    };
    match published.or_else(next_year) {
        Some(d) => Ok(d),
        None => ExcelDateTime::from_ymd(2000, 1, 1).context("固定日期"),
    }
}

// ---------------------------------------------------------------- the layout, as data

/// How a cell looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// The table's title above it (no border).
    Title,
    /// Column headers, the corner cell, the article rows of table 二.
    Head,
    /// A row group label (三、本年度办理结果, （三）不予公开): centred.
    Group,
    /// A row label: left-aligned.
    RowLabel,
    Data,
}

#[derive(Debug, Clone)]
enum Content {
    Label(String),
    Value(Value),
}

impl Content {
    fn text(&self) -> String {
        match self {
            Content::Label(s) => s.clone(),
            Content::Value(v) => v.display(),
        }
    }
}

/// A cell placed on the sheet, spanning `rows` × `cols` (0-based positions).
#[derive(Debug)]
struct Placed {
    row: u32,
    col: u32,
    rows: u32,
    cols: u32,
    content: Content,
    style: Style,
}

#[derive(Debug)]
struct Sheet {
    name: String,
    cells: Vec<Placed>,
    /// Leading columns that hold row labels (sized to their labels).
    label_cols: u32,
    /// The width of every other column; None: sized to the contents.
    data_width: Option<f64>,
    /// The first row and column that scroll.
    freeze: (u32, u32),
    /// Printed on one page, as the national form is (else one page wide, as long as it takes).
    one_page: bool,
    width: u32,
    height: u32,
}

impl Sheet {
    fn new(name: String) -> Self {
        Sheet {
            name,
            cells: Vec::new(),
            label_cols: 0,
            data_width: Some(DATA_WIDTH),
            freeze: (1, 0),
            one_page: true,
            width: 0,
            height: 0,
        }
    }

    fn put(
        &mut self,
        row: usize,
        col: usize,
        rows: usize,
        cols: usize,
        content: Content,
        style: Style,
    ) {
        let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        let (row, col, rows, cols) = (n(row), n(col), n(rows), n(cols));
        if rows == 0 || cols == 0 {
            return;
        }
        self.cells.push(Placed {
            row,
            col,
            rows,
            cols,
            content,
            style,
        });
    }

    /// Put the title across the table's width, above it.
    fn finish(mut self, title: String) -> Self {
        let right = |p: &Placed| p.col.saturating_add(p.cols);
        let bottom = |p: &Placed| p.row.saturating_add(p.rows);
        self.width = self.cells.iter().map(right).max().unwrap_or(0).max(1);
        self.height = self.cells.iter().map(bottom).max().unwrap_or(0).max(1);
        let width = self.width as usize;
        self.put(0, 0, 1, width, Content::Label(title), Style::Title);
        self
    }
}

/// Cells as a browser places them: skipping columns taken by a rowspan from above; a span
/// that would overlap another cell or run past the table is cut short. `first_row` is the
/// sheet row of the first grid row.
fn place_rows(s: &mut Sheet, rows: &[Vec<(usize, usize, Content, Style)>], first_row: u32) {
    let height = u32::try_from(rows.len())
        .unwrap_or(u32::MAX)
        .min(MAX_ROWS - 1 - first_row);
    let mut taken: HashSet<(u32, u32)> = HashSet::new();
    for (i, row) in (0..height).zip(rows.iter()) {
        let mut x = 0u32;
        for (colspan, rowspan, content, style) in row.iter() {
            while taken.contains(&(i, x)) {
                x += 1;
            }
            if x >= MAX_COLS {
                break;
            }
            let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
            let want_cols = n(*colspan).clamp(1, MAX_COLS - x);
            let mut cols = 1;
            while cols < want_cols && !taken.contains(&(i, x + cols)) {
                cols += 1;
            }
            let want_rows = n(*rowspan).clamp(1, height - i);
            let mut rows = 1;
            while rows < want_rows && (x..x + cols).all(|c| !taken.contains(&(i + rows, c))) {
                rows += 1;
            }
            for dy in 0..rows {
                for dx in 0..cols {
                    taken.insert((i + dy, x + dx));
                }
            }
            s.cells.push(Placed {
                row: first_row + i,
                col: x,
                rows,
                cols,
                content: content.clone(),
                style: *style,
            });
            x += cols;
        }
    }
}

/// The value a grid cell shows, as the number or text it is.
fn grid_value(c: &GridCell) -> Value {
    if c.text.is_empty() {
        Value::Blank
    } else if c.numeric {
        c.text
            .parse::<i64>()
            .map_or_else(|_| Value::Decimal(c.text.clone()), Value::Int)
    } else {
        Value::Text(c.text.clone())
    }
}

/// A national table: laid out from its printed grid (the same one as the page, the PDF and
/// the Word file), with the section title above it.
fn national_sheet(data: &TableData) -> Sheet {
    let g = grid::national(data);
    let mut s = Sheet::new(data.def.name());
    let rows: Vec<Vec<(usize, usize, Content, Style)>> = g
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| {
                    let (content, style) = match c.role {
                        Role::Header | Role::Note => (Content::Label(c.text.clone()), Style::Head),
                        Role::Label if c.rowspan > 1 => {
                            (Content::Label(c.text.clone()), Style::Group)
                        }
                        Role::Label => (Content::Label(c.text.clone()), Style::RowLabel),
                        Role::Value => (Content::Value(grid_value(c)), Style::Data),
                    };
                    (c.colspan, c.rowspan, content, style)
                })
                .collect()
        })
        .collect();
    place_rows(&mut s, &rows, 1);
    let n = |v: usize| u32::try_from(v).unwrap_or(0);
    s.label_cols = n(g.label_columns);
    s.freeze = (1 + n(g.header_rows), n(g.label_columns));
    s.finish(g.title)
}

/// A custom table: its title, its header rows, its body, spans as written. Cells are placed as
/// a browser places them (skipping columns taken by a rowspan from above); a span that would
/// overlap another cell or run past the table is cut short.
fn custom_sheet(t: &CustomTable, number: usize) -> Sheet {
    let mut s = Sheet::new(format!("表{number}"));
    let rows: Vec<Vec<(usize, usize, Content, Style)>> = t
        .header
        .iter()
        .map(|r| (r, Style::Head))
        .chain(t.rows.iter().map(|r| (r, Style::Data)))
        .map(|(r, style)| {
            r.iter()
                .map(|c| {
                    (
                        c.colspan as usize,
                        c.rowspan as usize,
                        Content::Value(c.value.clone()),
                        style,
                    )
                })
                .collect()
        })
        .collect();
    place_rows(&mut s, &rows, 1);
    let height = u32::try_from(rows.len())
        .unwrap_or(u32::MAX)
        .min(MAX_ROWS - 2);
    s.label_cols = 0;
    s.data_width = None;
    s.one_page = false;
    s.freeze = (
        1 + u32::try_from(t.header.len()).unwrap_or(0).min(height),
        0,
    );
    let title = if t.title.is_empty() {
        s.name.clone()
    } else {
        t.title.clone()
    };
    s.finish(title)
}

// ---------------------------------------------------------------- sizes

fn char_width(c: char) -> f64 {
    if c.is_ascii() { NARROW_CHAR } else { WIDE_CHAR }
}

/// The width of the widest line of `text`.
fn text_width(text: &str) -> f64 {
    text.split('\n')
        .map(|l| l.chars().map(char_width).sum::<f64>())
        .fold(0.0, f64::max)
}

/// How many lines `text` takes in `width` units, wrapping at any character.
fn line_count(text: &str, width: f64) -> f64 {
    let mut lines = 0.0;
    for line in text.split('\n') {
        lines += 1.0;
        let mut used = 0.0;
        for c in line.chars() {
            let w = char_width(c);
            if used > 0.0 && used + w > width {
                lines += 1.0;
                used = 0.0;
            }
            used += w;
        }
    }
    lines
}

fn scale(style: Style) -> (f64, f64) {
    match style {
        Style::Title => (TITLE_SIZE / BODY_SIZE, TITLE_LINE_HEIGHT),
        _ => (1.0, LINE_HEIGHT),
    }
}

fn column_widths(s: &Sheet) -> Vec<f64> {
    let mut need = vec![0.0f64; s.width as usize];
    for p in &s.cells {
        if p.style == Style::Title || p.cols != 1 {
            continue;
        }
        let lines = f64::from(p.rows.clamp(1, SPAN_LINES));
        if let Some(w) = need.get_mut(p.col as usize) {
            *w = w.max(text_width(&p.content.text()) / lines + CELL_PAD);
        }
    }
    need.iter()
        .enumerate()
        .map(|(c, &w)| {
            if (c as u32) < s.label_cols {
                w.clamp(LABEL_MIN, LABEL_MAX)
            } else {
                s.data_width
                    .unwrap_or_else(|| w.clamp(CUSTOM_MIN, CUSTOM_MAX))
            }
        })
        .collect()
}

fn row_heights(s: &Sheet, widths: &[f64]) -> Vec<f64> {
    let mut h = vec![MIN_ROW_HEIGHT; s.height as usize];
    if let Some(first) = h.first_mut() {
        *first = MIN_TITLE_HEIGHT;
    }
    let need = |p: &Placed| {
        let (size, line) = scale(p.style);
        let first = p.col as usize;
        let last = (first + p.cols as usize).min(widths.len());
        let room = widths
            .get(first..last)
            .map_or(0.0, |w| w.iter().sum::<f64>());
        let room = ((room - CELL_PAD) / size).max(WIDE_CHAR);
        line_count(&p.content.text(), room) * line + ROW_PAD
    };
    // single-row cells first, then make the rows under a multi-row cell tall enough for it
    for p in s.cells.iter().filter(|p| p.rows == 1) {
        if let Some(x) = h.get_mut(p.row as usize) {
            *x = x.max(need(p));
        }
    }
    for p in s.cells.iter().filter(|p| p.rows > 1) {
        let first = p.row as usize;
        let last = (first + p.rows as usize).min(h.len());
        let Some(span) = h.get_mut(first..last) else {
            continue;
        };
        let have: f64 = span.iter().sum();
        let missing = need(p) - have;
        if missing > 0.0 && !span.is_empty() {
            let each = missing / span.len() as f64;
            span.iter_mut().for_each(|x| *x += each);
        }
    }
    h.iter().map(|x| x.min(MAX_ROW_HEIGHT).ceil()).collect()
}

// ---------------------------------------------------------------- writing

fn col_num(c: u32) -> Result<u16> {
    u16::try_from(c).context("列号超出 Excel 的范围")
}

fn format_of(style: Style) -> Format {
    let body = Format::new()
        .set_font_name(BODY_FONT)
        .set_font_size(BODY_SIZE)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin);
    match style {
        Style::Title => Format::new()
            .set_font_name(TITLE_FONT)
            .set_font_size(TITLE_SIZE)
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter),
        Style::Head => body
            .set_align(FormatAlign::Center)
            .set_background_color(Color::RGB(HEAD_FILL)),
        Style::Group => body
            .set_align(FormatAlign::Center)
            .set_background_color(Color::RGB(LABEL_FILL)),
        Style::RowLabel => body
            .set_align(FormatAlign::Left)
            .set_indent(1)
            .set_background_color(Color::RGB(LABEL_FILL)),
        Style::Data => body.set_align(FormatAlign::Center),
    }
}

/// A decimal as written → its number and a format showing as many decimals as were written.
fn decimal(text: &str) -> Option<(f64, String)> {
    let t = text.trim();
    let x: f64 = t.parse().ok().filter(|x: &f64| x.is_finite())?;
    let format = if t.contains(['e', 'E']) {
        "General".to_string()
    } else {
        match t.split_once('.') {
            Some((_, frac)) if !frac.is_empty() => format!("0.{}", "0".repeat(frac.len().min(15))),
            _ => "0".to_string(),
        }
    };
    Some((x, format))
}

fn write_content(ws: &mut Worksheet, p: &Placed, format: &Format) -> Result<()> {
    let (row, col) = (p.row, col_num(p.col)?);
    match &p.content {
        Content::Label(s) => {
            ws.write_string_with_format(row, col, s, format)?;
        }
        Content::Value(Value::Int(i)) if i.unsigned_abs() <= MAX_EXACT => {
            ws.write_number_with_format(row, col, *i as f64, format)?;
        }
        Content::Value(Value::Int(i)) => {
            ws.write_string_with_format(row, col, i.to_string(), format)?;
        }
        Content::Value(Value::Decimal(t)) => match decimal(t) {
            Some((x, num)) => {
                let f = format.clone().set_num_format(num);
                ws.write_number_with_format(row, col, x, &f)?;
            }
            None => {
                ws.write_string_with_format(row, col, t, format)?;
            }
        },
        Content::Value(Value::Blank) => {
            ws.write_blank(row, col, format)?;
        }
        Content::Value(Value::Text(t)) => {
            ws.write_string_with_format(row, col, t, format)?;
        }
    }
    Ok(())
}

fn write_sheet(ws: &mut Worksheet, s: &Sheet) -> Result<()> {
    ws.set_name(&s.name)?;
    let widths = column_widths(s);
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(col_num(c as u32)?, *w)?;
    }
    for (r, h) in row_heights(s, &widths).iter().enumerate() {
        ws.set_row_height(u32::try_from(r)?, *h)?;
    }
    let mut covered: HashSet<(u32, u32)> = HashSet::new();
    for p in &s.cells {
        let format = format_of(p.style);
        let last_row = p.row.saturating_add(p.rows - 1);
        let last_col = p.col.saturating_add(p.cols - 1);
        if p.rows > 1 || p.cols > 1 {
            ws.merge_range(
                p.row,
                col_num(p.col)?,
                last_row,
                col_num(last_col)?,
                "",
                &format,
            )
            .with_context(|| format!("合并单元格「{}」", p.content.text()))?;
        }
        write_content(ws, p, &format)?;
        for r in p.row..=last_row {
            for c in p.col..=last_col {
                covered.insert((r, c));
            }
        }
    }
    // a ragged custom table: border the empty places too
    let data = format_of(Style::Data);
    for r in 1..s.height {
        for c in 0..s.width {
            if !covered.contains(&(r, c)) {
                ws.write_blank(r, col_num(c)?, &data)?;
            }
        }
    }
    let (fr, fc) = s.freeze;
    if fr > 0 || fc > 0 {
        ws.set_freeze_panes(fr, col_num(fc)?)?;
    }
    // print: A4, one page (national) or one page wide, the title and header rows on every page
    ws.set_paper_size(PAPER_A4);
    if widths.iter().sum::<f64>() > LANDSCAPE_WIDTH {
        ws.set_landscape();
    }
    ws.set_print_fit_to_pages(1, u16::from(s.one_page));
    ws.set_print_center_horizontally(true);
    if fr > 0 {
        ws.set_repeat_rows(0, fr - 1)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Date;
    use crate::config::FrontMatter;
    use crate::diagnostics::SourceFile;
    use crate::scaffold::{tables_toml, zero_tables};
    use crate::tables::def::Layout;
    use crate::tables::national::{APPLICATIONS_CORNER, FORMAT_2019, FORMAT_2021};
    use crate::tables::parse_tables;
    use std::io::Read;

    fn report(text: &str, archived: bool) -> Report {
        let src = SourceFile::new("tables.toml", text.to_string());
        let (tables, diags) = parse_tables(&src, archived);
        assert!(!diags.has_errors(), "{diags:?}");
        Report {
            org: "sixia".into(),
            year: 2024,
            front: FrontMatter {
                published: Some(Date {
                    year: 2025,
                    month: 1,
                    day: 20,
                    time: None,
                }),
                archived,
                ..FrontMatter::default()
            },
            title: "寺下镇2024年政府信息公开工作年度报告".into(),
            markdown: SourceFile::new("report.md", String::new()),
            body_offset: 0,
            tables: tables.expect("tables"),
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

    /// Every `<mergeCell ref="…"/>` of a sheet.
    fn merges(xml: &str) -> Vec<String> {
        xml.split("<mergeCell ref=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(str::to_string)
            .collect()
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// The XML of cell `r` (`<c r="D5" …>…</c>` or `<c r="D5" …/>`).
    fn cell<'x>(xml: &'x str, r: &str) -> &'x str {
        let start = xml
            .find(&format!("<c r=\"{r}\""))
            .unwrap_or_else(|| panic!("no cell {r}"));
        let rest = &xml[start..];
        let open_end = rest.find('>').expect("tag end");
        if rest[..open_end].ends_with('/') {
            &rest[..=open_end]
        } else {
            &rest[..rest.find("</c>").expect("</c>") + 4]
        }
    }

    /// The shared strings, in order.
    fn shared(bytes: &[u8]) -> Vec<String> {
        part(bytes, "xl/sharedStrings.xml")
            .split("<t>")
            .skip(1)
            .chain(
                // strings with leading/trailing spaces are written <t xml:space="preserve">
                part(bytes, "xl/sharedStrings.xml")
                    .split("<t xml:space=\"preserve\">")
                    .skip(1),
            )
            .filter_map(|s| s.split("</t>").next())
            .map(|s| {
                s.replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
            })
            .collect()
    }

    /// The text of a shared-string cell.
    fn string_at(bytes: &[u8], sheet: &str, r: &str) -> String {
        let c = cell(sheet, r);
        assert!(c.contains("t=\"s\""), "{r} is not a string: {c}");
        let i: usize = c
            .split("<v>")
            .nth(1)
            .and_then(|v| v.split("</v>").next())
            .and_then(|v| v.parse().ok())
            .expect("index");
        let sst = part(bytes, "xl/sharedStrings.xml");
        let si: Vec<&str> = sst.split("<si>").skip(1).collect();
        let t = si[i];
        let t = &t[t.find('>').expect("<t>") + 1..];
        t[..t.find("</t>").expect("</t>")].to_string()
    }

    /// Asserts that `r` is a numeric cell holding `v`.
    fn assert_number(sheet: &str, r: &str, v: &str) {
        let c = cell(sheet, r);
        assert!(!c.contains(" t=\""), "{r} is not a number: {c}");
        assert!(c.contains(&format!("<v>{v}</v>")), "{r}: {c}");
    }

    fn filled_2021() -> String {
        let counts = |table: &str, row: &str, col: usize| -> Option<i64> {
            let v: &[i64] = match (table, row) {
                ("applications", "received") => &[3, 1, 0, 0, 0, 0, 4],
                ("applications", "disclosed") => &[2, 1, 0, 0, 0, 0, 3],
                ("applications", "unavailable.not_held") => &[1, 0, 0, 0, 0, 0, 1],
                ("applications", "total") => &[3, 1, 0, 0, 0, 0, 4],
                ("appeals", "review") => &[1, 0, 0, 1, 2],
                ("active", "regulations") => &[1, 0, 5],
                _ => return None,
            };
            v.get(col).copied()
        };
        tables_toml(&FORMAT_2021, &counts).replace("fees = 0", "fees = 1.25")
    }

    #[test]
    fn table_three_2021_has_the_printed_merges() {
        let bytes = report_xlsx(&report(&filled_2021(), false), "寺下镇人民政府").unwrap();
        let sheet = part(&bytes, "xl/worksheets/sheet2.xml");
        assert_eq!(
            sorted(merges(&sheet)),
            sorted(strs(&[
                "A1:J1",   // 三、收到和处理政府信息公开申请情况
                "A2:C4",   // the 勾稽关系 corner
                "D2:J2",   // 申请人情况
                "D3:D4",   // 自然人
                "E3:I3",   // 法人或其他组织
                "J3:J4",   // 总计
                "A5:C5",   // 一、本年新收…
                "A6:C6",   // 二、上年结转…
                "A7:A28",  // 三、本年度办理结果
                "B7:C7",   // （一）予以公开
                "B8:C8",   // （二）部分公开
                "B9:B16",  // （三）不予公开
                "B17:B19", // （四）无法提供
                "B20:B24", // （五）不予处理
                "B25:B27", // （六）其他处理
                "B28:C28", // （七）总计
                "A29:C29", // 四、结转下年度继续办理
            ]))
        );
        // the labels are the definition's, where the form prints them
        let def = FORMAT_2021.table("applications").unwrap();
        let rows = def.rows();
        assert_eq!(string_at(&bytes, &sheet, "A1"), def.section);
        assert_eq!(string_at(&bytes, &sheet, "A2"), APPLICATIONS_CORNER);
        let Layout::Grid {
            column_groups,
            columns,
            ..
        } = &def.layout
        else {
            panic!()
        };
        assert_eq!(string_at(&bytes, &sheet, "D2"), column_groups[0].label);
        assert_eq!(string_at(&bytes, &sheet, "E3"), column_groups[1].label);
        assert_eq!(string_at(&bytes, &sheet, "D3"), columns[0].label);
        assert_eq!(string_at(&bytes, &sheet, "E4"), columns[1].label);
        assert_eq!(string_at(&bytes, &sheet, "J3"), columns[6].label);
        assert_eq!(string_at(&bytes, &sheet, "A5"), rows[0].label);
        assert_eq!(string_at(&bytes, &sheet, "A7"), rows[2].groups[0]);
        let withheld = def.row_index("withheld.state_secret").unwrap();
        assert_eq!(string_at(&bytes, &sheet, "B9"), rows[withheld].groups[1]);
        assert_eq!(string_at(&bytes, &sheet, "C9"), rows[withheld].label);
        assert_eq!(string_at(&bytes, &sheet, "B28"), rows[23].label);
        assert_eq!(string_at(&bytes, &sheet, "A29"), rows[24].label);
        // every official label of every table is in the workbook
        let strings = shared(&bytes);
        for t in FORMAT_2021.tables {
            let mut labels = vec![t.section];
            for (i, rd) in t.rows().iter().enumerate() {
                labels.push(rd.label);
                labels.extend(rd.groups.iter().copied());
                labels.extend(t.columns_of(i).iter().map(|c| c.label));
            }
            if let Layout::Blocks(blocks) = &t.layout {
                labels.extend(blocks.iter().map(|b| b.article));
            }
            for l in labels {
                assert!(strings.iter().any(|s| s == l), "{l} missing");
            }
        }
        // numbers as numbers, totals as values (no formulas)
        assert_number(&sheet, "D5", "3");
        assert_number(&sheet, "E5", "1");
        assert_number(&sheet, "J5", "4");
        assert_number(&sheet, "D17", "1");
        assert_number(&sheet, "J28", "4");
        assert_number(&sheet, "J29", "0");
        assert!(!sheet.contains("<f>"));
        assert_eq!(
            sheet.matches("<v>").count() - sheet.matches("t=\"s\"").count(),
            25 * 7
        );
        // frozen below the header, right of the labels
        assert!(
            sheet.contains("<pane xSplit=\"3\" ySplit=\"4\" topLeftCell=\"D5\""),
            "{sheet}"
        );
        assert!(sheet.contains("state=\"frozen\"/>"));
        // wrapped, bordered cells; the label columns are wider than a data column
        let styles = part(&bytes, "xl/styles.xml");
        assert!(styles.contains("wrapText=\"1\""));
        assert!(styles.contains("<left style=\"thin\">"));
        assert!(styles.contains(BODY_FONT));
        assert!(sheet.contains("<col min=\"3\" max=\"3\" width=\""));
    }

    #[test]
    fn tables_two_and_four_2021() {
        let bytes = report_xlsx(&report(&filled_2021(), false), "寺下镇人民政府").unwrap();
        let workbook = part(&bytes, "xl/workbook.xml");
        let names: Vec<String> = FORMAT_2021.tables.iter().map(|t| t.name()).collect();
        for (i, n) in names.iter().enumerate() {
            assert!(
                workbook.contains(&format!("<sheet name=\"{n}\" sheetId=\"{}\"", i + 1)),
                "{workbook}"
            );
        }
        // table 二: article rows across, each block with its own header, scalar blocks merged
        let two = part(&bytes, "xl/worksheets/sheet1.xml");
        assert_eq!(
            sorted(merges(&two)),
            sorted(strs(&[
                "A1:D1", "A2:D2", "A6:D6", "B7:D7", "B8:D8", "A9:D9", "B10:D10", "B11:D11",
                "B12:D12", "A13:D13", "B14:D14", "B15:D15",
            ]))
        );
        assert_eq!(
            string_at(&bytes, &two, "A3"),
            crate::tables::national::CONTENT_HEADER
        );
        assert_eq!(
            string_at(&bytes, &two, "A10"),
            crate::tables::national::CONTENT_HEADER
        );
        assert_number(&two, "B4", "1");
        assert_number(&two, "D4", "5");
        assert_number(&two, "B15", "1.25");
        assert!(part(&bytes, "xl/styles.xml").contains("formatCode=\"0.00\""));
        assert!(two.contains("topLeftCell=\"B2\""));
        // table 四: 行政复议 over 5, 行政诉讼 over 10, its two groups over 5 each
        let four = part(&bytes, "xl/worksheets/sheet3.xml");
        assert_eq!(
            sorted(merges(&four)),
            sorted(strs(&[
                "A1:O1", "A2:E2", "F2:O2", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:J3",
                "K3:O3",
            ]))
        );
        let appeals = FORMAT_2021.table("appeals").unwrap();
        assert_eq!(string_at(&bytes, &four, "F2"), appeals.rows()[1].groups[0]);
        assert_eq!(string_at(&bytes, &four, "K3"), appeals.rows()[2].label);
        assert_number(&four, "A5", "1");
        assert_number(&four, "D5", "1");
        assert_number(&four, "E5", "2");
        assert_number(&four, "O5", "0");
        assert!(four.contains("topLeftCell=\"A5\""));
        assert!(four.contains("<pageSetup paperSize=\"9\" orientation=\"landscape\""));
    }

    #[test]
    fn properties_and_determinism() {
        let r = report(&filled_2021(), false);
        let a = report_xlsx(&r, "寺下镇人民政府").unwrap();
        let b = report_xlsx(&r, "寺下镇人民政府").unwrap();
        assert!(a == b, "two builds differ");
        let core = part(&a, "docProps/core.xml");
        assert!(
            core.contains(&format!("<dc:title>{}</dc:title>", r.title)),
            "{core}"
        );
        assert!(core.contains("<dc:creator>寺下镇人民政府</dc:creator>"));
        assert!(core.contains(">2025-01-20T00:00:00Z</dcterms:created>"));
        // without a published date: 1 January of the next year
        let mut r = r;
        r.front.published = None;
        let c = report_xlsx(&r, "寺下镇人民政府").unwrap();
        assert!(part(&c, "docProps/core.xml").contains(">2025-01-01T00:00:00Z</dcterms:created>"));
        assert_eq!(c, report_xlsx(&r, "寺下镇人民政府").unwrap());
    }

    #[test]
    fn format_2019() {
        let text = zero_tables(&FORMAT_2019)
            .replace("licensing = [0, 0, 0]", "licensing = [12, -2, 30]")
            .replace("procurement = [0, 0]", "procurement = [3, 15.5]");
        let bytes = report_xlsx(&report(&text, false), "寺下镇人民政府").unwrap();
        let three = part(&bytes, "xl/worksheets/sheet2.xml");
        let m = merges(&three);
        for r in [
            "A2:C4", "D2:J2", "E3:I3", "A7:A26", "B9:B16", "B25:C25", "B26:C26", "A27:C27",
        ] {
            assert!(m.iter().any(|x| x == r), "{r} not in {m:?}");
        }
        assert_eq!(m.len(), 17, "{m:?}");
        let def = FORMAT_2019.table("applications").unwrap();
        let other = def.row_index("other_handling").unwrap();
        assert_eq!(string_at(&bytes, &three, "B25"), def.rows()[other].label);
        // table 二 (2019): five blocks, two-column blocks merge their last column
        let two = part(&bytes, "xl/worksheets/sheet1.xml");
        let m = merges(&two);
        for r in [
            "A2:D2", "A17:D17", "C15:D15", "C16:D16", "C18:D18", "C19:D19",
        ] {
            assert!(m.iter().any(|x| x == r), "{r} not in {m:?}");
        }
        assert_number(&two, "B8", "12");
        assert_number(&two, "C8", "-2");
        assert_number(&two, "B19", "3");
        assert_number(&two, "C19", "15.5");
        assert!(part(&bytes, "xl/styles.xml").contains("formatCode=\"0.0\""));
    }

    #[test]
    fn custom_tables() {
        let text = "format = \"custom\"\n\
            [[tables]]\ntitle = \"政府信息公开情况统计表\"\n\
            header = [[\"指标名称\", \"计量单位\", \"本年度\", \"历年累计\"]]\n\
            rows = [[\"主动公开文件数\", \"件\", 20, 120],\n\
            [{ text = \"其中：\", rowspan = 2 }, \"网站公开\", \"件\", 15],\n\
            [\"公告栏\", \"件\", \"/\"],\n\
            [\"收费金额\", { text = \"万元\", colspan = 2 }, 0.5]]\n\
            [[tables]]\ntitle = \"\"\nrows = [[\"甲\", 1], [\"乙\", 2]]\n";
        let bytes = report_xlsx(&report(text, false), "某局").unwrap();
        let workbook = part(&bytes, "xl/workbook.xml");
        assert!(workbook.contains("<sheet name=\"表1\""));
        assert!(workbook.contains("<sheet name=\"表2\""));
        let one = part(&bytes, "xl/worksheets/sheet1.xml");
        assert_eq!(
            sorted(merges(&one)),
            sorted(strs(&["A1:D1", "A4:A5", "B6:C6"]))
        );
        assert_eq!(string_at(&bytes, &one, "A1"), "政府信息公开情况统计表");
        assert_eq!(string_at(&bytes, &one, "B5"), "公告栏");
        assert_eq!(string_at(&bytes, &one, "D5"), "/");
        assert_number(&one, "C3", "20");
        assert_number(&one, "D4", "15");
        assert_number(&one, "D6", "0.5");
        assert!(one.contains("topLeftCell=\"A3\""));
        // an untitled table is titled by its number
        let two = part(&bytes, "xl/worksheets/sheet2.xml");
        assert_eq!(string_at(&bytes, &two, "A1"), "表2");
        assert_eq!(sorted(merges(&two)), strs(&["A1:B1"]));
        assert_number(&two, "B3", "2");
    }

    #[test]
    fn ragged_custom_tables_do_not_overlap() {
        // a colspan running into a rowspan from above, a rowspan past the end, a short row
        let text = "format = \"custom\"\n[[tables]]\ntitle = \"t\"\n\
            rows = [[\"a\", { text = \"b\", rowspan = 9 }, \"c\"],\n\
            [{ text = \"d\", colspan = 3 }],\n\
            [\"e\"]]\n";
        let src = SourceFile::new("tables.toml", text.to_string());
        let (tables, _) = parse_tables(&src, true);
        let mut r = report(
            "format = \"custom\"\n[[tables]]\ntitle = \"x\"\nrows = [[1]]\n",
            true,
        );
        r.tables = tables.unwrap();
        let bytes = report_xlsx(&r, "某局").unwrap();
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        assert_eq!(sorted(merges(&sheet)), strs(&["A1:C1", "B2:B4"]));
        // the empty place is still a bordered cell
        assert!(cell(&sheet, "C4").ends_with("/>"));
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
        let bytes = report_xlsx(&report(&text, true), "寺下镇人民政府").unwrap();
        let three = part(&bytes, "xl/worksheets/sheet2.xml");
        assert_number(&three, "D5", "5");
        for r in ["E5", "I5", "J5"] {
            let c = cell(&three, r);
            assert!(
                c.ends_with("/>") && !c.contains("<v>"),
                "{r} not blank: {c}"
            );
        }
        let two = part(&bytes, "xl/worksheets/sheet1.xml");
        assert_eq!(string_at(&bytes, &two, "B4"), "22（其中修订 16 件）");
        assert_eq!(string_at(&bytes, &two, "C4"), "/");
        assert_number(&two, "D4", "3");
        assert_eq!(string_at(&bytes, &two, "B15"), "251000元");
    }

    #[test]
    fn any_model_writes() {
        // rows and cells missing or extra, odd values: never a panic
        let mut r = report(&zero_tables(&FORMAT_2019), true);
        if let ReportTables::National { tables, .. } = &mut r.tables {
            tables[0].rows.truncate(1);
            tables[1].rows[0].cells.truncate(2);
            tables[1].rows[1]
                .cells
                .push(crate::tables::Cell::new(Value::Int(1), None));
            tables[1].rows[2].cells[0].value = Value::Decimal("abc".into());
            tables[1].rows[3].cells[0].value = Value::Decimal("1e3".into());
            tables[1].rows[4].cells[0].value = Value::Int(i64::MIN);
            tables[1].rows[5].cells[0].value = Value::Text("=1+1".into());
            tables[2].rows.clear();
        }
        let bytes = report_xlsx(&r, "").unwrap();
        let three = part(&bytes, "xl/worksheets/sheet2.xml");
        assert!(!three.contains("<f>"));
        assert_eq!(string_at(&bytes, &three, "D7"), "abc");
        assert_number(&three, "D8", "1000");
        assert_eq!(string_at(&bytes, &three, "D9"), i64::MIN.to_string());
        assert_eq!(string_at(&bytes, &three, "D10"), "=1+1");
        r.tables = ReportTables::Custom(Vec::new());
        r.year = u16::MAX;
        r.front.published = None;
        assert!(report_xlsx(&r, "").is_ok());
    }

    #[test]
    fn sizes() {
        assert_eq!(line_count("", 10.0), 1.0);
        assert_eq!(line_count("一二三四", 4.4), 2.0);
        assert_eq!(line_count("ab\ncd", 10.0), 2.0);
        assert_eq!(decimal("1.25"), Some((1.25, "0.00".into())));
        assert_eq!(decimal("0"), Some((0.0, "0".into())));
        assert_eq!(decimal("1e3"), Some((1000.0, "General".into())));
        assert_eq!(decimal("inf"), None);
    }
}
