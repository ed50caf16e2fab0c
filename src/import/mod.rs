//! `nianbao import <file> --org <org> --year <year>`: an already published report (.docx, or a
//! saved .html page) into `content/<org>/<year>/`.
//!
//! Both readers (`docx`, `html`) fill one document model (`model`); `recognise` finds the
//! national tables and their format in it from headers and row labels; `narrative` writes the
//! Markdown body; `write` writes the files, all or nothing. The imported report is then loaded
//! and checked like `nianbao check` does.

pub mod docx;
pub mod encoding;
pub mod html;
pub mod model;
pub mod narrative;
pub mod recognise;
pub mod text;
pub mod write;

use crate::diagnostics::Diagnostics;
use crate::tables::Value;
use crate::tables::national;
use anyhow::{Context, Result, bail};
use model::{Block, Document, Table};
use narrative::TableMark;
use recognise::Recognition;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest file read.
pub const MAX_FILE: u64 = 50 * 1024 * 1024;
/// Largest web page parsed (its tree costs several times its size).
pub const MAX_HTML: u64 = 20 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Options {
    pub file: PathBuf,
    pub org: String,
    pub year: u16,
    pub archived: bool,
    pub dry_run: bool,
    pub force: bool,
}

/// What an import found and did.
#[derive(Debug)]
pub struct Outcome {
    /// `2021`, `2019` or `custom`.
    pub format: &'static str,
    /// What was recognised, line by line.
    pub summary: Vec<String>,
    /// What the clerk should check.
    pub review: Vec<String>,
    /// Files written (or, with --dry-run, that would be written).
    pub files: Vec<PathBuf>,
    pub report_md: String,
    pub tables_toml: String,
    /// Cells of the national tables: (in the format, found in the document).
    pub cells: (usize, usize),
    /// `nianbao check` results for the imported report.
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Docx,
    Html,
}

fn kind_of(path: &Path, bytes: &[u8]) -> Result<Kind> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "docx" => return Ok(Kind::Docx),
        "html" | "htm" | "shtml" | "xhtml" => return Ok(Kind::Html),
        "doc" | "wps" => {
            bail!("不支持旧版 Word（.doc/.wps）文件：请在 Word 或 WPS 中“另存为” .docx 后再导入")
        }
        "pdf" => bail!("不支持 PDF：请导入 .docx 原件或网页（.html）"),
        _ => {}
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(Kind::Docx);
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_lowercase();
    if head.contains("<html") || head.contains("<body") || head.contains("<p") {
        return Ok(Kind::Html);
    }
    bail!("无法识别的文件类型：应为 Word 文档（.docx）或网页（.html/.htm）")
}

/// Read a file into the document model, bounded in size.
pub fn read_document(path: &Path) -> Result<(Document, String)> {
    let meta = std::fs::metadata(path).with_context(|| format!("找不到文件 {}", path.display()))?;
    if !meta.is_file() {
        bail!("{} 不是文件", path.display());
    }
    if meta.len() > MAX_FILE {
        bail!(
            "{}：文件有 {} MB，超过 {} MB 的上限，未读取",
            path.display(),
            meta.len() / 1024 / 1024,
            MAX_FILE / 1024 / 1024
        );
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE + 1).read_to_end(&mut bytes))
        .with_context(|| format!("无法读取 {}", path.display()))?;
    if bytes.len() as u64 > MAX_FILE {
        bail!(
            "{}：文件超过 {} MB 的上限，未读取",
            path.display(),
            MAX_FILE / 1024 / 1024
        );
    }
    read_bytes(path, &bytes)
}

/// Read a file's bytes into the document model; `path` names it in messages and its extension
/// helps tell Word from HTML. [`read_document`] checks the size before calling this.
pub fn read_bytes(path: &Path, bytes: &[u8]) -> Result<(Document, String)> {
    let kind = kind_of(path, bytes).with_context(|| path.display().to_string())?;
    if kind == Kind::Html && bytes.len() as u64 > MAX_HTML {
        bail!(
            "{}：网页有 {} MB，超过 {} MB 的上限（年度报告网页通常不到 1 MB），未读取",
            path.display(),
            bytes.len() / 1024 / 1024,
            MAX_HTML / 1024 / 1024
        );
    }
    match kind {
        Kind::Docx => {
            let doc = docx::read(bytes).with_context(|| path.display().to_string())?;
            Ok((doc, "Word 文档".to_string()))
        }
        Kind::Html => {
            let (source, enc) = encoding::decode(bytes);
            let depth = html::nesting_depth(&source);
            if depth > html::MAX_NESTING {
                bail!(
                    "{}：网页元素嵌套约 {depth} 层，超过 {} 层的上限（年度报告网页通常不到 50 层），未读取",
                    path.display(),
                    html::MAX_NESTING
                );
            }
            Ok((html::read(&source), format!("网页，编码 {enc}")))
        }
    }
}

/// The paragraph before a table, when it names it (「表1 …统计表」).
fn caption_before(doc: &Document, index: usize) -> Option<String> {
    match doc.blocks.get(index.checked_sub(1)?)? {
        Block::Para(p) if p.text.chars().count() <= 40 && p.text.contains('表') => {
            Some(p.text.clone())
        }
        _ => None,
    }
}

/// The title the document gives itself: its metadata, else the first paragraph naming a 报告.
fn title_of(doc: &Document) -> Option<String> {
    if let Some(t) = &doc.meta.title {
        return Some(t.clone());
    }
    doc.blocks.iter().take(8).find_map(|b| match b {
        Block::Para(p) if p.text.contains("报告") && p.text.chars().count() <= 60 => {
            Some(p.text.clone())
        }
        _ => None,
    })
}

/// The report year a title names: 「2023年」 or 「2023年度」.
fn year_in(title: &str) -> Option<u16> {
    let re = regex::Regex::new(r"(\d{4})\s*年").ok()?;
    re.captures(&text::fold_width(title))?[1].parse().ok()
}

/// The byline under the title (「某某镇人民政府　2025年1月20日」): taken out of the body, its
/// date and issuer returned.
fn take_byline(doc: &mut Document) -> Option<(String, Option<String>)> {
    let first_section = doc
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Para(p) if crate::render::markdown::section_of(&p.text).is_some()))
        .unwrap_or(0)
        .min(6);
    let at = doc.blocks[..first_section].iter().position(|b| {
        matches!(b, Block::Para(p) if p.text.chars().count() <= 40
            && !p.text.contains('。')
            && !p.text.contains("报告")
            && text::date(&p.text).is_some())
    })?;
    let Block::Para(p) = doc.blocks.remove(at) else {
        return None;
    };
    let date = text::date(&p.text)?;
    let re = regex::Regex::new(r"\d{4}\s*[-/.年].*$").ok()?;
    let issuer = text::clean_line(&re.replace(&text::fold_width(&p.text), ""));
    let issuer = issuer.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    Some((date, (!issuer.is_empty()).then(|| issuer.to_string())))
}

/// The date the report is signed with: a short date line near its end.
fn signed_date(doc: &Document) -> Option<String> {
    doc.blocks.iter().rev().take(6).find_map(|b| match b {
        Block::Para(p) if p.text.chars().count() <= 20 => text::date(&p.text),
        _ => None,
    })
}

/// The values found in national tables that need a look: text, blanks.
fn cell_review(rec: &Recognition, review: &mut Vec<String>) {
    for tv in &rec.tables {
        let mut blanks = 0;
        for (i, row) in tv.rows.iter().enumerate() {
            let Some(cells) = row else { continue };
            for (c, v) in cells.iter().enumerate() {
                match v {
                    Value::Blank => blanks += 1,
                    Value::Text(t) => review.push(format!(
                        "{}「{}」第 {} 列是文字「{t}」，已照录",
                        tv.def.name(),
                        tv.def.row_label(i),
                        c + 1
                    )),
                    _ => {}
                }
            }
        }
        if blanks > 0 {
            review.push(format!(
                "{}有 {blanks} 个空白格，已写为 \"\"（按原文照录；新报告不允许空白）",
                tv.def.name()
            ));
        }
    }
}

/// Import `opts.file` into the site at `root`.
pub fn import(root: &Path, opts: &Options) -> Result<Outcome> {
    if !crate::scaffold::valid_org(&opts.org) {
        bail!(
            "机关文件夹名「{}」不可用：不能含 / \\ : * ? \" < > | 或以 . 开头（建议用英文字母、数字和 -）",
            opts.org
        );
    }
    if !(1990..=2999).contains(&opts.year) {
        bail!("年份 {} 不合理：应为四位年份，如 2024", opts.year);
    }
    if !root.join("site.toml").is_file() {
        bail!(
            "{} 中没有 site.toml：请在站点文件夹中运行，或用 --root 指定站点文件夹",
            root.display()
        );
    }
    let org_dir = root.join("content").join(&opts.org);
    let dir = org_dir.join(opts.year.to_string());
    let report_path = dir.join("report.md");
    let tables_path = dir.join("tables.toml");
    if !opts.force
        && let Some(p) = [&report_path, &tables_path]
            .into_iter()
            .find(|p| p.exists())
    {
        bail!(
            "{} 已存在，未做任何修改（确认要覆盖请加 --force）",
            p.display()
        );
    }

    let (mut doc, read_as) = read_document(&opts.file)?;
    if let Some((date, issuer)) = take_byline(&mut doc) {
        doc.meta.published.get_or_insert(date);
        if doc.meta.publisher.is_none() {
            doc.meta.publisher = issuer;
        }
    }
    let source_name = opts
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let table_blocks: Vec<(usize, &Table)> = doc
        .blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match b {
            Block::Table(t) => Some((i, t)),
            _ => None,
        })
        .collect();
    let tables: Vec<&Table> = table_blocks.iter().map(|(_, t)| *t).collect();
    let rec = recognise::recognise(&tables);

    let mut summary = Vec::new();
    let mut review = Vec::new();
    let paragraphs = doc.blocks.len() - tables.len();
    summary.push(format!(
        "读取 {source_name}（{read_as}）：{paragraphs} 段文字，{} 张表格",
        tables.len()
    ));

    let marks: Vec<TableMark> = match rec.format {
        Some(f) => rec
            .kinds
            .iter()
            .map(|k| match k {
                Some(key) => TableMark::National(recognise::table_name(f, key)),
                None => TableMark::Inline,
            })
            .collect(),
        None => (1..=tables.len()).map(TableMark::Custom).collect(),
    };

    let org_toml_path = org_dir.join("org.toml");
    let existing_name = std::fs::read_to_string(&org_toml_path).ok().and_then(|t| {
        let src = crate::diagnostics::SourceFile::new("org.toml", t);
        crate::config::OrgConfig::parse(&src)
            .0
            .map(|o| o.display_short().to_string())
    });
    let title = title_of(&doc).unwrap_or_else(|| {
        let name = existing_name
            .clone()
            .or_else(|| doc.meta.publisher.clone())
            .unwrap_or_else(|| opts.org.clone());
        review.push("原文中没有找到标题，已按机关名和年份生成".into());
        format!("{name}{}年政府信息公开工作年度报告", opts.year)
    });
    let published = doc.meta.published.clone().or_else(|| signed_date(&doc));
    if let Some(y) = year_in(&title)
        && y != opts.year
    {
        review.push(format!(
            "标题中的年份 {y} 与 --year {} 不一致：请确认年份",
            opts.year
        ));
    }
    let body = narrative::markdown(&doc, &marks, Some(&title));

    // a report older than the national formats has neither their headings nor their tables,
    // but still calls itself a report on 政府信息公开
    // (a list of report titles, a page saved from the wrong link, has no long paragraphs)
    let paragraphs: Vec<&str> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Para(p) => Some(p.text.as_str()),
            _ => None,
        })
        .collect();
    let long = paragraphs
        .iter()
        .filter(|p| p.chars().count() >= 60)
        .count();
    let speaks_of_disclosure = long >= 3 && paragraphs.iter().any(|p| p.contains("政府信息公开"));
    if body.sections.is_empty() && rec.format.is_none() && !speaks_of_disclosure {
        bail!(
            "{}：没有找到年度报告正文（既没有「一、总体情况」等章节标题，也没有可识别的统计表），未写入任何文件",
            opts.file.display()
        );
    }

    // tables.toml
    let mut cells = (0, 0);
    let (format_id, tables_toml) = match rec.format {
        Some(f) => {
            summary.push(format!("统计表格式：{}（{}）", f.id, f.document));
            for tv in &rec.tables {
                let (total, found) = tv.counts();
                cells.0 += total;
                cells.1 += found;
                if found == 0 {
                    summary.push(format!("{}：未找到", tv.def.name()));
                    review.push(format!(
                        "{}（{}）在原文中没有找到，tables.toml 中整张表已注释，请对照原文填写",
                        tv.def.name(),
                        tv.def.section
                    ));
                } else {
                    summary.push(format!("{}：找到，{found}/{total} 格", tv.def.name()));
                    for m in tv.missing() {
                        review.push(format!("{}「{m}」这一行在原文中没有找到", tv.def.name()));
                    }
                }
            }
            cell_review(&rec, &mut review);
            let inline = rec.kinds.iter().filter(|k| k.is_none()).count();
            if inline > 0 {
                review.push(format!(
                    "另有 {inline} 张表格不属于国家格式，已按原样写入 report.md 的 Markdown 表格，请核对"
                ));
            }
            (f.id, write::national_toml(f, &rec.tables, &source_name))
        }
        None if !tables.is_empty() => {
            summary.push(format!(
                "统计表格式：未识别为国家格式（2021/2019），{} 张表按自定义格式（custom）照录",
                tables.len()
            ));
            review.push("统计表未识别为国家格式：请逐格核对自定义表格".into());
            let titled: Vec<(String, &Table)> = table_blocks
                .iter()
                .enumerate()
                .map(|(n, (i, t))| {
                    (
                        caption_before(&doc, *i).unwrap_or_else(|| format!("表{}", n + 1)),
                        *t,
                    )
                })
                .collect();
            ("custom", write::custom_toml(&titled, &source_name))
        }
        None => {
            let f = national::newest();
            summary.push("统计表：原文中没有表格".into());
            review.push(format!(
                "原文中没有统计表：tables.toml 按 {} 格式写出，各行均已注释，请对照原文填写",
                f.id
            ));
            (f.id, write::national_toml(f, &[], &source_name))
        }
    };

    let names: Vec<&str> = body
        .sections
        .iter()
        .map(|n| national::SECTIONS[n - 1])
        .collect();
    summary.push(format!(
        "正文：找到 {} 个章节标题{}{}",
        names.len(),
        if names.is_empty() {
            String::new()
        } else {
            format!("（{}）", names.join("、"))
        },
        if body.dropped_lines > 0 {
            format!(
                "，去掉 {} 行页面杂项（打印/关闭、页码等）",
                body.dropped_lines
            )
        } else {
            String::new()
        }
    ));
    for (i, h) in national::SECTIONS.iter().enumerate() {
        if !body.sections.contains(&(i + 1)) {
            review.push(format!("正文中没有找到章节标题「{h}」"));
        }
    }
    summary.push(format!("标题：{title}"));
    match &published {
        Some(d) => summary.push(format!("发布日期：{d}")),
        None => review.push("原文中没有找到发布日期：请在 report.md 中填写 published".into()),
    }
    if let Some(n) = &doc.meta.index_number {
        summary.push(format!("索引号：{n}"));
    }
    if let Some(p) = &doc.meta.publisher {
        summary.push(format!("发布机构：{p}"));
    }

    let report_md = format!(
        "{}\n{}",
        write::front_matter(
            &title,
            published.as_deref(),
            doc.meta.index_number.as_deref(),
            opts.archived
        ),
        body.markdown
    );
    let mut files = vec![
        (report_path.clone(), report_md.clone()),
        (tables_path.clone(), tables_toml.clone()),
    ];
    if !org_toml_path.exists() {
        files.push((
            org_toml_path.clone(),
            write::org_toml(&opts.org, doc.meta.publisher.as_deref()),
        ));
        if doc.meta.publisher.is_none() {
            review.push("新建的 org.toml 中机关全称（name）暂用文件夹名，请改为全称".into());
        }
    }

    let rel_dir = Path::new("content").join(&opts.org);
    let diagnostics = if opts.dry_run {
        check_in_scratch(root, &opts.org, opts.year, &files)?
    } else {
        write::write_all(&files, opts.force)?;
        crate::build::load_and_check(root).diagnostics
    };
    let year_dir = rel_dir.join(opts.year.to_string());
    let org_file = rel_dir.join("org.toml");
    let diagnostics: Diagnostics = diagnostics
        .into_iter()
        .filter(|d| d.file.starts_with(&year_dir) || d.file == org_file)
        .collect();
    Ok(Outcome {
        format: format_id,
        summary,
        review,
        files: files.into_iter().map(|(p, _)| p).collect(),
        report_md,
        tables_toml,
        cells,
        diagnostics,
    })
}

/// `--dry-run`: the same load and check, on a scratch copy holding site.toml, the
/// organisation and the imported report only.
fn check_in_scratch(
    root: &Path,
    org: &str,
    year: u16,
    files: &[(PathBuf, String)],
) -> Result<Diagnostics> {
    let scratch = tempfile_dir()?;
    let base = scratch.path();
    std::fs::copy(root.join("site.toml"), base.join("site.toml"))
        .context("无法复制 site.toml 到临时文件夹")?;
    let org_dir = base.join("content").join(org);
    std::fs::create_dir_all(org_dir.join(year.to_string()))?;
    let existing = root.join("content").join(org);
    if existing.join("org.toml").is_file() {
        std::fs::copy(existing.join("org.toml"), org_dir.join("org.toml"))?;
    }
    // the organisation's other years, so the checks across years (R5, R6) run as they will
    for entry in std::fs::read_dir(&existing).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == year.to_string() || !entry.path().is_dir() {
            continue;
        }
        let other = org_dir.join(&name);
        for f in ["report.md", "tables.toml"] {
            let src = entry.path().join(f);
            if src.is_file() {
                std::fs::create_dir_all(&other)?;
                std::fs::copy(&src, other.join(f))?;
            }
        }
    }
    for (p, text) in files {
        let rel = p.strip_prefix(root).unwrap_or(p);
        let target = base.join(rel);
        if let Some(d) = target.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(&target, text)?;
    }
    Ok(crate::build::load_and_check(base).diagnostics)
}

/// A temporary folder removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempfile_dir() -> Result<Scratch> {
    let base = std::env::temp_dir();
    for i in 0..100u32 {
        let p = base.join(format!("nianbao-import-{}-{i}", std::process::id()));
        if std::fs::create_dir(&p).is_ok() {
            return Ok(Scratch(p));
        }
    }
    bail!("无法创建临时文件夹")
}

#[cfg(test)]
mod read_bytes_tests {
    use super::*;

    #[test]
    fn a_broken_word_file_is_an_error_naming_it() {
        let e = read_bytes(Path::new("下载/报告.docx"), b"PK\x03\x04 not a zip").unwrap_err();
        assert!(format!("{e:#}").contains("报告.docx"), "{e:#}");
    }

    #[test]
    fn deeply_nested_html_is_refused_with_its_name() {
        let page = format!("<html><body>{}正文", "<div>".repeat(html::MAX_NESTING + 1));
        let e = read_bytes(Path::new("深.html"), page.as_bytes()).unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("深.html") && msg.contains("嵌套"), "{msg}");
        let ok = format!("<html><body>{}正文", "<div>".repeat(html::MAX_NESTING));
        assert!(read_bytes(Path::new("a.html"), ok.as_bytes()).is_ok());
    }

    #[test]
    fn html_bytes_are_decoded_and_read() {
        let page = "<html><head><meta charset=\"gbk\"></head><body><p>正文一段</p></body></html>";
        let (bytes, _, _) = encoding_rs::GBK.encode(page);
        let (doc, how) = read_bytes(Path::new("a.htm"), &bytes).unwrap();
        assert!(how.contains("gb18030"), "{how}");
        assert!(
            matches!(&doc.blocks[..], [Block::Para(p)] if p.text == "正文一段"),
            "{:?}",
            doc.blocks
        );
    }
}
