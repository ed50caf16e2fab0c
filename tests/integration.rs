//! End-to-end tests of the `nianbao` binary: fixture sites are written into temporary folders
//! (all names and figures are invented) and the real binary is run with `--root`.

mod common;
mod integration {
    pub mod county;
    pub mod import;
    pub mod incremental;
    pub mod realworld;
    pub mod reliability;
    pub mod serve_links;
    pub mod serve_soak;
    pub mod theme;
}

use common::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

const SIX_HEADINGS: [&str; 6] = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
];

fn report_page(org: &str, year: u16) -> String {
    format!("{year}/{org}/index.html")
}

/// Positions of `needles` in `hay`, asserting each is found and they come in order.
#[track_caller]
fn assert_in_order(hay: &str, needles: &[&str]) {
    let mut last = 0;
    let mut prev = "";
    for n in needles {
        let at = hay[last..]
            .find(n)
            .unwrap_or_else(|| panic!("{n:?} not found after {prev:?}"))
            + last;
        last = at + n.len();
        prev = n;
    }
}

// ---------------------------------------------------------------- 1. a complete site

#[test]
fn multi_year_multi_org_site_builds_every_contract_output() {
    let site = standard_site();
    let run = site.run(&["build"]);
    run.expect_code(0);
    // the only finding: the fixture site has no base_url (a site.toml warning)
    let hs = run.headlines();
    assert!(
        hs.iter()
            .all(|h| h.path == "site.toml" && h.severity == "warning"),
        "{}",
        run.stderr
    );
    let out = site.path("output");
    let files = snapshot(&out);
    let has = |p: &str| {
        assert!(
            files.contains_key(p),
            "missing output/{p}; have {:#?}",
            files.keys().collect::<Vec<_>>()
        )
    };
    for p in [
        "index.html",
        "404.html",
        "sitemap.xml",
        "feed.xml",
        "SHA256SUMS",
    ] {
        has(p);
    }
    for year in [2018, 2019, 2022, 2023, 2024] {
        has(&format!("{year}/index.html"));
    }
    for org in ORGS {
        has(&format!("org/{org}/index.html"));
    }
    for &(org, year, format) in STANDARD_REPORTS {
        has(&report_page(org, year));
        has(&format!("{year}/{org}/{org}-{year}.json"));
        let tables: &[&str] = if format == "custom" {
            &["tables"]
        } else {
            &["active", "applications", "appeals"]
        };
        for t in tables {
            has(&format!("{year}/{org}/{org}-{year}-{t}.csv"));
        }
    }
    assert!(
        !files.contains_key("2020/index.html"),
        "a year without reports"
    );

    // SHA256SUMS: every other file, each hash right
    let sums = String::from_utf8(files["SHA256SUMS"].clone()).unwrap();
    let mut listed = BTreeSet::new();
    for line in sums.lines() {
        let (hex, path) = line.split_once("  ").expect("`<hex>  <path>` lines");
        assert!(
            hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
            "{line}"
        );
        let bytes = files
            .get(path)
            .unwrap_or_else(|| panic!("SHA256SUMS lists missing {path}"));
        assert_eq!(
            format!("{:x}", Sha256::digest(bytes)),
            hex,
            "hash of {path}"
        );
        assert!(listed.insert(path.to_string()), "{path} listed twice");
    }
    let expected: BTreeSet<String> = files
        .keys()
        .filter(|p| *p != "SHA256SUMS")
        .cloned()
        .collect();
    assert_eq!(listed, expected);

    // a 2021-format report: official labels and the values in their cells
    let page = site.out(&report_page("ceshizhen", 2024));
    for label in [
        "一、本年新收政府信息公开申请数量",
        "第二十条第（一）项",
        "第二十条第（八）项",
        "未经复议直接起诉",
        "复议后起诉",
        "申请人情况",
        "法人或其他组织",
        "（七）总计",
        "本年制发件数",
    ] {
        assert!(page.contains(label), "{label} missing");
    }
    assert_eq!(
        row_cells(&page, "一、本年新收政府信息公开申请数量").unwrap(),
        ["3", "1", "0", "0", "0", "0", "4"]
    );
    assert_eq!(
        row_cells(&page, "四、结转下年度继续办理").unwrap(),
        ["1", "0", "0", "0", "0", "0", "1"]
    );
    assert_eq!(row_cells(&page, "规章").unwrap(), ["1", "1", "4"]);
    assert_eq!(row_cells(&page, "行政许可").unwrap(), ["25"]);
    assert_eq!(row_cells(&page, "行政事业性收费").unwrap(), ["1.5"]);
    let appeals = table_html(&page, "t-appeals");
    assert!(appeals.contains("未经复议直接起诉"));
    assert_eq!(
        td_texts(appeals),
        [
            "1", "0", "0", "0", "1", "0", "0", "0", "1", "1", "0", "0", "0", "0", "0"
        ]
    );
    let apps = table_html(&page, "t-applications");
    assert_eq!(apps.matches("scope=\"row\"").count(), 25, "2021: 25 rows");
    assert!(apps.contains("3.其他"));
    // the narrative with the tables where the markers are
    assert_in_order(
        report_body(&page),
        &[
            &marker("ceshizhen", 2024),
            "二、主动公开政府信息情况",
            "id=\"t-active\"",
            "三、收到和处理政府信息公开申请情况",
            "id=\"t-applications\"",
            "四、政府信息公开行政复议、行政诉讼情况",
            "id=\"t-appeals\"",
            "五、存在的主要问题及改进情况",
            "六、其他需要报告的事项",
        ],
    );
    assert!(page.contains("<h1>测试镇2024年政府信息公开工作年度报告</h1>"));
    assert!(page.contains("TEST-ceshizhen-2024"), "索引号");
    assert!(
        !page.contains("rel=\"canonical\""),
        "no base_url, no canonical"
    );

    // a body with only 一 and 五: headings 二–四 are added, tables under them, in order
    let partial = site.out(&report_page("shiliju", 2023));
    assert_in_order(
        report_body(&partial),
        &[
            "一、总体情况",
            &marker("shiliju", 2023),
            "二、主动公开政府信息情况",
            "id=\"t-active\"",
            "三、收到和处理政府信息公开申请情况",
            "id=\"t-applications\"",
            "四、政府信息公开行政复议、行政诉讼情况",
            "id=\"t-appeals\"",
            "五、存在的主要问题及改进情况",
        ],
    );

    // the 2019 format
    let p19 = site.out(&report_page("ceshizhen", 2019));
    for label in [
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "其他对外管理服务事项",
        "政府集中采购",
        "本年增/减",
    ] {
        assert!(p19.contains(label), "2019: {label} missing");
    }
    let apps19 = table_html(&p19, "t-applications");
    assert_eq!(apps19.matches("（六）其他处理").count(), 1);
    assert_eq!(apps19.matches("scope=\"row\"").count(), 23, "2019: 23 rows");
    assert_eq!(
        row_cells(apps19, "（六）其他处理").unwrap(),
        ["0", "0", "0", "0", "0", "0", "0"]
    );
    assert!(!apps19.contains("逾期不补正") && !apps19.contains("3.其他"));
    assert_eq!(row_cells(&p19, "行政许可").unwrap(), ["30", "-2", "120"]);
    assert_eq!(row_cells(&p19, "政府集中采购").unwrap(), ["4", "56.7"]);

    // the custom format keeps its spans
    let pc = site.out(&report_page("ceshizhen", 2018));
    let custom = table_html(&pc, "t-1");
    assert!(custom.contains("测试镇政府信息公开情况统计表（虚构）"));
    assert!(custom.contains("rowspan=\"2\">公开渠道</td>"), "{custom}");
    assert!(
        custom.contains("colspan=\"2\">依申请公开（件）</td>"),
        "{custom}"
    );
    assert!(!pc.contains("t-applications"));
    let csv = site.out("2018/ceshizhen/ceshizhen-2018-tables.csv");
    assert!(csv.contains("测试网站,15"), "{csv}");

    // CSV of a national table: official labels, values
    let csv = site.out("2024/ceshizhen/ceshizhen-2024-applications.csv");
    assert!(csv.starts_with('\u{feff}'), "BOM for Excel");
    let received = csv
        .lines()
        .find(|l| l.contains("一、本年新收政府信息公开申请数量"))
        .expect("received row in CSV");
    assert!(received.ends_with("3,1,0,0,0,0,4"), "{received}");

    // 上一篇 / 下一篇 between an organisation's consecutive years
    for (org, years) in [
        ("ceshizhen", &[2018u16, 2019, 2022, 2023, 2024][..]),
        ("shiliju", &[2022, 2023, 2024][..]),
    ] {
        for (i, &y) in years.iter().enumerate() {
            let path = report_page(org, y);
            let html = site.out(&path);
            let prev = href_in_class(&html, "prev");
            let next = href_in_class(&html, "next");
            match i.checked_sub(1).map(|j| years[j]) {
                Some(py) => {
                    assert!(html.contains("上一篇："), "{path}");
                    let target = resolve_relative(&path, &percent_decode(&prev.unwrap()).unwrap());
                    assert_eq!(target.as_deref(), Some(report_page(org, py).as_str()));
                }
                None => assert!(prev.is_none() && !html.contains("上一篇："), "{path}"),
            }
            match years.get(i + 1) {
                Some(&ny) => {
                    assert!(html.contains("下一篇："), "{path}");
                    let target = resolve_relative(&path, &percent_decode(&next.unwrap()).unwrap());
                    assert_eq!(target.as_deref(), Some(report_page(org, ny).as_str()));
                }
                None => assert!(next.is_none() && !html.contains("下一篇："), "{path}"),
            }
        }
    }

    // every link of every page is page-relative and resolves
    let (checked, problems) = check_links(&out);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(checked > 200, "only {checked} links checked");

    // the home page: every year (newest first) and every organisation
    let home = site.out("index.html");
    let year_links: Vec<String> = links(&home)
        .into_iter()
        .map(|l| l.value)
        .filter(|v| v.len() == "2024/index.html".len() && v.ends_with("/index.html"))
        .collect();
    assert_eq!(
        year_links,
        [
            "2024/index.html",
            "2023/index.html",
            "2022/index.html",
            "2019/index.html",
            "2018/index.html"
        ]
    );
    let targets = |page: &str| -> BTreeSet<String> {
        resolved_links(page, &site.out(page))
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    };
    let from_home = targets("index.html");
    for org in ORGS {
        assert!(
            from_home.contains(&format!("org/{org}/index.html")),
            "{org}"
        );
    }
    // the latest year's reports are on the home page
    for org in ORGS {
        assert!(from_home.contains(&report_page(org, 2024)), "{org}");
    }
    // the year page lists every report of the year; the org page every year
    let from_2022 = targets("2022/index.html");
    for org in ORGS {
        assert!(from_2022.contains(&report_page(org, 2022)), "{org}");
    }
    assert!(!from_2022.contains(&report_page("ceshizhen", 2023)));
    let from_org = targets("org/ceshizhen/index.html");
    for y in [2018, 2019, 2022, 2023, 2024] {
        assert!(from_org.contains(&report_page("ceshizhen", y)), "{y}");
    }
    assert!(!from_org.iter().any(|t| t.contains("shiliju")));

    // JSON: metadata, tables as in tables.toml, the omitted total computed
    let j: Value =
        serde_json::from_str(&site.out("2024/shiliju/shiliju-2024.json")).expect("valid JSON");
    for k in [
        "org",
        "org_name",
        "year",
        "title",
        "published",
        "format",
        "tables",
    ] {
        assert!(j.get(k).is_some(), "key {k} missing: {j}");
    }
    assert_eq!(j["org"], "shiliju");
    assert_eq!(j["org_name"], "示例县财政局");
    assert_eq!(j["year"], 2024);
    assert_eq!(j["title"], "示例县财政局2024年政府信息公开工作年度报告");
    assert_eq!(j["published"], "2025-01-24");
    assert_eq!(j["format"], "2021");
    let t = &j["tables"];
    assert_eq!(t["applications"]["total"], json!([3, 1, 0, 0, 0, 0, 4]));
    assert_eq!(t["applications"]["received"], json!([3, 1, 0, 0, 0, 0, 4]));
    assert_eq!(
        t["applications"]["withheld"]["state_secret"],
        json!([0, 0, 0, 0, 0, 0, 0])
    );
    assert_eq!(t["active"]["licensing"], 25);
    assert_eq!(t["appeals"]["litigation_direct"], json!([0, 0, 0, 1, 1]));
    let j19: Value = serde_json::from_str(&site.out("2019/ceshizhen/ceshizhen-2019.json")).unwrap();
    assert_eq!(j19["format"], "2019");
    assert_eq!(
        j19["tables"]["applications"]["other_handling"],
        json!([0, 0, 0, 0, 0, 0, 0])
    );
    assert_eq!(j19["tables"]["active"]["licensing"], json!([30, -2, 120]));
    let j18: Value = serde_json::from_str(&site.out("2018/ceshizhen/ceshizhen-2018.json")).unwrap();
    assert_eq!(j18["format"], "custom");
    assert!(j18["tables"].to_string().contains("公开渠道"), "{j18}");

    // sitemap and feed, relative without base_url
    let sitemap = site.out("sitemap.xml");
    assert_eq!(sitemap.matches("<loc>").count(), 1 + 5 + 2 + 8, "{sitemap}");
    assert!(
        sitemap.contains("<loc>2024/ceshizhen/index.html</loc>"),
        "{sitemap}"
    );
    let feed = site.out("feed.xml");
    assert_eq!(feed.matches("<entry>").count(), 8);
    assert!(feed.contains("测试镇2024年政府信息公开工作年度报告"));
}

/// The 404 page is served at any depth, so its links are rooted at the site's path (the server
/// root without base_url); each must still name a file of the site.
#[test]
fn not_found_page_links_resolve_from_the_site_root() {
    let site = small_site();
    for (args, prefix) in [
        (&["build"][..], "/"),
        (
            &["build", "--base-url", "https://example.gov.cn/nb"][..],
            "/nb/",
        ),
    ] {
        site.run(args).expect_code(0);
        let page = site.out("404.html");
        let links = links(&page);
        assert!(links.len() >= 3, "{page}");
        for l in links.iter().filter(|l| !l.value.starts_with('#')) {
            if EXTERNAL_OK.iter().any(|p| l.value.starts_with(p)) {
                continue;
            }
            let rest = l
                .value
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("{:?} should start with {prefix}", l.value));
            let target = percent_decode(rest).unwrap();
            assert!(site.path("output").join(&target).is_file(), "{}", l.value);
        }
    }
}

/// The link checker used above does catch bad links.
#[test]
fn link_checker_reports_bad_links() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    std::fs::create_dir_all(out.join("2024/a b")).unwrap();
    std::fs::write(out.join("2024/a b/x.json"), "{}").unwrap();
    std::fs::write(out.join("index.html"), "<p id=\"top\"></p>").unwrap();
    std::fs::write(
        out.join("2024/a b/index.html"),
        concat!(
            "<a href=\"x.json\">ok</a><a href=\"../../index.html#top\">ok</a>",
            "<a href=\"../../2024/a%20b/x.json\">ok</a>",
            "<a href=\"/index.html\">root</a><a href=\"missing.html\">gone</a>",
            "<a href=\"../../../etc/passwd\">out</a><a href=\"https://example.com/\">abs</a>",
            "<a href=\"../../2024/a b/x.json\">space</a><a href=\"#nowhere\">frag</a>",
            "<img src=\"../../index.html#gone\">",
        ),
    )
    .unwrap();
    let (checked, problems) = check_links(out);
    assert_eq!(checked, 10);
    let text = problems.join("\n");
    for bad in [
        "\"/index.html\"",
        "\"missing.html\"",
        "\"../../../etc/passwd\"",
        "\"https://example.com/\"",
        "\"../../2024/a b/x.json\"",
        "\"#nowhere\"",
        "\"../../index.html#gone\"",
    ] {
        assert!(text.contains(bad), "{bad} not reported:\n{text}");
    }
    assert_eq!(problems.len(), 7, "{text}");
}

/// The organisation page's trend table shows the figures as numbers, litigation summed.
#[test]
fn org_page_sums_litigation() {
    let site = small_site();
    site.run(&["build"]).expect_code(0);
    let page = site.out("org/ceshizhen/index.html");
    assert_eq!(row_cells(&page, "2024年").unwrap()[2..], ["4", "1", "1"]);
}

// ---------------------------------------------------------------- 2. non-ASCII names

#[test]
fn chinese_names_with_spaces_build_and_link() {
    let org = "示例 县局";
    let attachment = "说明 材料（虚构）.txt";
    let site = Site::empty();
    site.site_toml(SITE_TOML);
    site.org(org, "示例县测试局", None, "县级部门");
    for year in [2023, 2024] {
        site.report(
            org,
            year,
            &report_md(
                &format!("published = {}-01-15\n", year + 1),
                &six_section_body(org, year),
            ),
            &tables_2021(),
        );
    }
    site.write(
        &format!("content/{org}/2024/files/{attachment}"),
        "测试附件，内容虚构。\n",
    );
    site.run(&["build"]).expect_code(0);
    let out = site.path("output");
    let attachment_out = format!("2024/{org}/files/{attachment}");
    for p in [
        format!("2024/{org}/index.html"),
        format!("2024/{org}/{org}-2024.json"),
        format!("2024/{org}/{org}-2024-applications.csv"),
        format!("org/{org}/index.html"),
        attachment_out.clone(),
    ] {
        assert!(out.join(&p).is_file(), "missing output/{p}");
    }
    let enc = pct(org);
    assert_eq!(enc, "%E7%A4%BA%E4%BE%8B%20%E5%8E%BF%E5%B1%80");
    let home = site.out("index.html");
    assert!(
        home.contains(&format!("href=\"org/{enc}/index.html\"")),
        "{home}"
    );
    assert!(home.contains(&format!("href=\"2024/{enc}/index.html\"")));
    // from the report page: the attachment, the JSON, last year's report, the organisation
    let page_path = format!("2024/{org}/index.html");
    let page = site.out(&page_path);
    let targets = resolved_links(&page_path, &page);
    for (want, encoded) in [
        (attachment_out.clone(), pct(attachment)),
        (
            format!("2024/{org}/{org}-2024.json"),
            pct(&format!("{org}-2024.json")),
        ),
        (format!("2023/{org}/index.html"), enc.clone()),
        (format!("org/{org}/index.html"), enc.clone()),
    ] {
        let hit = targets
            .iter()
            .find(|(_, t)| *t == want)
            .unwrap_or_else(|| panic!("no link to {want}: {targets:#?}"));
        assert!(hit.0.contains(&encoded), "{} not percent-encoded", hit.0);
        assert!(!hit.0.contains(' ') && hit.0.is_ascii(), "{}", hit.0);
    }
    let sitemap = site.out("sitemap.xml");
    assert!(
        sitemap.contains(&format!("<loc>2024/{enc}/index.html</loc>")),
        "{sitemap}"
    );
    let (checked, problems) = check_links(&out);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(checked > 50);
    let sums = site.out("SHA256SUMS");
    assert!(sums.contains(&format!("  {attachment_out}\n")), "{sums}");
}

// ---------------------------------------------------------------- 3. archived reports

#[test]
fn archived_report_with_errors_builds_with_warnings() {
    let site = small_site();
    let tables = set_line(&tables_2021(), "received", "[2, 0, 0, 0, 0, 0, \"\"]");
    let tables = set_line(&tables, "carried_over", "[1, 0, 0, 0, 0, \"/\", 1]");
    let tables = set_line(&tables, "review", "[1, 0, 0, 0, 3]");
    site.report(
        "ceshizhen",
        2020,
        &report_md(
            "published = 2021-01-15\narchived = true\n",
            &six_section_body("ceshizhen", 2020),
        ),
        &tables,
    );
    let file = Site::tables_rel("ceshizhen", 2020);

    site.run(&["build"]).expect_code(0);
    let check = site.run(&["check"]);
    check.expect_code(0);
    let mut hs = check.headlines();
    hs.retain(|h| h.path != "site.toml");
    assert!(!hs.is_empty(), "warnings expected: {}", check.stderr);
    assert!(hs.iter().all(|h| h.severity == "warning"), "{hs:#?}");
    assert!(
        hs.iter().all(|h| h.path == file && h.pos.is_some()),
        "{hs:#?}"
    );
    let find = |rule: &str, key: &str, needle: &str| {
        let line = line_of(&tables, &format!("{key} = "));
        let pos = Some((line, col_of(&tables, line, needle)));
        hs.iter()
            .find(|h| h.rule == rule && h.pos == pos)
            .unwrap_or_else(|| panic!("no {rule} warning at {pos:?}: {hs:#?}"))
            .clone()
    };
    // the blank 总计 beside non-zero categories is an R2 finding
    let r2 = find("R2", "received", "\"\"");
    assert!(r2.message.contains("「总计」应为 2"), "{}", r2.message);
    // the "/" makes rules on its cell inapplicable, named in a warning
    let text = find("text-cell", "carried_over", "\"/\"");
    assert!(text.message.contains("「其他」"), "{}", text.message);
    let r4 = find("R4", "review", "3]");
    assert!(r4.message.contains("应为 1"), "{}", r4.message);

    let page = site.out(&report_page("ceshizhen", 2020));
    assert_eq!(
        row_cells(&page, "一、本年新收政府信息公开申请数量").unwrap(),
        ["2", "0", "0", "0", "0", "0", ""]
    );
    assert_eq!(
        row_cells(&page, "二、上年结转政府信息公开申请数量").unwrap(),
        ["1", "0", "0", "0", "0", "/", "1"]
    );
    assert!(page.contains("存档"));
    let j: Value = serde_json::from_str(&site.out("2020/ceshizhen/ceshizhen-2020.json")).unwrap();
    assert_eq!(j["archived"], true);
}

// ---------------------------------------------------------------- 4. bad inputs

/// `check` and `build` both fail with exit 1; stderr starts with a diagnostic headline; one
/// error has this file, position, rule and message; no output/ is written.
#[track_caller]
fn expect_error(
    site: &Site,
    path: &str,
    pos: Option<(usize, usize)>,
    rule: &str,
    message_has: &[&str],
) -> Headline {
    let mut found = None;
    for cmd in ["check", "build"] {
        let run = site.run(&[cmd]);
        run.expect_code(1);
        let first = run.stderr.lines().next().unwrap_or("");
        assert!(
            parse_headline(first).is_some(),
            "{cmd}: first stderr line is not `path[:line:col]: error[RULE]: message`: {first:?}"
        );
        let hs = run.headlines();
        let h = hs
            .iter()
            .find(|h| h.severity == "error" && h.path == path && h.rule == rule && h.pos == pos)
            .unwrap_or_else(|| {
                panic!(
                    "{cmd}: no error[{rule}] at {path} {pos:?}; stderr:\n{}",
                    run.stderr
                )
            });
        for m in message_has {
            assert!(h.message.contains(m), "{m:?} not in {:?}", h.message);
        }
        found = Some(h.clone());
    }
    assert!(
        !site.path("output").exists(),
        "a failed build wrote output/"
    );
    found.unwrap()
}

#[test]
fn bad_missing_site_toml() {
    let site = small_site();
    std::fs::remove_file(site.path("site.toml")).unwrap();
    expect_error(&site, "site.toml", None, "layout", &["site.toml"]);
}

#[test]
fn bad_report_folder_without_tables() {
    let site = small_site();
    std::fs::remove_file(site.path(&Site::tables_rel("ceshizhen", 2024))).unwrap();
    expect_error(
        &site,
        "content/ceshizhen/2024",
        None,
        "layout",
        &["tables.toml"],
    );
}

#[test]
fn bad_year_folder_name() {
    let site = small_site();
    site.report(
        "ceshizhen",
        2023,
        &report_md("", &six_section_body("ceshizhen", 2023)),
        &tables_2021(),
    );
    std::fs::rename(
        site.path("content/ceshizhen/2023"),
        site.path("content/ceshizhen/2023年"),
    )
    .unwrap();
    expect_error(
        &site,
        "content/ceshizhen/2023年",
        None,
        "layout",
        &["2023年"],
    );
}

#[test]
fn bad_gbk_report_md() {
    let site = small_site();
    let mut bytes = report_md("published = 2025-01-20\n", "## 一、总体情况\n\n文字ab").into_bytes();
    let line = String::from_utf8_lossy(&bytes).lines().count();
    bytes.extend_from_slice(&[0xB2, 0xE2, 0xCA, 0xD4]); // 测试 in GBK
    bytes.extend_from_slice("\n".as_bytes());
    site.write("content/ceshizhen/2024/report.md", bytes);
    expect_error(
        &site,
        "content/ceshizhen/2024/report.md",
        Some((line, 5)),
        "syntax",
        &["UTF-8"],
    );
}

#[test]
fn bad_duplicate_key() {
    let site = small_site();
    let tables = insert_after(&tables_2021(), "licensing", "licensing = 26");
    site.write(&Site::tables_rel("ceshizhen", 2024), &tables);
    let line = line_of(&tables, "licensing = ") + 1;
    expect_error(
        &site,
        "content/ceshizhen/2024/tables.toml",
        Some((line, 1)),
        "syntax",
        &["重复"],
    );
}

#[test]
fn bad_row_with_eight_cells() {
    let site = small_site();
    let tables = set_line(&tables_2021(), "received", "[3, 1, 0, 0, 0, 0, 4, 0]");
    site.write(&Site::tables_rel("ceshizhen", 2024), &tables);
    let line = line_of(&tables, "received = ");
    expect_error(
        &site,
        "content/ceshizhen/2024/tables.toml",
        Some((line, 12)),
        "schema",
        &[
            "一、本年新收政府信息公开申请数量",
            "应有 7 个数",
            "实有 8 个",
        ],
    );
}

#[test]
fn bad_negative_count() {
    let site = small_site();
    let tables = set_line(&tables_2021(), "punishment", "-1");
    site.write(&Site::tables_rel("ceshizhen", 2024), &tables);
    let line = line_of(&tables, "punishment = ");
    expect_error(
        &site,
        "content/ceshizhen/2024/tables.toml",
        Some((line, 14)),
        "schema",
        &["行政处罚", "不能为负数", "-1"],
    );
}

#[test]
fn bad_string_for_a_number_in_a_new_report() {
    let site = small_site();
    let tables = set_line(&tables_2021(), "coercion", "\"2\"");
    site.write(&Site::tables_rel("ceshizhen", 2024), &tables);
    let line = line_of(&tables, "coercion = ");
    expect_error(
        &site,
        "content/ceshizhen/2024/tables.toml",
        Some((line, 12)),
        "schema",
        &["行政强制", "\"2\"", "应写成数字 2"],
    );
}

#[test]
fn bad_unknown_key_suggests_the_nearest() {
    let site = small_site();
    let tables = insert_after(&tables_2021(), "licensing", "licencing = 3");
    site.write(&Site::tables_rel("ceshizhen", 2024), &tables);
    let line = line_of(&tables, "licencing = ");
    expect_error(
        &site,
        "content/ceshizhen/2024/tables.toml",
        Some((line, 1)),
        "schema",
        &["`active.licencing`", "`licensing`"],
    );
}

#[test]
fn bad_r2_example_exact_message() {
    let site = small_site();
    let tables = set_line(&tables_2021(), "received", "[1, 0, 0, 0, 0, 0, 2]");
    site.write(&Site::tables_rel("ceshizhen", 2024), &tables);
    let line = line_of(&tables, "received = ");
    let h = expect_error(
        &site,
        "content/ceshizhen/2024/tables.toml",
        Some((line, 31)),
        "R2",
        &[],
    );
    assert_eq!(
        h.message,
        "表三「一、本年新收政府信息公开申请数量」「总计」应为 1（六类申请人之和），实为 2"
    );
}

// ---------------------------------------------------------------- 5. atomic output

#[test]
fn output_is_replaced_atomically_and_only_when_everything_succeeds() {
    let site = standard_site();
    site.run(&["build"]).expect_code(0);
    let out = site.path("output");
    let before = snapshot(&out);
    assert!(before.contains_key(".nianbao-output"), "marker file");

    // a failed build leaves output/ byte for byte as it was
    let rel = Site::tables_rel("ceshizhen", 2024);
    let good = site.read(&rel);
    site.write(&rel, set_line(&good, "received", "[1, 0, 0, 0, 0, 0, 2]"));
    site.run(&["build"]).expect_code(1);
    assert!(
        snapshot(&out) == before,
        "output/ changed by a failed build"
    );
    // beside output/, only the cache nianbao keeps between builds (docs/incremental.md)
    assert_eq!(
        entries(site.root()),
        [".nianbao-cache", "content", "output", "site.toml"]
    );
    site.write("site.toml", "title = \n");
    site.run(&["build"]).expect_code(1);
    assert!(
        snapshot(&out) == before,
        "output/ changed by a failed build"
    );
    site.site_toml(SITE_TOML);

    // fixed, changed, one report folder deleted: no stale files remain
    site.write(&rel, &good);
    site.write(
        "content/ceshizhen/2024/report.md",
        report_md(
            "published = 2025-01-24\n",
            "## 一、总体情况\n\n【修改后的叙述】测试文本。\n",
        ),
    );
    std::fs::remove_dir_all(site.path("content/shiliju/2022")).unwrap();
    site.run(&["build"]).expect_code(0);
    let after = snapshot(&out);
    assert!(
        !after.keys().any(|k| k.starts_with("2022/shiliju/")),
        "stale pages of a deleted report"
    );
    assert!(
        site.out(&report_page("ceshizhen", 2024))
            .contains("【修改后的叙述】")
    );
    assert!(!site.out("2022/index.html").contains("shiliju"));
    assert!(!site.out("org/shiliju/index.html").contains("2022/shiliju"));
    let sums = site.out("SHA256SUMS");
    let listed: BTreeSet<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").unwrap().1)
        .collect();
    let present: BTreeSet<&str> = after
        .keys()
        .map(String::as_str)
        .filter(|p| *p != "SHA256SUMS")
        .collect();
    assert_eq!(listed, present);
    // beside output/, only the cache nianbao keeps between builds and (where folders are
    // swapped in one step) the previous output as the next build's spare (docs/incremental.md)
    let mut expected = vec![".nianbao-cache", "content", "output", "site.toml"];
    if cfg!(target_os = "linux") {
        expected.insert(1, ".output.nianbao-spare");
    }
    assert_eq!(entries(site.root()), expected);

    // a folder nianbao did not make is never replaced
    let foreign = site.path("public");
    std::fs::create_dir_all(foreign.join("sub")).unwrap();
    std::fs::write(foreign.join("keep.txt"), "用户自己的文件").unwrap();
    std::fs::write(foreign.join("sub/a.html"), "<p>x</p>").unwrap();
    let foreign_before = snapshot(&foreign);
    let run = site.run(&["build", "--output", foreign.to_str().unwrap()]);
    run.expect_code(1);
    assert!(run.stderr.contains(".nianbao-output"), "{}", run.stderr);
    assert!(
        snapshot(&foreign) == foreign_before,
        "foreign folder touched"
    );
    expected.insert(expected.len() - 1, "public");
    assert_eq!(entries(site.root()), expected, "staging leftovers");

    // a new --output folder is fine, and replaced on the next build
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("site-out");
    let target_s = target.to_str().unwrap();
    site.run(&["build", "--output", target_s]).expect_code(0);
    std::fs::write(target.join("stale.html"), "x").unwrap();
    site.run(&["build", "--output", target_s]).expect_code(0);
    assert!(!target.join("stale.html").exists());
    assert!(
        snapshot(&target) == snapshot(&out),
        "same site wherever it goes"
    );
    let beside: &[&str] = if cfg!(target_os = "linux") {
        &[".site-out.nianbao-spare", "site-out"]
    } else {
        &["site-out"]
    };
    assert_eq!(entries(elsewhere.path()), beside);
}

// ---------------------------------------------------------------- 6. check --format json

#[test]
fn check_json_lists_every_diagnostic() {
    let site = small_site();
    let clean = site.run(&["check", "--format", "json"]);
    clean.expect_code(0);
    let v: Value = serde_json::from_str(&clean.stdout).expect("JSON on stdout");
    // the fixture site has no base_url: one site.toml warning, nothing else
    assert_eq!(v.as_array().map(|a| a.len()), Some(1), "{v}");
    assert_eq!(v[0]["file"], "site.toml");
    assert_eq!(v[0]["severity"], "warning");

    let rel = Site::tables_rel("ceshizhen", 2024);
    let tables = set_line(&tables_2021(), "received", "[1, 0, 0, 0, 0, 0, 2]");
    site.write(&rel, &tables);
    let archived = set_line(&tables_2021(), "carried_over", "[1, 0, 0, 0, 0, \"/\", 1]");
    site.report(
        "ceshizhen",
        2020,
        &report_md("archived = true\n", &six_section_body("ceshizhen", 2020)),
        &archived,
    );
    let run = site.run(&["check", "--format", "json"]);
    run.expect_code(1);
    let v: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let items = v.as_array().expect("an array");
    assert!(items.len() >= 2);
    for d in items {
        let o = d.as_object().expect("objects");
        assert!(o["file"].is_string() && o["rule"].is_string() && o["message"].is_string());
        assert!(o["line"].is_u64() && o["column"].is_u64(), "{d}");
        assert!(
            matches!(o["severity"].as_str(), Some("error" | "warning")),
            "{d}"
        );
    }
    let line = line_of(&tables, "received = ");
    assert!(
        items.contains(&json!({
            "file": rel,
            "line": line,
            "column": 31,
            "severity": "error",
            "rule": "R2",
            "message": "表三「一、本年新收政府信息公开申请数量」「总计」应为 1（六类申请人之和），实为 2",
        })),
        "{v:#}"
    );
    let aline = line_of(&archived, "carried_over = ");
    assert!(
        items.iter().any(|d| d["severity"] == "warning"
            && d["rule"] == "text-cell"
            && d["file"] == "content/ceshizhen/2020/tables.toml"
            && d["line"] == aline
            && d["column"] == col_of(&archived, aline, "\"/\"")),
        "{v:#}"
    );
}

// ---------------------------------------------------------------- 7. nianbao new

#[test]
fn new_scaffolds_a_report_that_builds_and_never_overwrites() {
    // last year (2024) has nothing carried forward and 4 regulations in force
    let site = small_site();
    let zeros = "[0, 0, 0, 0, 0, 0, 0]";
    let t2024 = set_line(&tables_2021(), "carried_over", zeros);
    site.write(
        &Site::tables_rel("ceshizhen", 2024),
        set_line(&t2024, "carried_forward", zeros),
    );
    let run = site.run(&["new", "ceshizhen", "2025"]);
    run.expect_code(0);
    let md_rel = "content/ceshizhen/2025/report.md";
    let tables_rel = Site::tables_rel("ceshizhen", 2025);
    let md = site.read(md_rel);
    for h in SIX_HEADINGS {
        assert!(md.contains(h), "{h} missing from\n{md}");
    }
    assert_in_order(&md, &SIX_HEADINGS);
    // started from last year's: 现行有效件数 carried over
    let tables = site.read(&tables_rel);
    assert!(tables.contains("regulations = [0, 0, 4]"), "{tables}");
    let build = site.run(&["build"]);
    build.expect_code(0);
    assert!(
        build.headlines().iter().all(|h| h.severity == "warning"),
        "{}",
        build.stderr
    );
    let page = site.out(&report_page("ceshizhen", 2025));
    assert!(page.contains("测试镇2025年政府信息公开工作年度报告"));
    for t in ["t-active", "t-applications", "t-appeals"] {
        assert!(page.contains(&format!("id=\"{t}\"")), "{t}");
    }
    assert_eq!(
        href_in_class(&page, "prev").as_deref(),
        Some("../../2024/ceshizhen/index.html")
    );

    // again: exit 1, nothing modified (even after the author edited the files)
    site.write(
        md_rel,
        md.replace("一、总体情况\n", "一、总体情况\n\n作者已填写（测试）。\n"),
    );
    let snap_md = std::fs::read(site.path(md_rel)).unwrap();
    let snap_tables = std::fs::read(site.path(&tables_rel)).unwrap();
    let mtime = |p: &str| std::fs::metadata(site.path(p)).unwrap().modified().unwrap();
    let (m1, m2) = (mtime(md_rel), mtime(&tables_rel));
    let again = site.run(&["new", "ceshizhen", "2025"]);
    again.expect_code(1);
    assert_eq!(std::fs::read(site.path(md_rel)).unwrap(), snap_md);
    assert_eq!(std::fs::read(site.path(&tables_rel)).unwrap(), snap_tables);
    assert_eq!((mtime(md_rel), mtime(&tables_rel)), (m1, m2));

    // a new organisation gets an org.toml too, and builds
    site.run(&["new", "xinjiguan", "2025"]).expect_code(0);
    assert!(site.path("content/xinjiguan/org.toml").is_file());
    site.run(&["build"]).expect_code(0);
    assert!(site.path("output/org/xinjiguan/index.html").is_file());
    assert!(site.path("output/2025/xinjiguan/index.html").is_file());
}

/// `new` after a year with applications carried forward: 上年结转 is filled in from last
/// year (R5) but nothing balances it, so R1 fails and the scaffold does not build.
#[test]
fn new_after_a_year_with_carry_forward_builds() {
    let site = small_site(); // 2024 carries 1 application forward
    site.run(&["new", "ceshizhen", "2025"]).expect_code(0);
    let tables = site.read(&Site::tables_rel("ceshizhen", 2025));
    assert!(
        tables.contains("carried_over = [1, 0, 0, 0, 0, 0, 1]"),
        "{tables}"
    );
    let build = site.run(&["build"]);
    build.expect_code(0);
}

// ---------------------------------------------------------------- 8. --base-url

#[test]
fn base_url_only_in_sitemap_feed_and_canonical() {
    let base = "https://example.gov.cn/nb/";
    let site = standard_site();
    site.run(&["build", "--base-url", base]).expect_code(0);
    let sitemap = site.out("sitemap.xml");
    let locs: Vec<&str> = sitemap
        .split("<loc>")
        .skip(1)
        .map(|s| s.split("</loc>").next().unwrap())
        .collect();
    assert_eq!(locs.len(), 16);
    assert!(locs.iter().all(|l| l.starts_with(base)), "{locs:#?}");
    assert!(locs.contains(&"https://example.gov.cn/nb/2024/ceshizhen/"));
    assert!(locs.contains(&"https://example.gov.cn/nb/"));
    let feed = site.out("feed.xml");
    let feed_links = links(&feed);
    assert!(feed_links.len() >= 9);
    assert!(
        feed_links.iter().all(|l| l.value.starts_with(base)),
        "{feed}"
    );
    assert!(feed.contains("href=\"https://example.gov.cn/nb/2024/shiliju/\""));

    for &(org, year, _) in STANDARD_REPORTS {
        let page = site.out(&report_page(org, year));
        assert!(
            page.contains(&format!(
                "<link rel=\"canonical\" href=\"{base}{year}/{org}/\">"
            )),
            "{org} {year}"
        );
        let absolute: Vec<Link> = links(&page)
            .into_iter()
            .filter(|l| l.value.starts_with(base))
            .collect();
        assert_eq!(absolute.len(), 1, "{absolute:#?}");
        assert!(absolute[0].tag.contains("rel=\"canonical\""));
    }
    assert!(
        site.out("index.html")
            .contains(&format!("<link rel=\"canonical\" href=\"{base}\">"))
    );
    let (checked, problems) = check_links(&site.path("output"));
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(checked > 200);
}

/// A `--base-url` that is not an absolute http(s) URL must not produce relative "canonical"
/// URLs: site.toml's `base_url` is refused in that case, the command-line override is not.
#[test]
fn base_url_override_is_validated() {
    let site = small_site();
    let run = site.run(&["build", "--base-url", "example.gov.cn/nb"]);
    if run.code == 0 {
        let page = site.out(&report_page("ceshizhen", 2024));
        let canonical: Vec<Link> = links(&page)
            .into_iter()
            .filter(|l| l.tag.contains("rel=\"canonical\""))
            .collect();
        assert!(
            canonical.iter().all(|l| l.value.starts_with("http")),
            "{canonical:#?}"
        );
    } else {
        run.expect_code(1);
        assert!(run.stderr.contains("base"), "{}", run.stderr);
    }
}

// ---------------------------------------------------------------- 9. determinism

#[test]
fn builds_are_deterministic() {
    let site = standard_site();
    site.run(&["build"]).expect_code(0);
    let first = snapshot(&site.path("output"));
    site.run(&["build"]).expect_code(0);
    let second = snapshot(&site.path("output"));
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (k, v) in &first {
        assert!(second[k] == *v, "{k} differs between builds");
    }
    // the same sources in another folder give the same bytes
    let other = standard_site();
    other.run(&["build"]).expect_code(0);
    let third = snapshot(&other.path("output"));
    for (k, v) in &first {
        assert!(third.get(k) == Some(v), "{k} differs in another folder");
    }
    assert_eq!(first.len(), third.len());
}

// ---------------------------------------------------------------- 10. serve

#[test]
fn serve_previews_rebuilds_and_refuses_bad_requests() {
    let site = small_site();
    let server = Server::start(site.root());
    let page = "/2024/ceshizhen/";

    let r = server.get(page);
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("text/html")
    );
    let body = r.text();
    assert!(body.contains(&marker("ceshizhen", 2024)), "{body}");
    assert!(body.contains("一、本年新收政府信息公开申请数量"));
    assert!(!body.contains("nianbao-overlay"));

    let g = server.get("/__nianbao/generation");
    assert_eq!(g.status, 200);
    let gen1: u64 = g.text().trim().parse().expect("a generation number");

    // the narrative changes: the page follows
    let md_rel = "content/ceshizhen/2024/report.md";
    let edited = site
        .read(md_rel)
        .replace(&marker("ceshizhen", 2024), "【预览修改乙】测试文本。");
    site.write_atomic(md_rel, &edited);
    server.poll(page, 10, |r| {
        r.status == 200 && r.text().contains("【预览修改乙】")
    });
    let gen2: u64 = server
        .get("/__nianbao/generation")
        .text()
        .trim()
        .parse()
        .unwrap();
    assert!(gen2 > gen1, "{gen2} > {gen1}");

    // and the tables
    let rel = Site::tables_rel("ceshizhen", 2024);
    site.write_atomic(&rel, set_line(&tables_2021(), "licensing", "26"));
    server.poll(page, 10, |r| {
        row_cells(&r.text(), "行政许可").is_some_and(|c| c == ["26"])
    });

    // an error: the overlay, over the last good content
    site.write_atomic(
        &rel,
        set_line(&tables_2021(), "received", "[1, 0, 0, 0, 0, 0, 2]"),
    );
    let r = server.poll(page, 10, |r| r.text().contains("nianbao-overlay"));
    assert_eq!(r.status, 200);
    let body = r.text();
    assert!(
        body.contains("【预览修改乙】"),
        "last good content still served"
    );
    assert_eq!(row_cells(&body, "行政许可").unwrap(), ["26"]);
    assert!(body.contains("R2"), "the overlay names the rule");
    // fixed again: the overlay goes
    site.write_atomic(&rel, tables_2021());
    server.poll(page, 10, |r| !r.text().contains("nianbao-overlay"));

    // requests that must not succeed
    for bad in [
        "/../site.toml",
        "/%2e%2e/site.toml",
        "/%2E%2E/content/ceshizhen/org.toml",
    ] {
        let r = server.get(bad);
        assert_ne!(r.status, 200, "{bad}");
        assert!(!r.text().contains("title = "), "{bad} leaked site.toml");
        assert!(!r.text().contains("name = "), "{bad} leaked org.toml");
    }
    let post = http(server.port, "POST", page).expect("POST");
    assert_eq!(post.status, 405);
    let redirect = server.get("/2024");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("location"), Some("/2024/"));
    let missing = server.get("/2031/");
    assert_eq!(missing.status, 404);
    drop(server);
}

/// The current generation number of a preview server.
fn generation_of(server: &Server) -> u64 {
    server
        .get("/__nianbao/generation")
        .text()
        .trim()
        .parse()
        .expect("a generation number")
}

#[test]
fn serve_sees_editor_saves_and_new_and_deleted_report_folders() {
    let site = small_site();
    let server = Server::start(site.root());
    let page = "/2024/ceshizhen/";
    let md_rel = "content/ceshizhen/2024/report.md";
    let original = site.read(md_rel);
    let old = marker("ceshizhen", 2024);
    assert!(server.get(page).text().contains(&old));

    // an atomic save with a visible temp name (write temp, rename over report.md)
    let tmp = site.path("content/ceshizhen/2024/report.md.nianbao-save");
    std::fs::write(&tmp, original.replace(&old, "【原子保存甲】")).unwrap();
    std::fs::rename(&tmp, site.path(md_rel)).unwrap();
    server.poll(page, 15, |r| r.text().contains("【原子保存甲】"));

    // vim's way: the old file moved to a backup, a new file written, the backup deleted
    let backup = site.path("content/ceshizhen/2024/report.md~");
    std::fs::rename(site.path(md_rel), &backup).unwrap();
    std::fs::write(site.path(md_rel), original.replace(&old, "【备份保存乙】")).unwrap();
    std::fs::remove_file(&backup).unwrap();
    server.poll(page, 15, |r| r.text().contains("【备份保存乙】"));

    // delete, then create
    std::fs::remove_file(site.path(md_rel)).unwrap();
    std::fs::write(site.path(md_rel), original.replace(&old, "【删除重建丙】")).unwrap();
    server.poll(page, 15, |r| {
        r.text().contains("【删除重建丙】") && !r.text().contains("nianbao-overlay")
    });

    // a new organisation folder with a report appears
    let new_page = "/2024/xinzhen/";
    assert_eq!(server.get(new_page).status, 404);
    site.org("xinzhen", "新建镇人民政府", Some("新建镇"), "乡镇");
    site.report(
        "xinzhen",
        2024,
        &report_md(
            "published = 2025-01-21\narchived = false\n",
            &six_section_body("xinzhen", 2024),
        ),
        &tables_2021(),
    );
    let r = server.poll(new_page, 15, |r| {
        r.status == 200 && !r.text().contains("nianbao-overlay")
    });
    assert!(r.text().contains(&marker("xinzhen", 2024)));
    server.poll("/2024/", 15, |r| r.text().contains("新建镇人民政府"));

    // and goes again when its folder is deleted
    std::fs::remove_dir_all(site.path("content/xinzhen")).unwrap();
    server.poll(new_page, 15, |r| r.status == 404);
    let year = server.poll("/2024/", 15, |r| !r.text().contains("新建镇人民政府"));
    assert!(!year.text().contains("nianbao-overlay"), "{}", year.text());
    // the report that stayed is still served
    assert!(server.get(page).text().contains("【删除重建丙】"));
}

#[test]
fn serve_after_a_thousand_saves_equals_a_clean_build() {
    let site = small_site();
    let server = Server::start(site.root());
    let page = "/2024/ceshizhen/";
    let md_rel = "content/ceshizhen/2024/report.md";
    let original = site.read(md_rel);
    let marker = marker("ceshizhen", 2024);
    let gen1 = generation_of(&server);
    for i in 0..1000 {
        site.write_atomic(
            md_rel,
            original.replace(&marker, &format!("【连续保存第{i}次】测试文本。")),
        );
    }
    server.poll(page, 15, |r| {
        r.text().contains("【连续保存第999次】") && !r.text().contains("nianbao-overlay")
    });
    let gen2 = generation_of(&server);
    assert!(gen2 > gen1);
    // coalesced: far fewer rebuilds than saves
    assert!(
        gen2 - gen1 < 100,
        "{gen1} → {gen2} generations for 1,000 saves"
    );

    // every file of a clean build of the same sources is served with the same bytes (pages
    // without the injected script). The preview renders the pages as `--no-downloads` does;
    // the documents and zips are compared below.
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("site");
    let out_arg = out_dir.to_str().unwrap();
    site.run(&["build", "--no-downloads", "--output", out_arg])
        .expect_code(0);
    let built = snapshot(&out_dir);
    assert!(built.len() > 10);
    for (path, bytes) in &built {
        let r = server.get(&target_of(path));
        assert_eq!(r.status, 200, "{path}");
        if path.ends_with(".html") {
            let served = strip_preview(&r.text());
            assert_eq!(served, String::from_utf8_lossy(bytes), "{path} differs");
        } else {
            assert!(same_as_built(path, &r, bytes), "{path} differs");
        }
    }

    // the documents and the year zip, produced on request, equal a full build's bytes
    site.run(&["build", "--output", out_arg]).expect_code(0);
    let full = snapshot(&out_dir);
    for path in [
        "2024/ceshizhen/ceshizhen-2024.pdf",
        "2024/ceshizhen/ceshizhen-2024.docx",
        "2024/ceshizhen/ceshizhen-2024.xlsx",
        "downloads/2024.zip",
    ] {
        let r = server.get(&target_of(path));
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert!(
            Some(&r.body) == full.get(path),
            "{path} differs from the build ({} bytes served)",
            r.body.len()
        );
    }
}

#[test]
fn serve_content_types_head_and_downloads_of_the_current_generation() {
    let site = small_site();
    let server = Server::start(site.root());
    let cases = [
        ("/2024/ceshizhen/", "text/html; charset=utf-8"),
        ("/assets/nianbao.css", "text/css; charset=utf-8"),
        ("/2024/ceshizhen/ceshizhen-2024.json", "application/json"),
        (
            "/2024/ceshizhen/ceshizhen-2024-applications.csv",
            "text/csv; charset=utf-8",
        ),
        ("/2024/ceshizhen/ceshizhen-2024.pdf", "application/pdf"),
        (
            "/2024/ceshizhen/ceshizhen-2024.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "/2024/ceshizhen/ceshizhen-2024.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("/downloads/2024.zip", "application/zip"),
    ];
    for (target, ctype) in cases {
        let get = server.get(target);
        assert_eq!(get.status, 200, "{target}: {}", get.text());
        assert_eq!(get.header("content-type"), Some(ctype), "{target}");
        assert!(!get.body.is_empty(), "{target}");
        let head = http(server.port, "HEAD", target).expect("HEAD");
        assert_eq!(head.status, 200, "{target}");
        assert_eq!(head.header("content-type"), Some(ctype), "{target}");
        assert!(head.body.is_empty(), "HEAD {target} sent a body");
        assert_eq!(
            head.header("content-length"),
            Some(get.body.len().to_string().as_str()),
            "{target}"
        );
    }
    assert!(
        server
            .get("/2024/ceshizhen/ceshizhen-2024.pdf")
            .body
            .starts_with(b"%PDF-")
    );
    assert!(server.get("/downloads/2024.zip").body.starts_with(b"PK"));
    // a download that does not exist is the 404 page
    assert_eq!(server.get("/2024/ceshizhen/ceshizhen-2023.pdf").status, 404);
    assert_eq!(server.get("/downloads/2023.zip").status, 404);

    // after an edit, the documents are those of the new generation
    let xlsx_before = server.get("/2024/ceshizhen/ceshizhen-2024.xlsx").body;
    let rel = Site::tables_rel("ceshizhen", 2024);
    site.write_atomic(&rel, set_line(&tables_2021(), "licensing", "26"));
    server.poll("/2024/ceshizhen/", 15, |r| {
        row_cells(&r.text(), "行政许可").is_some_and(|c| c == ["26"])
    });
    let xlsx_after = server.get("/2024/ceshizhen/ceshizhen-2024.xlsx").body;
    assert!(xlsx_after != xlsx_before, "the Excel file follows the edit");
    let json = server.get("/2024/ceshizhen/ceshizhen-2024.json").text();
    assert!(json.contains("26"), "{json}");
}

#[test]
fn serve_on_a_taken_port_says_so_and_suggests_another() {
    let site = small_site();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().unwrap().port().to_string();
    let run = site.run(&["serve", "--port", &port]);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(&format!("127.0.0.1:{port}")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("端口可能已被占用"), "{}", run.stderr);
    assert!(run.stderr.contains("--port 0"), "{}", run.stderr);
    drop(taken);
}

#[test]
fn serve_poll_watches_without_system_notifications() {
    let site = small_site();
    let server = Server::start_with(site.root(), &["--poll", "--debounce", "100"]);
    let page = "/2024/ceshizhen/";
    assert!(server.get(page).text().contains(&marker("ceshizhen", 2024)));
    let gen1 = generation_of(&server);
    let md_rel = "content/ceshizhen/2024/report.md";
    let edited = site
        .read(md_rel)
        .replace(&marker("ceshizhen", 2024), "【轮询修改】测试文本。");
    site.write_atomic(md_rel, &edited);
    server.poll(page, 15, |r| r.text().contains("【轮询修改】"));
    // nothing changes: no further generations (reading the sources is no change)
    let gen2 = generation_of(&server);
    assert!(gen2 > gen1);
    std::thread::sleep(std::time::Duration::from_millis(1200));
    assert_eq!(generation_of(&server), gen2, "{}", server.stderr_text());
}
