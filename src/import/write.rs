//! The imported report as files: tables.toml (national layout with the scaffold's comments, or
//! `custom`), report.md with its front matter, org.toml; written atomically.

use super::model::Table;
use super::recognise::TableValues;
use crate::tables::Value;
use crate::tables::def::FormatDef;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// A TOML string literal.
pub fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A cell as TOML: numbers as numbers, blanks as `""`, text as a string.
pub fn cell_toml(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Decimal(d) => d.clone(),
        Value::Blank => "\"\"".to_string(),
        Value::Text(t) => toml_str(t),
    }
}

/// tables.toml of a national format from the recognised values.
pub fn national_toml(format: &FormatDef, values: &[TableValues], source: &str) -> String {
    let heading = format!(
        "# 统计表（{} 格式），由 nianbao import 从 {source} 导入。\n# 请逐格与原文核对；原文空白的格为 \"\"，原文中的文字照录。\n",
        format.document
    );
    crate::scaffold::tables_toml_cells(format, &heading, &|table, row, col| {
        let tv = values.iter().find(|t| t.def.key == table)?;
        let i = tv.def.row_index(row)?;
        let cells = tv.rows.get(i)?.as_ref()?;
        Some(cell_toml(cells.get(col).unwrap_or(&Value::Blank)))
    })
}

/// A custom table's cell: a number, a string, or `{ text, colspan, rowspan }`.
fn custom_cell(text: &str, colspan: usize, rowspan: usize) -> String {
    let plain = match super::text::number(text) {
        Some(super::text::Number::Int(n)) if n >= 0 => n.to_string(),
        _ => toml_str(&super::text::clean_line(text)),
    };
    if colspan == 1 && rowspan == 1 {
        return plain;
    }
    let mut s = format!("{{ text = {}", toml_str(&super::text::clean_line(text)));
    if colspan != 1 {
        s.push_str(&format!(", colspan = {colspan}"));
    }
    if rowspan != 1 {
        s.push_str(&format!(", rowspan = {rowspan}"));
    }
    s.push_str(" }");
    s
}

/// How many leading rows form the header: the first row, extended while a header cell spans
/// further down; the whole table when no data row follows.
fn header_rows(t: &Table) -> usize {
    let mut n = 1;
    let mut r = 0;
    while r < n && r < t.rows.len() {
        for c in &t.rows[r] {
            n = n.max(r + c.rowspan);
        }
        r += 1;
    }
    n.min(t.rows.len())
}

/// tables.toml of format "custom": every table as it was printed.
pub fn custom_toml(tables: &[(String, &Table)], source: &str) -> String {
    let mut s = format!(
        "# 统计表（自定义格式），由 nianbao import 从 {source} 导入：未识别为国家格式，按原表照录。\n# 请逐格与原文核对。\nformat = \"custom\"\n"
    );
    for (title, t) in tables {
        let h = header_rows(t);
        let grid = |rows: &[Vec<super::model::SourceCell>]| -> String {
            let lines: Vec<String> = rows
                .iter()
                .map(|r| {
                    let cells: Vec<String> = r
                        .iter()
                        .map(|c| custom_cell(&c.text, c.colspan, c.rowspan))
                        .collect();
                    format!("  [{}],", cells.join(", "))
                })
                .collect();
            format!("[\n{}\n]", lines.join("\n"))
        };
        s.push_str(&format!("\n[[tables]]\ntitle = {}\n", toml_str(title)));
        s.push_str(&format!("header = {}\n", grid(&t.rows[..h])));
        s.push_str(&format!("rows = {}\n", grid(&t.rows[h..])));
    }
    s
}

/// report.md's front matter.
pub fn front_matter(
    title: &str,
    published: Option<&str>,
    index_number: Option<&str>,
    archived: bool,
) -> String {
    let mut s = format!("+++\ntitle = {}\n", toml_str(title));
    match published {
        Some(d) => s.push_str(&format!("published = {d}\n")),
        None => s.push_str(
            "# published = 2025-01-20   # 发布日期：原文中未找到，请填写后去掉行首的 #\n",
        ),
    }
    s.push_str(&format!(
        "index_number = {}\narchived = {archived}\n+++\n",
        toml_str(index_number.unwrap_or(""))
    ));
    s
}

/// org.toml for a new organisation.
pub fn org_toml(org: &str, publisher: Option<&str>) -> String {
    match publisher {
        Some(name) => format!(
            "# 机关信息（nianbao import 按原文「发布机构」填写，请核对）\nname = {}\n# short_name = \"\"   # 简称，用于默认标题\n# kind = \"\"         # 乡镇 | 县级部门 | 本级政府 | 办公厅（室）\n",
            toml_str(name)
        ),
        None => format!(
            "# 机关信息\nname = {}   # 请改为机关全称，如「寺下镇人民政府」\n# short_name = \"\"   # 简称，用于默认标题\n# kind = \"\"         # 乡镇 | 县级部门 | 本级政府 | 办公厅（室）\n",
            toml_str(org)
        ),
    }
}

/// Write every file or none: each goes to a hidden temporary sibling first, then all are
/// renamed into place. Existing files are replaced only with `force`.
pub fn write_all(files: &[(PathBuf, String)], force: bool) -> Result<()> {
    if !force && let Some((p, _)) = files.iter().find(|(p, _)| p.exists()) {
        bail!(
            "{} 已存在，未做任何修改（确认要覆盖请加 --force）",
            p.display()
        );
    }
    let mut temps: Vec<(PathBuf, &Path)> = Vec::new();
    // folders this call creates, removed again (when still empty) if it fails
    let mut created: Vec<PathBuf> = Vec::new();
    let result = (|| -> Result<()> {
        for (path, text) in files {
            let dir = path.parent().context("路径没有上级文件夹")?;
            let mut d = Some(dir);
            while let Some(x) = d.filter(|x| !x.as_os_str().is_empty() && !x.exists()) {
                created.push(x.to_path_buf());
                d = x.parent();
            }
            std::fs::create_dir_all(dir).with_context(|| format!("无法创建 {}", dir.display()))?;
            let name = path
                .file_name()
                .context("路径没有文件名")?
                .to_string_lossy();
            let tmp = dir.join(format!(".{name}.import-{}.tmp", std::process::id()));
            std::fs::write(&tmp, text).with_context(|| format!("无法写入 {}", tmp.display()))?;
            temps.push((tmp, path));
        }
        // move into place; on a failure, put back what was there before
        let mut done: Vec<(&Path, Option<PathBuf>)> = Vec::new();
        for (tmp, path) in &temps {
            let backup = path.exists().then(|| tmp.with_extension("old"));
            let step = (|| -> std::io::Result<()> {
                if let Some(b) = &backup {
                    std::fs::rename(path, b)?;
                }
                std::fs::rename(tmp, path)
            })();
            if let Err(e) = step {
                if let Some(b) = &backup {
                    let _ = std::fs::rename(b, path);
                }
                for (p, b) in done.iter().rev() {
                    match b {
                        Some(b) => {
                            let _ = std::fs::rename(b, p);
                        }
                        None => {
                            let _ = std::fs::remove_file(p);
                        }
                    }
                }
                return Err(e).with_context(|| format!("无法写入 {}", path.display()));
            }
            done.push((path, backup));
        }
        for (_, b) in done {
            if let Some(b) = b {
                let _ = std::fs::remove_file(b);
            }
        }
        Ok(())
    })();
    if result.is_err() {
        for (tmp, _) in &temps {
            let _ = std::fs::remove_file(tmp);
        }
        created.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for d in created {
            let _ = std::fs::remove_dir(d);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceFile;
    use crate::import::model::SourceCell;
    use crate::tables::parse_tables;

    #[test]
    fn custom_tables_parse() {
        let t = Table {
            rows: vec![
                vec![SourceCell::new("指标"), SourceCell::new("数量")],
                vec![
                    SourceCell {
                        text: "主动公开".into(),
                        colspan: 1,
                        rowspan: 2,
                    },
                    SourceCell::new("12"),
                ],
                vec![SourceCell::new("3")],
            ],
        };
        let text = custom_toml(&[("测试表".to_string(), &t)], "x.html");
        let (tables, d) = parse_tables(&SourceFile::new("tables.toml", text.clone()), true);
        assert!(d.is_empty(), "{d:?}\n{text}");
        assert_eq!(tables.unwrap().format_id(), "custom");
    }

    #[test]
    fn a_failure_midway_leaves_everything_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("org").join("2024").join("a.txt");
        let old = dir.path().join("old.txt");
        std::fs::write(&old, "old").unwrap();
        // a name the file system takes but its temporary sibling's longer name exceeds
        let long = dir.path().join("x".repeat(250));
        let files = vec![
            (a.clone(), "new".to_string()),
            (old.clone(), "new".to_string()),
            (long, "new".to_string()),
        ];
        assert!(write_all(&files, true).is_err());
        assert!(!dir.path().join("org").exists(), "created folders removed");
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "old");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["old.txt".to_string()]);
    }

    #[test]
    fn front_matter_escapes() {
        let f = front_matter("a\"b", Some("2025-01-20"), None, true);
        let inner = f.trim_start_matches("+++\n").trim_end_matches("+++\n");
        let v: toml::Table = toml::from_str(inner).unwrap();
        assert_eq!(v["title"].as_str(), Some("a\"b"));
        assert!(f.contains("archived = true"));
    }

    #[test]
    fn nothing_is_written_when_a_file_exists() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        let b = dir.path().join("b.txt");
        std::fs::write(&b, "old").unwrap();
        let files = vec![
            (a.clone(), "new".to_string()),
            (b.clone(), "new".to_string()),
        ];
        assert!(write_all(&files, false).is_err());
        assert!(!a.exists());
        write_all(&files, true).unwrap();
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
