//! `nianbao import`: round trips through the project's own Word and HTML output, hand-made
//! .docx (merged cells, numbering) and CMS-style HTML pages (nested furniture, Word-pasted
//! spans, GBK), a real published page read at run time, and bad input. Every name and figure
//! here is invented. Each fixture prints how many cells were recovered exactly.

use crate::common::*;
use nianbao::tables::{ReportTables, Value};
use std::path::Path;

// ---------------------------------------------------------------- fixture tables

const APPEALS_FULL: &str = "\n[appeals]\nreview = [1, 2, 3, 4, 10]\nlitigation_direct = [0, 1, 0, 2, 3]\nlitigation_after_review = [5, 0, 1, 0, 6]\n";

/// The result rows of table 三 in `format`.
fn result_keys(format: &str) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = APPLICATION_KEYS_2021
        .iter()
        .copied()
        .filter(|k| {
            !matches!(
                *k,
                "received" | "carried_over" | "total" | "carried_forward"
            )
        })
        .collect();
    if format == "2019" {
        keys.retain(|k| !k.starts_with("other_handling."));
        keys.push("other_handling");
    }
    keys
}

/// Rows of table 三 with varied figures in every cell that satisfy R1–R3.
fn application_rows(format: &str) -> Vec<(&'static str, [i64; 7])> {
    let with_total = |v: [i64; 6]| {
        let mut r = [0; 7];
        r[..6].copy_from_slice(&v);
        r[6] = v.iter().sum();
        r
    };
    let items: Vec<(&'static str, [i64; 7])> = result_keys(format)
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let v: [i64; 6] = std::array::from_fn(|j| ((i * 7 + j * 3) % 11) as i64);
            (k, with_total(v))
        })
        .collect();
    let total: [i64; 6] = std::array::from_fn(|j| items.iter().map(|(_, r)| r[j]).sum());
    let carried_forward: [i64; 6] = std::array::from_fn(|j| j as i64 + 1);
    let carried_over: [i64; 6] = std::array::from_fn(|j| (j as i64 * 2) % 5);
    let received: [i64; 6] =
        std::array::from_fn(|j| total[j] + carried_forward[j] - carried_over[j]);
    let mut rows = vec![
        ("received", with_total(received)),
        ("carried_over", with_total(carried_over)),
    ];
    rows.extend(items);
    rows.push(("total", with_total(total)));
    rows.push(("carried_forward", with_total(carried_forward)));
    rows
}

fn full_tables(format: &str) -> String {
    let mut s = match format {
        "2021" => "format = \"2021\"\n\n[active]\nregulations = [1, 2, 30]\nnormative_documents = [4, 5, 60]\nlicensing = 789\npunishment = 101\ncoercion = 0\nfees = 12.34\n\n[applications]\n".to_string(),
        _ => "format = \"2019\"\n\n[active]\nregulations = [1, 2, 3]\nnormative_documents = [4, 5, 66]\nlicensing = [30, -2, 120]\nother_services = [5, 0, 40]\npunishment = [10, 1, 33]\ncoercion = [2, 0, 1]\nfees = [3, -1]\nprocurement = [4, 56.7]\n\n[applications]\n".to_string(),
    };
    for (k, r) in application_rows(format) {
        let cells: Vec<String> = r.iter().map(|v| v.to_string()).collect();
        s.push_str(&format!("{k} = [{}]\n", cells.join(", ")));
    }
    s.push_str(APPEALS_FULL);
    s
}

// ---------------------------------------------------------------- helpers

fn import_site() -> Site {
    let site = Site::empty();
    site.site_toml(SITE_TOML);
    site.write("content/.keep", "");
    site
}

fn import(site: &Site, file: &Path, org: &str, year: u16, extra: &[&str]) -> Run {
    let y = year.to_string();
    let mut args = vec!["import", file.to_str().unwrap(), "--org", org, "--year", &y];
    args.extend_from_slice(extra);
    site.run(&args)
}

fn tables_of(root: &Path, org: &str, year: u16) -> ReportTables {
    let loaded = nianbao::content::load_site(root);
    let site = loaded
        .site
        .unwrap_or_else(|| panic!("site loads: {:?}", loaded.diagnostics));
    site.reports
        .into_iter()
        .find(|r| r.org == org && r.year == year)
        .unwrap_or_else(|| panic!("report {org} {year} loads: {:?}", loaded.diagnostics))
        .tables
}

/// Cells of the national tables of `want` found with the same value in `got`: (total, equal).
fn compare(want: &ReportTables, got: &ReportTables) -> (usize, usize, Vec<String>) {
    let ReportTables::National { tables, .. } = want else {
        panic!("national expected")
    };
    let mut total = 0;
    let mut equal = 0;
    let mut diffs = Vec::new();
    for t in tables {
        for (i, row) in t.rows.iter().enumerate() {
            for (c, cell) in row.cells.iter().enumerate() {
                total += 1;
                let other = got
                    .national(t.def.key)
                    .and_then(|g| g.rows.get(i))
                    .and_then(|r| r.cells.get(c))
                    .map(|c| c.value.clone());
                if other.as_ref() == Some(&cell.value) {
                    equal += 1;
                } else {
                    diffs.push(format!(
                        "{} {} [{c}]: want {:?}, got {:?}",
                        t.def.key,
                        t.def.rows()[i].key,
                        cell.value,
                        other
                    ));
                }
            }
        }
    }
    (total, equal, diffs)
}

fn rule_findings(site: &Site) -> Vec<String> {
    let run = site.run(&["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    v.as_array()
        .expect("array")
        .iter()
        .filter(|d| matches!(d["rule"].as_str(), Some("R1" | "R2" | "R3" | "R4")))
        .map(|d| d.to_string())
        .collect()
}

/// No markup, script or external reference in what import wrote: apart from the table
/// markers, every `<` is escaped (shown as text), and nothing of the page's attributes remains.
#[track_caller]
fn assert_clean_markdown(md: &str) {
    let markers = regex::Regex::new(r"<!-- 表[^ ]+ -->").unwrap();
    let rest = markers.replace_all(md, "").replace("\\<", "");
    assert!(!rest.contains('<'), "unescaped markup in\n{md}");
    for bad in [
        "onclick",
        "onerror",
        "onload",
        "javascript:",
        "evil.example",
        "style=",
        "class=",
        "](",
    ] {
        assert!(!md.to_lowercase().contains(bad), "{bad} in\n{md}");
    }
}

// ---------------------------------------------------------------- round trips

fn built_site() -> Site {
    let site = Site::empty();
    site.site_toml(SITE_TOML);
    site.org("ceshizhen", "测试镇人民政府", Some("测试镇"), "乡镇");
    for (year, format) in [(2024u16, "2021"), (2019, "2019")] {
        let front = format!(
            "published = {}-01-20\nindex_number = \"TEST-{year}\"\narchived = false\n",
            year + 1
        );
        site.report(
            "ceshizhen",
            year,
            &report_md(&front, &six_section_body("ceshizhen", year)),
            &full_tables(format),
        );
    }
    site.run(&["build"]).expect_code(0);
    site
}

#[test]
fn round_trip_through_our_own_word_and_html_output() {
    let built = built_site();
    for (year, format) in [(2024u16, "2021"), (2019, "2019")] {
        let want = tables_of(built.root(), "ceshizhen", year);
        for (kind, rel) in [
            (
                "docx",
                format!("output/{year}/ceshizhen/ceshizhen-{year}.docx"),
            ),
            ("html", format!("output/{year}/ceshizhen/index.html")),
        ] {
            let site = import_site();
            let run = import(&site, &built.path(&rel), "ceshizhen", year, &[]);
            run.expect_code(0);
            assert!(
                run.stdout.contains(&format!("统计表格式：{format}")),
                "{}",
                run.stdout
            );
            let got = tables_of(site.root(), "ceshizhen", year);
            assert_eq!(got.format_id(), format);
            let (total, equal, diffs) = compare(&want, &got);
            println!("round trip {kind} {format}: {equal}/{total} cells recovered exactly");
            assert!(
                diffs.is_empty(),
                "{kind} {format}: {diffs:#?}\n{}",
                run.stdout
            );
            let md = site.read(&format!("content/ceshizhen/{year}/report.md"));
            assert!(md.contains(&marker("ceshizhen", year)), "{kind}: {md}");
            // the narrative comes back line for line
            let lines = |s: &str| -> Vec<String> {
                s.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect()
            };
            let body = md.splitn(3, "+++").nth(2).unwrap_or("");
            assert_eq!(
                lines(body),
                lines(&six_section_body("ceshizhen", year)),
                "{kind} {format}"
            );
            for h in nianbao::tables::national::SECTIONS {
                assert!(md.contains(&format!("## {h}")), "{kind}: {h} in {md}");
            }
            assert!(
                md.contains(&format!("published = {}-01-20", year + 1)) || kind == "docx",
                "{md}"
            );
            assert_clean_markdown(&md);
            assert!(rule_findings(&site).is_empty(), "{kind} {format}");
        }
    }
}

// ---------------------------------------------------------------- hand-made .docx

mod word {
    use docx_rs::*;

    pub enum C {
        /// text, gridSpan
        T(&'static str, usize),
        Owned(String, usize),
        /// start of a vertical merge
        Top(&'static str),
        /// continued vertical merge
        Below,
    }

    pub fn p(text: &str) -> Paragraph {
        Paragraph::new().add_run(Run::new().add_text(text))
    }

    pub fn table(rows: Vec<Vec<C>>) -> Table {
        Table::new(
            rows.into_iter()
                .map(|r| {
                    TableRow::new(
                        r.into_iter()
                            .map(|c| match c {
                                C::T(t, span) => cell(t, span),
                                C::Owned(t, span) => cell(&t, span),
                                C::Top(t) => TableCell::new()
                                    .add_paragraph(p(t))
                                    .vertical_merge(VMergeType::Restart),
                                C::Below => TableCell::new()
                                    .add_paragraph(Paragraph::new())
                                    .vertical_merge(VMergeType::Continue),
                            })
                            .collect(),
                    )
                })
                .collect(),
        )
    }

    fn cell(t: &str, span: usize) -> TableCell {
        // a label wrapped over two paragraphs, as Word users do with long labels
        let mut c = TableCell::new();
        match t.split_once('\n') {
            Some((a, b)) => c = c.add_paragraph(p(a)).add_paragraph(p(b)),
            None => c = c.add_paragraph(p(t)),
        }
        if span > 1 { c.grid_span(span) } else { c }
    }
}

/// A 2021-format report as offices lay it out in Word: headings by style, sub-items by
/// automatic numbering, table 三 with vertically merged group labels, label variants.
fn handmade_docx(path: &Path) -> Vec<(&'static str, [i64; 7])> {
    use docx_rs::*;
    use word::C::{self, *};
    let rows = application_rows("2021");
    let val = |k: &str| rows.iter().find(|(key, _)| *key == k).unwrap().1;
    let nums = |k: &str| -> Vec<C> { val(k).iter().map(|v| Owned(v.to_string(), 1)).collect() };
    let mut t3: Vec<Vec<C>> = vec![
        vec![
            T(
                "（本列数据的勾稽关系为：第一项加第二项之和，\n等于第三项加第四项之和）",
                3,
            ),
            T("申请人情况", 7),
        ],
        vec![T("", 3), Top("自然人"), T("法人或其他组织", 5), Top("总计")],
        vec![
            T("", 3),
            Below,
            T("商业企业", 1),
            T("科研机构", 1),
            T("社会公益组织", 1),
            T("法律服务机构", 1),
            T("其他", 1),
            Below,
        ],
    ];
    let label_row = |cells: Vec<C>, key: &str| -> Vec<C> {
        let mut r = cells;
        r.extend(nums(key));
        r
    };
    t3.push(label_row(
        vec![T("一、本年新收政府信息\n公开申请数量", 3)],
        "received",
    ));
    t3.push(label_row(
        vec![T("二、上年结转政府信息公开申请数量", 3)],
        "carried_over",
    ));
    t3.push(label_row(
        vec![Top("三、本年度办理结果"), T("（一）予以公开", 2)],
        "disclosed",
    ));
    t3.push(label_row(
        vec![
            Below,
            T(
                "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
                2,
            ),
        ],
        "partially_disclosed",
    ));
    let withheld = [
        ("1、属于国家秘密", "withheld.state_secret"),
        ("2、其他法律行政法规禁止公开", "withheld.prohibited_by_law"),
        ("3、危及\"三安全一稳定\"", "withheld.security_stability"),
        ("4、保护第三方合法权益", "withheld.third_party_rights"),
        ("5、属于三类内部事务信息", "withheld.internal_affairs"),
        ("6、属于四类过程性信息", "withheld.process_information"),
        ("7、属于行政执法案卷", "withheld.enforcement_files"),
        ("8、属于行政查询事项", "withheld.administrative_query"),
    ];
    for (i, (label, key)) in withheld.iter().enumerate() {
        let g = if i == 0 {
            Top("（三）不予公开")
        } else {
            Below
        };
        t3.push(label_row(vec![Below, g, T(label, 1)], key));
    }
    let groups: [(&str, &[(&str, &str)]); 3] = [
        (
            "（四）无法提供",
            &[
                ("1.本机关不掌握相关政府信息", "unavailable.not_held"),
                ("2.没有现成信息需要另行制作", "unavailable.needs_creation"),
                ("3.补正后申请内容仍不明确", "unavailable.still_unclear"),
            ],
        ),
        (
            "（五）不予处理",
            &[
                ("1.信访举报投诉类申请", "not_processed.complaint"),
                ("2.重复申请", "not_processed.repeated"),
                ("3.要求提供公开出版物", "not_processed.publication"),
                ("4.无正当理由大量反复申请", "not_processed.excessive"),
                (
                    "5.要求行政机关确认或重新出具已获取信息",
                    "not_processed.confirmation",
                ),
            ],
        ),
        (
            "（六）其他处理",
            &[
                (
                    "1.申请人无正当理由逾期不补正、\n行政机关不再处理其政府信息公开申请",
                    "other_handling.no_correction",
                ),
                (
                    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                    "other_handling.fee_unpaid",
                ),
                ("3.其他", "other_handling.other"),
            ],
        ),
    ];
    for (g, items) in groups {
        for (i, (label, key)) in items.iter().enumerate() {
            let gc = if i == 0 { Top(g) } else { Below };
            t3.push(label_row(vec![Below, gc, T(label, 1)], key));
        }
    }
    t3.push(label_row(vec![Below, T("（七）总计", 2)], "total"));
    t3.push(label_row(
        vec![T("四、结转下年度继续办理", 3)],
        "carried_forward",
    ));

    let t2 = vec![
        vec![T("第二十条第（一）项", 4)],
        vec![
            T("信息内容", 1),
            T("本年制发件数", 1),
            T("本年废止件数", 1),
            T("现行有效件数", 1),
        ],
        vec![T("规章", 1), T("1", 1), T("2", 1), T("30", 1)],
        // 规范性文件 for 行政规范性文件, as many reports print it
        vec![T("规范性文件", 1), T("4", 1), T("5", 1), T("60", 1)],
        vec![T("第二十条第（五）项", 4)],
        vec![T("信息内容", 1), T("本年处理决定数量", 3)],
        vec![T("行政许可", 1), T("789", 3)],
        vec![T("第二十条第（六）项", 4)],
        vec![T("信息内容", 1), T("本年处理决定数量", 3)],
        vec![T("行政处罚", 1), T("101", 3)],
        vec![T("行政强制", 1), T("0", 3)],
        vec![T("第二十条第（八）项", 4)],
        vec![T("信息内容", 1), T("本年收费金额（单位：万元）", 3)],
        vec![T("行政事业性收费", 1), T("12.34", 3)],
    ];
    let mut t4 = vec![
        vec![T("行政复议", 5), T("行政诉讼", 10)],
        vec![
            Top("结果维持"),
            Top("结果纠正"),
            Top("其他结果"),
            Top("尚未审结"),
            Top("总计"),
            T("未经复议直接起诉", 5),
            T("复议后起诉", 5),
        ],
        vec![Below, Below, Below, Below, Below],
    ];
    for _ in 0..2 {
        for l in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] {
            t4[2].push(T(l, 1));
        }
    }
    t4.push(
        [
            "1", "2", "3", "4", "10", "0", "1", "0", "2", "3", "5", "0", "1", "0", "6",
        ]
        .into_iter()
        .map(|v| T(v, 1))
        .collect(),
    );

    let numbering = AbstractNumbering::new(1).add_level(Level::new(
        0,
        Start::new(1),
        NumberFormat::new("chineseCounting"),
        LevelText::new("（%1）"),
        LevelJc::new("left"),
    ));
    let item = |t: &str| word::p(t).numbering(NumberingId::new(2), IndentLevel::new(0));
    let doc = Docx::new()
        .add_style(Style::new("Heading1", StyleType::Paragraph).name("heading 1"))
        .add_style(Style::new("Heading2", StyleType::Paragraph).name("heading 2"))
        .add_abstract_numbering(numbering)
        .add_numbering(Numbering::new(2, 1))
        .add_paragraph(word::p("测试镇人民政府2024年政府信息公开工作年度报告").style("Heading1"))
        .add_paragraph(word::p("一、总体情况").style("Heading2"))
        .add_paragraph(word::p("本年度测试镇依法推进政府信息公开（虚构文本）。"))
        .add_paragraph(item("主动公开方面。全年公开信息若干条（虚构）。"))
        .add_paragraph(item("依申请公开方面。依法答复（虚构）。"))
        .add_paragraph(word::p("- 2 -"))
        .add_paragraph(word::p("二、主动公开政府信息情况").style("Heading2"))
        .add_table(word::table(t2))
        .add_paragraph(word::p("三、收到和处理政府信息公开申请情况").style("Heading2"))
        .add_table(word::table(t3))
        .add_paragraph(word::p("四、政府信息公开行政复议、行政诉讼情况").style("Heading2"))
        .add_table(word::table(t4))
        .add_paragraph(word::p("五、存在的主要问题及改进情况").style("Heading2"))
        .add_paragraph(word::p("测试问题：更新不够及时（虚构）。"))
        .add_paragraph(word::p("六、其他需要报告的事项").style("Heading2"))
        .add_paragraph(word::p("无。"))
        .add_paragraph(word::p("测试镇人民政府"))
        .add_paragraph(word::p("2025年1月20日"));
    let f = std::fs::File::create(path).unwrap();
    doc.pack(f).unwrap();
    rows
}

#[test]
fn handmade_word_report_with_merged_cells() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("测试镇2024年报.docx");
    handmade_docx(&file);
    let site = import_site();
    let run = import(&site, &file, "ceshizhen", 2024, &[]);
    run.expect_code(0);
    assert!(run.stdout.contains("统计表格式：2021"), "{}", run.stdout);
    let got = tables_of(site.root(), "ceshizhen", 2024);
    // the same figures, written as tables.toml, are what the Word tables say
    let want_site = Site::empty();
    want_site.site_toml(SITE_TOML);
    want_site.org("ceshizhen", "测试镇人民政府", None, "乡镇");
    want_site.report(
        "ceshizhen",
        2024,
        &report_md("archived = false\n", "正文\n"),
        &full_tables("2021"),
    );
    let want = tables_of(want_site.root(), "ceshizhen", 2024);
    let (total, equal, diffs) = compare(&want, &got);
    println!("hand-made docx 2021: {equal}/{total} cells recovered exactly");
    assert!(diffs.is_empty(), "{diffs:#?}\n{}", run.stdout);
    let md = site.read("content/ceshizhen/2024/report.md");
    assert!(
        md.contains("title = \"测试镇人民政府2024年政府信息公开工作年度报告\""),
        "{md}"
    );
    assert!(md.contains("published = 2025-01-20"), "{md}");
    assert!(md.contains("（一）主动公开方面"), "numbering kept: {md}");
    assert!(md.contains("（二）依申请公开方面"), "numbering kept: {md}");
    assert!(
        !md.contains("- 2 -") && !md.contains("\\- 2 \\-"),
        "page number dropped: {md}"
    );
    assert!(md.contains("## 一、总体情况") && md.contains("## 六、其他需要报告的事项"));
    assert!(md.find("<!-- 表三 -->") > md.find("## 三、"), "{md}");
    assert!(rule_findings(&site).is_empty());
    // org.toml was created; check runs clean
    assert!(site.path("content/ceshizhen/org.toml").is_file());
    site.run(&["check"]).expect_code(0);
}

// ---------------------------------------------------------------- CMS-style HTML

/// A page as TRS/Hanweb-style CMSs publish it: navigation, an information bar, the body in
/// nested containers, Word-pasted MsoNormal markup, numbers split across spans, full-width
/// digits, &nbsp;, header cells as <td>, a label split over two <p>s, furniture at the end,
/// and hostile markup that must not survive.
fn cms_page(charset: Option<&str>) -> String {
    let rows = application_rows("2021");
    let mut t3 = String::from(
        r#"<table class="MsoNormalTable" border="1" cellspacing="0" style="border-collapse:collapse"><tbody>
<tr><td colspan="3" rowspan="3"><p class="MsoNormal" align="center"><span>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</span></p></td><td colspan="7"><p class="MsoNormal"><b><span>申请人情况</span></b></p></td></tr>
<tr><td rowspan="2"><p>自然人</p></td><td colspan="5"><p>法人或其他组织</p></td><td rowspan="2"><p>总计</p></td></tr>
<tr><td><p>商业<br>企业</p></td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
"#,
    );
    let labels: Vec<(String, &str)> = vec![
        ("<td colspan=3><p>一、本年新收政府信息公开申请数量</p></td>".into(), "received"),
        ("<td colspan=3><p>二、上年结转政府信息公开申请数量</p></td>".into(), "carried_over"),
        (r#"<td rowspan="22"><p>三、本年度</p><p>办理结果</p></td><td colspan="2">（一）予以公开</td>"#.into(), "disclosed"),
        ("<td colspan=2>（二）部分公开（区分处理的，只计这一情形，不计其他情形）</td>".into(), "partially_disclosed"),
        (r#"<td rowspan="8">（三）不予公开</td><td>1.属于国家秘密</td>"#.into(), "withheld.state_secret"),
        ("<td>2.其他法律行政法规禁止公开</td>".into(), "withheld.prohibited_by_law"),
        ("<td>3.危及&ldquo;三安全一稳定&rdquo;</td>".into(), "withheld.security_stability"),
        ("<td>4.保护第三方合法权益</td>".into(), "withheld.third_party_rights"),
        ("<td>5.属于三类内部事务信息</td>".into(), "withheld.internal_affairs"),
        ("<td>6.属于四类过程性信息</td>".into(), "withheld.process_information"),
        ("<td>7.属于行政执法案卷</td>".into(), "withheld.enforcement_files"),
        ("<td>8.属于行政查询事项</td>".into(), "withheld.administrative_query"),
        (r#"<td rowspan="3">（四）无法提供</td><td>1.本机关不掌握相关政府信息</td>"#.into(), "unavailable.not_held"),
        ("<td>2.没有现成信息需要另行制作</td>".into(), "unavailable.needs_creation"),
        ("<td>3.补正后申请内容仍不明确</td>".into(), "unavailable.still_unclear"),
        (r#"<td rowspan="5">（五）不予处理</td><td>1.信访举报投诉类申请</td>"#.into(), "not_processed.complaint"),
        ("<td>2.重复申请</td>".into(), "not_processed.repeated"),
        ("<td>3.要求提供公开出版物</td>".into(), "not_processed.publication"),
        ("<td>4.无正当理由大量反复申请</td>".into(), "not_processed.excessive"),
        ("<td>5.要求行政机关确认或重新出具已获取信息</td>".into(), "not_processed.confirmation"),
        // 「（六）其他」 for 「（六）其他处理」, and a label split over two paragraphs
        (r#"<td rowspan="3">（六）其他</td><td><p>1.申请人无正当理由逾期不补正、</p><p>行政机关不再处理其政府信息公开申请</p></td>"#.into(), "other_handling.no_correction"),
        ("<td>2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请</td>".into(), "other_handling.fee_unpaid"),
        ("<td>3.其他</td>".into(), "other_handling.other"),
        ("<td colspan=2>（七）总计</td>".into(), "total"),
        ("<td colspan=3>四、结转下年度继续办理</td>".into(), "carried_forward"),
    ];
    for (n, (label, key)) in labels.iter().enumerate() {
        let vals = rows.iter().find(|(k, _)| k == key).unwrap().1;
        t3.push_str("<tr>");
        t3.push_str(label);
        for (j, v) in vals.iter().enumerate() {
            let s = v.to_string();
            let cell = match (n + j) % 4 {
                // a number split over spans, as Word pastes it
                0 if s.len() == 2 => format!(
                    "<span style=\"font-family:宋体\">{}</span><span lang=EN-US>{}</span>",
                    &s[..1],
                    &s[1..]
                ),
                // full-width digits
                1 => s
                    .chars()
                    .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
                    .collect(),
                2 => format!("&nbsp;{s}&nbsp;"),
                _ => format!("<p class=MsoNormal align=center><span lang=EN-US>{s}</span></p>"),
            };
            t3.push_str(&format!("<td>{cell}</td>"));
        }
        t3.push_str("</tr>\n");
    }
    t3.push_str("</tbody></table>");
    let meta = charset.map_or(String::new(), |c| {
        format!("<meta http-equiv=\"Content-Type\" content=\"text/html; charset={c}\">")
    });
    format!(
        r#"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"><html><head>{meta}
<title>测试镇2024年政府信息公开工作年度报告_政府信息公开年报_示例县人民政府</title>
<script src="http://evil.example/track.js"></script><style>.x{{color:red}}</style></head>
<body><div class="top"><ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="bt-box"><div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 年报</div>
<table class="xxgk_table"><tr><td>索&nbsp;引&nbsp;号：</td><td>TEST-0001-2025-0001</td><td>发布机构：</td><td>测试镇人民政府</td></tr>
<tr><td>发布日期：</td><td>2025-01-20</td><td>主题分类：</td><td>其他</td></tr></table>
<div class="article"><h1 class="title">测试镇2024年政府信息公开工作年度报告</h1>
<div class="info">发布时间：2025-01-20 来源：测试镇 浏览次数：<span id="count">12</span></div>
<div id="zoom"><div class="TRS_Editor"><div class="Custom_UnionStyle">
<p class="MsoNormal" style="text-indent:2em"><b><span style="font-family:黑体">一、总体情况</span></b></p>
<p class="MsoNormal" onclick="alert(1)"><span style="font-family:仿宋_GB2312">本年度测试镇依法推进政府信息公开（虚构文本），全年主动公开信息</span><span lang=EN-US>1</span><span lang=EN-US>23</span><span>条。</span><img src="http://evil.example/x.png" onerror="alert(2)"></p>
<p class="MsoNormal"><span>（一）主动公开方面。</span><a href="http://evil.example/">详见链接</a>全年更新栏目若干（虚构）。</p>
<script>document.write('<p>注入</p>')</script>
<p class="MsoNormal"><b>二、主动公开政府信息情况</b></p>
<table border="1" cellspacing="0"><tbody>
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td><span>1</span></td><td>２</td><td>3<span>0</span></td></tr>
<tr><td>行政规范性文件</td><td>4</td><td>5</td><td>60</td></tr>
<tr><td colspan="4">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政许可</td><td colspan="3">7<span>8</span>9</td></tr>
<tr><td colspan="4">第二十条第（六）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政处罚</td><td colspan="3">101</td></tr>
<tr><td>行政强制</td><td colspan="3">0</td></tr>
<tr><td colspan="4">第二十条第（八）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年收费金额（单位：万元）</td></tr>
<tr><td>行政事业性收费</td><td colspan="3">12.34</td></tr>
</tbody></table>
<p class="MsoNormal"><b>三、收到和处理政府信息公开申请情况</b></p>
{t3}
<p class="MsoNormal"><b>四、政府信息公开行政复议、行政诉讼情况</b></p>
<table border="1"><tr><td colspan="5" rowspan="2">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr><td>结果<br>维持</td><td>结果<br>纠正</td><td>其他<br>结果</td><td>尚未<br>审结</td><td>总计</td><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>
<tr><td>1</td><td>2</td><td>3</td><td>4</td><td>10</td><td>0</td><td>1</td><td>0</td><td>2</td><td>3</td><td>5</td><td>0</td><td>1</td><td>0</td><td>6</td></tr></table>
<p class="MsoNormal"><b>五、存在的主要问题及改进情况</b></p>
<p class="MsoNormal">测试问题：更新不够及时（虚构）。&lt;script&gt;alert(3)&lt;/script&gt;</p>
<p class="MsoNormal"><b>六、其他需要报告的事项</b></p>
<p class="MsoNormal">无。</p>
<p class="MsoNormal" align="right">测试镇人民政府</p><p class="MsoNormal" align="right">2025年1月20日</p>
<p align="center">- 3 -</p>
</div></div></div>
<div class="fx"><span>分享到：</span><a class="weixin" href="javascript:void(0)">微信</a></div>
<div class="print">【<a href="javascript:window.print()">打印</a>】【<a href="javascript:window.close()">关闭</a>】</div>
</div></div>
<div class="footer"><p>主办单位：示例县人民政府办公室（测试） 网站标识码：0000000000</p><p>测ICP备00000000号</p></div>
<script>var _hmt = _hmt || [];</script></body></html>"#
    )
}

fn check_cms_import(site: &Site, run: &Run, what: &str) {
    run.expect_code(0);
    assert!(run.stdout.contains("统计表格式：2021"), "{}", run.stdout);
    let got = tables_of(site.root(), "ceshizhen", 2024);
    let want_site = Site::empty();
    want_site.site_toml(SITE_TOML);
    want_site.org("ceshizhen", "测试镇人民政府", None, "乡镇");
    want_site.report(
        "ceshizhen",
        2024,
        &report_md("archived = false\n", "正文\n"),
        &full_tables("2021"),
    );
    let want = tables_of(want_site.root(), "ceshizhen", 2024);
    let (total, equal, diffs) = compare(&want, &got);
    println!("{what}: {equal}/{total} cells recovered exactly");
    assert!(diffs.is_empty(), "{what}: {diffs:#?}\n{}", run.stdout);
    let md = site.read("content/ceshizhen/2024/report.md");
    assert_clean_markdown(&md);
    assert!(
        md.contains("title = \"测试镇2024年政府信息公开工作年度报告\""),
        "{md}"
    );
    assert!(md.contains("published = 2025-01-20"), "{md}");
    assert!(
        md.contains("index_number = \"TEST-0001-2025-0001\""),
        "{md}"
    );
    assert!(md.contains("全年主动公开信息123条"), "{md}");
    assert!(md.contains("（一）主动公开方面。详见链接全年更新"), "{md}");
    for furniture in [
        "首页",
        "打印",
        "关闭",
        "分享",
        "主办单位",
        "ICP",
        "浏览次数",
        "注入",
        "- 3 -",
        "3 \\-",
    ] {
        assert!(!md.contains(furniture), "{furniture} in {md}");
    }
    // text that merely looks like markup stays text, escaped
    assert!(md.contains("\\<script\\>alert(3)\\</script\\>"), "{md}");
    let org = site.read("content/ceshizhen/org.toml");
    assert!(org.contains("name = \"测试镇人民政府\""), "{org}");
    assert!(rule_findings(site).is_empty());
    // the built page carries no script from the import
    site.run(&["build", "--no-downloads"]).expect_code(0);
    let page = site.out("2024/ceshizhen/index.html");
    let body = report_body(&page);
    assert!(!body.contains("<script>alert"), "a script reached the page");
    assert!(!body.contains("onclick") && !body.contains("onerror"));
    assert!(
        body.contains("&lt;script&gt;alert(3)"),
        "shown as text: {body}"
    );
    assert!(!page.contains("evil.example"));
}

#[test]
fn cms_page_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t20250120_1.html");
    std::fs::write(&file, cms_page(Some("utf-8"))).unwrap();
    let site = import_site();
    let run = import(&site, &file, "ceshizhen", 2024, &[]);
    check_cms_import(&site, &run, "CMS page (UTF-8)");
}

#[test]
fn cms_page_gbk_declared_and_undeclared() {
    for (charset, what) in [
        (Some("gb2312"), "CMS page (GB2312 declared)"),
        (None, "CMS page (GBK, undeclared)"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t20250120_1.htm");
        let page = cms_page(charset);
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(&page);
        assert!(!unmappable);
        std::fs::write(&file, &bytes).unwrap();
        let site = import_site();
        let run = import(&site, &file, "ceshizhen", 2024, &[]);
        check_cms_import(&site, &run, what);
        assert!(
            run.stdout.contains("gb18030") || run.stdout.contains("GBK"),
            "{}",
            run.stdout
        );
    }
}

// ---------------------------------------------------------------- a real page

#[test]
fn real_published_page_when_present() {
    let page = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/real-pages/pingtan/2024/page.html");
    if !page.is_file() {
        println!("skipped: {} not present", page.display());
        return;
    }
    for extra in [&["--archived"][..], &[][..]] {
        let site = import_site();
        let run = import(&site, &page, "pingtan", 2024, extra);
        run.expect_code(0);
        assert!(run.stdout.contains("统计表格式：2021"), "{}", run.stdout);
        for t in ["表二", "表三", "表四"] {
            assert!(
                run.stdout.contains(&format!("{t}：找到")),
                "{t}\n{}",
                run.stdout
            );
        }
        let found = run
            .stdout
            .lines()
            .find(|l| l.starts_with("国家格式统计表"))
            .unwrap_or("")
            .to_string();
        println!("real page pingtan/2024 {extra:?}: {found}");
        let tables = tables_of(site.root(), "pingtan", 2024);
        assert_eq!(tables.format_id(), "2021");
        assert!(
            rule_findings(&site).is_empty(),
            "R1–R4 hold for the imported tables"
        );
        let md = site.read("content/pingtan/2024/report.md");
        assert_clean_markdown(&md);
        for h in nianbao::tables::national::SECTIONS {
            assert!(md.contains(&format!("## {h}")), "{h}");
        }
    }
}

// ---------------------------------------------------------------- options

#[test]
fn dry_run_writes_nothing_and_existing_reports_need_force() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.html");
    std::fs::write(&file, cms_page(Some("utf-8"))).unwrap();
    let site = import_site();
    let before = snapshot(site.root());
    let run = import(&site, &file, "ceshizhen", 2024, &["--dry-run"]);
    run.expect_code(0);
    assert!(run.stdout.contains("--dry-run：未写入"), "{}", run.stdout);
    assert!(run.stderr.contains("0 个错误"), "{}", run.stderr);
    assert_eq!(snapshot(site.root()), before, "dry run wrote nothing");

    import(&site, &file, "ceshizhen", 2024, &[]).expect_code(0);
    site.write("content/ceshizhen/2024/report.md", "edited by hand");
    let after = snapshot(site.root());
    let again = import(&site, &file, "ceshizhen", 2024, &[]);
    again.expect_code(1);
    assert!(
        again.stderr.contains("已存在") && again.stderr.contains("--force"),
        "{}",
        again.stderr
    );
    assert_eq!(snapshot(site.root()), after, "nothing overwritten");
    import(&site, &file, "ceshizhen", 2024, &["--force", "--archived"]).expect_code(0);
    let md = site.read("content/ceshizhen/2024/report.md");
    assert!(md.contains("archived = true"), "{md}");
    assert!(
        !site
            .path("content/ceshizhen/2024")
            .read_dir()
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".tmp"))
    );
}

#[test]
fn unrecognised_tables_become_custom() {
    let page = "<html><body><div class=\"TRS_Editor\"><p>一、总体情况</p><p>本机关2015年度依法公开政府信息（虚构文本），情况如下。</p>\
<p>表1 政府信息公开情况统计表</p><table><tr><td>指标名称</td><td>计量单位</td><td>数量</td></tr>\
<tr><td rowspan=\"2\">主动公开</td><td>条</td><td>１２</td></tr><tr><td>件</td><td>&nbsp;</td></tr></table>\
<p>二、主动公开政府信息情况</p><p>详见上表。</p></div></body></html>";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2015.html");
    std::fs::write(&file, page).unwrap();
    let site = import_site();
    let run = import(&site, &file, "ceshizhen", 2015, &["--archived"]);
    run.expect_code(0);
    let t = site.read("content/ceshizhen/2015/tables.toml");
    assert!(t.contains("format = \"custom\""), "{t}");
    assert!(t.contains("title = \"表1 政府信息公开情况统计表\""), "{t}");
    assert!(t.contains("{ text = \"主动公开\", rowspan = 2 }"), "{t}");
    assert!(t.contains("12"), "{t}");
    match tables_of(site.root(), "ceshizhen", 2015) {
        ReportTables::Custom(list) => {
            assert_eq!(list.len(), 1);
            assert_eq!(
                list[0].rows[1][1].value,
                Value::Blank,
                "a blank cell stays blank"
            );
        }
        _ => panic!("custom expected"),
    }
    let md = site.read("content/ceshizhen/2015/report.md");
    assert!(md.contains("<!-- 表1 -->"), "{md}");
    site.run(&["check"]).expect_code(0);
}

// ---------------------------------------------------------------- bad input

#[track_caller]
fn refused(site: &Site, file: &Path, needle: &str) {
    let before = snapshot(site.root());
    let start = std::time::Instant::now();
    let run = import(site, file, "ceshizhen", 2024, &[]);
    run.expect_code(1);
    assert!(
        run.stderr.contains(needle),
        "expected 「{needle}」 in\n{}",
        run.stderr
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "bounded time"
    );
    assert_eq!(
        snapshot(site.root()),
        before,
        "nothing written for {}",
        file.display()
    );
}

#[test]
fn bad_input_is_refused_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let site = import_site();

    let not_docx = dir.path().join("报告.docx");
    std::fs::write(&not_docx, "这不是 Word 文档").unwrap();
    refused(&site, &not_docx, "不是有效的 Word (.docx) 文件");

    let corrupt = dir.path().join("corrupt.docx");
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend(std::iter::repeat_n(0x5Au8, 4096));
    std::fs::write(&corrupt, &bytes).unwrap();
    refused(&site, &corrupt, "不是有效的 Word (.docx) 文件");

    // a zip without word/document.xml
    let empty_zip = dir.path().join("empty.docx");
    {
        let f = std::fs::File::create(&empty_zip).unwrap();
        let mut z = zip::ZipWriter::new(f);
        z.start_file("hello.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut z, b"hi").unwrap();
        z.finish().unwrap();
    }
    refused(&site, &empty_zip, "缺少 word/document.xml");

    let no_report = dir.path().join("index.html");
    std::fs::write(
        &no_report,
        "<html><body><ul class=nav><li><a href=/>首页</a></li></ul><div class=list><a href=a.html>通知一</a><a href=b.html>通知二</a></div><div class=footer>版权所有</div></body></html>",
    )
    .unwrap();
    refused(&site, &no_report, "没有找到年度报告正文");

    // the list of reports, saved instead of one report
    let list = dir.path().join("list.html");
    let items: String = (2010..2025)
        .map(|y| format!("<li><a href=\"t{y}.html\">测试镇{y}年政府信息公开工作年度报告</a><span>{}-01-20</span></li>", y + 1))
        .collect();
    std::fs::write(
        &list,
        format!("<html><body><div class=nav><a href=/>首页</a></div><div class=list><ul>{items}</ul></div></body></html>"),
    )
    .unwrap();
    refused(&site, &list, "没有找到年度报告正文");

    let huge = dir.path().join("huge.html");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(200 * 1024 * 1024)
        .unwrap();
    refused(&site, &huge, "超过 50 MB");

    let old_word = dir.path().join("report.doc");
    std::fs::write(&old_word, b"\xD0\xCF\x11\xE0").unwrap();
    refused(&site, &old_word, "另存为");

    refused(&site, &dir.path().join("missing.docx"), "找不到文件");
}

#[test]
fn zip_bomb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.docx");
    {
        let f = std::fs::File::create(&bomb).unwrap();
        let mut z = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        z.start_file("word/document.xml", opts).unwrap();
        let chunk = vec![b' '; 1024 * 1024];
        for _ in 0..300 {
            std::io::Write::write_all(&mut z, &chunk).unwrap();
        }
        z.finish().unwrap();
    }
    let size = std::fs::metadata(&bomb).unwrap().len();
    assert!(size < 2 * 1024 * 1024, "the bomb is small on disk: {size}");
    let site = import_site();
    refused(&site, &bomb, "压缩炸弹");
}

#[test]
fn dry_run_checks_across_years_like_the_real_import() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.html");
    std::fs::write(&file, cms_page(Some("utf-8"))).unwrap();
    let site = standard_site();
    let dry = import(&site, &file, "ceshizhen", 2025, &["--dry-run"]);
    dry.expect_code(0);
    assert!(
        dry.stdout
            .contains("标题中的年份 2024 与 --year 2025 不一致"),
        "{}",
        dry.stdout
    );
    let real = import(&site, &file, "ceshizhen", 2025, &[]);
    real.expect_code(0);
    let headlines = |r: &Run| {
        r.headlines()
            .into_iter()
            .map(|h| format!("{h:?}"))
            .collect::<Vec<_>>()
    };
    assert!(
        !headlines(&real).is_empty(),
        "the 2024 figures do not carry over: {}",
        real.stderr
    );
    assert_eq!(headlines(&dry), headlines(&real));
}
