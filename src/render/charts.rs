//! Server-rendered SVG bar charts of an organisation's figures over the years (no script, no
//! library in the browser): geometry computed here, drawn by the theme's `org.html`, each with a
//! text summary and a data table for screen readers.

use crate::content::Report;
use crate::tables::ReportTables;
use crate::tables::national::RESULTS_GROUP;
use serde_json::{Value as J, json};

/// A value (when the year has a number) per year.
type Values = Vec<(u16, Option<f64>)>;

/// The charts of an organisation page, for its reports (any order).
pub(super) fn org_charts(mut by_year: Vec<&Report>) -> Vec<J> {
    by_year.sort_by_key(|r| r.year);
    let series = |key: &str| -> Vec<(u16, Option<f64>)> {
        by_year
            .iter()
            .map(|r| (r.year, figures(r).get(key).and_then(J::as_f64)))
            .collect()
    };
    let litigation: Vec<(u16, Option<f64>)> = series("litigation_direct")
        .into_iter()
        .zip(series("litigation_after_review"))
        .map(|((y, a), (_, b))| (y, a.zip(b).map(|(a, b)| a + b)))
        .collect();
    let outcomes = outcome_series(&by_year);
    let outcome_refs: Vec<Series<'_>> = outcomes
        .iter()
        .map(|(n, s)| (n.as_str(), s.clone()))
        .collect();
    let enforcement: Vec<(String, Values)> = ["licensing", "punishment", "coercion"]
        .iter()
        .filter_map(|key| {
            let label = by_year.iter().find_map(|r| active_label(r, key))?;
            let values = by_year
                .iter()
                .map(|r| (r.year, active_last(r, key)))
                .collect();
            Some((label.to_string(), values))
        })
        .collect();
    let mut charts: Vec<Option<J>> = vec![
        chart(
            "received",
            "历年收到政府信息公开申请数量",
            "收到申请",
            "件",
            false,
            &[("新收申请", series("received"))],
        ),
        chart(
            "outcomes",
            "历年申请办理结果",
            "办理申请",
            "件",
            true,
            &outcome_refs,
        ),
        chart(
            "appeals",
            "历年行政复议、行政诉讼数量",
            "行政复议",
            "件",
            false,
            &[("行政复议", series("review")), ("行政诉讼", litigation)],
        ),
    ];
    // 行政许可, 行政处罚, 行政强制: one chart each (their magnitudes differ by orders)
    for (i, (name, values)) in enforcement.iter().enumerate() {
        charts.push(chart(
            &format!("enforcement-{i}"),
            &format!("历年{name}处理决定数量"),
            name,
            "件",
            false,
            &[(name.as_str(), values.clone())],
        ));
    }
    charts.into_iter().flatten().collect()
}

/// The row label of table 二 for `key` (行政许可 …), from the format definition.
fn active_label(r: &Report, key: &str) -> Option<&'static str> {
    let t = r.tables.national("active")?;
    let i = t.def.row_index(key)?;
    Some(t.def.rows()[i].label)
}

/// The last column of a table 二 row: 本年处理决定数量 (2021) or 处理决定数量 (2019).
fn active_last(r: &Report, key: &str) -> Option<f64> {
    let row = r.tables.national("active")?.row(key)?;
    row.cells.last()?.value.to_json().as_f64()
}

/// The outcome categories of table 三 (三、本年度办理结果: 予以公开, 部分公开, 不予公开, 无法提供,
/// 不予处理, 其他处理), read from the format definition, with the 总计 column of each year's rows
/// summed per category.
fn outcome_series(by_year: &[&Report]) -> Vec<(String, Values)> {
    let mut names: Vec<String> = Vec::new();
    let mut values: Vec<Vec<(u16, Option<f64>)>> = Vec::new();
    for r in by_year {
        let mut of_year: Vec<(String, Option<f64>)> = Vec::new();
        if let Some(t) = r.tables.national("applications") {
            let total_col = t.def.columns_of(0).len().saturating_sub(1);
            for (def, row) in t.def.rows().iter().zip(&t.rows) {
                if def.groups.first() != Some(&RESULTS_GROUP) || def.computed.is_some() {
                    continue;
                }
                let name = category_name(def.groups.get(1).copied().unwrap_or(def.label));
                let v = row
                    .cells
                    .get(total_col)
                    .and_then(|c| c.value.to_json().as_f64());
                match of_year.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, acc)) => *acc = acc.zip(v).map(|(a, b)| a + b),
                    None => of_year.push((name, v)),
                }
            }
        }
        for (name, _) in &of_year {
            if !names.contains(name) {
                names.push(name.clone());
                values.push(Vec::new());
            }
        }
        for (i, name) in names.iter().enumerate() {
            let v = of_year
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| *v);
            values[i].push((r.year, v));
        }
    }
    // categories first seen in a later year get None for the earlier ones
    let years: Vec<u16> = by_year.iter().map(|r| r.year).collect();
    names
        .into_iter()
        .zip(values)
        .map(|(n, v)| {
            let full = years
                .iter()
                .map(|y| (*y, v.iter().find(|(vy, _)| vy == y).and_then(|(_, x)| *x)))
                .collect();
            (n, full)
        })
        .collect()
}

/// 「（二）部分公开（区分处理的，只计这一情形，不计其他情形）」 → 「部分公开」.
fn category_name(label: &str) -> String {
    let s = label.trim();
    let s = match s.strip_prefix('（').and_then(|r| r.split_once('）')) {
        Some((_, rest)) => rest,
        None => s,
    };
    s.split('（').next().unwrap_or(s).to_string()
}

/// Headline figures of a report for the organisation page (national formats only).
pub(super) fn figures(r: &Report) -> J {
    let get = |table: &str, row: &str, col: usize| {
        r.tables
            .national(table)
            .and_then(|t| t.row(row))
            .and_then(|row| row.cells.get(col))
            .map(|c| c.value.to_json())
    };
    match &r.tables {
        ReportTables::National { .. } => json!({
            "received": get("applications", "received", 6),
            "review": get("appeals", "review", 4),
            "litigation_direct": get("appeals", "litigation_direct", 4),
            "litigation_after_review": get("appeals", "litigation_after_review", 4),
        }),
        ReportTables::Custom(_) => J::Null,
    }
}

/// A chart series: its name and a value (when the year has a number) per year.
type Series<'a> = (&'a str, Vec<(u16, Option<f64>)>);

/// A server-rendered bar chart (one or two series over the years), as geometry for the template:
/// bars with their value labels, year labels, a text summary of the last two years and the data
/// for the table alternative. None when no year has a number.
#[allow(clippy::too_many_arguments)]
fn chart(
    id: &str,
    title: &str,
    what: &str,
    unit: &str,
    stacked: bool,
    series: &[Series<'_>],
) -> Option<J> {
    const H: f64 = 260.0;
    const LEFT: f64 = 16.0;
    const TOP: f64 = 32.0;
    const BOTTOM: f64 = 36.0;
    // years before the first figure (local-format years) are left out of the drawing
    let first = (0..series.first()?.1.len()).find(|i| {
        series
            .iter()
            .any(|(_, s)| s.get(*i).is_some_and(|(_, v)| v.is_some()))
    })?;
    let trimmed: Vec<Series<'_>> = series
        .iter()
        .map(|(n, s)| (*n, s[first.min(s.len())..].to_vec()))
        .collect();
    let series = &trimmed[..];
    let years: Vec<u16> = series.first()?.1.iter().map(|(y, _)| *y).collect();
    // the width follows the number of years, so that labels stay legible when scaled to 320 px
    let w = (years.len() as f64 * 60.0 + 2.0 * LEFT).clamp(320.0, 960.0);
    // per year: the stacked total, or the largest bar
    let year_total = |i: usize| -> Option<f64> {
        let vals = series
            .iter()
            .filter_map(|(_, s)| s.get(i).and_then(|(_, v)| *v));
        if stacked {
            vals.fold(None, |acc: Option<f64>, v| Some(acc.unwrap_or(0.0) + v))
        } else {
            vals.fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
        }
    };
    let max = (0..years.len())
        .filter_map(year_total)
        .fold(None, |m: Option<f64>, v| {
            Some(m.map_or(v, |m: f64| m.max(v)))
        })?;
    let max = max.max(1.0);
    let n = years.len().max(1) as f64;
    let band = (w - 2.0 * LEFT) / n;
    let k = if stacked { 1.0 } else { series.len() as f64 };
    let bar_w = (band * 0.72 / k).min(48.0);
    let plot_h = H - TOP - BOTTOM;
    let fmt = |v: f64| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v}")
        }
    };
    let mut bars = Vec::new();
    if stacked {
        for i in 0..years.len() {
            let Some(total) = year_total(i) else { continue };
            let x = LEFT + band * i as f64 + (band - bar_w) / 2.0;
            let mut bottom = TOP + plot_h;
            for (si, (_, s)) in series.iter().enumerate() {
                let Some(v) = s.get(i).and_then(|(_, v)| *v) else {
                    continue;
                };
                if v <= 0.0 {
                    continue;
                }
                let h = (v / max * plot_h).max(1.0);
                bottom -= h;
                bars.push(json!({
                    "series": si,
                    "x": format!("{x:.1}"),
                    "y": format!("{bottom:.1}"),
                    "w": format!("{bar_w:.1}"),
                    "h": format!("{h:.1}"),
                }));
            }
            // one label per stack: the year's total
            if let Some(last) = bars.last_mut().filter(|_| total > 0.0) {
                last["label_x"] = json!(format!("{:.1}", x + bar_w / 2.0));
                last["label_y"] = json!(format!("{:.1}", bottom - 7.0));
                last["value"] = json!(fmt(total));
            } else {
                bars.push(json!({
                    "series": 0, "x": format!("{x:.1}"), "y": format!("{:.1}", TOP + plot_h),
                    "w": format!("{bar_w:.1}"), "h": "0.0",
                    "label_x": format!("{:.1}", x + bar_w / 2.0),
                    "label_y": format!("{:.1}", TOP + plot_h - 7.0),
                    "value": fmt(total),
                }));
            }
        }
    } else {
        for (si, (_, s)) in series.iter().enumerate() {
            for (i, (_, v)) in s.iter().enumerate() {
                let Some(v) = v else { continue };
                let h = (v / max * plot_h).max(if *v > 0.0 { 1.0 } else { 0.0 });
                let x = LEFT + band * i as f64 + (band - bar_w * k) / 2.0 + bar_w * si as f64;
                bars.push(json!({
                    "series": si,
                    "x": format!("{x:.1}"),
                    "y": format!("{:.1}", TOP + plot_h - h),
                    "w": format!("{bar_w:.1}"),
                    "h": format!("{h:.1}"),
                    "label_x": format!("{:.1}", x + bar_w / 2.0),
                    "label_y": format!("{:.1}", TOP + plot_h - h - 7.0),
                    "value": fmt(*v),
                }));
            }
        }
    }
    let year_labels: Vec<J> = years
        .iter()
        .enumerate()
        .map(|(i, y)| json!({"x": format!("{:.1}", LEFT + band * (i as f64 + 0.5)), "year": y}))
        .collect();
    // 2024年收到申请1件，较上年减少2件
    let headline: Vec<(u16, Option<f64>)> = if stacked {
        years
            .iter()
            .enumerate()
            .map(|(i, y)| (*y, year_total(i)))
            .collect()
    } else {
        series[0].1.clone()
    };
    let what = if what.is_empty() { series[0].0 } else { what };
    let (y, v) = headline
        .iter()
        .rev()
        .find_map(|(y, v)| v.map(|v| (*y, v)))?;
    let prev = headline
        .iter()
        .find(|(py, _)| *py + 1 == y)
        .and_then(|(_, v)| *v);
    let change = match prev {
        Some(p) if v > p => format!("，较上年增加{}{unit}", fmt(v - p)),
        Some(p) if v < p => format!("，较上年减少{}{unit}", fmt(p - v)),
        Some(_) => "，与上年持平".to_string(),
        None => String::new(),
    };
    let value_in =
        |s: &[(u16, Option<f64>)]| s.iter().find(|(sy, _)| *sy == y).and_then(|(_, v)| *v);
    let rest: String = if stacked {
        let parts: Vec<String> = series
            .iter()
            .filter_map(|(name, s)| {
                value_in(s)
                    .filter(|v| *v > 0.0)
                    .map(|v| format!("{name}{}{unit}", fmt(v)))
            })
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!("，其中{}", parts.join("、"))
        }
    } else {
        series[1..]
            .iter()
            .filter_map(|(name, s)| value_in(s).map(|v| format!("，{name}{}{unit}", fmt(v))))
            .collect()
    };
    let summary = format!("{y}年{what}{}{unit}{change}{rest}。", fmt(v));
    let rows: Vec<J> = years
        .iter()
        .enumerate()
        .map(|(i, y)| {
            let mut values: Vec<String> = series
                .iter()
                .map(|(_, s)| s[i].1.map(fmt).unwrap_or_else(|| "—".to_string()))
                .collect();
            if stacked {
                values.push(year_total(i).map(fmt).unwrap_or_else(|| "—".to_string()));
            }
            json!({ "year": y, "values": values })
        })
        .collect();
    Some(json!({
        "id": id,
        "title": title,
        "width": w,
        // shown at 3/4 of the drawing size (20 px labels read as 15 px), narrower when needed
        "display_width": format!("{:.0}", w * 0.75),
        "display_height": format!("{:.0}", H * 0.75),
        "height": H,
        "baseline": format!("{:.1}", TOP + plot_h),
        "year_y": format!("{:.1}", H - 9.0),
        "names": series.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        "unit": unit,
        "stacked": stacked,
        "bars": bars,
        "years": year_labels,
        "summary": summary,
        "rows": rows,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_names_drop_numbering_and_notes() {
        assert_eq!(category_name("（一）予以公开"), "予以公开");
        assert_eq!(
            category_name("（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
            "部分公开"
        );
        assert_eq!(category_name("（六）其他处理"), "其他处理");
    }

    #[test]
    fn stacked_chart_labels_each_year_with_its_total() {
        let a = vec![(2023, Some(2.0)), (2024, Some(3.0))];
        let b = vec![(2023, Some(1.0)), (2024, Some(0.0))];
        let c = chart("x", "t", "办理申请", "件", true, &[("甲", a), ("乙", b)]).unwrap();
        let labels: Vec<&str> = c["bars"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|b| b["value"].as_str())
            .collect();
        assert_eq!(labels, ["3", "3"]);
        assert_eq!(c["summary"], "2024年办理申请3件，与上年持平，其中甲3件。");
        // the data table has a 合计 column
        assert_eq!(c["rows"][0]["values"], serde_json::json!(["2", "1", "3"]));
    }

    #[test]
    fn leading_years_without_figures_are_left_out() {
        let s = vec![(2017, None), (2018, None), (2019, Some(4.0))];
        let c = chart("x", "t", "收到申请", "件", false, &[("新收申请", s)]).unwrap();
        assert_eq!(c["years"].as_array().unwrap().len(), 1);
        assert!(chart("x", "t", "w", "件", false, &[("n", vec![(2017, None)])]).is_none());
    }
}
