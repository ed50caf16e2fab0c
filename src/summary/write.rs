//! A summary as a file: Markdown, TOML (a tables.toml to seed the 本级政府 report, written
//! like `nianbao new` writes one), CSV or Excel. The tables come from the printed grid
//! ([`crate::tables::grid`]), so every label is the format's own.

use super::Summary;
use crate::tables::grid::{self, Grid};
use anyhow::Result;

/// The summary's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFormat {
    Markdown,
    Toml,
    Csv,
    Xlsx,
}

/// What the summary covers, one statement per line (printed and written into every format).
pub fn coverage(s: &Summary<'_>) -> Vec<String> {
    let names = |list: &[&crate::content::Org]| -> String {
        if list.is_empty() {
            "无".to_string()
        } else {
            list.iter()
                .map(|o| format!("{}（{}）", o.config.name, o.id))
                .collect::<Vec<_>>()
                .join("、")
        }
    };
    let mut out = vec![
        format!(
            "{}年 {} 个机关报告的统计表合计（{} 格式，{}）；总计栏由各项之和算出。",
            s.year,
            s.covered.len(),
            s.format.id,
            s.format.document
        ),
        format!("已汇总（{} 个）：{}", s.covered.len(), names(&s.covered)),
        format!(
            "缺少 {} 年报告、未汇总（{} 个）：{}",
            s.year,
            s.missing.len(),
            names(&s.missing)
        ),
    ];
    for c in &s.skipped {
        out.push(format!(
            "未计入（文字单元格）：{} {} 为「{}」",
            c.org, c.cell, c.text
        ));
    }
    out
}

/// The file's bytes.
pub fn render(s: &Summary<'_>, format: SummaryFormat) -> Result<Vec<u8>> {
    Ok(match format {
        SummaryFormat::Markdown => markdown(s).into_bytes(),
        SummaryFormat::Toml => toml(s).into_bytes(),
        SummaryFormat::Csv => csv(s).into_bytes(),
        SummaryFormat::Xlsx => {
            let title = title(s);
            crate::export::xlsx::tables_workbook(
                &s.tables,
                &title,
                "nianbao summary",
                &crate::export::xlsx::excel_date(s.year.saturating_add(1), 1, 1)?,
                &std::iter::once(title.clone())
                    .chain(coverage(s))
                    .collect::<Vec<_>>(),
            )?
        }
    })
}

fn title(s: &Summary<'_>) -> String {
    format!("{}年政府信息公开工作年度报告统计表汇总", s.year)
}

fn grids(s: &Summary<'_>) -> Vec<Grid> {
    grid::report_grids(&s.tables)
}

/// A grid laid out as a rectangle of texts: a spanned cell's text in its top-left position,
/// the rest of its area empty.
pub fn matrix(g: &Grid) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<Option<String>>> = vec![vec![None; g.columns]; g.rows.len()];
    for (r, row) in g.rows.iter().enumerate() {
        let mut c = 0;
        for cell in row {
            while c < g.columns && out[r][c].is_some() {
                c += 1;
            }
            for (dr, line) in out.iter_mut().skip(r).take(cell.rowspan.max(1)).enumerate() {
                for (dc, slot) in line
                    .iter_mut()
                    .skip(c)
                    .take(cell.colspan.max(1))
                    .enumerate()
                {
                    *slot = Some(if dr == 0 && dc == 0 {
                        cell.text.clone()
                    } else {
                        String::new()
                    });
                }
            }
            c += cell.colspan.max(1);
        }
    }
    out.into_iter()
        .map(|row| row.into_iter().map(Option::unwrap_or_default).collect())
        .collect()
}

fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
}

fn markdown(s: &Summary<'_>) -> String {
    let mut out = format!("# {}\n\n", title(s));
    for line in coverage(s) {
        out.push_str(&format!("- {}\n", md_cell(&line)));
    }
    for g in grids(s) {
        out.push_str(&format!("\n## {} {}\n\n", g.name, g.title));
        let m = matrix(&g);
        // the header row of a Markdown table: the grid's first row (table 二 has none of its own)
        for (i, row) in m.iter().enumerate() {
            out.push_str("| ");
            out.push_str(
                &row.iter()
                    .map(|c| md_cell(c))
                    .collect::<Vec<_>>()
                    .join(" | "),
            );
            out.push_str(" |\n");
            if i == 0 {
                out.push_str(&format!("|{}\n", " --- |".repeat(g.columns)));
            }
        }
    }
    out
}

fn toml(s: &Summary<'_>) -> String {
    let literal = |table: &str, row: &str, col: usize| -> Option<String> {
        let v = &s.tables.national(table)?.row(row)?.cells.get(col)?.value;
        Some(v.display())
    };
    let mut out = String::new();
    for line in std::iter::once(title(s)).chain(coverage(s)) {
        out.push_str(&format!("# {line}\n"));
    }
    out.push_str("# 可复制到本级政府报告的 tables.toml；如在 report.md 写 summary_of = [...]，nianbao check 会核对合计。\n");
    out.push_str(&crate::scaffold::tables_toml_literals(s.format, &literal));
    out
}

fn csv(s: &Summary<'_>) -> String {
    use crate::export::csv::line;
    let mut out = String::from("\u{feff}");
    for l in std::iter::once(title(s)).chain(coverage(s)) {
        line(&mut out, &[l]);
    }
    for g in grids(s) {
        out.push_str("\r\n");
        line(&mut out, &[format!("{} {}", g.name, g.title)]);
        for row in matrix(&g) {
            line(&mut out, &row);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceFile;
    use crate::tables::national::FORMAT_2021;

    #[test]
    fn matrix_places_spanned_cells_once() {
        let src = SourceFile::new("t.toml", crate::scaffold::zero_tables(&FORMAT_2021));
        let (t, _) = crate::tables::parse_tables(&src, false);
        let grids = grid::report_grids(&t.unwrap());
        for g in &grids {
            let m = matrix(g);
            assert_eq!(m.len(), g.rows.len());
            assert!(m.iter().all(|r| r.len() == g.columns), "{}", g.name);
            // every cell's text appears exactly where the grid puts it, once
            let texts: usize = g
                .rows
                .iter()
                .flatten()
                .filter(|c| !c.text.is_empty())
                .count();
            let placed: usize = m.iter().flatten().filter(|c| !c.is_empty()).count();
            assert_eq!(texts, placed, "{}", g.name);
        }
        // table 三: the 三、本年度办理结果 group spans 22 rows of the first column
        let m = matrix(&grids[1]);
        assert_eq!(m[5][0], "三、本年度办理结果");
        assert_eq!(m[6][0], "");
        assert_eq!(m[5][1], "（一）予以公开");
        assert_eq!(m[5][3], "0");
    }
}
