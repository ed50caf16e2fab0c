//! `nianbao new <org> <year>`: a new report with the six section headings, the table markers
//! and zero-filled tables in the newest national format (written from its definition).

pub mod init;

use crate::content::Report;
use crate::tables::Value;
use crate::tables::def::{FormatDef, Layout};
use crate::tables::national::{self, SECTIONS};
use anyhow::{Context, Result, bail};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `new` created, for the message to the user.
#[derive(Debug)]
pub struct Created {
    pub files: Vec<PathBuf>,
    pub org_created: bool,
    /// The year whose report the new one started from.
    pub from: Option<u16>,
}

/// tables.toml of `format` with every count 0, each row commented with its official label.
pub fn zero_tables(format: &FormatDef) -> String {
    tables_toml(format, &|_, _, _| None)
}

/// tables.toml of `format`, each row commented with its official label; `fill(table, row,
/// column)` gives a starting value, else 0.
pub fn tables_toml(format: &FormatDef, fill: &dyn Fn(&str, &str, usize) -> Option<i64>) -> String {
    let heading = format!(
        "# 统计表（{} 格式）。每个数都要填写；没有的填 0。\n",
        format.document
    );
    tables_toml_cells(format, &heading, &|t, r, c| {
        Some(fill(t, r, c).unwrap_or(0).to_string())
    })
}

/// [`tables_toml`] with each value given as a TOML literal (`3`, `12.50`), else 0.
pub fn tables_toml_literals(
    format: &FormatDef,
    fill: &dyn Fn(&str, &str, usize) -> Option<String>,
) -> String {
    let heading = format!(
        "# 统计表（{} 格式）。每个数都要填写；没有的填 0。\n",
        format.document
    );
    tables_toml_cells(format, &heading, &|t, r, c| {
        Some(fill(t, r, c).unwrap_or_else(|| "0".to_string()))
    })
}

/// tables.toml of `format` after a `heading` comment, each row commented with its official
/// label; `cell(table, row, column)` gives a cell as TOML (`3`, `""`, `"/"`). A row whose
/// first cell is None is written commented out, for the author to fill.
pub fn tables_toml_cells(
    format: &FormatDef,
    heading: &str,
    cell: &dyn Fn(&str, &str, usize) -> Option<String>,
) -> String {
    let mut s = format!("{heading}format = \"{}\"\n", format.id);
    for t in format.tables {
        s.push_str(&format!("\n[{}]  # {}\n", t.key, t.section));
        let rows = t.rows();
        if let Layout::Grid { columns, .. } | Layout::Strip { columns, .. } = &t.layout {
            let labels: Vec<&str> = columns.iter().map(|c| c.label).collect();
            s.push_str(&format!("# 每行依次为：{}\n", labels.join("、")));
        }
        for (i, rd) in rows.iter().enumerate() {
            let cols = t.columns_of(i);
            let mut comment = t.row_label(i);
            if matches!(t.layout, Layout::Blocks(_)) {
                let labels: Vec<&str> = cols.iter().map(|c| c.label).collect();
                comment = format!("{comment}：{}", labels.join("、"));
            }
            let cells: Option<Vec<String>> =
                (0..cols.len()).map(|c| cell(t.key, rd.key, c)).collect();
            let Some(cells) = cells else {
                let blank = vec!["0"; cols.len()].join(", ");
                let value = if cols.len() == 1 {
                    blank
                } else {
                    format!("[{blank}]")
                };
                s.push_str(&format!(
                    "# {} = {value}  # {comment}（原文中未找到，请核对后填写）\n",
                    rd.key
                ));
                continue;
            };
            let value = if cols.len() == 1 {
                cells[0].clone()
            } else {
                format!("[{}]", cells.join(", "))
            };
            s.push_str(&format!("{} = {value}  # {comment}\n", rd.key));
        }
    }
    s
}

/// Starting values carried from last year's report: 二、上年结转 from 四、结转下年度继续办理
/// (so R5 holds; the same figure stands in 四、结转下年度继续办理 until the clerk records
/// outcomes, so R1 holds too) and, between 2021-format reports, 现行有效件数 (so R6 holds with nothing new).
fn carried_from(last: &Report) -> impl Fn(&str, &str, usize) -> Option<i64> + '_ {
    move |table, row, col| {
        let int =
            |t: &str, r: &str, c: usize| match last.tables.national(t)?.row(r)?.cells.get(c)?.value
            {
                Value::Int(n) => Some(n),
                _ => None,
            };
        match (table, row) {
            // still pending until the clerk records their outcome, so R1 holds from the start
            ("applications", "carried_over" | "carried_forward") => {
                int("applications", "carried_forward", col)
            }
            ("active", "regulations" | "normative_documents")
                if col == 2 && last.tables.format_id() == "2021" =>
            {
                int("active", row, 2)
            }
            _ => None,
        }
    }
}

fn front_matter(title: &str) -> String {
    format!(
        "+++\ntitle = \"{}\"\n# published = 2025-01-20   # 发布日期：发布时去掉行首的 # 并填写\nindex_number = \"\"\narchived = false\n+++\n",
        title.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// report.md with front matter, the six headings and the table markers.
pub fn report_skeleton(title: &str) -> String {
    let mut s = front_matter(title);
    for (i, h) in SECTIONS.iter().enumerate() {
        s.push_str(&format!("\n## {h}\n\n"));
        match i {
            1 => s.push_str("<!-- 表二 -->\n"),
            2 => s.push_str("<!-- 表三 -->\n"),
            3 => s.push_str("<!-- 表四 -->\n"),
            _ => {}
        }
    }
    s
}

pub(crate) fn valid_org(org: &str) -> bool {
    !org.is_empty()
        && org != "."
        && org != ".."
        && !org.starts_with('.')
        && !org.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|', '\0'])
}

/// Create `content/<org>/<year>/` with report.md and tables.toml (and org.toml when the
/// organisation is new). Never overwrites: an existing report is an error.
pub fn new_report(root: &Path, org: &str, year: u16) -> Result<Created> {
    if !valid_org(org) {
        bail!(
            "机关文件夹名「{org}」不可用：不能含 / \\ : * ? \" < > | 或以 . 开头（建议用英文字母、数字和 -）"
        );
    }
    if !(1990..=2999).contains(&year) {
        bail!("年份 {year} 不合理：应为四位年份，如 2025");
    }
    if !root.join("site.toml").is_file() {
        bail!(
            "{} 中没有 site.toml：请在站点文件夹中运行，或用 --root 指定站点文件夹",
            root.display()
        );
    }
    let org_dir = root.join("content").join(org);
    let dir = org_dir.join(year.to_string());
    // nothing written or read through a symlink out of the site (or a report folder that
    // leads back up): loading would refuse it anyway (regression: the report was made there)
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    for p in [
        root.join("content"),
        org_dir.clone(),
        org_dir.join("org.toml"),
        dir.clone(),
    ] {
        let link = std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_symlink());
        let refused = if link {
            match crate::content::links::follow(&p, &canonical_root) {
                crate::content::links::Link::Inside(_) => None,
                other => Some(other),
            }
        } else {
            None
        };
        if let Some(other) = refused {
            bail!(
                "{}：{}",
                p.display(),
                crate::content::links::refusal(&other)
            );
        }
    }
    if dir.join("report.md").exists() || dir.join("tables.toml").exists() {
        bail!("{} 已有报告，未做任何修改", dir.display());
    }
    let mut files = Vec::new();
    std::fs::create_dir_all(&dir).with_context(|| format!("无法创建 {}", dir.display()))?;
    let org_toml = org_dir.join("org.toml");
    let org_created = !org_toml.exists();
    let short = if org_created {
        write_new(
            &org_toml,
            &format!(
                "# 机关信息\nname = \"{org}\"   # 请改为机关全称，如「寺下镇人民政府」\n# short_name = \"\"   # 简称，用于默认标题\n# kind = \"\"         # 本级政府 | 办公厅（室） | 部门 | 乡镇（街道）\n# order = 10         # 同类机关中的排列顺序（小的在前）\n# parent = \"\"       # 上级机关的文件夹名（下属单位时填写）\n# address = \"\"\n# phone = \"\"\n# postcode = \"\"\n"
            ),
        )?;
        files.push(org_toml.clone());
        org.to_string()
    } else {
        let text = std::fs::read_to_string(&org_toml).unwrap_or_default();
        let src = crate::diagnostics::SourceFile::new("org.toml", text);
        crate::config::OrgConfig::parse(&src)
            .0
            .map(|o| o.display_short().to_string())
            .unwrap_or_else(|| org.to_string())
    };
    let title = format!("{short}{year}年政府信息公开工作年度报告");
    // start from the most recent earlier report of this organisation, when there is one
    let loaded = crate::content::load_site(root);
    let last = loaded
        .site
        .as_ref()
        .and_then(|s| s.reports_of(org).find(|r| r.year < year));
    let (report_text, tables_text) = match last {
        Some(last) => (
            format!("{}{}", front_matter(&title), last.body()),
            tables_toml(national::newest(), &carried_from(last)),
        ),
        None => (report_skeleton(&title), zero_tables(national::newest())),
    };
    let from = last.map(|l| l.year);
    let report = dir.join("report.md");
    write_new(&report, &report_text)?;
    files.push(report);
    let tables = dir.join("tables.toml");
    write_new(&tables, &tables_text)?;
    files.push(tables);
    Ok(Created {
        files,
        org_created,
        from,
    })
}

fn write_new(path: &Path, text: &str) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("无法创建 {}", path.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("无法写入 {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceFile;
    use crate::tables::parse_tables;

    #[test]
    fn zero_tables_parse_cleanly_in_every_national_format() {
        for f in national::NATIONAL_FORMATS {
            let text = zero_tables(f);
            let src = SourceFile::new("tables.toml", text.clone());
            let (t, d) = parse_tables(&src, false);
            assert!(d.is_empty(), "{}: {d:?}\n{text}", f.id);
            assert_eq!(t.unwrap().format_id(), f.id);
        }
    }

    /// `new` makes nothing through a symlink out of the site. Regression: with content/evil
    /// a symlink to another folder, the report was made in that folder.
    #[cfg(unix)]
    #[test]
    fn nothing_is_made_through_a_symlink_out_of_the_site() {
        let site = crate::content::sample_copy();
        let root = site.path();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("org.toml"), "name = \"外部\"\n").unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("content/evil")).unwrap();
        let e = new_report(root, "evil", 2025).unwrap_err();
        assert!(format!("{e:#}").contains("站点文件夹之外"), "{e:#}");
        assert!(!outside.path().join("2025").exists());
        // inside the site: made through it
        std::fs::create_dir(root.join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(root.join("elsewhere"), root.join("content/good")).unwrap();
        new_report(root, "good", 2025).unwrap();
        assert!(root.join("elsewhere/2025/report.md").is_file());
    }

    #[test]
    fn rejects_hostile_org_names() {
        for bad in ["..", "a/b", ".hidden", "a\\b", ""] {
            assert!(!valid_org(bad), "{bad}");
        }
        assert!(valid_org("寺下镇"));
    }
}
