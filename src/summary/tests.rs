use super::*;
use crate::content::load_site;
use std::path::Path;

/// A format-2021 tables.toml: `received` of the natural-person column, the fee, and a
/// review outcome vary; everything else is zero except what keeps R1–R4 true.
fn tables(received: i64, fee: &str, review: i64, natural_text: Option<&str>) -> String {
    let mut s = crate::scaffold::zero_tables(&national::FORMAT_2021);
    let cell = natural_text.map_or(received.to_string(), |t| format!("\"{t}\""));
    s = s.replace(
        "\nreceived = [0, 0, 0, 0, 0, 0, 0]",
        &format!("\nreceived = [{cell}, 1, 0, 0, 0, 0, {}]", received + 1),
    );
    s = s.replace(
        "\ndisclosed = [0, 0, 0, 0, 0, 0, 0]",
        &format!(
            "\ndisclosed = [{received}, 1, 0, 0, 0, 0, {}]",
            received + 1
        ),
    );
    s = s.replace(
        "\ntotal = [0, 0, 0, 0, 0, 0, 0]",
        &format!("\ntotal = [{received}, 1, 0, 0, 0, 0, {}]", received + 1),
    );
    s = s.replace("\nfees = 0", &format!("\nfees = {fee}"));
    s = s.replace(
        "\nreview = [0, 0, 0, 0, 0]",
        &format!("\nreview = [{review}, 0, 0, 1, {}]", review + 1),
    );
    s
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn site(dir: &Path) {
    write(dir, "site.toml", "title = \"t\"\n");
    for (id, kind) in [
        ("county", "本级政府"),
        ("a", "部门"),
        ("b", "县级部门"),
        ("c", "乡镇"),
        ("d", "乡镇（街道）"),
    ] {
        write(
            dir,
            &format!("content/{id}/org.toml"),
            &format!("name = \"{id}机关\"\nkind = \"{kind}\"\n"),
        );
    }
    let md = "+++\npublished = 2025-01-20\n+++\n## 一、总体情况\n";
    for (id, t) in [
        ("a", tables(3, "0.1", 2, None)),
        ("b", tables(5, "0.2", 0, None)),
        ("c", tables(0, "12.345", 1, Some("/"))),
    ] {
        write(dir, &format!("content/{id}/2024/report.md"), md);
        write(dir, &format!("content/{id}/2024/tables.toml"), &t);
    }
}

fn int(s: &Summary<'_>, table: &str, row: &str, col: usize) -> Value {
    s.tables.national(table).unwrap().row(row).unwrap().cells[col]
        .value
        .clone()
}

#[test]
fn sums_match_hand_computed_totals() {
    let dir = tempfile::tempdir().unwrap();
    site(dir.path());
    let site = load_site(dir.path()).site.unwrap();
    let orgs = select(&site, &Selection::AllButGovernment).unwrap();
    let ids: Vec<&str> = orgs.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    let s = summarize(&site, 2024, &orgs).unwrap();
    assert_eq!(s.covered.len(), 3);
    assert_eq!(
        s.missing.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
        ["d"]
    );
    // received, 自然人: 3 + 5 + ("/" skipped) = 8; 商业企业 1 + 1 + 1 = 3; 总计 computed 8 + 3 = 11
    assert_eq!(int(&s, "applications", "received", 0), Value::Int(8));
    assert_eq!(int(&s, "applications", "received", 1), Value::Int(3));
    assert_eq!(int(&s, "applications", "received", 6), Value::Int(11));
    // disclosed 3 + 5 + 0 = 8 natural persons; the total row is the sum of the item rows
    assert_eq!(int(&s, "applications", "total", 0), Value::Int(8));
    assert_eq!(int(&s, "applications", "total", 6), Value::Int(11));
    // fees 0.1 + 0.2 + 12.345, exactly
    assert_eq!(
        int(&s, "active", "fees", 0),
        Value::Decimal("12.645".into())
    );
    // review: 结果维持 2 + 0 + 1 = 3, 尚未审结 3, 总计 6
    assert_eq!(int(&s, "appeals", "review", 0), Value::Int(3));
    assert_eq!(int(&s, "appeals", "review", 4), Value::Int(6));
    assert_eq!(s.skipped.len(), 1);
    assert_eq!(s.skipped[0].org, "c");
    assert!(s.skipped[0].cell.contains("自然人"), "{:?}", s.skipped);
    // the summary's own rules hold
    if let ReportTables::National { tables, .. } = &s.tables {
        let src = crate::diagnostics::SourceFile::new("sum", String::new());
        for t in tables {
            let d = crate::tables::rules::check_table(t, &src);
            assert!(d.is_empty(), "{d:?}");
        }
    }
}

#[test]
fn selections() {
    let dir = tempfile::tempdir().unwrap();
    site(dir.path());
    let site = load_site(dir.path()).site.unwrap();
    let ids = |sel: Selection| -> Vec<String> {
        select(&site, &sel)
            .unwrap()
            .iter()
            .map(|o| o.id.clone())
            .collect()
    };
    assert_eq!(ids(Selection::Kind("部门".into())), ["a", "b"]);
    assert_eq!(ids(Selection::Kind("乡镇（街道）".into())), ["c", "d"]);
    assert_eq!(
        ids(Selection::Orgs(vec!["c".into(), "a".into(), "c".into()])),
        ["c", "a"]
    );
    match select(&site, &Selection::Orgs(vec!["aa".into()])) {
        Err(SummaryError::UnknownOrgs(list)) => assert_eq!(list[0].0, "aa"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        select(&site, &Selection::Kind("事业单位".into())),
        Err(SummaryError::NothingSelected(_))
    ));
    let orgs = select(&site, &Selection::Kind("部门".into())).unwrap();
    assert_eq!(
        summarize(&site, 2023, &orgs).unwrap_err(),
        SummaryError::NoReports(2023)
    );
}

#[test]
fn mixed_formats_name_the_outliers() {
    let dir = tempfile::tempdir().unwrap();
    site(dir.path());
    write(
        dir.path(),
        "content/d/2024/report.md",
        "+++\npublished = 2025-01-20\n+++\n",
    );
    write(
        dir.path(),
        "content/d/2024/tables.toml",
        &crate::scaffold::zero_tables(&national::FORMAT_2019),
    );
    let site = load_site(dir.path()).site.unwrap();
    let orgs = select(&site, &Selection::AllButGovernment).unwrap();
    let err = summarize(&site, 2024, &orgs).unwrap_err();
    assert_eq!(
        err,
        SummaryError::MixedFormats {
            format: "2021",
            outliers: vec![("d".into(), "2019")]
        }
    );
    let msg = err.to_string();
    assert!(
        msg.contains("d（2019 格式") && msg.contains("2021"),
        "{msg}"
    );
}

#[test]
fn outputs_carry_coverage_and_parse_back() {
    let dir = tempfile::tempdir().unwrap();
    site(dir.path());
    let site = load_site(dir.path()).site.unwrap();
    let orgs = select(&site, &Selection::AllButGovernment).unwrap();
    let s = summarize(&site, 2024, &orgs).unwrap();
    let toml = String::from_utf8(write::render(&s, write::SummaryFormat::Toml).unwrap()).unwrap();
    assert!(
        toml.contains("缺少 2024 年报告、未汇总（1 个）：d机关（d）"),
        "{toml}"
    );
    let src = crate::diagnostics::SourceFile::new("tables.toml", toml.clone());
    let (t, d) = crate::tables::parse_tables(&src, false);
    assert!(d.is_empty(), "{d:?}\n{toml}");
    let t = t.unwrap();
    assert_eq!(
        t.national("active").unwrap().row("fees").unwrap().cells[0].value,
        Value::Decimal("12.645".into())
    );
    let md = String::from_utf8(write::render(&s, write::SummaryFormat::Markdown).unwrap()).unwrap();
    assert!(
        md.contains("| 一、本年新收政府信息公开申请数量 |  |  | 8 | 3 | 0 | 0 | 0 | 0 | 11 |"),
        "{md}"
    );
    let csv = String::from_utf8(write::render(&s, write::SummaryFormat::Csv).unwrap()).unwrap();
    assert!(csv.contains("行政事业性收费,12.645,,"), "{csv}");
    let xlsx = write::render(&s, write::SummaryFormat::Xlsx).unwrap();
    assert_eq!(&xlsx[..2], b"PK");
}
