//! The 本级政府 summary: tables 二, 三 and 四 of a set of organisations' reports for one year,
//! added up cell by cell (「应当逐级汇总相关情况和数据」), with the totals computed from the
//! summed parts. Used by `nianbao summary` and by `check` for reports marked `summary_of`.
//!
//! Counts are summed as integers, amounts (收费金额) as exact decimals. A blank cell counts as
//! 0; a text cell has no number: it is reported and left out.

pub mod decimal;
pub mod write;

use crate::content::{Org, Report, Site};
use crate::tables::def::{CellKind, Computed, FormatDef};
use crate::tables::{Cell, ReportTables, Row, TableData, Value, national};
use decimal::Decimal;
use std::collections::HashMap;
use std::fmt;

/// Which organisations to add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every organisation except the 本级政府 itself.
    AllButGovernment,
    /// These folder names, in this order.
    Orgs(Vec<String>),
    /// Every organisation of this kind (a class such as 部门 takes in 县级部门 too).
    Kind(String),
}

/// A cell that holds text and was left out of the sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedCell {
    pub org: String,
    /// 表三「一、本年新收政府信息公开申请数量」「自然人」
    pub cell: String,
    pub text: String,
}

/// The sum of a year's reports of some organisations.
#[derive(Debug)]
pub struct Summary<'a> {
    pub year: u16,
    pub format: &'static FormatDef,
    /// Organisations whose report was added, in selection order.
    pub covered: Vec<&'a Org>,
    /// Selected organisations without a report for the year.
    pub missing: Vec<&'a Org>,
    pub skipped: Vec<SkippedCell>,
    /// The summed tables: every cell a number, totals marked computed.
    pub tables: ReportTables,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryError {
    /// Folder names that are no organisation of the site (with a suggestion each).
    UnknownOrgs(Vec<(String, String)>),
    /// No organisation matched.
    NothingSelected(String),
    /// The reports are not all in one national format: the format used, and the others.
    MixedFormats {
        format: &'static str,
        outliers: Vec<(String, &'static str)>,
    },
    /// None of the selected organisations has a report for the year.
    NoReports(u16),
    /// A sum does not fit.
    Overflow(String),
}

impl fmt::Display for SummaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SummaryError::UnknownOrgs(list) => {
                let names: Vec<String> =
                    list.iter().map(|(o, hint)| format!("{o}{hint}")).collect();
                write!(
                    f,
                    "没有这些机关（content/ 下无此文件夹）：{}",
                    names.join("；")
                )
            }
            SummaryError::NothingSelected(what) => write!(f, "没有符合条件的机关：{what}"),
            SummaryError::MixedFormats { format, outliers } => {
                let list: Vec<String> = outliers
                    .iter()
                    .map(|(o, id)| format!("{o}（{}）", format_name(id)))
                    .collect();
                write!(
                    f,
                    "统计表格式不一致，无法汇总：多数报告为 {}，以下机关不同：{}",
                    format_name(format),
                    list.join("、")
                )
            }
            SummaryError::NoReports(year) => {
                write!(f, "所选机关都没有 {year} 年的报告，无可汇总")
            }
            SummaryError::Overflow(at) => write!(f, "{at}的合计超出可表示的范围"),
        }
    }
}

impl std::error::Error for SummaryError {}

fn format_name(id: &str) -> String {
    match national::by_id(id) {
        Some(f) => format!("{} 格式，{}", id, f.document),
        None => "地方格式".to_string(),
    }
}

/// The organisations a selection names, in a stable order (kind, `order`, folder name for a
/// kind or the default; as given for `--orgs`).
pub fn select<'a>(site: &'a Site, sel: &Selection) -> Result<Vec<&'a Org>, SummaryError> {
    let mut orgs: Vec<&Org> = match sel {
        Selection::Orgs(ids) => {
            let unknown: Vec<(String, String)> = ids
                .iter()
                .filter(|id| site.org(id).is_none())
                .map(|id| {
                    let hint =
                        crate::config::suggest::hint(id, site.orgs.keys().map(String::as_str));
                    (id.clone(), hint)
                })
                .collect();
            if !unknown.is_empty() {
                return Err(SummaryError::UnknownOrgs(unknown));
            }
            let mut seen = std::collections::HashSet::new();
            return Ok(ids
                .iter()
                .filter(|id| seen.insert(id.as_str()))
                .filter_map(|id| site.org(id))
                .collect());
        }
        Selection::Kind(kind) => {
            let (rank, class) = crate::config::kind_class(kind);
            site.orgs
                .values()
                .filter(|o| match (&o.config.kind, class) {
                    (Some(k), Some(_)) => crate::config::kind_class(k).0 == rank,
                    (Some(k), None) => k.trim() == kind.trim(),
                    (None, _) => false,
                })
                .collect()
        }
        Selection::AllButGovernment => site
            .orgs
            .values()
            .filter(|o| !o.config.is_government())
            .collect(),
    };
    if orgs.is_empty() {
        let what = match sel {
            Selection::Kind(k) => format!("没有 kind 为「{k}」的机关"),
            _ => "站点中除本级政府外没有其他机关".to_string(),
        };
        return Err(SummaryError::NothingSelected(what));
    }
    orgs.sort_by(|a, b| {
        (
            a.config.kind_rank(),
            a.config.order.unwrap_or(i64::MAX),
            &a.id,
        )
            .cmp(&(
                b.config.kind_rank(),
                b.config.order.unwrap_or(i64::MAX),
                &b.id,
            ))
    });
    Ok(orgs)
}

/// One accumulating cell.
#[derive(Debug, Clone, Copy)]
enum Acc {
    Count(i64),
    Amount(Decimal),
}

impl Acc {
    fn value(self) -> Value {
        match self {
            Acc::Count(n) => Value::Int(n),
            Acc::Amount(d) => Value::Decimal(d.to_string()),
        }
    }
}

/// Add up the year's reports of `orgs`.
pub fn summarize<'a>(
    site: &'a Site,
    year: u16,
    orgs: &[&'a Org],
) -> Result<Summary<'a>, SummaryError> {
    let by_org: HashMap<&str, &Report> = site
        .reports
        .iter()
        .filter(|r| r.year == year)
        .map(|r| (r.org.as_str(), r))
        .collect();
    let mut covered = Vec::new();
    let mut missing = Vec::new();
    let mut reports = Vec::new();
    for o in orgs {
        match by_org.get(o.id.as_str()) {
            Some(r) => {
                covered.push(*o);
                reports.push(*r);
            }
            None => missing.push(*o),
        }
    }
    if reports.is_empty() {
        return Err(SummaryError::NoReports(year));
    }
    let format = common_format(&reports)?;
    let mut skipped = Vec::new();
    let mut tables = Vec::new();
    for def in format.tables {
        let rows = def.rows();
        let mut acc: Vec<Vec<Acc>> = (0..rows.len())
            .map(|i| {
                def.columns_of(i)
                    .iter()
                    .map(|c| match c.kind {
                        CellKind::Amount => Acc::Amount(Decimal::default()),
                        _ => Acc::Count(0),
                    })
                    .collect()
            })
            .collect();
        let total_col = def.total_column();
        let overflow = |i: usize, c: usize| {
            SummaryError::Overflow(format!(
                "{}「{}」「{}」",
                def.name(),
                def.row_label(i),
                def.columns_of(i)[c].label
            ))
        };
        for r in &reports {
            let Some(data) = r.tables.national(def.key) else {
                continue;
            };
            for (i, rd) in rows.iter().enumerate() {
                // totals are computed from the summed parts below
                if rd.computed.is_some() {
                    continue;
                }
                let Some(row) = data.rows.get(i) else {
                    continue;
                };
                for (c, cell) in row.cells.iter().enumerate().take(acc[i].len()) {
                    if Some(c) == total_col {
                        continue;
                    }
                    let add = match (&cell.value, acc[i][c]) {
                        (Value::Blank, _) => continue,
                        (Value::Int(n), Acc::Count(s)) => s.checked_add(*n).map(Acc::Count),
                        (Value::Int(n), Acc::Amount(s)) => {
                            s.checked_add(Decimal::from_int(*n)).map(Acc::Amount)
                        }
                        (Value::Decimal(t), Acc::Amount(s)) if Decimal::parse(t).is_some() => {
                            Decimal::parse(t)
                                .and_then(|d| s.checked_add(d))
                                .map(Acc::Amount)
                        }
                        (v, _) => {
                            skipped.push(SkippedCell {
                                org: r.org.clone(),
                                cell: format!(
                                    "{}「{}」「{}」",
                                    def.name(),
                                    def.row_label(i),
                                    def.columns_of(i)[c].label
                                ),
                                text: v.display(),
                            });
                            continue;
                        }
                    };
                    acc[i][c] = add.ok_or_else(|| overflow(i, c))?;
                }
            }
        }
        // the total column of every row: the sum of its other columns
        if let Some(t) = total_col {
            for (i, row) in acc.iter_mut().enumerate() {
                if t >= row.len() {
                    continue;
                }
                let mut sum = 0i64;
                for (c, a) in row.iter().enumerate() {
                    if let (true, Acc::Count(n)) = (c != t, a) {
                        sum = sum.checked_add(*n).ok_or_else(|| overflow(i, t))?;
                    }
                }
                row[t] = Acc::Count(sum);
            }
        }
        // total rows: per column, the sum of their rows
        for (i, rd) in rows.iter().enumerate() {
            if let Some(Computed::SumOfRows(keys)) = rd.computed {
                for c in 0..acc[i].len() {
                    let mut sum = 0i64;
                    for k in keys {
                        if let Some(Acc::Count(n)) =
                            def.row_index(k).and_then(|j| acc[j].get(c).copied())
                        {
                            sum = sum.checked_add(n).ok_or_else(|| overflow(i, c))?;
                        }
                    }
                    acc[i][c] = Acc::Count(sum);
                }
            }
        }
        let rows = acc
            .into_iter()
            .enumerate()
            .map(|(i, cells)| Row {
                cells: cells
                    .into_iter()
                    .enumerate()
                    .map(|(c, a)| {
                        if Some(c) == total_col || rows[i].computed.is_some() {
                            Cell::computed(a.value())
                        } else {
                            Cell::new(a.value(), None)
                        }
                    })
                    .collect(),
                span: None,
            })
            .collect();
        tables.push(TableData {
            def,
            rows,
            span: None,
        });
    }
    Ok(Summary {
        year,
        format,
        covered,
        missing,
        skipped,
        tables: ReportTables::National { format, tables },
    })
}

/// The one national format of the reports (2021 when they are equally split); the others
/// are the outliers.
fn common_format(reports: &[&Report]) -> Result<&'static FormatDef, SummaryError> {
    let mut counts: Vec<(&'static FormatDef, usize)> = national::NATIONAL_FORMATS
        .iter()
        .map(|f| {
            (
                *f,
                reports
                    .iter()
                    .filter(|r| r.tables.format_id() == f.id)
                    .count(),
            )
        })
        .collect();
    // newest first already; a stable sort keeps the newest among equals
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    let format = counts[0].0;
    let outliers: Vec<(String, &'static str)> = reports
        .iter()
        .filter(|r| r.tables.format_id() != format.id)
        .map(|r| (r.org.clone(), r.tables.format_id()))
        .collect();
    if outliers.is_empty() {
        Ok(format)
    } else {
        Err(SummaryError::MixedFormats {
            format: format.id,
            outliers,
        })
    }
}

#[cfg(test)]
mod tests;
