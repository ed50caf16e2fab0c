//! Pages of a county portal: each year's publication status (which organisations have
//! published, late or not at all) and each organisation's tables compared with the year
//! before; plus the site-wide data files.

use super::{Ctx, digest};
use crate::content::{Org, Report, Site};
use crate::export::dataset;
use crate::output::OutputFile;
use crate::render::escape::html;
use crate::render::urls;
use crate::summary::decimal::Decimal;
use crate::tables::{ReportTables, Value};
use anyhow::Result;
use serde_json::{Value as J, json};
use std::sync::Arc;

/// Organisations in the conventional order: kind, then `order`, then folder name.
pub(super) fn org_sort_key(o: &Org) -> (usize, i64, &str) {
    (
        o.config.kind_rank(),
        o.config.order.unwrap_or(i64::MAX),
        o.id.as_str(),
    )
}

/// How a report was published relative to the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    OnTime,
    Late,
    /// No `published` date in the front matter.
    Undated,
}

pub(super) fn status(site: &Site, r: &Report) -> Status {
    let (m, d) = site.config.deadline;
    match r.front.published {
        None => Status::Undated,
        Some(p) if (p.year, p.month, p.day) > (r.year + 1, m, d) => Status::Late,
        Some(_) => Status::OnTime,
    }
}

/// The organisations expected to publish for `year`: those that published for that year or
/// an earlier one, and — for the newest year — those that have not published yet at all.
fn expected(site: &Site, year: u16, newest: u16) -> Vec<&Org> {
    let mut orgs: Vec<&Org> = site
        .orgs
        .values()
        .filter(|o| match site.reports_of(&o.id).map(|r| r.year).min() {
            Some(first) => first <= year,
            None => year == newest,
        })
        .collect();
    orgs.sort_by(|a, b| org_sort_key(a).cmp(&org_sort_key(b)));
    orgs
}

impl Ctx<'_> {
    /// `<year>/completeness.html`.
    pub(super) fn completeness_page(&self, year: u16) -> Result<OutputFile> {
        let path = urls::completeness(year);
        let site = self.site;
        let newest = site.years().first().copied().unwrap_or(year);
        let (m, d) = site.config.deadline;
        let deadline = format!("{}年{m}月{d}日", year + 1);
        let mut rows = Vec::new();
        let (mut on_time, mut late, mut undated, mut missing) = (0, 0, 0, 0);
        let mut missing_list = Vec::new();
        let mut late_list = Vec::new();
        for o in expected(site, year, newest) {
            let report = site.reports_of(&o.id).find(|r| r.year == year);
            let (code, text) = match report.map(|r| status(site, r)) {
                Some(Status::OnTime) => {
                    on_time += 1;
                    ("on-time", "按时发布")
                }
                Some(Status::Late) => {
                    late += 1;
                    ("late", "逾期发布")
                }
                Some(Status::Undated) => {
                    undated += 1;
                    ("undated", "已发布，未填写发布日期")
                }
                None => {
                    missing += 1;
                    ("missing", "未发布")
                }
            };
            let row = json!({
                "name": o.config.name,
                "kind": o.config.kind_heading(),
                "org_href": urls::link(&path, &urls::org(&o.id)),
                "status": code,
                "status_text": text,
                "published": report.and_then(|r| r.front.published).map(|p| p.ymd()),
                "report_href": report.map(|r| urls::link(&path, &urls::report(r.year, &r.org))),
                "title": report.map(|r| r.title.clone()),
            });
            match code {
                "missing" => missing_list.push(row.clone()),
                "late" => late_list.push(row.clone()),
                _ => {}
            }
            rows.push(row);
        }
        let page = json!({
            "kind": "completeness",
            "title": format!("{year}年政府信息公开工作年度报告发布情况"),
            "breadcrumb": [
                {"title": format!("{year}年"), "href": urls::link(&path, &urls::year(year))},
                {"title": "发布情况", "href": urls::link(&path, &path)},
            ],
        });
        let extra = json!({
            "year": year,
            "deadline": deadline,
            "expected": rows.len(),
            "published": on_time + late + undated,
            "on_time": on_time,
            "late": late,
            "undated": undated,
            "missing": missing,
            "missing_list": missing_list,
            "late_list": late_list,
            "rows": rows,
            "year_href": urls::link(&path, &urls::year(year)),
        });
        self.render("completeness.html", &path, page, extra)
    }

    /// The comparison pages of one organisation: each report against the year before.
    pub(super) fn compare_pages(&self, org: &Org) -> Result<Vec<OutputFile>> {
        let mut out = Vec::new();
        for r in self.site.reports_of(&org.id) {
            if let Some(prev) = previous(self.site, r) {
                out.push(self.compare_page(org, r, prev)?);
            }
        }
        Ok(out)
    }

    /// Links to an organisation's comparison pages, newest first (for its page).
    pub(super) fn comparisons(&self, org_id: &str, from: &str) -> J {
        J::Array(
            self.site
                .reports_of(org_id)
                .filter_map(|r| {
                    let prev = previous(self.site, r)?;
                    Some(compare_link(r, prev, from))
                })
                .collect(),
        )
    }

    /// An organisation's tables of one year beside the year before. Memoised under the two
    /// reports' tables, titles and front matter and the organisation (building the context of
    /// ~200 rows to hash it would cost as much as rendering).
    fn compare_page(&self, org: &Org, r: &Report, prev: &Report) -> Result<OutputFile> {
        let path = urls::compare(&org.id, r.year, prev.year);
        let org_json = serde_json::to_string(&org.config).unwrap_or_default();
        let (src, prev_src) = (self.sources(r), self.sources(prev));
        let key = digest(&[
            b"compare.html",
            path.as_bytes(),
            org_json.as_bytes(),
            r.title.as_bytes(),
            &src.front,
            &src.tables,
            prev.title.as_bytes(),
            &prev_src.front,
            &prev_src.tables,
        ]);
        self.keyed(&path, key, || self.compare_page_now(org, r, prev, &path))
    }

    fn compare_page_now(
        &self,
        org: &Org,
        r: &Report,
        prev: &Report,
        path: &str,
    ) -> Result<OutputFile> {
        let path = path.to_string();
        let title = format!(
            "{}{}年与{}年政府信息公开工作年度报告统计数据对比",
            org.config.name, r.year, prev.year
        );
        let comparable = comparable(r, prev);
        // rows are matched by position: only tables of one format are compared
        let (tables, changed, total) = if comparable {
            compare_tables(r, prev)
        } else {
            (Vec::new(), 0, 0)
        };
        // each table with its rows as HTML (`rows_html`, escaped here)
        let tables: Vec<J> = tables
            .iter()
            .map(|t| {
                let mut rows = String::with_capacity(t.rows.len() * 200);
                for row in &t.rows {
                    row.html(&mut rows);
                }
                json!({"key": t.key, "name": t.name, "title": t.title, "rows_html": rows})
            })
            .collect();
        let page = json!({
            "kind": "compare",
            "title": title,
            "breadcrumb": [
                {"title": org.config.name, "href": urls::link(&path, &urls::org(&org.id))},
                {"title": format!("{}年与{}年对比", r.year, prev.year), "href": urls::link(&path, &path)},
            ],
        });
        let format_label = |t: &ReportTables| match t {
            ReportTables::National { format, .. } => {
                format!("{} 格式（{}）", format.id, format.document)
            }
            ReportTables::Custom(_) => "地方格式".to_string(),
        };
        let extra = json!({
            "org_name": org.config.name,
            "year": r.year,
            "prev": prev.year,
            "comparable": comparable,
            "format": format_label(&r.tables),
            "prev_format": format_label(&prev.tables),
            "tables": tables,
            "changed": changed,
            "total": total,
            "report_href": urls::link(&path, &urls::report(r.year, &r.org)),
            "prev_href": urls::link(&path, &urls::report(prev.year, &prev.org)),
            "report_title": r.title,
            "prev_title": prev.title,
        });
        self.render_now("compare.html", &path, self.context(&path, page, extra))
    }
}

/// The string `get` picks from `part`: taken out of it when nothing else holds the part,
/// borrowed otherwise (the preview's memo keeps its parts for the next generation).
fn take_or_borrow<'a, T>(
    part: &'a mut Arc<T>,
    get_mut: fn(&mut T) -> &mut String,
    get: fn(&T) -> &String,
) -> std::borrow::Cow<'a, str> {
    if let Some(p) = Arc::get_mut(part) {
        return std::borrow::Cow::Owned(std::mem::take(get_mut(p)));
    }
    std::borrow::Cow::Borrowed(get(part).as_str())
}

/// The same organisation's report of the year before, when there is one.
pub(super) fn previous<'a>(site: &'a Site, r: &'a Report) -> Option<&'a Report> {
    site.reports_of(&r.org).find(|p| p.year + 1 == r.year)
}

/// Two years' tables are compared cell by cell only when both use the same national format
/// (rows are matched by position).
fn comparable(r: &Report, prev: &Report) -> bool {
    r.tables.format_id() == prev.tables.format_id()
        && matches!(r.tables, ReportTables::National { .. })
}

/// The year-over-year block of a report page: the cells of tables 二–四 that changed since
/// the year before (same national format only; None otherwise), for a compact table beside
/// the link to the full comparison page.
pub(super) fn yoy(r: &Report, prev: &Report) -> J {
    if !comparable(r, prev) {
        return J::Null;
    }
    let (tables, changed, total) = compare_tables(r, prev);
    let tables: Vec<J> = tables
        .iter()
        .filter_map(|t| {
            let rows: Vec<J> = t
                .rows
                .iter()
                .filter(|row| row.dir != "same")
                .map(CmpRow::json)
                .collect();
            (!rows.is_empty())
                .then(|| json!({"key": t.key, "name": t.name, "title": t.title, "rows": rows}))
        })
        .collect();
    json!({ "prev": prev.year, "changed": changed, "total": total, "tables": tables })
}

/// `{title, href}` of the page comparing `r` with `prev`, linked from `from`.
pub(super) fn compare_link(r: &Report, prev: &Report, from: &str) -> J {
    json!({
        "year": r.year,
        "prev": prev.year,
        "title": format!("{}年与{}年统计数据对比", r.year, prev.year),
        "href": urls::link(from, &urls::compare(&r.org, r.year, prev.year)),
    })
}

fn number(v: &Value) -> Option<Decimal> {
    match v {
        Value::Int(n) => Some(Decimal::from_int(*n)),
        Value::Decimal(t) => Decimal::parse(t),
        Value::Blank | Value::Text(_) => None,
    }
}

/// One compared cell: where it is, both years' values as shown, and the change.
pub(super) struct CmpRow {
    /// The row's label with its groups (shared by the row's columns).
    label: Arc<str>,
    column: &'static str,
    prev: String,
    now: String,
    /// `up`, `down`, `same` or `na` (the row's class: `change-<dir>`).
    dir: &'static str,
    change: String,
}

/// One national table of two years compared cell by cell.
pub(super) struct CmpTable {
    key: &'static str,
    name: String,
    title: &'static str,
    rows: Vec<CmpRow>,
}

impl CmpRow {
    fn json(&self) -> J {
        json!({
            "label": &*self.label,
            "column": self.column,
            "prev": self.prev,
            "now": self.now,
            "dir": self.dir,
            "change": self.change,
        })
    }

    /// The row of the comparison page's table (rendered here rather than in the template:
    /// an organisation has a page per year of ~200 rows each, most of a county site's HTML).
    fn html(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(
            out,
            "\n      <tr class=\"change-{}\"><th scope=\"row\">{}</th><td class=\"text\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"text\">{}</td></tr>",
            self.dir,
            html(&self.label),
            html(self.column),
            html(&self.prev),
            html(&self.now),
            html(&self.change),
        );
    }
}

/// Every cell of the two reports' national tables side by side: the tables, how many cells
/// changed, how many were compared.
fn compare_tables(r: &Report, prev: &Report) -> (Vec<CmpTable>, usize, usize) {
    let (ReportTables::National { tables, .. }, ReportTables::National { .. }) =
        (&r.tables, &prev.tables)
    else {
        return (Vec::new(), 0, 0);
    };
    let (mut changed, mut total) = (0, 0);
    let mut out = Vec::new();
    for t in tables {
        let Some(before) = prev.tables.national(t.def.key) else {
            continue;
        };
        let mut rows = Vec::new();
        for (i, rd) in t.def.rows().iter().enumerate() {
            let mut label: Vec<&str> = rd.groups.to_vec();
            let own = t.def.row_label(i);
            label.retain(|g| !own.starts_with(g));
            label.push(&own);
            let label: Arc<str> = label.join(" ").into();
            for (c, col) in t.def.columns_of(i).iter().enumerate() {
                let now = t
                    .rows
                    .get(i)
                    .and_then(|row| row.cells.get(c))
                    .map(|c| &c.value);
                let then = before
                    .rows
                    .get(i)
                    .and_then(|row| row.cells.get(c))
                    .map(|c| &c.value);
                let (dir, change) = match (now.and_then(number), then.and_then(number)) {
                    (Some(a), Some(b)) => match a.checked_sub(b) {
                        Some(diff) if diff.signum() > 0 => ("up", format!("增加 {}", diff)),
                        Some(diff) if diff.signum() < 0 => ("down", format!("减少 {}", diff.abs())),
                        Some(_) => ("same", "持平".to_string()),
                        None => ("na", "无法计算".to_string()),
                    },
                    _ => ("na", "无法比较（非数字）".to_string()),
                };
                total += 1;
                if dir != "same" {
                    changed += 1;
                }
                let shown = |v: Option<&Value>| match v {
                    Some(Value::Blank) | None => "（空）".to_string(),
                    Some(v) => v.display(),
                };
                rows.push(CmpRow {
                    label: label.clone(),
                    column: col.label,
                    prev: shown(then),
                    now: shown(now),
                    dir,
                    change,
                });
            }
        }
        out.push(CmpTable {
            key: t.def.key,
            name: t.def.name(),
            title: t.def.section,
            rows,
        });
    }
    (out, changed, total)
}

impl Ctx<'_> {
    /// `data/all.csv` and `data/all.json`, from each report's rows (kept in the memo under
    /// the report's tables, front matter and organisation: a narrative edit reuses both files).
    pub(super) fn data_files(&self) -> Result<Vec<OutputFile>> {
        let site = self.site;
        let reports = dataset::report_order(site);
        let key = |r: &Report| {
            let org = site
                .org(&r.org)
                .map(|o| serde_json::to_string(&o.config).unwrap_or_default())
                .unwrap_or_default();
            let src = self.sources(r);
            digest(&[
                r.org.as_bytes(),
                &r.year.to_le_bytes(),
                org.as_bytes(),
                &src.front,
                &src.tables,
            ])
        };
        // `build`: the parts are not kept, but where they are in its files
        if let Some(m) = self.memo.as_ref()
            && m.new.lock().unwrap_or_else(|e| e.into_inner()).lean
        {
            return self.data_files_recorded(m, &reports, key);
        }
        let rows = self.parts(
            &reports,
            false,
            |m| &m.data_rows,
            |m| &mut m.data_rows,
            key,
            |r| Arc::new(dataset::report_parts(site, r)),
        );
        let keys: Vec<&[u8]> = rows.iter().map(|(k, _)| k.as_slice()).collect();
        let all = digest(&keys);
        let mut rows = rows;
        // parts nothing else holds (no memo keeps them) are freed as they are copied: at
        // 5,000 reports they are 150 MB
        let csv = self.keyed(urls::DATA_CSV, all, || {
            let len = rows.iter().map(|(_, p)| p.0.len()).sum();
            let parts = rows
                .iter_mut()
                .map(|(_, p)| take_or_borrow(p, |p| &mut p.0, |p| &p.0));
            Ok(OutputFile::new(
                urls::DATA_CSV,
                dataset::csv_file(parts, len),
            ))
        })?;
        let json = self.keyed(urls::DATA_JSON, all, || {
            let len = rows.iter().map(|(_, p)| p.1.len() + 1).sum();
            let parts = rows
                .iter_mut()
                .map(|(_, p)| take_or_borrow(p, |p| &mut p.1, |p| &p.1));
            Ok(OutputFile::new(
                urls::DATA_JSON,
                dataset::json_file(parts, len),
            ))
        })?;
        Ok(vec![csv, json])
    }
}
