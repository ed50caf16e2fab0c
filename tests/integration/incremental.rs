//! Incremental work (issues 7 and 5): a build with nothing changed touches nothing, an edit
//! rewrites only what it changed, downloads come from the cache until their inputs change,
//! and the preview's incremental generations always equal a clean build.

use crate::common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

/// File names in a folder (not recursive).
fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Inode and modification time of every file below `dir`.
#[cfg(unix)]
fn stamps(dir: &Path) -> BTreeMap<String, (u64, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    snapshot(dir)
        .into_keys()
        .map(|rel| {
            let m = std::fs::metadata(dir.join(&rel)).unwrap();
            (rel, (m.ino(), m.mtime(), m.mtime_nsec()))
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn an_unchanged_build_touches_nothing_and_an_edit_rewrites_only_its_files() {
    use std::os::unix::fs::MetadataExt;
    let site = standard_site();
    site.run(&["build", "--no-downloads"]).expect_code(0);
    let out = site.path("output");
    let before = stamps(&out);
    let folder = std::fs::metadata(&out).unwrap().ino();

    let again = site.run(&["build", "--no-downloads"]);
    again.expect_code(0);
    assert!(again.stdout.contains("没有变化"), "{}", again.stdout);
    assert_eq!(stamps(&out), before, "an unchanged build rewrote files");
    assert_eq!(std::fs::metadata(&out).unwrap().ino(), folder);

    // saving a file with the same content is no change (contents are compared, not times)
    let md = "content/ceshizhen/2023/report.md";
    let text = site.read(md);
    std::thread::sleep(Duration::from_millis(20));
    site.write(md, &text);
    let same = site.run(&["build", "--no-downloads"]);
    assert!(same.stdout.contains("没有变化"), "{}", same.stdout);
    assert_eq!(stamps(&out), before);

    // other options are another build
    let other = site.run(&["build"]);
    other.expect_code(0);
    assert!(!other.stdout.contains("没有变化"), "{}", other.stdout);
    assert!(out.join("2023/ceshizhen/ceshizhen-2023.pdf").is_file());
    site.run(&["build", "--no-downloads"]).expect_code(0);
    let before = stamps(&out);

    // one narrative edited: its page is rewritten, unrelated files are kept as they were
    site.write(
        md,
        text.replace(&marker("ceshizhen", 2023), "【改过的正文】测试文本。"),
    );
    let edited = site.run(&["build", "--no-downloads"]);
    edited.expect_code(0);
    assert!(!edited.stdout.contains("没有变化"), "{}", edited.stdout);
    let after = stamps(&out);
    let changed: BTreeSet<&String> = after
        .iter()
        .filter(|(p, s)| before.get(*p).is_none_or(|b| b.0 != s.0))
        .map(|(p, _)| p)
        .collect();
    for p in ["2023/ceshizhen/index.html", "SHA256SUMS"] {
        assert!(
            changed.contains(&p.to_string()),
            "{p} not rewritten: {changed:?}"
        );
    }
    for p in [
        "2024/shiliju/index.html",
        "2024/ceshizhen/index.html",
        "assets/nianbao.css",
        "index.html",
    ] {
        assert!(
            !changed.contains(&p.to_string()),
            "{p} rewritten: {changed:?}"
        );
    }
    assert!(changed.len() * 4 < after.len(), "{changed:?}");
    assert!(
        site.out("2023/ceshizhen/index.html")
            .contains("【改过的正文】")
    );

    // and the output is exactly a clean build's
    assert_clean(&site, "one narrative edited");
}

/// A folder with nothing in it is a change too: an organisation folder without org.toml is an
/// error of the site's layout, which the build reports instead of "no change" (regression:
/// `build` exited 0 with 没有变化 while `check` failed).
#[test]
fn a_new_empty_folder_is_a_change_the_build_reports() {
    let site = standard_site();
    site.run(&["build", "--no-downloads"]).expect_code(0);
    std::fs::create_dir(site.path("content/neworg")).unwrap();
    let run = site.run(&["build", "--no-downloads"]);
    run.expect_code(1);
    assert!(!run.stdout.contains("没有变化"), "{}", run.stdout);
    assert!(
        run.stderr.contains("content/neworg 缺少 org.toml"),
        "{}",
        run.stderr
    );
    std::fs::remove_dir(site.path("content/neworg")).unwrap();
    site.run(&["build", "--no-downloads"]).expect_code(0);
}

/// `-v build --no-downloads`, which must succeed: how many pages it rendered and reused, and
/// what it printed on stderr.
fn verbose_build(site: &Site) -> (usize, usize, String) {
    let run = site.run(&["-v", "build", "--no-downloads"]);
    run.expect_code(0);
    let (n, m) = rendered_and_reused(&run.stderr);
    (n, m, run.stderr)
}

/// "重新生成 N 个页面，沿用上次生成的 M 个" from `build -v` (on stderr): (N, M).
fn rendered_and_reused(stderr: &str) -> (usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("重新生成 "))
        .unwrap_or_else(|| panic!("no count in {stderr}"));
    let n: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|t| t.parse().ok())
        .collect();
    (n[0], n[1])
}

/// The output equals a clean build of the same sources into another folder.
fn assert_clean(site: &Site, step: &str) {
    let clean = tempfile::tempdir().unwrap();
    let clean_out = clean.path().join("site");
    site.run(&[
        "build",
        "--no-downloads",
        "--output",
        clean_out.to_str().unwrap(),
    ])
    .expect_code(0);
    assert!(
        snapshot(&site.path("output")) == snapshot(&clean_out),
        "{step}: differs from a clean build"
    );
}

#[test]
fn build_renders_again_only_the_pages_whose_inputs_changed() {
    let site = standard_site();
    let (all, none, log) = verbose_build(&site);
    assert_eq!(none, 0, "{log}");
    // where the layout of output/'s data files is recorded (before any clean build into
    // another folder records its own)
    let layouts: Vec<_> = std::fs::read_dir(site.path(".nianbao-cache/pages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "data"))
        .collect();
    let [layouts] = &layouts[..] else {
        panic!("one layout of the data files is recorded: {layouts:?}");
    };

    // a narrative edit: its report page and the search index, nothing else
    let md = "content/ceshizhen/2023/report.md";
    site.write(
        md,
        site.read(md)
            .replace(&marker("ceshizhen", 2023), "【改过的正文】测试文本。"),
    );
    let (n, m, log) = verbose_build(&site);
    assert_eq!((n, m), (2, all - 2), "{log}");
    assert!(
        site.out("2023/ceshizhen/index.html")
            .contains("【改过的正文】")
    );
    assert_clean(&site, "narrative edit");

    // a figure: the report's page, the next year's (its year-over-year figures), the
    // organisation's page (its charts), the two comparisons it is in, the data files and the
    // search index; no year, completeness or other organisation's page
    let tables = "content/ceshizhen/2023/tables.toml";
    site.write(
        tables,
        site.read(tables)
            .replace("review = [1, 0, 0, 0, 1]", "review = [2, 0, 0, 0, 2]"),
    );
    let (n, m, log) = verbose_build(&site);
    assert_eq!((n, m), (8, all - 8), "{log}");
    assert_clean(&site, "tables edit");

    // the data files were made from the unchanged reports' parts of the last ones, where
    // the layout recorded beside the page record says they are
    let recorded = std::fs::read_to_string(layouts).unwrap();
    assert!(
        recorded.contains("\t2023/ceshizhen/index.html\n"),
        "{recorded}"
    );
    // one data file gone from the output: it is made again, the other kept with its layout
    std::fs::remove_file(site.path("output/data/all.csv")).unwrap();
    site.write(tables, format!("{}\n", site.read(tables)));
    verbose_build(&site);
    let sections = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("F\t"))
            .map(|l| l.rsplit('\t').next().unwrap().to_string())
            .collect()
    };
    let again = std::fs::read_to_string(layouts).unwrap();
    assert_eq!(
        sections(&again),
        ["data/all.csv", "data/all.json"],
        "{again}"
    );
    assert_clean(&site, "a data file deleted");
    for (step, figure) in [("another figure", "3"), ("a figure, no layout", "4")] {
        if step.ends_with("no layout") {
            // a layout cut short is not used: the data files are made whole
            std::fs::write(layouts, &recorded[..recorded.len() / 2]).unwrap();
        }
        let text = site.read(tables);
        let at = text.find("review = [").unwrap();
        let line_end = at + text[at..].find('\n').unwrap();
        site.write(
            tables,
            format!(
                "{}review = [{figure}, 0, 0, 0, {figure}]{}",
                &text[..at],
                &text[line_end..]
            ),
        );
        let (n, m, log) = verbose_build(&site);
        assert_eq!((n, m), (8, all - 8), "{step}: {log}");
        assert!(site.out("data/all.csv").contains("ceshizhen"), "{step}");
        assert_clean(&site, step);
    }

    // a comment and blank lines in tables.toml: the same figures, nothing is made again
    site.write(tables, format!("# 注释（测试）\n\n{}", site.read(tables)));
    let (n, m, log) = verbose_build(&site);
    assert_eq!((n, m), (0, all), "{log}");
    assert_clean(&site, "comment in tables.toml");

    // an organisation renamed: its pages and the site-wide ones, not the other's reports
    let org = "content/shiliju/org.toml";
    site.write(
        org,
        site.read(org).replace("示例县财政局", "示例县财政局（改）"),
    );
    let (n, m, log) = verbose_build(&site);
    assert!(n > 3 && m >= 5 && n + m == all, "{log}");
    assert!(
        site.out("2024/shiliju/index.html")
            .contains("示例县财政局（改）")
    );
    assert_clean(&site, "organisation renamed");

    // a site setting that only the completeness pages read: the deadline
    site.write(
        "site.toml",
        site.read("site.toml")
            .replace(r#"deadline = "01-31""#, r#"deadline = "01-21""#),
    );
    let (n, _, log) = verbose_build(&site);
    assert!(n > 0, "{log}");
    assert!(site.out("2023/completeness.html").contains("逾期发布"));
    assert_clean(&site, "deadline changed");

    // pages of the output edited by hand, a report page and a site-wide one (then a source
    // edit, so that there is a build): the recorded memo is not trusted for them, they are
    // made again (found when they were to be linked into the new output: the build makes
    // them and writes again, nothing replaced in between)
    let pages = ["output/2024/ceshizhen/index.html", "output/index.html"].map(|p| site.path(p));
    let good = pages.each_ref().map(|p| std::fs::read(p).unwrap());
    std::thread::sleep(Duration::from_millis(20));
    for (page, good) in pages.iter().zip(&good) {
        // same size: only its time tells
        let tampered = String::from_utf8(good.clone())
            .unwrap()
            .replacen("<title>", "<TITLE>", 1);
        assert_eq!(tampered.len(), good.len());
        std::fs::write(page, tampered).unwrap();
    }
    site.write(md, site.read(md).replace("【改过的正文】", "【再改】"));
    let (n, m, log) = verbose_build(&site);
    assert_eq!((n, m), (4, all - 4), "{log}");
    for (page, good) in pages.iter().zip(&good) {
        assert_eq!(&std::fs::read(page).unwrap(), good);
    }
    assert_clean(&site, "hand-edited output");

    // the record gone (or the cache folder deleted): everything is rendered, same output
    std::fs::remove_dir_all(site.path(".nianbao-cache")).unwrap();
    site.write(md, site.read(md).replace("【再改】", "【三改】"));
    let (n, m, log) = verbose_build(&site);
    assert_eq!((n, m), (all, 0), "{log}");
    assert_clean(&site, "no record");
}

#[test]
fn downloads_come_from_the_cache_until_their_inputs_change() {
    let site = standard_site();
    site.run(&["build"]).expect_code(0);
    let cache = site.path(".nianbao-cache/downloads");
    let first = names(&cache);
    let count = |set: &BTreeSet<String>, ext: &str| set.iter().filter(|n| n.ends_with(ext)).count();
    let reports = STANDARD_REPORTS.len();
    assert_eq!(count(&first, ".pdf"), reports, "{first:?}");
    assert_eq!(count(&first, ".docx"), reports);
    assert_eq!(count(&first, ".xlsx"), reports);
    assert_eq!(count(&first, ".zip"), 5, "one per year");

    // one report edited: its three documents and its year's zip are made again, nothing else
    let md = "content/ceshizhen/2023/report.md";
    site.write(
        md,
        site.read(md)
            .replace(&marker("ceshizhen", 2023), "【缓存测试】测试文本。"),
    );
    site.run(&["build"]).expect_code(0);
    let second = names(&cache);
    assert_eq!(
        first.difference(&second).count(),
        4,
        "{first:?} → {second:?}"
    );
    assert_eq!(second.difference(&first).count(), 4);
    let built = snapshot(&site.path("output"));

    // the cached output equals a build without any cache
    let clean = tempfile::tempdir().unwrap();
    let clean_out = clean.path().join("site");
    std::fs::rename(&cache, clean.path().join("saved-cache")).unwrap();
    site.run(&["build", "--output", clean_out.to_str().unwrap()])
        .expect_code(0);
    assert!(
        built == snapshot(&clean_out),
        "cached build differs from a clean one"
    );

    // damaged entries are ignored and made again: same output
    for n in names(&cache) {
        let p = cache.join(&n);
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    }
    let again = clean.path().join("again");
    site.run(&["build", "--output", again.to_str().unwrap()])
        .expect_code(0);
    assert!(
        built == snapshot(&again),
        "damaged cache changed the output"
    );
    assert_eq!(names(&cache), second);

    // a comment in tables.toml: the same figures, no document is made again
    let tables = "content/ceshizhen/2023/tables.toml";
    site.write(tables, format!("# 注释（测试）\n{}", site.read(tables)));
    site.run(&["build"]).expect_code(0);
    assert_eq!(names(&cache), second);

    // the theme's PDF template is an input of the PDFs only
    let template = include_str!("../../themes/default/pdf/report.typ");
    site.write(
        "themes/default/pdf/report.typ",
        format!("{template}\n// 主题改动（测试）\n"),
    );
    site.run(&["build"]).expect_code(0);
    let third = names(&cache);
    let pdfs = |s: &BTreeSet<String>| -> BTreeSet<String> {
        s.iter().filter(|n| n.ends_with(".pdf")).cloned().collect()
    };
    assert!(pdfs(&second).is_disjoint(&pdfs(&third)), "PDFs not remade");
    let docx = |s: &BTreeSet<String>| -> BTreeSet<String> {
        s.iter().filter(|n| n.ends_with(".docx")).cloned().collect()
    };
    assert_eq!(docx(&second), docx(&third), "Word files remade");
}

/// Every file of a clean `build --no-downloads` of the site is served with the same bytes
/// (pages without the preview's script), and the pages it does not have are not served.
fn served_equals_clean_build(site: &Site, server: &Server, gone: &[&str]) -> Result<(), String> {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("site");
    let run = site.run(&[
        "build",
        "--no-downloads",
        "--output",
        out_dir.to_str().unwrap(),
    ]);
    if run.code != 0 {
        return Err(format!("clean build failed: {}", run.stderr));
    }
    for (path, bytes) in snapshot(&out_dir) {
        let r = server.get(&target_of(&path));
        if r.status != 200 {
            return Err(format!("{path}: status {}", r.status));
        }
        let same = if path.ends_with(".html") {
            let text = r.text();
            !text.contains("nianbao-overlay")
                && strip_preview(&text) == String::from_utf8_lossy(&bytes)
        } else {
            same_as_built(&path, &r, &bytes)
        };
        if !same {
            return Err(format!("{path} differs"));
        }
    }
    for path in gone {
        let status = server.get(path).status;
        if status != 404 {
            return Err(format!("{path} still served ({status})"));
        }
    }
    Ok(())
}

/// Wait until the server serves what a clean build makes.
#[track_caller]
fn settle(site: &Site, server: &Server, gone: &[&str], step: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match served_equals_clean_build(site, server, gone) {
            Ok(()) => return,
            Err(e) if Instant::now() > deadline => panic!(
                "after {step}: {e}\nserver stderr:\n{}",
                server.stderr_text()
            ),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

#[test]
fn serve_incremental_generations_equal_a_clean_build_after_every_edit() {
    let site = standard_site();
    let server = Server::start(site.root());
    settle(&site, &server, &[], "start");

    let md = "content/ceshizhen/2023/report.md";
    site.write_atomic(
        md,
        site.read(md)
            .replace(&marker("ceshizhen", 2023), "【增量一】测试文本。"),
    );
    settle(&site, &server, &[], "a narrative edit");
    assert!(server.get("/2023/ceshizhen/").text().contains("【增量一】"));
    // the search index reads the narrative (the other site-wide pages do not)
    assert!(server.get("/search-index.js").text().contains("增量"));

    // the front matter: the publication date is on the year page, the feed and the sitemap
    site.write_atomic(
        md,
        site.read(md)
            .replacen("published = 2024-01-23", "published = 2024-01-30", 1),
    );
    assert!(site.read(md).contains("published = 2024-01-30"));
    settle(&site, &server, &[], "a publication date changed");

    // an attachment added to a report: its page, and the report's file list
    std::fs::create_dir_all(site.path("content/ceshizhen/2023/files")).unwrap();
    site.write_atomic("content/ceshizhen/2023/files/说明.txt", "附件（测试）");
    settle(&site, &server, &[], "an attachment added");

    let tables = "content/shiliju/2023/tables.toml";
    let good = site.read(tables);
    site.write_atomic(tables, good.replace("licensing = 25", "licensing = 26"));
    settle(&site, &server, &[], "a tables edit");

    // an error shows over the last good pages, and fixing it clears it
    site.write_atomic(
        tables,
        good.replace("licensing = 25", "licensing = \"很多\""),
    );
    server.poll("/2023/shiliju/", 15, |r| {
        r.text().contains("nianbao-overlay")
    });
    site.write_atomic(tables, &good);
    settle(&site, &server, &[], "the error fixed");

    // the organisation's name is on its pages, its reports' pages and the lists
    let org = "content/shiliju/org.toml";
    site.write_atomic(
        org,
        site.read(org)
            .replace("示例县财政局", "示例县财政局（改名）"),
    );
    settle(&site, &server, &[], "an organisation renamed");
    assert!(server.get("/2024/").text().contains("示例县财政局（改名）"));

    // a new report folder: its page, its neighbour's links, the year, home, feed, sitemap
    site.report(
        "ceshizhen",
        2025,
        &report_md(
            "published = 2026-01-22\narchived = false\n",
            &six_section_body("ceshizhen", 2025),
        ),
        &tables_2021(),
    );
    settle(&site, &server, &[], "a report added");
    assert!(
        server
            .get("/2025/ceshizhen/")
            .text()
            .contains(&marker("ceshizhen", 2025))
    );

    // a report folder deleted
    std::fs::remove_dir_all(site.path("content/shiliju/2022")).unwrap();
    settle(&site, &server, &["/2022/shiliju/"], "a report deleted");

    // site settings change every page
    site.write_atomic(
        "site.toml",
        SITE_TOML.replace("（测试站点）", "（测试站点，改）"),
    );
    settle(&site, &server, &["/2022/shiliju/"], "site.toml edited");
    assert!(server.get("/").text().contains("（测试站点，改）"));
}

/// The check's findings are kept between runs (`.nianbao-cache/check`): a second `check`, or
/// a `build` after it, says what a fresh one says, caret lines included; a report whose file
/// changes is checked again (an error appears, and goes); a kept file that is garbled or cut
/// short is ignored.
#[test]
fn kept_check_findings_equal_a_fresh_check() {
    let site = small_site();
    let rel = Site::tables_rel("ceshizhen", 2024);
    let md = "content/ceshizhen/2024/report.md";
    let text = site.read(md);
    // a warning with a caret line under its source line
    let at = text.find("\n\n").expect("a paragraph break") + 2;
    site.write(
        md,
        format!("{}联系人手机 13812345678。\n\n{}", &text[..at], &text[at..]),
    );
    let kept = site.path(".nianbao-cache/check");
    let _ = std::fs::remove_file(&kept);
    let fresh = site.run(&["check"]);
    fresh.expect_code(0);
    assert!(fresh.stderr.contains("13812345678") || fresh.stdout.contains("13812345678"));
    assert!(kept.is_file());
    let shown = |r: &Run| format!("{}\n{}", r.stdout, r.stderr);
    let again = site.run(&["check"]);
    assert_eq!(shown(&again), shown(&fresh));
    // an error in one report's tables: found though the rest come from the cache
    let tables = site.read(&rel);
    site.write(&rel, set_line(&tables, "received", "[1, 0, 0, 0, 0, 0, 2]"));
    let wrong = site.run(&["check"]);
    wrong.expect_code(1);
    assert!(shown(&wrong).contains("[R2]"), "{}", shown(&wrong));
    let build = site.run(&["build", "--no-downloads"]);
    build.expect_code(1);
    assert!(shown(&build).contains("[R2]"), "{}", shown(&build));
    site.write(&rel, &tables);
    assert_eq!(shown(&site.run(&["check"])), shown(&fresh));
    // garbled, cut short: ignored (and made again)
    let whole = std::fs::read_to_string(&kept).unwrap();
    for bad in [
        whole.replace("\nD\t", "\nD\tx"),
        whole[..whole.len() / 2].to_string(),
    ] {
        std::fs::write(&kept, bad).unwrap();
        assert_eq!(shown(&site.run(&["check"])), shown(&fresh));
    }
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), whole);
}

/// The tables that `build` and `check` parsed are kept between runs (`.nianbao-cache/tables`):
/// a build reading them makes the files that a build parsing everything makes; a changed
/// value reaches the output; a tables.toml with a finding is parsed, and its finding said,
/// every time; a damaged file is ignored.
#[test]
fn kept_tables_give_the_same_site() {
    let site = small_site();
    let rel = Site::tables_rel("ceshizhen", 2024);
    let kept = site.path(".nianbao-cache/tables");
    let json = "output/2024/ceshizhen/ceshizhen-2024.json";
    let licensing = |site: &Site| -> serde_json::Value {
        let v: serde_json::Value = serde_json::from_str(&site.read(json)).unwrap();
        v["tables"]["active"]["licensing"].clone()
    };
    site.run(&["build", "--no-downloads"]).expect_code(0);
    assert!(kept.is_file());
    assert_eq!(licensing(&site), 25);
    // a value changed: from the new text, not from the tables kept
    let tables = site.read(&rel);
    site.write(&rel, tables.replace("licensing = 25", "licensing = 26"));
    site.run(&["build", "--no-downloads"]).expect_code(0);
    assert_eq!(licensing(&site), 26);
    site.write(&rel, &tables);
    site.run(&["build", "--no-downloads"]).expect_code(0);
    assert_eq!(licensing(&site), 25);
    let with_kept = site.read("output/SHA256SUMS");
    // the same output from a build that parses every file
    std::fs::remove_dir_all(site.path(".nianbao-cache")).unwrap();
    std::fs::remove_dir_all(site.path("output")).unwrap();
    site.run(&["build", "--no-downloads"]).expect_code(0);
    assert_eq!(site.read("output/SHA256SUMS"), with_kept);

    // a finding: said by every run, the file never taken from the kept ones
    site.write(
        &rel,
        tables.replace("licensing = 25", "licensing = 25\nnonesuch = 1"),
    );
    for _ in 0..2 {
        let run = site.run(&["check"]);
        run.expect_code(1);
        assert!(run.stdout.contains("nonesuch") || run.stderr.contains("nonesuch"));
    }
    site.write(&rel, &tables);
    let clean = site.run(&["check"]);
    clean.expect_code(0);
    // damaged: ignored, and made again
    let whole = std::fs::read(&kept).unwrap();
    let mut damaged = whole.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x55;
    std::fs::write(&kept, &damaged).unwrap();
    let again = site.run(&["check"]);
    assert_eq!(
        format!("{}{}", again.stdout, again.stderr),
        format!("{}{}", clean.stdout, clean.stderr)
    );
    assert_eq!(std::fs::read(&kept).unwrap(), whole);
}
