//! The national tables (and custom tables) as HTML, laid out exactly as the printed form,
//! generated from the format definitions. Every data cell names its headers (`headers`), and
//! every header cell has an `id` and a `scope`.

use super::escape::html;
use crate::tables::def::Layout;
use crate::tables::{Cell, CustomCell, CustomTable, TableData, Value};
use std::fmt::Write;

/// Wrap a table in a focusable, labelled scrolling region (for narrow screens).
fn region(id: &str, caption: &str, class: &str, inner: &str) -> String {
    format!(
        "<div class=\"table-region\" role=\"region\" aria-labelledby=\"{id}-cap\" tabindex=\"0\">\n\
         <table class=\"nb-table {class}\" id=\"{id}\">\n<caption id=\"{id}-cap\">{}</caption>\n{inner}</table>\n</div>\n",
        html(caption)
    )
}

fn cell_class(v: &Value) -> &'static str {
    match v {
        Value::Int(_) | Value::Decimal(_) => "num",
        Value::Blank => "blank",
        Value::Text(_) => "text",
    }
}

fn td(cell: &Cell, headers: &str, extra: &str) -> String {
    format!(
        "<td class=\"{}\" headers=\"{headers}\"{extra}>{}</td>",
        cell_class(&cell.value),
        html(&cell.value.display())
    )
}

/// HTML for one national table. `id` prefixes every id in it (unique within the page).
pub fn national(data: &TableData, id: &str) -> String {
    let def = data.def;
    let caption = format!("{}：{}", def.name(), strip_number(def.section));
    let inner = match &def.layout {
        Layout::Blocks(_) => blocks(data, id),
        Layout::Grid { .. } => grid(data, id),
        Layout::Strip { .. } => strip(data, id),
    };
    region(id, &caption, &format!("nb-{}", def.key), &inner)
}

/// 「二、主动公开政府信息情况」 → 「主动公开政府信息情况」
fn strip_number(s: &str) -> &str {
    s.split_once('、').map_or(s, |(_, rest)| rest)
}

fn blocks(data: &TableData, id: &str) -> String {
    let Layout::Blocks(blocks) = &data.def.layout else {
        unreachable!()
    };
    let width = blocks.iter().map(|b| b.columns.len()).max().unwrap_or(1);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<colgroup><col class=\"label\">{}</colgroup>\n<tbody>",
        "<col>".repeat(width)
    );
    let mut row_index = 0;
    for (b, block) in blocks.iter().enumerate() {
        let art = format!("{id}-b{b}");
        let _ = writeln!(
            out,
            "<tr class=\"article\"><th colspan=\"{}\" scope=\"colgroup\" id=\"{art}\">{}</th></tr>",
            width + 1,
            html(block.article)
        );
        let _ = write!(
            out,
            "<tr class=\"colhead\"><th scope=\"col\" id=\"{art}-c\" headers=\"{art}\">信息内容</th>"
        );
        let last = block.columns.len() - 1;
        for (c, col) in block.columns.iter().enumerate() {
            let span = if c == last { width - last } else { 1 };
            let _ = write!(
                out,
                "<th scope=\"col\" id=\"{art}-c{c}\" headers=\"{art}\"{}>{}</th>",
                colspan(span),
                html(col.label)
            );
        }
        out.push_str("</tr>\n");
        for rd in block.rows {
            let rid = format!("{id}-{}", key_id(rd.key));
            let _ = write!(
                out,
                "<tr><th scope=\"row\" id=\"{rid}\" headers=\"{art}-c\">{}</th>",
                html(rd.label)
            );
            for (c, cell) in data.rows[row_index].cells.iter().enumerate() {
                let span = if c == last { width - last } else { 1 };
                out.push_str(&td(
                    cell,
                    &format!("{art} {art}-c{c} {rid}"),
                    &colspan(span),
                ));
            }
            out.push_str("</tr>\n");
            row_index += 1;
        }
    }
    out.push_str("</tbody>\n");
    out
}

fn colspan(n: usize) -> String {
    if n > 1 {
        format!(" colspan=\"{n}\"")
    } else {
        String::new()
    }
}
fn rowspan(n: usize) -> String {
    if n > 1 {
        format!(" rowspan=\"{n}\"")
    } else {
        String::new()
    }
}

fn key_id(key: &str) -> String {
    key.replace(['.', '_'], "-")
}

fn grid(data: &TableData, id: &str) -> String {
    let Layout::Grid {
        corner,
        column_groups,
        columns,
        rows,
        ..
    } = &data.def.layout
    else {
        unreachable!()
    };
    // Column header levels: the groups containing each column, outermost first.
    let groups_of = |c: usize| -> Vec<usize> {
        column_groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.start <= c && c < g.end)
            .map(|(i, _)| i)
            .collect()
    };
    let levels = (0..columns.len())
        .map(|c| groups_of(c).len())
        .max()
        .unwrap_or(0)
        + 1;
    let label_cols = rows.iter().map(|r| r.groups.len()).max().unwrap_or(0) + 1;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<colgroup>{}{}</colgroup>\n<thead>",
        "<col class=\"label\">".repeat(label_cols),
        "<col>".repeat(columns.len())
    );
    let col_headers: Vec<String> = (0..columns.len())
        .map(|c| {
            let mut ids: Vec<String> = groups_of(c).iter().map(|g| format!("{id}-g{g}")).collect();
            ids.push(format!("{id}-c{c}"));
            ids.join(" ")
        })
        .collect();
    for level in 0..levels {
        out.push_str("<tr>");
        if level == 0 {
            let _ = write!(
                out,
                "<td class=\"corner\"{}{}>{}</td>",
                colspan(label_cols),
                rowspan(levels),
                html(corner)
            );
        }
        let mut c = 0;
        while c < columns.len() {
            let gs = groups_of(c);
            if let Some(&g) = gs.get(level) {
                let group = &column_groups[g];
                if group.start == c {
                    let outer: Vec<String> =
                        gs[..level].iter().map(|g| format!("{id}-g{g}")).collect();
                    let _ = write!(
                        out,
                        "<th scope=\"colgroup\" id=\"{id}-g{g}\"{}{}>{}</th>",
                        colspan(group.end - group.start),
                        headers_attr(&outer.join(" ")),
                        html(group.label)
                    );
                }
                c = group.end.max(c + 1);
                continue;
            }
            if gs.len() == level {
                let outer: Vec<String> = gs.iter().map(|g| format!("{id}-g{g}")).collect();
                let _ = write!(
                    out,
                    "<th scope=\"col\" id=\"{id}-c{c}\"{}{}>{}</th>",
                    rowspan(levels - level),
                    headers_attr(&outer.join(" ")),
                    html(columns[c].label)
                );
            }
            c += 1;
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</thead>\n<tbody>\n");
    for (r, rd) in rows.iter().enumerate() {
        out.push_str("<tr>");
        let mut row_ids = Vec::new();
        for (level, g) in rd.groups.iter().enumerate() {
            let gid = format!("{id}-r{r}g{level}");
            let starts = r == 0 || rows[r - 1].groups.get(..=level) != rd.groups.get(..=level);
            // find the id of the group header (emitted on the group's first row)
            let first = (0..=r)
                .rev()
                .take_while(|&i| rows[i].groups.get(..=level) == rd.groups.get(..=level))
                .last()
                .unwrap_or(r);
            let gid_first = format!("{id}-r{first}g{level}");
            if starts {
                let n = rows[r..]
                    .iter()
                    .take_while(|x| x.groups.get(..=level) == rd.groups.get(..=level))
                    .count();
                let _ = write!(
                    out,
                    "<th scope=\"rowgroup\" id=\"{gid}\"{}>{}</th>",
                    rowspan(n),
                    html(g)
                );
            }
            row_ids.push(gid_first);
        }
        let rid = format!("{id}-{}", key_id(rd.key));
        let _ = write!(
            out,
            "<th scope=\"row\" id=\"{rid}\"{}>{}</th>",
            colspan(label_cols - rd.groups.len()),
            html(rd.label)
        );
        row_ids.push(rid);
        let row_ids = row_ids.join(" ");
        for (c, cell) in data.rows[r].cells.iter().enumerate() {
            out.push_str(&td(cell, &format!("{} {row_ids}", col_headers[c]), ""));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n");
    out
}

fn headers_attr(ids: &str) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        format!(" headers=\"{ids}\"")
    }
}

fn strip(data: &TableData, id: &str) -> String {
    let Layout::Strip { columns, rows, .. } = &data.def.layout else {
        unreachable!()
    };
    let depth = rows.iter().map(|r| r.groups.len()).max().unwrap_or(0);
    let levels = depth + 2;
    let n = columns.len();
    let mut header_rows: Vec<String> = vec![String::new(); levels];
    let mut col_headers: Vec<Vec<String>> = Vec::new();
    for (r, rd) in rows.iter().enumerate() {
        let d = rd.groups.len();
        let mut ids = Vec::new();
        for (level, g) in rd.groups.iter().enumerate() {
            let first = (0..=r)
                .rev()
                .take_while(|&i| rows[i].groups.get(..=level) == rd.groups.get(..=level))
                .last()
                .unwrap_or(r);
            let gid = format!("{id}-r{first}g{level}");
            if first == r {
                let count = rows[r..]
                    .iter()
                    .take_while(|x| x.groups.get(..=level) == rd.groups.get(..=level))
                    .count();
                let _ = write!(
                    header_rows[level],
                    "<th scope=\"colgroup\" id=\"{gid}\"{}{}>{}</th>",
                    colspan(count * n),
                    headers_attr(&ids.join(" ")),
                    html(g)
                );
            }
            ids.push(gid);
        }
        let rid = format!("{id}-{}", key_id(rd.key));
        let _ = write!(
            header_rows[d],
            "<th scope=\"colgroup\" id=\"{rid}\"{}{}>{}</th>",
            colspan(n),
            headers_attr(&ids.join(" ")),
            html(rd.label)
        );
        ids.push(rid.clone());
        for (c, col) in columns.iter().enumerate() {
            let cid = format!("{rid}-c{c}");
            let _ = write!(
                header_rows[d + 1],
                "<th scope=\"col\" id=\"{cid}\"{} headers=\"{}\">{}</th>",
                rowspan(levels - d - 1),
                ids.join(" "),
                html(col.label)
            );
            let mut all = ids.clone();
            all.push(cid);
            col_headers.push(all);
        }
    }
    let mut out = format!(
        "<colgroup>{}</colgroup>\n<thead>\n",
        "<col>".repeat(n * rows.len())
    );
    for h in header_rows.iter().filter(|h| !h.is_empty()) {
        let _ = writeln!(out, "<tr>{h}</tr>");
    }
    out.push_str("</thead>\n<tbody>\n<tr>");
    let mut k = 0;
    for row in &data.rows {
        for cell in &row.cells {
            out.push_str(&td(cell, &col_headers[k].join(" "), ""));
            k += 1;
        }
    }
    out.push_str("</tr>\n</tbody>\n");
    out
}

/// A custom table: header rows as column headers, then the body, spans as written.
pub fn custom(t: &CustomTable, id: &str, number: usize) -> String {
    let caption = if t.title.is_empty() {
        format!("表{number}")
    } else {
        t.title.clone()
    };
    let mut out = String::new();
    let cell = |c: &CustomCell, tag: &str, scope: &str| {
        format!(
            "<{tag}{scope} class=\"{}\"{}{}>{}</{tag}>",
            cell_class(&c.value),
            colspan(c.colspan as usize),
            rowspan(c.rowspan as usize),
            html(&c.value.display())
        )
    };
    if !t.header.is_empty() {
        out.push_str("<thead>\n");
        for r in &t.header {
            out.push_str("<tr>");
            for c in r {
                let scope = if c.colspan > 1 {
                    " scope=\"colgroup\""
                } else {
                    " scope=\"col\""
                };
                out.push_str(&cell(c, "th", scope));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</thead>\n");
    }
    out.push_str("<tbody>\n");
    for r in &t.rows {
        out.push_str("<tr>");
        for c in r {
            out.push_str(&cell(c, "td", ""));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n");
    region(id, &caption, "nb-custom", &out)
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
        assert!(h.contains("rowspan=\"2\" headers=\"t-applications-g0\">自然人</th>"));
        assert!(h.contains("colspan=\"5\" headers=\"t-applications-g0\">法人或其他组织</th>"));
        assert!(h.contains("rowspan=\"22\">三、本年度办理结果</th>"));
        assert!(h.contains("rowspan=\"8\">（三）不予公开</th>"));
        assert!(h.contains("rowspan=\"3\">（六）其他处理</th>"));
        assert_eq!(h.matches("<td class=\"num\"").count(), 25 * 7);
        let h4 = html_of(&t, "appeals");
        assert!(h4.contains("colspan=\"5\">行政复议</th>"));
        assert!(h4.contains("colspan=\"10\">行政诉讼</th>"));
        assert_eq!(h4.matches("rowspan=\"2\"").count(), 5);
        assert_eq!(h4.matches("<td ").count(), 15);
    }
}
