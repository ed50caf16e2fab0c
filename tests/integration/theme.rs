//! The default theme's site-wide features: offline search, organisation charts, the
//! 党政机关网站标识 badge and per-organisation contact in the footer.

use crate::common::*;
use serde_json::Value;

/// The search index as written into `search-index.js`.
fn search_index(site: &Site) -> Value {
    let js = site.out("search-index.js");
    let json = js
        .strip_prefix("window.NIANBAO_SEARCH=")
        .and_then(|s| s.trim_end().strip_suffix(';'))
        .expect("search-index.js assigns window.NIANBAO_SEARCH");
    serde_json::from_str(json).expect("the index is JSON")
}

/// Decode one posting list (bitset `~…` or base-36 gaps), as nianbao.js does.
fn postings(s: &str, n: usize) -> Vec<usize> {
    const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    if let Some(bits) = s.strip_prefix('~') {
        let mut out = Vec::new();
        for (i, c) in bits.chars().enumerate() {
            let w = B64.find(c).expect("bitset character");
            for bit in 0..6 {
                if w & (1 << bit) != 0 && i * 6 + bit < n {
                    out.push(i * 6 + bit);
                }
            }
        }
        out
    } else {
        let mut prev = 0;
        s.split('.')
            .map(|g| {
                prev += usize::from_str_radix(g, 36).expect("base-36 gap");
                prev
            })
            .collect()
    }
}

/// The documents (their hrefs) whose postings hold every bigram of a CJK `query`.
fn search(index: &Value, query: &str) -> Vec<String> {
    let docs = index["docs"].as_array().unwrap();
    let chars: Vec<char> = query.chars().collect();
    let mut hits: Option<Vec<usize>> = None;
    for w in chars.windows(2) {
        let gram: String = w.iter().collect();
        let Some(p) = index["grams"][&gram].as_str() else {
            return Vec::new();
        };
        let ids = postings(p, docs.len());
        hits = Some(match hits {
            None => ids,
            Some(h) => h.into_iter().filter(|i| ids.contains(i)).collect(),
        });
    }
    hits.unwrap_or_default()
        .into_iter()
        .map(|i| docs[i][1].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn search_index_finds_each_report_by_its_own_words_and_table_labels() {
    let site = standard_site();
    site.run(&["build", "--no-downloads"]).expect_code(0);
    let page = site.out("search.html");
    assert!(page.contains(r#"<script src="search-index.js"></script>"#));
    assert!(page.contains(r#"name="q""#));
    // every page has the header's search box pointing at search.html, page-relative
    let report = site.out("2024/ceshizhen/index.html");
    assert!(report.contains(r#"action="../../search.html""#), "{report}");
    let index = search_index(&site);
    assert_eq!(
        index["docs"].as_array().unwrap().len(),
        STANDARD_REPORTS.len()
    );
    // 「本机关本年度依法推进」 is in every report; the marker's org-and-year part is not CJK, so
    // search by a phrase unique to one organisation: its name
    let all = search(&index, "依法推进政府信息公开");
    assert_eq!(all.len(), STANDARD_REPORTS.len(), "{all:?}");
    let shiliju = search(&index, "示例县财政局");
    assert_eq!(
        shiliju,
        vec![
            "2024/shiliju/index.html",
            "2023/shiliju/index.html",
            "2022/shiliju/index.html"
        ]
    );
    // a table label of the 2021 format and of the 2019 format only
    assert_eq!(search(&index, "本年废止件数").len(), 6);
    assert_eq!(
        search(&index, "对外公开总数量"),
        vec!["2019/ceshizhen/index.html"]
    );
    assert!(search(&index, "量子纠缠").is_empty());
    // the index is data, never markup: no raw `<` survives into the script
    assert!(!site.out("search-index.js").contains('<'));
}

#[test]
fn org_page_charts_cover_outcomes_and_enforcement_with_data_tables() {
    let site = standard_site();
    site.run(&["build", "--no-downloads"]).expect_code(0);
    let org = site.out("org/ceshizhen/index.html");
    for title in [
        "历年收到政府信息公开申请数量",
        "历年申请办理结果",
        "历年行政复议、行政诉讼数量",
        "历年行政许可处理决定数量",
        "历年行政处罚处理决定数量",
        "历年行政强制处理决定数量",
    ] {
        assert!(org.contains(title), "missing chart {title}");
    }
    // the outcome categories come from the format's own labels
    for name in [
        "予以公开",
        "部分公开",
        "不予公开",
        "无法提供",
        "不予处理",
        "其他处理",
    ] {
        assert!(
            org.contains(&format!("<th scope=\"col\">{name}</th>")),
            "{name}"
        );
    }
    // the custom-format year 2018 is left out of the drawings (it has no national figures)
    let svg_years: Vec<&str> = org
        .split("class=\"year\"")
        .skip(1)
        .filter_map(|s| s.split('>').nth(1)?.split('<').next())
        .collect();
    assert!(!svg_years.contains(&"2018"), "{svg_years:?}");
    assert!(svg_years.contains(&"2019"));
}

#[test]
fn footer_badge_and_contact_come_from_site_and_org_toml() {
    let site = standard_site();
    site.run(&["build", "--no-downloads"]).expect_code(0);
    let home = site.out("index.html");
    // no conac_url: no badge, no blank
    assert!(!home.contains("党政机关网站标识"));
    // a site of two organisations: each organisation's pages carry its own contact
    let report = site.out("2024/shiliju/index.html");
    let footer = report.split("<footer").nth(1).unwrap();
    assert!(footer.contains("示例县财政局"), "{footer}");
    assert!(footer.contains("电话：0000-0000000"), "{footer}");
    assert!(!home.split("<footer").nth(1).unwrap().contains("电话："));

    let with_badge = format!(
        "{}conac_url = \"https://bszs.conac.cn/sitename?method=show&id=TEST0001\"\n",
        SITE_TOML
    );
    site.site_toml(&with_badge);
    site.run(&["build", "--no-downloads"]).expect_code(0);
    let home = site.out("index.html");
    // (tera escapes `/` as `&#x2F;` in attributes: the same address to a browser)
    let badge = home
        .split(r#"<p class="conac"><a href=""#)
        .nth(1)
        .expect("the badge")
        .replace("&#x2F;", "/");
    assert!(
        badge.starts_with(
            r#"https://bszs.conac.cn/sitename?method=show&amp;id=TEST0001"><img src="assets/conac.svg""#
        ),
        "{badge}"
    );
    assert!(site.path("output/assets/conac.svg").is_file());

    // anything but an https address is refused, naming the key
    site.site_toml(&format!("{SITE_TOML}conac_url = \"javascript:alert(1)\"\n"));
    let run = site.run(&["check"]);
    run.expect_code(1);
    assert!(run.stderr.contains("site.toml:"), "{}", run.stderr);
    assert!(run.stderr.contains("conac_url"), "{}", run.stderr);
}

#[test]
fn report_page_compares_with_the_previous_year() {
    let site = standard_site();
    // 测试镇 2024 against 2023: two figures of table 二 changed; the 2022 → 2023 pages are equal
    let tables = set_line(&set_line(&tables_2021(), "licensing", "30"), "fees", "1.25");
    site.write(&Site::tables_rel("ceshizhen", 2024), &tables);
    site.run(&["build", "--no-downloads"]).expect_code(0);
    let page = site.out("2024/ceshizhen/index.html");
    let yoy = page
        .split(r#"<section class="yoy""#)
        .nth(1)
        .expect("a comparison section")
        .split("</section>")
        .next()
        .unwrap();
    assert!(yoy.contains("与2023年对比"), "{yoy}");
    assert!(yoy.contains("有 2 项与2023年不同"), "{yoy}");
    assert!(yoy.contains("增加 5"), "{yoy}");
    assert!(yoy.contains("减少 0.25"), "{yoy}");
    assert!(
        yoy.contains(r#"<tr class="change-up"><th scope="row">行政许可</th>"#),
        "{yoy}"
    );
    // unchanged cells are not listed on the report page; the full comparison is linked
    assert_eq!(yoy.matches("<tr class=\"change-").count(), 2, "{yoy}");
    assert!(
        yoy.contains(r#"href="../../org/ceshizhen/2024-vs-2023.html""#),
        "{yoy}"
    );
    let same = site.out("2023/ceshizhen/index.html");
    assert!(same.contains("与2022年完全相同"), "{same}");
    // a format change (2019 → 2022 has no consecutive year; 2018 custom → 2019): no comparison
    let y2019 = site.out("2019/ceshizhen/index.html");
    assert!(!y2019.contains(r#"<section class="yoy""#));
}

/// A theme folder made while the preview runs is watched from then on: every later save of a
/// template in it shows (regression: the folder's creation was seen, later saves never were,
/// until the preview was restarted).
#[test]
fn serve_sees_templates_in_a_theme_folder_made_while_it_runs() {
    let site = standard_site();
    assert!(!site.path("themes").exists());
    let server = Server::start(site.root());
    server.poll("/statement.html", 30, |r| r.status == 200);
    let generation = |server: &Server| server.get("/__nianbao/generation").text();
    let first = generation(&server);
    std::fs::create_dir_all(site.path("themes/default/templates")).unwrap();
    // the folder's creation is a change: a new generation (the same pages)
    server.poll("/__nianbao/generation", 30, |r| r.text() != first);
    let show = |marker: &str| {
        site.write(
            "themes/default/templates/statement.html",
            format!(
                "{{% extends \"base.html\" %}}{{% block content %}}<p>{marker}</p>{{% endblock content %}}"
            ),
        );
        server.poll("/statement.html", 30, |r| r.text().contains(marker));
    };
    for marker in ["第一次覆盖", "第二次覆盖", "第三次覆盖"] {
        show(marker);
    }
    // the folder replaced by another: the new one is watched (the second save after it shows
    // only through its watch)
    std::fs::remove_dir_all(site.path("themes")).unwrap();
    std::fs::create_dir_all(site.path("themes/default/templates")).unwrap();
    for marker in ["第四次覆盖", "第五次覆盖"] {
        show(marker);
    }
    // a template that does not compile: the terminal says why, as the page does
    // (regression: it printed "生成失败（0 errors…）" and no reason)
    site.write(
        "themes/default/templates/statement.html",
        "{% extends \"base.html\" %}{% block content %}<p>未闭合",
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !server.stderr_text().contains("生成失败") {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            server.stderr_text()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let stderr = server.stderr_text();
    let failed = stderr.find("生成失败").unwrap();
    assert!(stderr[..failed].contains("statement.html"), "{stderr}");
}

/// A template cannot read the environment of the machine that builds the site: the build
/// fails, naming the template and the variable (a page must come from the site's files alone,
/// and no build should publish a token or a path).
#[test]
fn templates_cannot_read_the_environment() {
    let site = standard_site();
    site.write(
        "themes/default/templates/statement.html",
        "{% extends \"base.html\" %}{% block content %}{{ get_env(name=\"HOME\") }}{% endblock content %}",
    );
    let run = site.run(&["build", "--no-downloads"]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("模板不能读取环境变量（get_env(name=\"HOME\")）"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("statement.html"), "{}", run.stderr);
    assert!(!site.path("output").exists());
}
