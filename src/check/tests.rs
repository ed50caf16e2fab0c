//! Each rule of the checker with a failing and a passing fixture site.

use crate::build::load_and_check;
use crate::diagnostics::{Diagnostic, Severity};
use crate::scaffold::{tables_toml, zero_tables};
use crate::tables::national::{FORMAT_2019, FORMAT_2021};
use std::path::Path;

/// A one-organisation fixture site: (year, report.md, tables.toml) per report.
fn site(reports: &[(u16, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("site.toml"),
        "title = \"测试站点\"\nbase_url = \"https://www.example.gov.cn/nb/\"\n[gov]\nsite_name = \"测试县人民政府\"\nsite_domain = \"www.example.gov.cn\"\nsite_id_code = \"0000000000\"\n",
    )
    .unwrap();
    let org = root.join("content/ceshi");
    std::fs::create_dir_all(&org).unwrap();
    std::fs::write(
        org.join("org.toml"),
        "name = \"测试镇人民政府\"\nshort_name = \"测试镇\"\n",
    )
    .unwrap();
    for (year, md, tables) in reports {
        let d = org.join(year.to_string());
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("report.md"), md).unwrap();
        std::fs::write(d.join("tables.toml"), tables).unwrap();
    }
    dir
}

fn md(year: u16, body: &str) -> String {
    format!(
        "+++\ntitle = \"测试镇{year}年政府信息公开工作年度报告\"\npublished = {}-01-20\n+++\n{body}",
        year + 1
    )
}

fn diags(root: &Path) -> Vec<Diagnostic> {
    load_and_check(root).diagnostics.into_vec()
}

fn of_rule<'a>(d: &'a [Diagnostic], rule: &str) -> Vec<&'a Diagnostic> {
    d.iter().filter(|x| x.rule == rule).collect()
}

/// 2021 tables where `fill` overrides cells.
fn t2021(fill: &dyn Fn(&str, &str, usize) -> Option<i64>) -> String {
    tables_toml(&FORMAT_2021, fill)
}

/// Tables with n new applications, all answered 予以公开, and `fwd` of them carried forward.
fn applications(n: i64, fwd: i64, over: i64) -> String {
    t2021(&move |t, r, c| {
        let v = |x: i64| Some(if c == 0 || c == 6 { x } else { 0 });
        match (t, r) {
            ("applications", "received") => v(n),
            ("applications", "carried_over") => v(over),
            ("applications", "disclosed" | "total") => v(n + over - fwd),
            ("applications", "carried_forward") => v(fwd),
            _ => None,
        }
    })
}

#[test]
fn clean_site_has_no_findings() {
    let s = site(&[(
        2024,
        &md(
            2024,
            "## 一、总体情况\n\n本年收到政府信息公开申请3件，均已办结。\n",
        ),
        &applications(3, 0, 0),
    )]);
    let d = diags(s.path());
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn r5_carried_over_must_match_last_year() {
    let ok = site(&[
        (2023, &md(2023, ""), &applications(3, 2, 0)),
        (2024, &md(2024, ""), &applications(1, 0, 2)),
    ]);
    assert!(of_rule(&diags(ok.path()), "R5").is_empty());
    let bad = site(&[
        (2023, &md(2023, ""), &applications(3, 2, 0)),
        (2024, &md(2024, ""), &applications(1, 0, 1)),
    ]);
    let d = diags(bad.path());
    let r5 = of_rule(&d, "R5");
    assert_eq!(r5.len(), 2, "{d:#?}"); // 自然人 and 总计
    assert_eq!(r5[0].severity, Severity::Error);
    assert!(r5[0].file.ends_with("2024/tables.toml"));
    assert_eq!(
        r5[0].message,
        "表三「二、上年结转政府信息公开申请数量」「自然人」应为 2（2023 年报告的「四、结转下年度继续办理」），实为 1"
    );
}

#[test]
fn r6_valid_documents_continue_as_a_warning() {
    let with = |made: i64, valid: i64| {
        t2021(&move |t, r, c| match (t, r, c) {
            ("active", "regulations", 0) => Some(made),
            ("active", "regulations", 2) => Some(valid),
            _ => None,
        })
    };
    let ok = site(&[
        (2023, &md(2023, ""), &with(0, 5)),
        (2024, &md(2024, ""), &with(2, 7)),
    ]);
    assert!(of_rule(&diags(ok.path()), "R6").is_empty());
    let bad = site(&[
        (2023, &md(2023, ""), &with(0, 5)),
        (2024, &md(2024, ""), &with(2, 9)),
    ]);
    let d = diags(bad.path());
    let r6 = of_rule(&d, "R6");
    assert_eq!(r6.len(), 1, "{d:#?}");
    assert_eq!(r6[0].severity, Severity::Warning);
    assert!(
        r6[0].message.contains("应为 7，实为 9"),
        "{}",
        r6[0].message
    );
    // not between a 2019 and a 2021 report
    let mixed = site(&[
        (2020, &md(2020, ""), &zero_tables(&FORMAT_2019)),
        (2021, &md(2021, ""), &with(2, 9)),
    ]);
    assert!(of_rule(&diags(mixed.path()), "R6").is_empty());
}

#[test]
fn narrative_figures_against_tables() {
    let body = "## 一、总体情况\n\n### （二）依申请公开情况\n\n本年度我镇收到公开政府信息的申请5件，上年度结转办理件0件，办结5件。\n\n## 四、政府信息公开行政复议、行政诉讼情况\n\n因政府信息公开引起的行政复议案件2件、行政诉讼案件1起。\n\n其他工作：行政服务中心共受理申请121件，办结118件。主动公开政府信息139条。\n";
    let s = site(&[(2024, &md(2024, body), &applications(3, 0, 0))]);
    let d = diags(s.path());
    let n = of_rule(&d, "narrative");
    let msgs: Vec<&str> = n.iter().map(|x| x.message.as_str()).collect();
    assert_eq!(n.len(), 4, "{msgs:#?}");
    assert!(
        msgs[0].contains("收到公开政府信息的申请5件") && msgs[0].contains("为 3"),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("办结5件") && m.contains("（七）总计"))
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("行政复议案件2件") && m.contains("为 0"))
    );
    assert!(msgs.iter().any(|m| m.contains("行政诉讼案件1起")));
    // points at the number in report.md
    let first = n[0];
    let line = first.source_line.as_deref().unwrap();
    let col_char: String = line.chars().skip(first.column - 1).take(1).collect();
    assert_eq!(col_char, "5", "{first:?}");
    // the same text with the right figures: nothing
    let s = site(&[(
        2024,
        &md(
            2024,
            &body
                .replace("申请5件", "申请3件")
                .replace("办结5件", "办结3件")
                .replace("案件2件", "案件0件")
                .replace("案件1起", "案件0起"),
        ),
        &applications(3, 0, 0),
    )]);
    assert!(of_rule(&diags(s.path()), "narrative").is_empty());
}

#[test]
fn narrative_stays_quiet_on_the_sample_report() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let d = diags(root);
    assert!(of_rule(&d, "narrative").is_empty(), "{d:#?}");
    assert!(!d.iter().any(|x| x.is_error()), "{d:#?}");
}

#[test]
fn metadata_and_publication_dates() {
    let missing = "+++\ntitle = \"测试镇2024年政府信息公开工作年度报告\"\n+++\n";
    let s = site(&[(2024, missing, &zero_tables(&FORMAT_2021))]);
    let d = diags(s.path());
    assert_eq!(of_rule(&d, "meta").len(), 1, "{d:#?}");
    let early = "+++\npublished = 2024-12-20\n+++\n";
    let late = "+++\npublished = 2025-03-01\n+++\n";
    let s = site(&[
        (2024, early, &zero_tables(&FORMAT_2021)),
        (2023, late, &zero_tables(&FORMAT_2021)),
    ]);
    let d = diags(s.path());
    let p = of_rule(&d, "pub-date");
    assert_eq!(p.len(), 2, "{d:#?}");
    assert!(
        p.iter()
            .any(|x| x.message.contains("晚于发布期限 2024年1月31日")),
        "{p:?}"
    );
    assert_eq!((p[0].line, p[0].column), (2, 1));
    let ok = site(&[(2024, &md(2024, ""), &zero_tables(&FORMAT_2021))]);
    assert!(of_rule(&diags(ok.path()), "pub-date").is_empty());
    // site-wide meta values
    let dir = site(&[]);
    std::fs::write(dir.path().join("site.toml"), "title = \"x\"\n").unwrap();
    // SiteName, SiteDomain, SiteIDCode and base_url
    assert_eq!(of_rule(&diags(dir.path()), "meta").len(), 4);
}

#[test]
fn year_mismatches() {
    let s = site(&[(
        2024,
        "+++\nyear = 2023\ntitle = \"测试镇2023年政府信息公开工作年度报告\"\npublished = 2025-01-02\n+++\n",
        &zero_tables(&FORMAT_2021),
    )]);
    let d = diags(s.path());
    let y = of_rule(&d, "year");
    assert_eq!(y.len(), 2, "{d:#?}");
    assert!(y.iter().any(|x| x.severity == Severity::Error));
}

#[test]
fn personal_data_in_text_and_cells() {
    let body = "如有疑问请联系：0797-8551101。\n\n申请人张某（身份证号11010519491231002X，手机13912345678）\n";
    let tables = zero_tables(&FORMAT_2021).replace("fees = 0", "fees = \"13912345678\"");
    let archived = format!("+++\narchived = true\npublished = 2025-01-02\n+++\n{body}");
    let s = site(&[(2024, &archived, &tables)]);
    let d = diags(s.path());
    let p = of_rule(&d, "personal-data");
    assert_eq!(p.len(), 3, "{d:#?}");
    assert!(p.iter().any(|x| x.file.ends_with("tables.toml")));
    let clean = site(&[(
        2024,
        &md(2024, "联系电话：0797-8551101，邮编341205。\n"),
        &zero_tables(&FORMAT_2021),
    )]);
    assert!(of_rule(&diags(clean.path()), "personal-data").is_empty());
}

#[test]
fn links_and_placement_markers() {
    let body = "见[附件](files/说明.pdf)、[去年](../../2023/ceshi/index.html)和[缺失](files/none.pdf)，[外部](https://www.gov.cn/)。\n\n<!-- 表五 -->\n\n<!-- 表三 -->\n";
    let s = site(&[
        (2024, &md(2024, body), &zero_tables(&FORMAT_2021)),
        (2023, &md(2023, ""), &zero_tables(&FORMAT_2021)),
    ]);
    let files = s.path().join("content/ceshi/2024/files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("说明.pdf"), b"%PDF").unwrap();
    let d = diags(s.path());
    let l = of_rule(&d, "link");
    assert_eq!(l.len(), 1, "{d:#?}");
    assert!(l[0].message.contains("files/none.pdf"));
    let p = of_rule(&d, "placement");
    assert_eq!(p.len(), 1, "{d:#?}");
    assert!(p[0].message.contains("表五"));
}

#[test]
fn archived_reports_only_warn() {
    let bad = applications(3, 0, 0).replace(
        "received = [3, 0, 0, 0, 0, 0, 3]",
        "received = [3, 0, 0, 0, 0, 0, 4]",
    );
    assert_ne!(bad, applications(3, 0, 0));
    let archived = "+++\narchived = true\npublished = 2025-01-02\n+++\n";
    let s = site(&[(2024, archived, &bad)]);
    let checked = load_and_check(s.path());
    assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
    assert!(checked.diagnostics.iter().any(|x| x.rule == "R2"));
}
