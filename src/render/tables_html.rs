//! The national tables (and custom tables) as HTML, laid out exactly as the printed form.
//! The structure is the table's printed grid ([`crate::tables::grid`], generated from the
//! format definitions, as for the PDF, Word and Excel downloads); here every header cell gets
//! an `id` and a `scope`, and every data cell names its column and row headers (`headers`).
//!
//! A figure of table 三 names five or six headers, so the ids are short (`t3h12`: the table,
//! then the header cells numbered in reading order): with the table's key and the cell's
//! position in every id, the `headers` attributes were 40% of a 2021-format report's page.

use super::escape::html;
use crate::tables::grid::{self, Grid, GridCell, Role};
use crate::tables::{CustomTable, TableData};
use std::fmt::Write;

/// Wrap a table in a focusable, labelled scrolling region (for narrow screens).
fn region(id: &str, caption: &str, class: &str, inner: &str) -> String {
    format!(
        "<div class=\"table-region\" role=\"region\" aria-labelledby=\"{id}-cap\" tabindex=\"0\">\n\
         <table class=\"nb-table {class}\" id=\"{id}\">\n<caption id=\"{id}-cap\">{}</caption>\n{inner}</table>\n</div>\n",
        html(caption)
    )
}

/// HTML for one national table, with the id `id`; its header cells' ids begin `t2`, `t3` or
/// `t4` (the table's number), unique within the page.
pub fn national(data: &TableData, id: &str) -> String {
    let def = data.def;
    let caption = format!("{}：{}", def.name(), strip_number(def.section));
    region(
        id,
        &caption,
        &format!("nb-{}", def.key),
        &grid_html(&grid::national(data), &format!("t{}", def.section_index)),
    )
}

/// A custom table: header rows as column headers, then the body, spans as written. Its
/// header cells' ids begin `c<number>`.
pub fn custom(t: &CustomTable, id: &str, number: usize) -> String {
    let g = grid::custom(t, number);
    region(
        id,
        &g.title,
        "nb-custom",
        &grid_html(&g, &format!("c{number}")),
    )
}

/// 「二、主动公开政府信息情况」 → 「主动公开政府信息情况」
fn strip_number(s: &str) -> &str {
    s.split_once('、').map_or(s, |(_, rest)| rest)
}

fn span_attrs(c: &GridCell) -> String {
    let mut s = String::new();
    if c.colspan > 1 {
        let _ = write!(s, " colspan=\"{}\"", c.colspan);
    }
    if c.rowspan > 1 {
        let _ = write!(s, " rowspan=\"{}\"", c.rowspan);
    }
    s
}

/// Where each cell of a grid sits: (row, first column) per cell, and which cell covers each
/// slot, as a browser lays out rowspan/colspan.
struct Placement {
    at: Vec<Vec<(usize, usize)>>,
    cover: Vec<Vec<Option<(usize, usize)>>>,
}

fn place(g: &Grid) -> Placement {
    let rows = g.rows.len();
    let mut cover: Vec<Vec<Option<(usize, usize)>>> = vec![vec![None; g.columns]; rows];
    let mut at = Vec::with_capacity(rows);
    for (r, row) in g.rows.iter().enumerate() {
        let mut col = 0;
        let mut pos = Vec::with_capacity(row.len());
        for (i, c) in row.iter().enumerate() {
            while col < g.columns && cover[r][col].is_some() {
                col += 1;
            }
            pos.push((r, col));
            for row_cover in cover.iter_mut().skip(r).take(c.rowspan.max(1)) {
                for slot in row_cover.iter_mut().skip(col).take(c.colspan.max(1)) {
                    *slot = Some((r, i));
                }
            }
            col += c.colspan.max(1);
        }
        at.push(pos);
    }
    Placement { at, cover }
}

/// The table's cells as HTML; `prefix` begins every id of a cell (`t3`).
fn grid_html(g: &Grid, prefix: &str) -> String {
    let p = place(g);
    let is_head = |c: &GridCell| matches!(c.role, Role::Header | Role::Note);
    // the ids, made once (a value cell names up to a dozen headers): `<prefix>h<n>`, the
    // cells that get one numbered in reading order
    let mut n = 0;
    let id_of: Vec<Vec<String>> = g
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            row.iter()
                .map(|c| {
                    let in_head = r < g.header_rows;
                    let has_id = match c.role {
                        Role::Note => !in_head,
                        Role::Header | Role::Label => true,
                        Role::Value => in_head,
                    };
                    if !has_id {
                        return String::new();
                    }
                    n += 1;
                    format!("{prefix}h{}", n - 1)
                })
                .collect()
        })
        .collect();
    let ids = |r: usize, i: usize| id_of[r][i].as_str();
    // the headers of a value cell: header cells above it in its columns (up to and including
    // the nearest note row, i.e. the block's title in table 二), and label cells in its row
    let headers_of = |r: usize, col: usize, span: usize| -> String {
        let mut found: Vec<(usize, usize)> = Vec::new();
        for c in col..(col + span).min(g.columns) {
            let mut rr = r;
            while rr > 0 {
                rr -= 1;
                let Some((hr, hi)) = p.cover[rr][c] else {
                    continue;
                };
                let h = &g.rows[hr][hi];
                if is_head(h) {
                    found.push((hr, hi));
                    if h.role == Role::Note {
                        break;
                    }
                }
            }
        }
        for c in 0..col {
            if let Some((lr, li)) = p.cover[r][c]
                && g.rows[lr][li].role == Role::Label
            {
                found.push((lr, li));
            }
        }
        // column headers outermost first, then row headers left to right
        found.sort_by_key(|&(hr, hi)| (g.rows[hr][hi].role == Role::Label, p.at[hr][hi].1, hr));
        found.dedup();
        found
            .iter()
            .map(|&(hr, hi)| ids(hr, hi))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = String::new();
    let label_cols = g.label_columns;
    let _ = writeln!(
        out,
        "<colgroup>{}{}</colgroup>",
        "<col class=\"label\">".repeat(label_cols),
        "<col>".repeat(g.columns.saturating_sub(label_cols))
    );
    for (r, row) in g.rows.iter().enumerate() {
        if r == 0 && g.header_rows > 0 {
            out.push_str("<thead>\n");
        }
        if r == g.header_rows {
            out.push_str("<tbody>\n");
        }
        let in_head = r < g.header_rows;
        let article = row.len() == 1 && row[0].role == Role::Note && !in_head;
        out.push_str(if article {
            "<tr class=\"article\">"
        } else {
            "<tr>"
        });
        for (i, c) in row.iter().enumerate() {
            let (_, col) = p.at[r][i];
            let text = html(&c.text);
            let spans = span_attrs(c);
            match c.role {
                Role::Note if in_head => {
                    let _ = write!(out, "<td class=\"corner\"{spans}>{text}</td>");
                }
                Role::Header | Role::Note => {
                    let scope = if c.colspan > 1 { "colgroup" } else { "col" };
                    let _ = write!(
                        out,
                        "<th scope=\"{scope}\" id=\"{}\"{spans}>{text}</th>",
                        ids(r, i)
                    );
                }
                Role::Label => {
                    let scope = if c.rowspan > 1 { "rowgroup" } else { "row" };
                    let _ = write!(
                        out,
                        "<th scope=\"{scope}\" id=\"{}\"{spans}>{text}</th>",
                        ids(r, i)
                    );
                }
                Role::Value if in_head => {
                    // a custom table's header rows: column headers
                    let scope = if c.colspan > 1 { "colgroup" } else { "col" };
                    let _ = write!(
                        out,
                        "<th scope=\"{scope}\" id=\"{}\"{spans}>{text}</th>",
                        ids(r, i)
                    );
                }
                Role::Value => {
                    let class = if c.numeric {
                        "num"
                    } else if c.text.is_empty() {
                        "blank"
                    } else {
                        "text"
                    };
                    let headers = headers_of(r, col, c.colspan);
                    let attr = if headers.is_empty() {
                        String::new()
                    } else {
                        format!(" headers=\"{headers}\"")
                    };
                    let _ = write!(out, "<td class=\"{class}\"{attr}{spans}>{text}</td>");
                }
            }
        }
        out.push_str("</tr>\n");
        if r + 1 == g.header_rows {
            out.push_str("</thead>\n");
        }
    }
    if g.header_rows < g.rows.len() {
        out.push_str("</tbody>\n");
    } else if g.header_rows == 0 {
        out.push_str("<tbody>\n</tbody>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceFile;
    use crate::scaffold::zero_tables;
    use crate::tables::national::{FORMAT_2019, FORMAT_2021};
    use crate::tables::{ReportTables, parse_tables};

    fn tables(text: &str) -> ReportTables {
        let src = SourceFile::new("tables.toml", text.to_string());
        let (t, d) = parse_tables(&src, false);
        assert!(d.is_empty(), "{d:?}");
        t.unwrap()
    }

    fn html_of(t: &ReportTables, key: &str) -> String {
        national(t.national(key).unwrap(), &format!("t-{key}"))
    }

    #[test]
    fn snapshot_2021_tables() {
        let text = zero_tables(&FORMAT_2021)
            .replace(
                "received = [0, 0, 0, 0, 0, 0, 0]",
                "received = [3, 1, 0, 0, 0, 0, 4]",
            )
            .replace(
                "disclosed = [0, 0, 0, 0, 0, 0, 0]  # （一）",
                "disclosed = [2, 1, 0, 0, 0, 0, 3]  # （一）",
            )
            .replace(
                "unavailable.not_held = [0, 0, 0, 0, 0, 0, 0]",
                "unavailable.not_held = [1, 0, 0, 0, 0, 0, 1]",
            )
            .replace(
                "total = [0, 0, 0, 0, 0, 0, 0]",
                "total = [3, 1, 0, 0, 0, 0, 4]",
            )
            .replace("fees = 0", "fees = 1.25")
            .replace("review = [0, 0, 0, 0, 0]", "review = [1, 0, 0, 1, 2]");
        let t = tables(&text);
        insta::assert_snapshot!("table2_2021", html_of(&t, "active"));
        insta::assert_snapshot!("table3_2021", html_of(&t, "applications"));
        insta::assert_snapshot!("table4_2021", html_of(&t, "appeals"));
    }

    #[test]
    fn snapshot_2019_tables() {
        let text = zero_tables(&FORMAT_2019)
            .replace("licensing = [0, 0, 0]", "licensing = [12, -2, 30]")
            .replace("procurement = [0, 0]", "procurement = [3, 15.5]");
        let t = tables(&text);
        insta::assert_snapshot!("table2_2019", html_of(&t, "active"));
        insta::assert_snapshot!("table3_2019", html_of(&t, "applications"));
    }

    #[test]
    fn snapshot_custom_table() {
        let t = tables(
            "format = \"custom\"\n[[tables]]\ntitle = \"政府信息公开情况统计表\"\nheader = [[\"指标名称\", \"计量单位\", \"本年度\", \"历年累计\"]]\nrows = [[\"主动公开文件数\", \"件\", 20, 120],\n        [{ text = \"其中：\", rowspan = 2 }, \"网站公开\", \"件\", 15],\n        [\"公告栏\", \"件\", \"/\"]]\n",
        );
        let ReportTables::Custom(list) = &t else {
            panic!()
        };
        insta::assert_snapshot!("custom", custom(&list[0], "t-1", 1));
    }

    #[test]
    fn text_in_cells_is_escaped() {
        let t = tables(
            "format = \"custom\"\n[[tables]]\ntitle = \"<b>表</b>\"\nrows = [[\"<script>alert(1)</script>\", \"a&b\\\"\"]]\n",
        );
        let ReportTables::Custom(list) = &t else {
            panic!()
        };
        let h = custom(&list[0], "t-1", 1);
        assert!(!h.contains("<script>") && !h.contains("<b>"), "{h}");
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(h.contains("a&amp;b&quot;"));
    }

    #[test]
    fn every_data_cell_names_existing_headers() {
        for f in [&FORMAT_2021, &FORMAT_2019] {
            let t = tables(&zero_tables(f));
            for key in ["active", "applications", "appeals"] {
                let h = html_of(&t, key);
                let ids: std::collections::HashSet<&str> = h
                    .split("id=\"")
                    .skip(1)
                    .filter_map(|s| s.split('"').next())
                    .collect();
                let mut cells = 0;
                for part in h.split("headers=\"").skip(1) {
                    let list = part.split('"').next().unwrap();
                    for id in list.split(' ') {
                        assert!(
                            ids.contains(id),
                            "{} {key}: headers names missing id {id}",
                            f.id
                        );
                    }
                    cells += 1;
                }
                assert!(cells > 0);
                assert_eq!(h.matches("<caption").count(), 1);
            }
        }
    }

    #[test]
    fn table_three_has_the_printed_shape() {
        let t = tables(&zero_tables(&FORMAT_2021));
        let h = html_of(&t, "applications");
        assert!(h.contains("colspan=\"3\" rowspan=\"3\">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"));
        assert!(h.contains("colspan=\"7\">申请人情况</th>"));
        assert!(h.contains("id=\"t3h1\" rowspan=\"2\">自然人</th>"), "{h}");
        assert!(h.contains("scope=\"colgroup\" id=\"t3h2\" colspan=\"5\">法人或其他组织</th>"));
        // a figure names its column headers outermost first, then its row headers
        // (申请人情况, 法人或其他组织, 商业企业, 一、本年新收政府信息公开申请数量)
        assert!(
            h.contains("<td class=\"num\" headers=\"t3h0 t3h2 t3h4 t3h9\">0</td>"),
            "{h}"
        );
        assert!(h.contains(
            "scope=\"row\" id=\"t3h9\" colspan=\"3\">一、本年新收政府信息公开申请数量</th>"
        ));
        assert!(
            h.contains("scope=\"rowgroup\" id=\"t3h11\" rowspan=\"22\">三、本年度办理结果</th>")
        );
        assert!(h.contains("id=\"t3h14\" rowspan=\"8\">（三）不予公开</th>"));
        assert!(h.contains("id=\"t3h15\">1.属于国家秘密</th>"));
        assert!(h.contains("rowspan=\"3\">（六）其他处理</th>"));
        assert!(h.contains("headers=\"t3h0 t3h1 t3h11 t3h14 t3h15\""), "{h}");
        assert_eq!(h.matches("<td class=\"num\"").count(), 25 * 7);
        let h4 = html_of(&t, "appeals");
        assert!(h4.contains("colspan=\"5\">行政复议</th>"));
        assert!(h4.contains("colspan=\"10\">行政诉讼</th>"));
        assert_eq!(h4.matches("rowspan=\"2\"").count(), 5);
        assert_eq!(h4.matches("<td ").count(), 15);
    }
}
