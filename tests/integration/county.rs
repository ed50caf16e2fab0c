//! A county portal: organisations of every kind, a missing report, a late report, a year of
//! mixed formats; `nianbao summary` against totals computed by hand, the `summary_of` check,
//! the completeness and comparison pages and the site-wide data files.

use crate::*;

/// (folder, full name, kind, order)
const COUNTY_ORGS: &[(&str, &str, &str, Option<i64>)] = &[
    ("town-c", "测试乡人民政府", "乡镇", None),
    ("county", "示例县人民政府", "本级政府", None),
    ("dept-a", "示例县测试甲局", "部门", Some(2)),
    ("town-d", "示例街道办事处", "乡镇（街道）", None),
    ("office", "示例县人民政府办公室", "办公厅（室）", None),
    ("dept-b", "示例县测试乙局", "县级部门", Some(1)),
];

fn front(year: u16, published: &str) -> String {
    format!("published = {published}\nindex_number = \"TEST-{year}\"\n")
}

/// The 2024 tables of the four reporting organisations: [`tables_2021`] with the fee varied
/// (0.1 + 0.2 + 0.4 + 0 must give 0.7 exactly, not 0.7000000000000001).
fn fee_tables(fee: &str) -> String {
    set_line(&tables_2021(), "fees", fee)
}

fn county_site() -> Site {
    let site = Site::empty();
    site.site_toml(SITE_TOML);
    for &(id, name, kind, order) in COUNTY_ORGS {
        site.org(id, name, None, kind);
        if let Some(n) = order {
            let p = format!("content/{id}/org.toml");
            let text = site.read(&p);
            site.write(&p, format!("{text}order = {n}\n"));
        }
    }
    let body = |org: &str, year: u16| six_section_body(org, year);
    for (org, fee) in [("office", "0"), ("dept-b", "0.1"), ("town-c", "0.4")] {
        site.report(
            org,
            2024,
            &report_md(&front(2024, "2025-01-20"), &body(org, 2024)),
            &fee_tables(fee),
        );
    }
    // the late report: published after 31 January
    site.report(
        "dept-a",
        2024,
        &report_md(&front(2024, "2025-02-15"), &body("dept-a", 2024)),
        &fee_tables("0.2"),
    );
    site.report(
        "dept-a",
        2023,
        &report_md(&front(2023, "2024-01-22"), &body("dept-a", 2023)),
        &set_line(&tables_2021(), "licensing", "20"),
    );
    // town-d: no 2024 report; 2023 in the 2019 format, 2022 in the 2021 format
    site.report(
        "town-d",
        2022,
        &report_md(&front(2022, "2023-01-10"), &body("town-d", 2022)),
        &tables_2021(),
    );
    site.report(
        "town-d",
        2023,
        &report_md(&front(2023, "2024-01-10"), &body("town-d", 2023)),
        &tables_2019(),
    );
    site
}

/// The 本级政府 report compiled from the summary's TOML, with `summary_of`.
fn add_county_report(site: &Site, tables: &str) {
    let fm = format!(
        "{}summary_of = [\"office\", \"dept-a\", \"dept-b\", \"town-c\", \"town-d\"]\n",
        front(2024, "2025-01-28")
    );
    site.report(
        "county",
        2024,
        &report_md(&fm, &six_section_body("county", 2024)),
        tables,
    );
}

#[test]
fn summary_adds_up_to_hand_computed_totals() {
    let site = county_site();
    let out = site.path("sum.toml");
    let run = site.run(&[
        "summary",
        "2024",
        "--format",
        "toml",
        "--output",
        out.to_str().unwrap(),
    ]);
    run.expect_code(0);
    let toml = std::fs::read_to_string(&out).unwrap();
    // four reports of tables_2021(): received [3, 1, 0, 0, 0, 0, 4] each
    for (key, value) in [
        ("regulations", "[4, 4, 16]"),
        ("normative_documents", "[12, 12, 48]"),
        ("licensing", "100"),
        ("punishment", "28"),
        ("fees", "0.7"),
        ("received", "[12, 4, 0, 0, 0, 0, 16]"),
        ("carried_over", "[4, 0, 0, 0, 0, 0, 4]"),
        ("disclosed", "[8, 4, 0, 0, 0, 0, 12]"),
        ("unavailable.not_held", "[4, 0, 0, 0, 0, 0, 4]"),
        ("total", "[12, 4, 0, 0, 0, 0, 16]"),
        ("carried_forward", "[4, 0, 0, 0, 0, 0, 4]"),
        ("review", "[4, 0, 0, 0, 4]"),
        ("litigation_direct", "[0, 0, 0, 4, 4]"),
        ("litigation_after_review", "[0, 0, 0, 0, 0]"),
    ] {
        let line = toml
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key} in\n{toml}"));
        assert!(line.starts_with(&format!("{key} = {value}  #")), "{line}");
    }
    // coverage: in the file and, when writing a file, on stderr; the 本级政府 is not summed
    for text in [&toml, &run.stderr] {
        assert!(text.contains("已汇总（4 个）"), "{text}");
        assert!(
            text.contains("缺少 2024 年报告、未汇总（1 个）：示例街道办事处（town-d）"),
            "{text}"
        );
        assert!(!text.contains("示例县人民政府（county）"), "{text}");
    }
    // the output seeds a report: the county report built from it checks cleanly
    add_county_report(&site, &toml);
    let run = site.run(&["check"]);
    run.expect_code(0);
    let summary: Vec<_> = run
        .headlines()
        .into_iter()
        .filter(|h| h.rule == "summary")
        .collect();
    // only town-d's missing report is mentioned
    assert_eq!(summary.len(), 1, "{}", run.stderr);
    assert!(summary[0].message.contains("town-d") && summary[0].path.ends_with("report.md"));
}

#[test]
fn summary_of_warns_per_differing_cell_with_both_values() {
    let site = county_site();
    let run = site.run(&["summary", "2024", "--format", "toml"]);
    run.expect_code(0);
    // the compiler of the county report typed 0.8 for the fees and 5 for 行政处罚
    let tables = set_line(&set_line(&run.stdout, "fees", "0.8"), "punishment", "5");
    add_county_report(&site, &tables);
    let run = site.run(&["check"]);
    run.expect_code(0);
    let rel = Site::tables_rel("county", 2024);
    let cells: Vec<_> = run
        .headlines()
        .into_iter()
        .filter(|h| h.rule == "summary" && h.path == rel)
        .collect();
    assert_eq!(cells.len(), 2, "{}", run.stderr);
    assert!(cells.iter().all(|h| h.severity == "warning"));
    let fee = cells
        .iter()
        .find(|h| h.message.contains("行政事业性收费"))
        .unwrap();
    assert!(
        fee.message.contains("为 0.8") && fee.message.contains("之和为 0.7"),
        "{}",
        fee.message
    );
    assert_eq!(fee.pos.unwrap().0, line_of(&tables, "fees = "));
    let p = cells
        .iter()
        .find(|h| h.message.contains("行政处罚"))
        .unwrap();
    assert!(
        p.message.contains("为 5") && p.message.contains("之和为 28"),
        "{}",
        p.message
    );
}

#[test]
fn summary_selections_formats_and_failures() {
    let site = county_site();
    // a kind takes in its class: 部门 and 县级部门
    let run = site.run(&["summary", "2024", "--kind", "部门", "--format", "csv"]);
    run.expect_code(0);
    assert!(run.stdout.starts_with('\u{feff}'));
    assert!(
        run.stdout
            .contains("一、本年新收政府信息公开申请数量,,,6,2,0,0,0,0,8"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("已汇总（2 个）：示例县测试乙局（dept-b）、示例县测试甲局（dept-a）")
    );
    // an explicit list, one without a report
    let run = site.run(&["summary", "2024", "--orgs", "dept-a,town-d"]);
    run.expect_code(0);
    assert!(run.stdout.starts_with("# 2024年"), "{}", run.stdout);
    assert!(
        run.stdout.contains("| 行政事业性收费 | 0.2 |"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("缺少 2024 年报告、未汇总（1 个）：示例街道办事处（town-d）")
    );
    // Excel to a file
    let xlsx = site.path("sum.xlsx");
    site.run(&[
        "summary",
        "2024",
        "--format",
        "xlsx",
        "--output",
        xlsx.to_str().unwrap(),
    ])
    .expect_code(0);
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK");
    // Excel needs a file; an unknown organisation is named with a suggestion
    let run = site.run(&["summary", "2024", "--format", "xlsx"]);
    run.expect_code(1);
    assert!(run.stderr.contains("--output"), "{}", run.stderr);
    let run = site.run(&["summary", "2024", "--orgs", "dept-x"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("dept-x") && run.stderr.contains("dept-a"),
        "{}",
        run.stderr
    );
    // 2023: dept-a in the 2021 format, town-d in the 2019 format
    let run = site.run(&["summary", "2023"]);
    run.expect_code(1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("格式不一致") && run.stderr.contains("town-d（2019 格式"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("dept-a（"), "{}", run.stderr);
}

#[test]
fn portal_pages_group_by_kind_and_show_completeness_and_changes() {
    let site = county_site();
    add_county_report(
        &site,
        &site.run(&["summary", "2024", "--format", "toml"]).stdout,
    );
    site.run(&["build", "--no-downloads"]).expect_code(0);
    // groups in the conventional order; within 部门, order 1 before order 2
    for page in ["index.html", "2024/index.html"] {
        let html = site.out(page);
        assert_in_order(
            &html,
            &[
                ">本级政府</h",
                "示例县人民政府",
                ">办公厅（室）</h",
                ">部门</h",
                "示例县测试乙局",
                "示例县测试甲局",
                ">乡镇（街道）</h",
                "测试乡人民政府",
            ],
        );
    }
    // completeness: late and missing named; linked from the year page
    let year = site.out("2024/index.html");
    assert!(
        year.contains("href=\"../2024/completeness.html\""),
        "{year}"
    );
    let c = site.out("2024/completeness.html");
    let missing = &c[c.find("id=\"missing-title\"").unwrap()..c.find("id=\"late-title\"").unwrap()];
    assert!(
        missing.contains("示例街道办事处") && !missing.contains("测试乡"),
        "{missing}"
    );
    let late = &c[c.find("id=\"late-title\"").unwrap()..c.find("id=\"all-title\"").unwrap()];
    assert!(
        late.contains("示例县测试甲局") && late.contains("2025-02-15"),
        "{late}"
    );
    assert!(!late.contains("测试乙局"), "{late}");
    assert!(c.contains("发布期限：2025年1月31日"), "{c}");
    assert!(
        c.contains("应发布 6 个机关，已发布 5 个（其中逾期 1 个），未发布 1 个"),
        "{c}"
    );
    let row = row_cells(
        &c,
        "<a href=\"../org/dept-a/index.html\">示例县测试甲局</a>",
    )
    .unwrap();
    assert_eq!(row[1], "逾期发布");
    // 2023: town-d published; the 2024-only organisations were not yet expected
    let c23 = site.out("2023/completeness.html");
    assert!(c23.contains("应发布 2 个机关"), "{c23}");

    // comparison: dept-a 2024 vs 2023, linked from the org page and the report page
    let cmp = site.out("org/dept-a/2024-vs-2023.html");
    assert!(
        cmp.contains("<caption>表二：2023年与2024年对比</caption>"),
        "{cmp}"
    );
    assert!(cmp.contains("<th scope=\"col\">变化</th>"));
    let row = row_cells(&cmp, "行政许可").unwrap();
    assert_eq!(row, ["本年处理决定数量", "20", "25", "增加 5"]);
    let row = row_cells(&cmp, "行政事业性收费").unwrap();
    assert_eq!(
        row,
        ["本年收费金额（单位：万元）", "1.5", "0.2", "减少 1.3"]
    );
    assert!(
        site.out("org/dept-a/index.html")
            .contains("href=\"../../org/dept-a/2024-vs-2023.html\"")
    );
    assert!(
        site.out("2024/dept-a/index.html")
            .contains("href=\"../../org/dept-a/2024-vs-2023.html\"")
    );
    // formats differ: said, not compared
    let cmp = site.out("org/town-d/2023-vs-2022.html");
    assert!(cmp.contains("两年的统计表格式不同"), "{cmp}");
    assert!(!cmp.contains("<table"));
    // no page without a previous year
    assert!(!site.path("output/org/dept-b/2024-vs-2023.html").exists());
    let (n, problems) = check_links(&site.path("output"));
    assert!(n > 0 && problems.is_empty(), "{problems:#?}");
}

#[test]
fn data_files_hold_every_cell_in_a_stable_order() {
    let site = county_site();
    site.run(&["build", "--no-downloads"]).expect_code(0);
    let csv = site.out("data/all.csv");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "org,org_name,kind,year,format,table,row,column,label,value"
    );
    // 6 reports in the 2021 format (10 + 175 + 15 cells), 1 in the 2019 format (22 + 161 + 15)
    assert_eq!(lines.len() - 1, 6 * 200 + 198);
    assert_eq!(
        lines[1],
        "dept-a,示例县测试甲局,部门,2023,2021,active,regulations,本年制发件数,规章,1"
    );
    assert!(lines.contains(&"town-c,测试乡人民政府,乡镇,2024,2021,active,fees,本年收费金额（单位：万元）,行政事业性收费,0.4"));
    let json: Value = serde_json::from_str(&site.out("data/all.json")).unwrap();
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), lines.len() - 1);
    assert_eq!(
        list[1],
        json!({"org": "dept-a", "org_name": "示例县测试甲局", "kind": "部门", "year": 2023,
               "format": "2021", "table": "active", "row": "regulations", "column": "本年废止件数",
               "label": "规章", "value": 1})
    );
    let sums = site.out("SHA256SUMS");
    assert!(sums.contains("  data/all.csv\n") && sums.contains("  data/all.json\n"));
    // deterministic: a second build gives the same bytes
    let first = csv.clone();
    site.run(&["build", "--no-downloads"]).expect_code(0);
    assert_eq!(site.out("data/all.csv"), first);
}

#[test]
fn org_toml_order_and_parent_are_checked_at_their_position() {
    let site = county_site();
    site.write(
        "content/town-c/org.toml",
        "name = \"测试乡人民政府\"\nkind = \"乡镇\"\norder = \"第一\"\n",
    );
    site.write(
        "content/dept-b/org.toml",
        "name = \"示例县测试乙局\"\nkind = \"县级部门\"\nparent = \"dept-x\"\n",
    );
    let run = site.run(&["check"]);
    run.expect_code(1);
    let hs = run.headlines();
    let order = hs
        .iter()
        .find(|h| h.path == "content/town-c/org.toml")
        .unwrap();
    assert_eq!(order.pos, Some((3, 9)));
    assert!(order.message.contains("`order`"));
    let parent = hs
        .iter()
        .find(|h| h.path == "content/dept-b/org.toml")
        .unwrap();
    assert_eq!(parent.pos, Some((3, 10)));
    assert!(
        parent.message.contains("dept-x") && parent.message.contains("dept-a"),
        "{}",
        parent.message
    );
    // a valid parent is shown on both organisations' pages
    site.write(
        "content/town-c/org.toml",
        "name = \"测试乡人民政府\"\nkind = \"乡镇\"\n",
    );
    site.write(
        "content/dept-b/org.toml",
        "name = \"示例县测试乙局\"\nkind = \"县级部门\"\nparent = \"dept-a\"\n",
    );
    site.run(&["build", "--no-downloads"]).expect_code(0);
    assert!(site.out("org/dept-b/index.html").contains("上级机关"));
    assert!(site.out("org/dept-a/index.html").contains("下属机关"));
}
