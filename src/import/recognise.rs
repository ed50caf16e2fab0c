//! Table recognition: which national table (二, 三, 四) each source table is, in which format
//! (2021 or 2019), and every cell mapped to its row and column of the definition — from the
//! headers and row labels only (never the year or the cited 文号).

use super::model::{Grid, Table};
use super::text::{self, Number};
use crate::tables::Value;
use crate::tables::def::{CellKind, ColumnDef, FormatDef, Layout, RowDef, TableDef};
use crate::tables::national::NATIONAL_FORMATS;

/// The values found for one national table: per definition row, the cells (None: not found).
#[derive(Debug, Clone)]
pub struct TableValues {
    pub def: &'static TableDef,
    pub rows: Vec<Option<Vec<Value>>>,
}

impl TableValues {
    fn new(def: &'static TableDef) -> Self {
        TableValues {
            def,
            rows: vec![None; def.rows().len()],
        }
    }

    /// Cells the definition has, and cells found.
    pub fn counts(&self) -> (usize, usize) {
        let mut total = 0;
        let mut found = 0;
        for (i, r) in self.rows.iter().enumerate() {
            let n = self.def.columns_of(i).len();
            total += n;
            if r.is_some() {
                found += n;
            }
        }
        (total, found)
    }

    /// Labels of the rows not found.
    pub fn missing(&self) -> Vec<String> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_none())
            .map(|(i, _)| self.def.row_label(i))
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct Recognition {
    /// None: no national table was recognised; every table is written as `custom`.
    pub format: Option<&'static FormatDef>,
    /// Per source table (in document order): the national table it was read into.
    pub kinds: Vec<Option<&'static str>>,
    /// One per table of the format, in its order.
    pub tables: Vec<TableValues>,
}

/// One source table read against one national table definition.
#[derive(Debug, Clone, Default)]
struct Match {
    /// (definition row, values)
    rows: Vec<(usize, Vec<Value>)>,
    /// Header labels of the format found in the table.
    header_hits: usize,
}

impl Match {
    fn score(&self) -> usize {
        self.rows.len() * 10 + self.header_hits * 3
    }
}

/// The comparison key of a label, with 行政规范性文件 and 规范性文件 one spelling.
fn label_key(s: &str) -> String {
    text::key(s).replace("行政规范性文件", "规范性文件")
}

/// How well a row's label cells (outermost first) fit a row definition; 0 = not at all.
fn label_score(cells: &[String], def: &RowDef) -> i32 {
    let Some(inner) = cells.last() else { return 0 };
    let inner = label_key(inner);
    let all: String = cells.iter().map(|c| label_key(c)).collect();
    let dkey = label_key(def.label);
    let (dnum, dcore) = text::split_number(&dkey);
    let (inum, icore) = text::split_number(&inner);
    let chars = |s: &str| s.chars().count();
    let mut s = if icore == dcore {
        100
    } else if (chars(icore) >= 2 && dcore.starts_with(icore))
        || (chars(dcore) >= 2 && icore.starts_with(dcore))
    {
        // a label cut short, or one with a note appended
        60
    } else if chars(dcore) >= 2 && all.contains(dcore) {
        50
    } else {
        return 0;
    };
    if !inum.is_empty() && !dnum.is_empty() {
        s += if inum == dnum { 20 } else { -50 };
    }
    for g in def.groups {
        let gk = label_key(g);
        let (_, gcore) = text::split_number(&gk);
        if all.contains(gcore) {
            s += 10;
        }
    }
    s
}

const MIN_SCORE: i32 = 50;

/// A cell's text as a value of a column of `kind`.
pub fn cell_value(raw: &str, kind: CellKind) -> Value {
    let clean = text::clean_line(raw);
    if text::key(&clean).is_empty() {
        return Value::Blank;
    }
    match text::number(&clean) {
        Some(Number::Int(n)) if n >= 0 || kind == CellKind::SignedCount => Value::Int(n),
        Some(Number::Decimal(d)) if kind == CellKind::Amount => Value::Decimal(d),
        _ => Value::Text(clean),
    }
}

/// The origin of slot (r, c) when (r, c) is its top-left corner.
fn origin_at(grid: &Grid, r: usize, c: usize) -> Option<(usize, usize)> {
    let o = grid.slots.get(r)?.get(c).copied().flatten()?;
    let top = (0..=r)
        .rev()
        .take_while(|&rr| grid.slots[rr][c] == Some(o))
        .last()?;
    let left = (0..=c)
        .rev()
        .take_while(|&cc| grid.slots[r][cc] == Some(o))
        .last()?;
    (top == r && left == c).then_some(o)
}

/// The distinct source cells of grid row `r` from column `from` to `to`, in order.
fn distinct(grid: &Grid, r: usize, from: usize, to: usize) -> Vec<(usize, (usize, usize))> {
    let mut out: Vec<(usize, (usize, usize))> = Vec::new();
    for c in from..to.min(grid.width) {
        if let Some(o) = grid.slots[r][c]
            && out.last().is_none_or(|(_, p)| *p != o)
        {
            out.push((c, o));
        }
    }
    out
}

fn is_numberish(s: &str) -> bool {
    let k = text::key(s);
    k.is_empty() || text::number(s).is_some() || k == "/" || k == "-" || k == "—"
}

/// Assign source rows (label cells, cell texts) greedily, in source order, to the best unused
/// definition row; returns (definition row, cell texts).
fn assign(
    rows: &[&'static RowDef],
    labelled: Vec<(Vec<String>, Vec<String>)>,
) -> Vec<(usize, Vec<String>)> {
    let mut used = vec![false; rows.len()];
    let mut out = Vec::new();
    for (labels, texts) in labelled {
        let best = rows
            .iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .map(|(i, d)| (label_score(&labels, d), i))
            .max();
        if let Some((s, i)) = best
            && s >= MIN_SCORE
        {
            used[i] = true;
            out.push((i, texts));
        }
    }
    out
}

fn match_blocks(table: &Table, grid: &Grid, def: &'static TableDef) -> Match {
    let Layout::Blocks(blocks) = &def.layout else {
        return Match::default();
    };
    let mut m = Match::default();
    let header_keys: Vec<String> = blocks
        .iter()
        .flat_map(|b| b.columns.iter().map(|c| label_key(c.label)))
        .collect();
    let rows = def.rows();
    let mut labelled = Vec::new();
    for r in 0..grid.slots.len() {
        let cells = distinct(grid, r, 0, grid.width);
        for (_, o) in &cells {
            if header_keys.contains(&label_key(&table.cell(*o).text)) {
                m.header_hits += 1;
            }
        }
        // leading text cells are labels (an article written as a merged first column
        // included); the cells after them are the values
        let n_labels = cells
            .iter()
            .take_while(|(_, o)| !is_numberish(&table.cell(*o).text))
            .count();
        let (labels, rest) = cells.split_at(n_labels);
        let Some((_, last)) = labels.last() else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        let label = table.cell(*last).text.clone();
        let texts: Vec<String> = rest
            .iter()
            .filter(|(c, _)| origin_at(grid, r, *c).is_some())
            .map(|(_, o)| table.cell(*o).text.clone())
            .collect();
        if texts.is_empty() {
            continue;
        }
        let mut all: Vec<String> = labels[..labels.len() - 1]
            .iter()
            .map(|(_, o)| table.cell(*o).text.clone())
            .collect();
        all.push(label);
        labelled.push((all, texts));
    }
    // texts become values once the row, and so its columns, is known
    for (i, texts) in assign(&rows, labelled) {
        m.rows.push((i, values_for(def.columns_of(i), &texts)));
    }
    m
}

fn values_for(cols: &[ColumnDef], texts: &[String]) -> Vec<Value> {
    cols.iter()
        .enumerate()
        .map(|(j, c)| texts.get(j).map_or(Value::Blank, |t| cell_value(t, c.kind)))
        .collect()
}

fn match_grid(table: &Table, grid: &Grid, def: &'static TableDef) -> Match {
    let Layout::Grid {
        columns,
        column_groups,
        ..
    } = &def.layout
    else {
        return Match::default();
    };
    let mut m = Match::default();
    let col_keys: Vec<String> = columns.iter().map(|c| label_key(c.label)).collect();
    let mut col_at: Vec<Option<usize>> = vec![None; columns.len()];
    let rows = def.rows();
    for r in 0..grid.slots.len() {
        for (c, o) in distinct(grid, r, 0, grid.width) {
            let cell = table.cell(o);
            let k = label_key(&cell.text);
            if let Some(j) = col_keys.iter().position(|x| *x == k)
                && col_at[j].is_none()
                && cell.colspan == 1
            {
                col_at[j] = Some(c);
                m.header_hits += 1;
            }
            if column_groups.iter().any(|g| label_key(g.label) == k) {
                m.header_hits += 1;
            }
        }
    }
    let n = columns.len();
    let found = col_at.iter().flatten().count();
    let cols: Vec<Option<usize>> = if found >= 4 {
        col_at
    } else if grid.width > n {
        (grid.width - n..grid.width).map(Some).collect()
    } else {
        return m;
    };
    let first_data = cols.iter().flatten().copied().min().unwrap_or(0);
    if first_data == 0 {
        return m;
    }
    let mut labelled = Vec::new();
    for r in 0..grid.slots.len() {
        let labels: Vec<String> = distinct(grid, r, 0, first_data)
            .into_iter()
            .map(|(_, o)| table.cell(o).text.clone())
            .filter(|t| !text::key(t).is_empty())
            .collect();
        if labels.is_empty() {
            continue;
        }
        let texts: Vec<String> = cols
            .iter()
            .map(|c| {
                c.and_then(|c| origin_at(grid, r, c))
                    .map_or(String::new(), |o| table.cell(o).text.clone())
            })
            .collect();
        if !texts.iter().any(|t| text::number(t).is_some())
            && !texts.iter().all(|t| is_numberish(t))
        {
            continue;
        }
        labelled.push((labels, texts));
    }
    for (i, texts) in assign(&rows, labelled) {
        m.rows.push((i, values_for(columns, &texts)));
    }
    m
}

fn match_strip(table: &Table, grid: &Grid, def: &'static TableDef) -> Match {
    let Layout::Strip { columns, rows, .. } = &def.layout else {
        return Match::default();
    };
    let mut m = Match::default();
    let col_keys: Vec<String> = columns.iter().map(|c| label_key(c.label)).collect();
    let row_keys: Vec<String> = rows.iter().map(|r| label_key(r.label)).collect();
    // the header row naming the columns (结果维持 … 总计), repeated per row definition
    let Some((hr, col_cells)) = (0..grid.slots.len())
        .map(|r| {
            let cells: Vec<(usize, usize)> = distinct(grid, r, 0, grid.width)
                .into_iter()
                .filter_map(|(c, o)| {
                    let k = label_key(&table.cell(o).text);
                    col_keys.iter().position(|x| *x == k).map(|j| (c, j))
                })
                .collect();
            (r, cells)
        })
        .max_by_key(|(_, cells)| cells.len())
        .filter(|(_, cells)| cells.len() >= columns.len())
    else {
        return m;
    };
    m.header_hits = col_cells.len();
    // which row definition owns each column: the nearest row label above it
    let mut owner: Vec<Option<usize>> = Vec::new();
    for (k, &(c, _)) in col_cells.iter().enumerate() {
        let mut found = None;
        for r in (0..hr).rev() {
            if let Some(o) = grid.slots[r][c] {
                let key = label_key(&table.cell(o).text);
                if let Some(i) = row_keys.iter().position(|x| *x == key) {
                    found = Some(i);
                    break;
                }
            }
        }
        owner.push(
            found
                .or(Some(k / columns.len()))
                .filter(|i| *i < rows.len()),
        );
    }
    m.header_hits += owner.iter().flatten().count();
    // the data row: the first row below the header with a number in a mapped column
    let Some(dr) = (hr + 1..grid.slots.len()).find(|&r| {
        col_cells.iter().any(|&(c, _)| {
            origin_at(grid, r, c).is_some_and(|o| text::number(&table.cell(o).text).is_some())
        })
    }) else {
        return m;
    };
    let mut found: Vec<Option<Vec<Value>>> = vec![None; rows.len()];
    for (k, &(c, j)) in col_cells.iter().enumerate() {
        let Some(i) = owner[k] else { continue };
        let t = origin_at(grid, dr, c).map_or(String::new(), |o| table.cell(o).text.clone());
        let row = found[i].get_or_insert_with(|| vec![Value::Blank; columns.len()]);
        row[j] = cell_value(&t, columns[j].kind);
    }
    for (i, r) in found.into_iter().enumerate() {
        if let Some(v) = r {
            m.rows.push((i, v));
        }
    }
    m
}

/// Tables larger than this are not national tables (table 三 has about 300 cells).
const MAX_NATIONAL_CELLS: usize = 5_000;

fn match_table(table: &Table, grid: &Grid, def: &'static TableDef) -> Match {
    if grid.width * grid.slots.len() > MAX_NATIONAL_CELLS {
        return Match::default();
    }
    match def.layout {
        Layout::Blocks(_) => match_blocks(table, grid, def),
        Layout::Grid { .. } => match_grid(table, grid, def),
        Layout::Strip { .. } => match_strip(table, grid, def),
    }
}

/// Whether a match is good enough to call the table this one.
fn enough(m: &Match, def: &TableDef) -> bool {
    match def.layout {
        Layout::Strip { .. } => !m.rows.is_empty() && m.header_hits >= 5,
        _ => m.rows.len() >= 2,
    }
}

/// Recognise every table of a document.
pub fn recognise(tables: &[&Table]) -> Recognition {
    let grids: Vec<Grid> = tables.iter().map(|t| t.grid()).collect();
    // score each format by the best table match of each source table, less the rows of its
    // tables that no source table supplied (a format with rows the document lacks fits worse)
    let mut best_format: Option<(&'static FormatDef, i64)> = None;
    for f in NATIONAL_FORMATS.iter().copied() {
        let mut score: i64 = 0;
        let mut found: Vec<Option<std::collections::HashSet<usize>>> = vec![None; f.tables.len()];
        for (t, g) in tables.iter().zip(&grids) {
            let best = f
                .tables
                .iter()
                .enumerate()
                .map(|(k, d)| (k, match_table(t, g, d)))
                .filter(|(k, m)| enough(m, &f.tables[*k]))
                .max_by_key(|(_, m)| m.score());
            if let Some((k, m)) = best {
                score += m.score() as i64;
                found[k]
                    .get_or_insert_with(Default::default)
                    .extend(m.rows.iter().map(|(i, _)| *i));
            }
        }
        for (k, rows) in found.iter().enumerate() {
            if let Some(rows) = rows {
                score -= 5 * (f.tables[k].rows().len() - rows.len()) as i64;
            }
        }
        if score > 0 && best_format.is_none_or(|(_, s)| score > s) {
            best_format = Some((f, score));
        }
    }
    let Some((format, _)) = best_format else {
        return Recognition {
            format: None,
            kinds: vec![None; tables.len()],
            tables: Vec::new(),
        };
    };
    let mut values: Vec<TableValues> = format.tables.iter().map(TableValues::new).collect();
    let mut kinds = Vec::new();
    for (t, g) in tables.iter().zip(&grids) {
        let best = format
            .tables
            .iter()
            .enumerate()
            .map(|(k, d)| (k, match_table(t, g, d)))
            .filter(|(k, m)| enough(m, &format.tables[*k]))
            .max_by_key(|(_, m)| m.score());
        match best {
            Some((k, m)) => {
                kinds.push(Some(format.tables[k].key));
                for (i, v) in m.rows {
                    // a row found twice (a table split over pages repeats nothing): first wins
                    values[k].rows[i].get_or_insert(v);
                }
            }
            None => kinds.push(None),
        }
    }
    Recognition {
        format: Some(format),
        kinds,
        tables: values,
    }
}

/// The format a national table key belongs to, for messages.
pub fn table_name(format: &FormatDef, key: &str) -> String {
    format
        .table(key)
        .map_or_else(|| key.to_string(), |t| t.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::model::SourceCell;
    use crate::tables::national::{FORMAT_2019, FORMAT_2021};

    /// Table 三 of `format` with labels only (no group cells), `、` for `.`, and the values
    /// given per row; `from..to` selects the rows (a table split over pages).
    fn applications(
        format: &FormatDef,
        value: &dyn Fn(usize, usize) -> String,
        rows: std::ops::Range<usize>,
        header: bool,
    ) -> Table {
        let def = format.table("applications").unwrap();
        let Layout::Grid { columns, .. } = &def.layout else {
            panic!()
        };
        let mut t = Table::default();
        if header {
            let mut h = vec![SourceCell::new("")];
            h.extend(columns.iter().map(|c| SourceCell::new(c.label)));
            t.rows.push(h);
        }
        for (i, rd) in def.rows().iter().enumerate() {
            if !rows.contains(&i) {
                continue;
            }
            let mut r = vec![SourceCell::new(rd.label.replacen('.', "、", 1))];
            r.extend((0..columns.len()).map(|c| SourceCell::new(value(i, c))));
            t.rows.push(r);
        }
        t
    }

    #[test]
    fn missing_group_labels_and_punctuation_variants() {
        let t = applications(&FORMAT_2021, &|i, c| (i * 10 + c).to_string(), 0..25, true);
        let rec = recognise(&[&t]);
        assert_eq!(rec.format.unwrap().id, "2021");
        assert_eq!(rec.kinds, vec![Some("applications")]);
        let tv = &rec.tables[1];
        assert_eq!(tv.counts(), (175, 175));
        for (i, row) in tv.rows.iter().enumerate() {
            let row = row.as_ref().unwrap();
            assert_eq!(row[3], Value::Int((i * 10 + 3) as i64), "row {i}");
        }
    }

    #[test]
    fn the_2019_table_is_told_apart() {
        let t = applications(&FORMAT_2019, &|_, c| c.to_string(), 0..23, true);
        let rec = recognise(&[&t]);
        assert_eq!(rec.format.unwrap().id, "2019");
        assert_eq!(rec.tables[1].counts(), (161, 161));
    }

    #[test]
    fn a_table_split_over_two_pages_is_one_table() {
        let v = |i: usize, c: usize| (i + c).to_string();
        let a = applications(&FORMAT_2021, &v, 0..12, true);
        let b = applications(&FORMAT_2021, &v, 12..25, false);
        let rec = recognise(&[&a, &b]);
        assert_eq!(rec.kinds, vec![Some("applications"), Some("applications")]);
        assert_eq!(rec.tables[1].counts(), (175, 175));
        assert!(rec.tables[1].missing().is_empty());
    }

    #[test]
    fn blank_and_text_cells_stay_as_printed() {
        let v = |i: usize, c: usize| match (i, c) {
            (0, 1) => "\u{a0}".to_string(),
            (0, 2) => "/".to_string(),
            (0, 3) => "１２".to_string(),
            _ => "0".to_string(),
        };
        let t = applications(&FORMAT_2021, &v, 0..25, true);
        let rec = recognise(&[&t]);
        let row = rec.tables[1].rows[0].as_ref().unwrap();
        assert_eq!(row[1], Value::Blank);
        assert_eq!(row[2], Value::Text("/".into()));
        assert_eq!(row[3], Value::Int(12));
    }

    #[test]
    fn a_table_of_something_else_is_not_recognised() {
        let t = Table {
            rows: vec![
                vec![SourceCell::new("指标名称"), SourceCell::new("数量")],
                vec![SourceCell::new("主动公开文件数"), SourceCell::new("12")],
            ],
        };
        let rec = recognise(&[&t]);
        assert!(rec.format.is_none());
    }

    #[test]
    fn labels_score_by_core_number_and_group() {
        let def = FORMAT_2021.table("applications").unwrap();
        let rows = def.rows();
        let other = rows
            .iter()
            .find(|r| r.key == "other_handling.other")
            .unwrap();
        let cells = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(label_score(&cells(&["（六）其他处理", "3、其他"]), other) >= 100);
        assert!(label_score(&cells(&["（六）其他"]), other) < MIN_SCORE + 10);
        let not_held = rows
            .iter()
            .find(|r| r.key == "unavailable.not_held")
            .unwrap();
        assert_eq!(label_score(&cells(&["1.属于国家秘密"]), not_held), 0);
    }

    #[test]
    fn table_2_with_the_article_in_a_merged_first_column() {
        let def = FORMAT_2021.table("active").unwrap();
        let Layout::Blocks(blocks) = &def.layout else {
            panic!()
        };
        let mut t = Table::default();
        for (b, block) in blocks.iter().enumerate() {
            let mut head = vec![SourceCell::new(""), SourceCell::new("信息内容")];
            head.extend(block.columns.iter().map(|c| SourceCell::new(c.label)));
            t.rows.push(head);
            for (k, rd) in block.rows.iter().enumerate() {
                let mut row = Vec::new();
                if k == 0 {
                    row.push(SourceCell {
                        text: block.article.into(),
                        colspan: 1,
                        rowspan: block.rows.len(),
                    });
                }
                row.push(SourceCell::new(rd.label));
                row.extend(
                    (0..block.columns.len()).map(|c| SourceCell::new((b * 10 + c).to_string())),
                );
                t.rows.push(row);
            }
        }
        let rec = recognise(&[&t]);
        assert_eq!(rec.format.unwrap().id, "2021");
        assert_eq!(rec.tables[0].counts(), (10, 10));
        assert_eq!(rec.tables[0].rows[1].as_ref().unwrap()[2], Value::Int(2));
    }

    #[test]
    fn the_2019_row_written_as_six_other() {
        let mut t = applications(&FORMAT_2019, &|i, c| (i + c).to_string(), 0..23, true);
        let def = FORMAT_2019.table("applications").unwrap();
        let at = def.row_index("other_handling").unwrap();
        // row `at` of the table is at + 1 (after the header)
        t.rows[at + 1][0].text = "（六）其他".into();
        let rec = recognise(&[&t]);
        assert_eq!(rec.format.unwrap().id, "2019");
        assert_eq!(rec.tables[1].counts(), (161, 161));
        assert_eq!(
            rec.tables[1].rows[at].as_ref().unwrap()[0],
            Value::Int(at as i64)
        );
    }
}
