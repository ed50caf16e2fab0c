//! Figures the narrative states about the tables (新收 N 件, 办结 N 件, 行政复议 N 件 …) that
//! disagree with the tables: warnings at the number in report.md. Patterns follow real report
//! wording and favour precision: a sentence must be about disclosure applications (or about
//! 复议/诉讼 over disclosure) before any of its numbers is compared.

use super::text::NarrativeText;
use crate::content::Report;
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::tables::Value;
use regex::Regex;
use std::sync::LazyLock;

pub const RULE: &str = "narrative";

/// What a figure in the text is compared with.
#[derive(Clone, Copy)]
enum Figure {
    Received,
    CarriedOver,
    Concluded,
    CarriedForward,
    Review,
    Litigation,
}

struct Pattern {
    re: Regex,
    figure: Figure,
    /// Only in sentences about disclosure applications.
    about_applications: bool,
}

const NUM: &str = "([0-9０-９]+)";
const GAP: &str = "[^，,。；;：:、0-9０-９]";

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    let p = |re: String, figure, about_applications| Pattern {
        re: Regex::new(&re).expect("valid pattern"),
        figure,
        about_applications,
    };
    vec![
        // 收到公开政府信息的申请1件 / 共受理政府信息公开申请21件
        p(
            format!("(?:收到|受理|接收|新收){GAP}{{0,30}}?申请{GAP}{{0,6}}?{NUM}\\s*件"),
            Figure::Received,
            true,
        ),
        // 共收到70件申请 / 新收5件政府信息公开申请
        p(
            format!("(?:收到|受理|接收|新收){GAP}{{0,8}}?{NUM}\\s*件{GAP}{{0,12}}?申请"),
            Figure::Received,
            true,
        ),
        // 上年度结转办理件0件 / 上年结转2件
        p(
            format!("上一?年度?结转{GAP}{{0,12}}?{NUM}\\s*件"),
            Figure::CarriedOver,
            true,
        ),
        // 办结69件 / 答复12件
        p(
            format!("(?:办结|答复){GAP}{{0,8}}?{NUM}\\s*件"),
            Figure::Concluded,
            true,
        ),
        // 1件结转下年度 / 结转下年度继续办理1件
        p(
            format!("{NUM}\\s*件{GAP}{{0,4}}结转(?:至|到)?下一?年"),
            Figure::CarriedForward,
            true,
        ),
        p(
            format!("结转(?:至|到)?下一?年度?{GAP}{{0,10}}?{NUM}\\s*件"),
            Figure::CarriedForward,
            true,
        ),
        // 行政复议案件2件 / 行政复议36起
        p(
            format!("行政复议(?:案件|案)?{GAP}{{0,6}}?{NUM}\\s*(?:件|起|宗)"),
            Figure::Review,
            false,
        ),
        p(
            format!("行政诉讼(?:案件|案)?{GAP}{{0,6}}?{NUM}\\s*(?:件|起|宗)"),
            Figure::Litigation,
            false,
        ),
    ]
});

const APPLICATION_WORDS: &[&str] = &[
    "政府信息公开申请",
    "信息公开申请",
    "公开政府信息的申请",
    "依申请",
    "公开申请",
];

fn parse_num(s: &str) -> Option<i64> {
    let ascii: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    ascii.parse().ok()
}

/// The table's value for a figure, with the cell's name for the message.
fn table_value(report: &Report, f: Figure) -> Option<(i64, String)> {
    let cell = |table: &str, row: &str, col: usize| -> Option<i64> {
        match report
            .tables
            .national(table)?
            .row(row)?
            .cells
            .get(col)?
            .value
        {
            Value::Int(n) => Some(n),
            _ => None,
        }
    };
    let apps = |row: &str, label: &str| {
        cell("applications", row, 6).map(|n| (n, format!("表三「{label}」「总计」")))
    };
    match f {
        Figure::Received => apps("received", "一、本年新收政府信息公开申请数量"),
        Figure::CarriedOver => apps("carried_over", "二、上年结转政府信息公开申请数量"),
        Figure::Concluded => apps("total", "（七）总计"),
        Figure::CarriedForward => apps("carried_forward", "四、结转下年度继续办理"),
        Figure::Review => {
            cell("appeals", "review", 4).map(|n| (n, "表四「行政复议」「总计」".into()))
        }
        Figure::Litigation => {
            let a = cell("appeals", "litigation_direct", 4)?;
            let b = cell("appeals", "litigation_after_review", 4)?;
            Some((a + b, "表四「行政诉讼」两项「总计」之和".into()))
        }
    }
}

/// Acceptable values: 收到 may be said of new applications alone or with those carried over.
fn accepts(report: &Report, f: Figure, stated: i64, value: i64) -> bool {
    if stated == value {
        return true;
    }
    if let Figure::Received = f
        && let Some((c, _)) = table_value(report, Figure::CarriedOver)
    {
        return stated == value + c;
    }
    false
}

pub fn check(report: &Report, text: &NarrativeText) -> Diagnostics {
    let mut out = Diagnostics::new();
    if !matches!(report.tables, crate::tables::ReportTables::National { .. }) {
        return out;
    }
    for block in &text.blocks {
        let mut start = 0;
        for sentence in block
            .text
            .split_inclusive(['。', '；', ';', '！', '？', '\n'])
        {
            let about_apps = APPLICATION_WORDS.iter().any(|w| sentence.contains(w))
                || (sentence.contains("申请") && block.heading.contains("申请"));
            let about_disclosure = sentence.contains("信息公开") || block.section == Some(4);
            for p in PATTERNS.iter() {
                let qualifies = if p.about_applications {
                    about_apps
                } else {
                    about_disclosure
                };
                if !qualifies {
                    continue;
                }
                for caps in p.re.captures_iter(sentence) {
                    let (Some(whole), Some(num)) = (caps.get(0), caps.get(1)) else {
                        continue;
                    };
                    let Some(stated) = parse_num(num.as_str()) else {
                        continue;
                    };
                    let Some((value, name)) = table_value(report, p.figure) else {
                        continue;
                    };
                    if accepts(report, p.figure, stated, value) {
                        continue;
                    }
                    let at = report.body_offset + block.source_offset(start + num.start());
                    out.push(Diagnostic::at(
                        Severity::Warning,
                        RULE,
                        &report.markdown,
                        at,
                        format!("正文写「{}」，但{name}为 {value}", whole.as_str().trim()),
                    ));
                }
            }
            start += sentence.len();
        }
    }
    out
}
