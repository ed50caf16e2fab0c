//! Property tests over generated, consistent table sets of both national formats:
//! (1) tables.toml → model → JSON → tables.toml → model gives the same values;
//! (2) any single-cell change in tables 三 or 四 makes the checker report an error in that
//!     cell's row, naming the row, and — where a column rule covers the cell — naming its column.

// index loops over rows and columns read more plainly than iterator chains here
#![allow(clippy::needless_range_loop)]

use super::def::{FormatDef, Layout, RuleKind};
use super::model::{ReportTables, Value};
use super::national::{FORMAT_2019, FORMAT_2021};
use super::parse::parse_tables;
use super::rules::check_table;
use crate::diagnostics::{Severity, SourceFile};
use proptest::prelude::*;

/// A table set as values per table per row (all integers; `fees`/amounts as hundredths).
#[derive(Debug, Clone)]
struct Generated {
    format: &'static FormatDef,
    /// (table key, rows of cells)
    tables: Vec<(&'static str, Vec<Vec<i64>>)>,
}

/// Consistent values: every row total is the sum of its parts, 三's （七）总计 the sum of the
/// outcome rows, and 一 + 二 = 总计 + 四 column by column.
fn generated(format: &'static FormatDef, seed: Vec<u16>) -> Generated {
    let mut next = {
        let mut i = 0usize;
        move |m: i64| {
            let v = i64::from(seed[i % seed.len()]) % m;
            i += 1;
            v
        }
    };
    let mut tables = Vec::new();
    for t in format.tables {
        let rows = t.rows();
        let mut values: Vec<Vec<i64>> = Vec::new();
        match &t.layout {
            Layout::Blocks(_) => {
                for (i, _) in rows.iter().enumerate() {
                    let cols = t.columns_of(i);
                    values.push(
                        cols.iter()
                            .map(|c| match c.kind {
                                super::def::CellKind::SignedCount => next(41) - 20,
                                _ => next(500),
                            })
                            .collect(),
                    );
                }
            }
            Layout::Grid { columns, .. } | Layout::Strip { columns, .. } => {
                let n = columns.len();
                for r in &rows {
                    let mut parts: Vec<i64> = (0..n - 1).map(|_| next(12)).collect();
                    if r.computed.is_some() {
                        parts = vec![0; n - 1]; // filled below
                    }
                    let total = parts.iter().sum();
                    parts.push(total);
                    values.push(parts);
                }
                // rows computed as sums of rows (（七）总计)
                for (ri, r) in rows.iter().enumerate() {
                    if let Some(super::def::Computed::SumOfRows(items)) = r.computed {
                        for c in 0..n {
                            values[ri][c] = items
                                .iter()
                                .filter_map(|k| t.row_index(k))
                                .map(|i| values[i][c])
                                .sum();
                        }
                    }
                }
                // column rules lhs = rhs: adjust the first lhs row (一、本年新收) to balance
                for rule in t.rules {
                    if let RuleKind::ColumnSum { lhs, rhs } = &rule.kind {
                        let l: Vec<usize> = lhs.iter().filter_map(|k| t.row_index(k)).collect();
                        let rr: Vec<usize> = rhs.iter().filter_map(|k| t.row_index(k)).collect();
                        for c in 0..n - 1 {
                            let want: i64 = rr.iter().map(|&i| values[i][c]).sum::<i64>()
                                - l[1..].iter().map(|&i| values[i][c]).sum::<i64>();
                            if want < 0 {
                                // raise the last rhs row (结转下年度) instead
                                let last = *rr.last().unwrap();
                                values[last][c] -= want;
                                values[l[0]][c] = 0;
                            } else {
                                values[l[0]][c] = want;
                            }
                        }
                        for &i in l.iter().chain(rr.iter()) {
                            values[i][n - 1] = values[i][..n - 1].iter().sum();
                        }
                    }
                }
            }
        }
        tables.push((t.key, values));
    }
    Generated { format, tables }
}

impl Generated {
    fn toml(&self) -> String {
        let mut s = format!("format = \"{}\"\n", self.format.id);
        for (key, rows) in &self.tables {
            let t = self.format.table(key).unwrap();
            s.push_str(&format!("[{key}]\n"));
            for (i, (rd, vals)) in t.rows().iter().zip(rows).enumerate() {
                let cols = t.columns_of(i);
                let cell = |c: usize, v: i64| match cols[c].kind {
                    super::def::CellKind::Amount => format!("{}.{:02}", v / 100, v % 100),
                    _ => v.to_string(),
                };
                let text = if cols.len() == 1 {
                    cell(0, vals[0])
                } else {
                    let cells: Vec<String> =
                        vals.iter().enumerate().map(|(c, v)| cell(c, *v)).collect();
                    format!("[{}]", cells.join(", "))
                };
                s.push_str(&format!("{} = {text}\n", rd.key));
            }
        }
        s
    }
}

fn parse(text: &str) -> (ReportTables, Vec<crate::diagnostics::Diagnostic>) {
    let src = SourceFile::new("content/a/2024/tables.toml", text.to_string());
    let (t, d) = parse_tables(&src, false);
    assert!(!d.has_errors(), "{text}\n{d:?}");
    let t = t.unwrap();
    let mut found = Vec::new();
    if let ReportTables::National { tables, .. } = &t {
        for data in tables {
            found.extend(check_table(data, &src));
        }
    }
    (t, found)
}

fn values(t: &ReportTables) -> Vec<Vec<Vec<Value>>> {
    let ReportTables::National { tables, .. } = t else {
        panic!("national")
    };
    tables
        .iter()
        .map(|d| {
            d.rows
                .iter()
                .map(|r| {
                    r.cells
                        .iter()
                        .map(|c| match &c.value {
                            // JSON numbers carry the amount, not its written form: 3.10 is 3.1
                            Value::Decimal(s) => Value::Decimal(
                                s.parse::<f64>()
                                    .map_or_else(|_| s.clone(), |f| f.to_string()),
                            ),
                            v => v.clone(),
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn format_strategy() -> impl Strategy<Value = &'static FormatDef> {
    prop_oneof![Just(&FORMAT_2021), Just(&FORMAT_2019)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn consistent_tables_check_clean_and_survive_json(
        format in format_strategy(),
        seed in prop::collection::vec(any::<u16>(), 1..64),
    ) {
        let g = generated(format, seed);
        let (tables, found) = parse(&g.toml());
        let errors: Vec<_> = found.iter().filter(|d| d.severity == Severity::Error).collect();
        prop_assert!(errors.is_empty(), "{}\n{errors:?}", g.toml());
        // the JSON download mirrors tables.toml: written back as TOML it loads the same values
        let mut json = tables.to_json();
        json["format"] = serde_json::Value::String(format.id.to_string());
        let back: toml::Value = serde_json::from_value(json).unwrap();
        let text = toml::to_string(&back).unwrap();
        let (again, _) = parse(&text);
        prop_assert_eq!(values(&tables), values(&again));
        // kept between runs as bytes, they come back the same (spans and all)
        let mut bytes = Vec::new();
        super::codec::encode(&tables, &mut bytes);
        let back = super::codec::decode(&bytes).expect("decoded");
        prop_assert_eq!(super::codec::show(&back), super::codec::show(&tables));
    }

    #[test]
    fn any_single_cell_change_is_reported_in_its_row(
        format in format_strategy(),
        seed in prop::collection::vec(any::<u16>(), 1..64),
        which in any::<prop::sample::Index>(),
        delta in 1i64..5,
    ) {
        let mut g = generated(format, seed);
        // every cell of tables 三 and 四
        let mut cells = Vec::new();
        for (ti, (key, rows)) in g.tables.iter().enumerate() {
            if *key == "active" { continue; }
            for (ri, row) in rows.iter().enumerate() {
                for ci in 0..row.len() { cells.push((ti, ri, ci)); }
            }
        }
        let (ti, ri, ci) = *which.get(&cells);
        g.tables[ti].1[ri][ci] += delta;
        let def = g.format.table(g.tables[ti].0).unwrap();
        let (_, found) = parse(&g.toml());
        let errors: Vec<&str> = found
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.message.as_str())
            .collect();
        let row_label = def.row_label(ri);
        let col_label = def.columns_of(ri)[ci].label;
        prop_assert!(
            errors.iter().any(|m| m.contains(&format!("「{row_label}」"))),
            "changed {}「{row_label}」「{col_label}」; errors: {errors:?}", def.name()
        );
        let column_rule = def.rules.iter().any(|r| match &r.kind {
            RuleKind::ColumnSum { lhs, rhs } => lhs.iter().chain(rhs.iter()).any(|k| def.row_index(k) == Some(ri)),
            RuleKind::RowSum { .. } => false,
        });
        // a change in an outcome row is seen by （七）总计's column rule as well
        let summed = def.rows().iter().any(|r| matches!(r.computed, Some(super::def::Computed::SumOfRows(items)) if items.contains(&def.rows()[ri].key)));
        if column_rule || summed {
            prop_assert!(
                errors.iter().any(|m| m.contains(&format!("「{col_label}」"))),
                "changed {}「{row_label}」「{col_label}」: no error names the column; {errors:?}", def.name()
            );
        }
    }
}
