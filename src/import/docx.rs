//! .docx reader: the zip is opened with size and ratio limits (zip bombs), then
//! word/document.xml is read into paragraphs (heading level from the style or outline level,
//! automatic numbering rendered as printed) and tables (gridSpan, vMerge).

use super::model::{Block, Document, SourceCell, Table};
use super::text;
use anyhow::{Context, Result, bail};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// Largest uncompressed part read from the zip.
pub const MAX_ENTRY: u64 = 64 * 1024 * 1024;
/// Largest uncompressed size of everything read.
pub const MAX_TOTAL: u64 = 128 * 1024 * 1024;
/// Compression ratio above which a large entry is treated as a zip bomb.
pub const MAX_RATIO: u64 = 100;
const MAX_ENTRIES: usize = 10_000;

struct Zip<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    read: u64,
}

impl Zip<'_> {
    /// An entry's text, or None when the document has no such part.
    fn text(&mut self, name: &str) -> Result<Option<String>> {
        let mut f = match self.archive.by_name(name) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => bail!("{name} 无法读取（文件已损坏？）：{e}"),
        };
        let size = f.size();
        let packed = f.compressed_size().max(1);
        if size > MAX_ENTRY || (size > 1024 * 1024 && size / packed > MAX_RATIO) {
            bail!(
                "{name} 解压后有 {} MB（压缩比 {}:1），超过限制，疑似“压缩炸弹”，已拒绝读取",
                size / 1024 / 1024,
                size / packed
            );
        }
        let budget = (MAX_ENTRY).min(MAX_TOTAL.saturating_sub(self.read));
        let mut buf = Vec::new();
        (&mut f)
            .take(budget + 1)
            .read_to_end(&mut buf)
            .with_context(|| format!("{name} 解压失败（文件已损坏？）"))?;
        if buf.len() as u64 > budget {
            bail!(
                "{name} 解压后超过 {} MB，疑似“压缩炸弹”，已拒绝读取",
                budget / 1024 / 1024
            );
        }
        self.read += buf.len() as u64;
        let s = String::from_utf8(buf).with_context(|| format!("{name} 不是 UTF-8 编码的 XML"))?;
        Ok(Some(s))
    }
}

/// Read a .docx held in memory.
pub fn read(bytes: &[u8]) -> Result<Document> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| anyhow::anyhow!("不是有效的 Word (.docx) 文件：无法作为 zip 打开（{e}）"))?;
    if archive.len() > MAX_ENTRIES {
        bail!(
            "zip 中有 {} 个文件，不像 Word 文档，已拒绝读取",
            archive.len()
        );
    }
    let mut zip = Zip { archive, read: 0 };
    let Some(document) = zip.text("word/document.xml")? else {
        bail!("不是有效的 Word (.docx) 文件：缺少 word/document.xml");
    };
    let styles = match zip.text("word/styles.xml")? {
        Some(s) => Styles::parse(&s)?,
        None => Styles::default(),
    };
    let numbering = match zip.text("word/numbering.xml")? {
        Some(s) => Numbering::parse(&s)?,
        None => Numbering::default(),
    };
    let mut doc = Body::parse(&document, &styles, numbering)?;
    if doc.meta.title.is_none()
        && let Some(core) = zip.text("docProps/core.xml")?
    {
        doc.meta.title = core_title(&core).filter(|t| !t.is_empty());
    }
    Ok(doc)
}

fn reader(xml: &str) -> Reader<&[u8]> {
    let mut r = Reader::from_str(xml);
    r.config_mut().expand_empty_elements = true;
    r.config_mut().trim_text(false);
    r
}

fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == local.as_bytes())
            .then(|| a.unescape_value().ok().map(|v| v.into_owned()))
            .flatten()
    })
}

fn xml_err(part: &str, e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{part} 不是有效的 XML（文件已损坏？）：{e}")
}

fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

fn core_title(xml: &str) -> Option<String> {
    let mut r = reader(xml);
    let mut in_title = false;
    let mut out = String::new();
    loop {
        match r.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == b"title" => in_title = true,
            Event::End(e) if e.local_name().as_ref() == b"title" => {
                return Some(text::clean_line(&out));
            }
            Event::Text(t) if in_title => out.push_str(&t.decode().ok()?),
            Event::Eof => return None,
            _ => {}
        }
    }
}

// ---------------------------------------------------------------- styles

#[derive(Default)]
struct Styles {
    /// style id → (heading level, based on)
    by_id: HashMap<String, (Option<u8>, Option<String>)>,
}

fn level_from_name(name: &str) -> Option<u8> {
    let n = name.to_lowercase();
    if n == "title" || n == "标题" {
        return Some(1);
    }
    let rest = n
        .strip_prefix("heading")
        .or_else(|| n.strip_prefix("标题"))?
        .trim();
    rest.parse::<u8>().ok().filter(|l| (1..=6).contains(l))
}

impl Styles {
    fn parse(xml: &str) -> Result<Styles> {
        let mut s = Styles::default();
        let mut r = reader(xml);
        let mut cur: Option<(String, Option<u8>, Option<String>)> = None;
        loop {
            match r.read_event().map_err(|e| xml_err("word/styles.xml", e))? {
                Event::Start(e) => match e.local_name().as_ref() {
                    b"style" => cur = attr(&e, "styleId").map(|id| (id, None, None)),
                    b"name" => {
                        if let Some((_, lvl, _)) = &mut cur
                            && lvl.is_none()
                        {
                            *lvl = attr(&e, "val").as_deref().and_then(level_from_name);
                        }
                    }
                    b"basedOn" => {
                        if let Some((_, _, based)) = &mut cur {
                            *based = attr(&e, "val");
                        }
                    }
                    b"outlineLvl" => {
                        if let Some((_, lvl, _)) = &mut cur
                            && let Some(v) = attr(&e, "val").and_then(|v| v.parse::<u8>().ok())
                            && v < 6
                        {
                            *lvl = Some(v + 1);
                        }
                    }
                    _ => {}
                },
                Event::End(e) if e.local_name().as_ref() == b"style" => {
                    if let Some((id, lvl, based)) = cur.take() {
                        s.by_id.insert(id, (lvl, based));
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(s)
    }

    fn level(&self, id: &str) -> Option<u8> {
        let mut id = id.to_string();
        for _ in 0..10 {
            let (lvl, based) = self.by_id.get(&id)?;
            if lvl.is_some() {
                return *lvl;
            }
            id = based.clone()?;
        }
        None
    }
}

// ---------------------------------------------------------------- numbering

#[derive(Default, Clone)]
struct Level {
    start: u32,
    fmt: String,
    text: String,
}

#[derive(Default)]
struct Numbering {
    abstracts: HashMap<String, HashMap<u8, Level>>,
    nums: HashMap<String, String>,
    counters: HashMap<String, [u32; 9]>,
}

/// 1 → 一, 12 → 十二, 20 → 二十.
pub fn chinese_numeral(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n as usize].to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { D[(n - 10) as usize] }),
        20..=99 => format!(
            "{}十{}",
            D[(n / 10) as usize],
            if n.is_multiple_of(10) {
                ""
            } else {
                D[(n % 10) as usize]
            }
        ),
        _ => n.to_string(),
    }
}

fn format_number(n: u32, fmt: &str) -> String {
    match fmt {
        "chineseCounting"
        | "chineseCountingThousand"
        | "ideographTraditional"
        | "taiwaneseCounting"
        | "japaneseCounting"
        | "chineseLegalSimplified" => chinese_numeral(n),
        "decimalFullWidth" | "decimalFullWidth2" => n
            .to_string()
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
            .collect(),
        "lowerLetter" | "upperLetter" => {
            let base = if fmt == "lowerLetter" { b'a' } else { b'A' };
            ((base + ((n.max(1) - 1) % 26) as u8) as char).to_string()
        }
        "lowerRoman" | "upperRoman" => {
            let r = roman(n);
            if fmt == "lowerRoman" {
                r.to_lowercase()
            } else {
                r
            }
        }
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n - 1).map_or(n.to_string(), |c| c.to_string())
        }
        _ => n.to_string(),
    }
}

fn roman(mut n: u32) -> String {
    const T: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut s = String::new();
    for (v, r) in T {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

impl Numbering {
    fn parse(xml: &str) -> Result<Numbering> {
        let mut n = Numbering::default();
        let mut r = reader(xml);
        let mut abs: Option<String> = None;
        let mut lvl: Option<(u8, Level)> = None;
        let mut num: Option<String> = None;
        loop {
            match r
                .read_event()
                .map_err(|e| xml_err("word/numbering.xml", e))?
            {
                Event::Start(e) => match e.local_name().as_ref() {
                    b"abstractNum" => abs = attr(&e, "abstractNumId"),
                    b"lvl" => {
                        lvl = attr(&e, "ilvl")
                            .and_then(|v| v.parse::<u8>().ok())
                            .filter(|l| *l < 9)
                            .map(|l| {
                                (
                                    l,
                                    Level {
                                        start: 1,
                                        ..Level::default()
                                    },
                                )
                            })
                    }
                    b"start" => {
                        if let Some((_, l)) = &mut lvl {
                            l.start = attr(&e, "val").and_then(|v| v.parse().ok()).unwrap_or(1);
                        }
                    }
                    b"numFmt" => {
                        if let Some((_, l)) = &mut lvl {
                            l.fmt = attr(&e, "val").unwrap_or_default();
                        }
                    }
                    b"lvlText" => {
                        if let Some((_, l)) = &mut lvl {
                            l.text = attr(&e, "val").unwrap_or_default();
                        }
                    }
                    b"num" => num = attr(&e, "numId"),
                    b"abstractNumId" => {
                        if let (Some(id), Some(a)) = (&num, attr(&e, "val")) {
                            n.nums.insert(id.clone(), a);
                        }
                    }
                    _ => {}
                },
                Event::End(e) => match e.local_name().as_ref() {
                    b"lvl" => {
                        if let (Some(a), Some((i, l))) = (&abs, lvl.take()) {
                            n.abstracts.entry(a.clone()).or_default().insert(i, l);
                        }
                    }
                    b"abstractNum" => abs = None,
                    b"num" => num = None,
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(n)
    }

    /// The printed number of the next paragraph of list `num_id` at level `ilvl`.
    fn next(&mut self, num_id: &str, ilvl: u8) -> Option<String> {
        let abs = self.abstracts.get(self.nums.get(num_id)?)?;
        let level = abs.get(&ilvl)?.clone();
        if level.fmt == "bullet" || level.fmt == "none" {
            return None;
        }
        let counters = self.counters.entry(num_id.to_string()).or_insert([0; 9]);
        let i = ilvl as usize;
        counters[i] = if counters[i] == 0 {
            level.start
        } else {
            counters[i] + 1
        };
        for c in counters.iter_mut().skip(i + 1) {
            *c = 0;
        }
        let mut out = level.text.clone();
        for (l, lv) in abs.iter() {
            let placeholder = format!("%{}", l + 1);
            if out.contains(&placeholder) {
                let v = counters[*l as usize].max(lv.start);
                out = out.replace(&placeholder, &format_number(v, &lv.fmt));
            }
        }
        Some(out)
    }
}

// ---------------------------------------------------------------- the body

#[derive(Clone, Copy, PartialEq)]
enum VMerge {
    Restart,
    Continue,
}

struct CellB {
    text: String,
    colspan: usize,
    vmerge: Option<VMerge>,
}

#[derive(Default)]
struct TableB {
    rows: Vec<Vec<CellB>>,
}

impl TableB {
    /// Resolve vMerge chains into rowspans.
    fn finish(self) -> Table {
        let mut rows: Vec<Vec<SourceCell>> = Vec::new();
        // column start → (row, index) of the cell a vertical merge started at
        let mut open: HashMap<usize, (usize, usize)> = HashMap::new();
        for (r, row) in self.rows.into_iter().enumerate() {
            let mut out = Vec::new();
            let mut col = 0;
            for cell in row {
                let span = cell.colspan.clamp(1, super::model::MAX_SPAN);
                match cell.vmerge {
                    Some(VMerge::Continue) if open.contains_key(&col) => {
                        let (or, oi) = open[&col];
                        let o: &mut SourceCell = &mut rows[or][oi];
                        o.rowspan += 1;
                        if !cell.text.is_empty() {
                            o.text.push_str(&cell.text);
                        }
                    }
                    v => {
                        if v == Some(VMerge::Restart) {
                            open.insert(col, (r, out.len()));
                        } else {
                            open.remove(&col);
                        }
                        out.push(SourceCell {
                            text: text::clean_line(&cell.text),
                            colspan: span,
                            rowspan: 1,
                        });
                    }
                }
                col += span;
            }
            rows.push(out);
        }
        Table { rows }
    }
}

#[derive(Default)]
struct ParaB {
    text: String,
    style: Option<String>,
    outline: Option<u8>,
    num_id: Option<String>,
    ilvl: u8,
}

struct Body<'a> {
    styles: &'a Styles,
    numbering: Numbering,
    doc: Document,
    tables: Vec<TableB>,
    /// Open paragraphs: a text box inside a paragraph holds paragraphs of its own.
    paras: Vec<ParaB>,
    in_t: bool,
    in_ppr: bool,
    /// Depth inside `mc:Fallback`, which repeats the text of the `mc:Choice` before it.
    fallback: usize,
}

impl Body<'_> {
    fn parse(xml: &str, styles: &Styles, numbering: Numbering) -> Result<Document> {
        let mut b = Body {
            styles,
            numbering,
            doc: Document::default(),
            tables: Vec::new(),
            paras: Vec::new(),
            in_t: false,
            in_ppr: false,
            fallback: 0,
        };
        let mut r = reader(xml);
        loop {
            match r
                .read_event()
                .map_err(|e| xml_err("word/document.xml", e))?
            {
                Event::Start(e) if e.local_name().as_ref() == b"Fallback" => b.fallback += 1,
                Event::End(e) if e.local_name().as_ref() == b"Fallback" => {
                    b.fallback = b.fallback.saturating_sub(1)
                }
                _ if b.fallback > 0 => {}
                Event::Start(e) => b.start(&e),
                Event::End(e) => b.end(e.local_name().as_ref()),
                Event::Text(t) if b.in_t => {
                    let s = t.decode().map_err(|e| xml_err("word/document.xml", e))?;
                    b.push(&s);
                }
                Event::GeneralRef(g) if b.in_t => {
                    let c = match g.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        _ => g.decode().ok().and_then(|n| entity(&n)),
                    };
                    if let Some(c) = c {
                        b.push(&c.to_string());
                    }
                }
                Event::CData(t) if b.in_t => {
                    let s = t.decode().map_err(|e| xml_err("word/document.xml", e))?;
                    b.push(&s);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(b.doc)
    }

    fn push(&mut self, s: &str) {
        if let Some(p) = self.paras.last_mut() {
            p.text.push_str(s);
        }
    }

    fn cell(&mut self) -> Option<&mut CellB> {
        self.tables.last_mut()?.rows.last_mut()?.last_mut()
    }

    fn start(&mut self, e: &BytesStart<'_>) {
        match e.local_name().as_ref() {
            b"p" => self.paras.push(ParaB::default()),
            b"pPr" => self.in_ppr = true,
            b"pStyle" if self.in_ppr => {
                if let Some(p) = self.paras.last_mut() {
                    p.style = attr(e, "val");
                }
            }
            b"outlineLvl" if self.in_ppr => {
                if let Some(p) = self.paras.last_mut() {
                    p.outline = attr(e, "val").and_then(|v| v.parse::<u8>().ok());
                }
            }
            b"ilvl" if self.in_ppr => {
                if let Some(p) = self.paras.last_mut() {
                    p.ilvl = attr(e, "val").and_then(|v| v.parse().ok()).unwrap_or(0);
                }
            }
            b"numId" if self.in_ppr => {
                if let Some(p) = self.paras.last_mut() {
                    p.num_id = attr(e, "val");
                }
            }
            b"t" => self.in_t = true,
            b"tab" if !self.in_ppr => self.push(" "),
            b"br" | b"cr" if !self.in_ppr => self.push(" "),
            b"tbl" => self.tables.push(TableB::default()),
            b"tr" => {
                if let Some(t) = self.tables.last_mut() {
                    t.rows.push(Vec::new());
                }
            }
            b"gridBefore" => {
                let n: usize = attr(e, "val").and_then(|v| v.parse().ok()).unwrap_or(0);
                if n > 0
                    && let Some(row) = self.tables.last_mut().and_then(|t| t.rows.last_mut())
                {
                    row.push(CellB {
                        text: String::new(),
                        colspan: n,
                        vmerge: None,
                    });
                }
            }
            b"tc" => {
                if let Some(row) = self.tables.last_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(CellB {
                        text: String::new(),
                        colspan: 1,
                        vmerge: None,
                    });
                }
            }
            b"gridSpan" => {
                let n = attr(e, "val").and_then(|v| v.parse().ok()).unwrap_or(1);
                if let Some(c) = self.cell() {
                    c.colspan = n;
                }
            }
            b"vMerge" => {
                let v = match attr(e, "val").as_deref() {
                    Some("restart") => VMerge::Restart,
                    _ => VMerge::Continue,
                };
                if let Some(c) = self.cell() {
                    c.vmerge = Some(v);
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &[u8]) {
        match name {
            b"t" => self.in_t = false,
            b"pPr" => self.in_ppr = false,
            b"p" => {
                let Some(p) = self.paras.pop() else { return };
                if self.tables.is_empty() {
                    let level = p
                        .outline
                        .filter(|l| *l < 6)
                        .map(|l| l + 1)
                        .or_else(|| p.style.as_deref().and_then(|s| self.styles.level(s)));
                    let number = p
                        .num_id
                        .as_deref()
                        .filter(|id| *id != "0")
                        .and_then(|id| self.numbering.next(id, p.ilvl));
                    let text = match number {
                        Some(n) if !text::clean_line(&p.text).is_empty() => {
                            format!("{n}{}", p.text)
                        }
                        _ => p.text,
                    };
                    self.doc.para(text, level);
                } else if let Some(c) = self.cell() {
                    c.text.push_str(&p.text);
                }
            }
            b"tbl" => {
                let Some(t) = self.tables.pop() else { return };
                let table = t.finish();
                if let Some(c) = self.cell() {
                    // a table nested in a cell: its text joins the cell's
                    c.text.push_str(&table.text());
                } else {
                    self.doc.blocks.push(Block::Table(table));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals() {
        assert_eq!(chinese_numeral(1), "一");
        assert_eq!(chinese_numeral(10), "十");
        assert_eq!(chinese_numeral(12), "十二");
        assert_eq!(chinese_numeral(20), "二十");
        assert_eq!(format_number(3, "chineseCounting"), "三");
        assert_eq!(format_number(4, "upperRoman"), "IV");
    }

    #[test]
    fn not_a_zip_is_a_clear_error() {
        let e = read(b"hello, this is not a zip").unwrap_err().to_string();
        assert!(e.contains("不是有效的 Word"), "{e}");
    }

    #[test]
    fn vmerge_becomes_rowspan() {
        let c = |t: &str, v| CellB {
            text: t.into(),
            colspan: 1,
            vmerge: v,
        };
        let t = TableB {
            rows: vec![
                vec![c("a", Some(VMerge::Restart)), c("1", None)],
                vec![c("", Some(VMerge::Continue)), c("2", None)],
            ],
        }
        .finish();
        assert_eq!(t.rows[0][0].rowspan, 2);
        assert_eq!(t.rows[1].len(), 1);
        assert_eq!(t.rows[1][0].text, "2");
    }
}
