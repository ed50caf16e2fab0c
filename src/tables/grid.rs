//! Every table as the printed grid: rows of cells with their spans and roles, generated from
//! the format definitions. The PDF, Word and Excel downloads lay tables out from this one
//! description (the HTML adds ids and `headers` on top of the same structure).

use super::def::Layout;
use super::model::{CustomTable, TableData, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A column header (shaded, centred).
    Header,
    /// A row label.
    Label,
    /// A figure.
    Value,
    /// The 勾稽关系 note in table 三's corner, and block titles of table 二.
    Note,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GridCell {
    pub text: String,
    pub colspan: usize,
    pub rowspan: usize,
    pub role: Role,
    /// For values: a number (right-aligned, tabular figures) rather than text.
    pub numeric: bool,
    /// For the label of a data row: its TOML key (`withheld.state_secret`), for stable ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Grid {
    /// 「表三」 or the custom table's title.
    pub name: String,
    /// The section title the table belongs to (national tables).
    pub title: String,
    pub columns: usize,
    /// How many of the first rows form the header (repeated on every page).
    pub header_rows: usize,
    /// How many of the first columns hold labels.
    pub label_columns: usize,
    pub rows: Vec<Vec<GridCell>>,
}

fn cell(text: impl Into<String>, colspan: usize, rowspan: usize, role: Role) -> GridCell {
    GridCell {
        text: text.into(),
        colspan,
        rowspan,
        role,
        numeric: false,
        key: None,
    }
}

fn keyed(mut c: GridCell, key: &'static str) -> GridCell {
    c.key = Some(key);
    c
}

fn value(v: &Value, colspan: usize) -> GridCell {
    GridCell {
        text: v.display(),
        colspan,
        rowspan: 1,
        role: Role::Value,
        numeric: matches!(v, Value::Int(_) | Value::Decimal(_)),
        key: None,
    }
}

/// Row `r`'s values, exactly `n` of them: a model missing rows or cells (only possible when
/// built by hand, never from tables.toml) still gives a well-formed grid.
fn values_of(data: &TableData, r: usize, n: usize) -> Vec<Value> {
    let cells = data.rows.get(r).map_or(&[][..], |row| row.cells.as_slice());
    (0..n)
        .map(|c| cells.get(c).map_or(Value::Blank, |cell| cell.value.clone()))
        .collect()
}

/// The grid of a national table.
pub fn national(data: &TableData) -> Grid {
    let def = data.def;
    let title = def.section.to_string();
    let name = def.name();
    match &def.layout {
        Layout::Blocks(blocks) => {
            let width = blocks.iter().map(|b| b.columns.len()).max().unwrap_or(1);
            let mut rows = Vec::new();
            let mut r = 0;
            for b in *blocks {
                rows.push(vec![cell(b.article, width + 1, 1, Role::Note)]);
                let last = b.columns.len() - 1;
                let mut head = vec![cell(super::national::CONTENT_HEADER, 1, 1, Role::Header)];
                for (c, col) in b.columns.iter().enumerate() {
                    let span = if c == last { width - last } else { 1 };
                    head.push(cell(col.label, span, 1, Role::Header));
                }
                rows.push(head);
                for rd in b.rows {
                    let mut row = vec![keyed(cell(rd.label, 1, 1, Role::Label), rd.key)];
                    for (c, v) in values_of(data, r, b.columns.len()).iter().enumerate() {
                        let span = if c == last { width - last } else { 1 };
                        row.push(value(v, span));
                    }
                    rows.push(row);
                    r += 1;
                }
            }
            Grid {
                name,
                title,
                columns: width + 1,
                header_rows: 0,
                label_columns: 1,
                rows,
            }
        }
        Layout::Grid {
            corner,
            column_groups,
            columns,
            rows: row_defs,
            ..
        } => {
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
            let label_cols = row_defs.iter().map(|r| r.groups.len()).max().unwrap_or(0) + 1;
            let mut rows = Vec::new();
            for level in 0..levels {
                let mut row = Vec::new();
                if level == 0 {
                    row.push(cell(*corner, label_cols, levels, Role::Note));
                }
                let mut c = 0;
                while c < columns.len() {
                    let gs = groups_of(c);
                    if let Some(&g) = gs.get(level) {
                        let group = &column_groups[g];
                        if group.start == c {
                            row.push(cell(group.label, group.end - group.start, 1, Role::Header));
                        }
                        c = group.end.max(c + 1);
                        continue;
                    }
                    if gs.len() == level {
                        row.push(cell(columns[c].label, 1, levels - level, Role::Header));
                    }
                    c += 1;
                }
                rows.push(row);
            }
            for (r, rd) in row_defs.iter().enumerate() {
                let mut row = Vec::new();
                for level in 0..rd.groups.len() {
                    let starts =
                        r == 0 || row_defs[r - 1].groups.get(..=level) != rd.groups.get(..=level);
                    if starts {
                        let n = row_defs[r..]
                            .iter()
                            .take_while(|x| x.groups.get(..=level) == rd.groups.get(..=level))
                            .count();
                        row.push(cell(rd.groups[level], 1, n, Role::Label));
                    }
                }
                row.push(keyed(
                    cell(rd.label, label_cols - rd.groups.len(), 1, Role::Label),
                    rd.key,
                ));
                row.extend(
                    values_of(data, r, columns.len())
                        .iter()
                        .map(|v| value(v, 1)),
                );
                rows.push(row);
            }
            Grid {
                name,
                title,
                columns: label_cols + columns.len(),
                header_rows: levels,
                label_columns: label_cols,
                rows,
            }
        }
        Layout::Strip {
            columns,
            rows: row_defs,
            ..
        } => {
            let depth = row_defs.iter().map(|r| r.groups.len()).max().unwrap_or(0);
            let levels = depth + 2;
            let n = columns.len();
            let mut header: Vec<Vec<GridCell>> = vec![Vec::new(); levels];
            for (r, rd) in row_defs.iter().enumerate() {
                let d = rd.groups.len();
                for (level, (group, row)) in rd.groups.iter().zip(header.iter_mut()).enumerate() {
                    let first =
                        r == 0 || row_defs[r - 1].groups.get(..=level) != rd.groups.get(..=level);
                    if first {
                        let count = row_defs[r..]
                            .iter()
                            .take_while(|x| x.groups.get(..=level) == rd.groups.get(..=level))
                            .count();
                        row.push(cell(*group, count * n, 1, Role::Header));
                    }
                }
                header[d].push(keyed(cell(rd.label, n, 1, Role::Header), rd.key));
                for col in columns.iter() {
                    header[d + 1].push(cell(col.label, 1, levels - d - 1, Role::Header));
                }
            }
            let mut rows: Vec<Vec<GridCell>> =
                header.into_iter().filter(|h| !h.is_empty()).collect();
            let header_rows = rows.len();
            rows.push(
                (0..row_defs.len())
                    .flat_map(|r| values_of(data, r, n))
                    .map(|v| value(&v, 1))
                    .collect(),
            );
            Grid {
                name,
                title,
                columns: n * row_defs.len(),
                header_rows,
                label_columns: 0,
                rows,
            }
        }
    }
}

/// The grid of a custom table: its header rows, then its rows, spans as written.
pub fn custom(t: &CustomTable, number: usize) -> Grid {
    let conv = |row: &Vec<super::CustomCell>, role: Role| -> Vec<GridCell> {
        row.iter()
            .map(|c| GridCell {
                text: c.value.display(),
                colspan: c.colspan as usize,
                rowspan: c.rowspan as usize,
                role,
                numeric: role == Role::Value
                    && matches!(c.value, Value::Int(_) | Value::Decimal(_)),
                key: None,
            })
            .collect()
    };
    let mut rows: Vec<Vec<GridCell>> = t.header.iter().map(|r| conv(r, Role::Header)).collect();
    rows.extend(t.rows.iter().map(|r| conv(r, Role::Value)));
    let all: Vec<&Vec<super::CustomCell>> = t.header.iter().chain(t.rows.iter()).collect();
    let columns = super::parse::grid_widths(&all)
        .into_iter()
        .max()
        .unwrap_or(1);
    Grid {
        name: format!("表{number}"),
        title: if t.title.is_empty() {
            format!("表{number}")
        } else {
            t.title.clone()
        },
        columns,
        header_rows: t.header.len(),
        label_columns: 0,
        rows,
    }
}

/// Every table of a report as grids, in order.
pub fn report_grids(tables: &super::ReportTables) -> Vec<Grid> {
    match tables {
        super::ReportTables::National { tables, .. } => tables.iter().map(national).collect(),
        super::ReportTables::Custom(list) => list
            .iter()
            .enumerate()
            .map(|(i, t)| custom(t, i + 1))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceFile;
    use crate::scaffold::zero_tables;
    use crate::tables::national::{FORMAT_2019, FORMAT_2021};
    use crate::tables::parse_tables;

    /// Each row's cells, plus cells spanning down from above, fill exactly `columns`.
    fn assert_rectangular(g: &Grid) {
        let mut carry = vec![0usize; g.columns];
        for (i, row) in g.rows.iter().enumerate() {
            let mut col = 0;
            let mut next: Vec<usize> = carry.iter().map(|c| c.saturating_sub(1)).collect();
            for c in row {
                while col < g.columns && carry[col] > 0 {
                    col += 1;
                }
                assert!(
                    col + c.colspan <= g.columns,
                    "{}: row {i} overflows",
                    g.name
                );
                for n in &mut next[col..col + c.colspan] {
                    *n = c.rowspan - 1;
                }
                col += c.colspan;
            }
            while col < g.columns && carry[col] > 0 {
                col += 1;
            }
            assert_eq!(col, g.columns, "{}: row {i} is {col} wide", g.name);
            carry = next;
        }
    }

    #[test]
    fn national_grids_are_rectangular() {
        for f in [&FORMAT_2021, &FORMAT_2019] {
            let src = SourceFile::new("t.toml", zero_tables(f));
            let (t, _) = parse_tables(&src, false);
            for g in report_grids(&t.unwrap()) {
                assert_rectangular(&g);
            }
        }
    }

    #[test]
    fn table_three_header_and_values() {
        let src = SourceFile::new("t.toml", zero_tables(&FORMAT_2021));
        let (t, _) = parse_tables(&src, false);
        let g = report_grids(&t.unwrap()).remove(1);
        assert_eq!((g.columns, g.header_rows, g.label_columns), (10, 3, 3));
        assert_eq!(g.rows[0][0].role, Role::Note);
        assert_eq!((g.rows[0][0].colspan, g.rows[0][0].rowspan), (3, 3));
        assert_eq!(g.rows[0][1].text, "申请人情况");
        assert_eq!(g.rows.len(), 3 + 25);
        assert_eq!(g.rows[5][0].text, "三、本年度办理结果");
        assert_eq!(g.rows[5][0].rowspan, 22);
    }
}
