//! Real-world use (issue 11): files saved by Windows tools (BOM, CRLF, GBK), full-width
//! characters, Chinese and space names end to end, `init`, `deploy`/`verify`/`package`,
//! completions, `--quiet`.

use crate::common::*;
use crate::expect_error;
use std::path::Path;

fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}

fn gbk(s: &str) -> Vec<u8> {
    // the GBK bytes of the few characters used here, so the test needs no encoder
    let mut out = Vec::new();
    for c in s.chars() {
        match c {
            '测' => out.extend([0xB2, 0xE2]),
            '试' => out.extend([0xCA, 0xD4]),
            '镇' => out.extend([0xD5, 0xF2]),
            '人' => out.extend([0xC8, 0xCB]),
            '民' => out.extend([0xC3, 0xF1]),
            '政' => out.extend([0xD5, 0xFE]),
            '府' => out.extend([0xB8, 0xAE]),
            '乡' => out.extend([0xCF, 0xE7]),
            c if c.is_ascii() => out.push(c as u8),
            c => panic!("no GBK bytes for {c} in this test"),
        }
    }
    out
}

#[test]
fn windows_files_bom_crlf_and_gbk_build_without_mojibake() {
    let site = small_site();
    // site.toml: BOM + CRLF; report.md: BOM + CRLF (front matter included); tables: CRLF
    let mut site_toml = b"\xEF\xBB\xBF".to_vec();
    site_toml.extend(crlf(SITE_TOML).into_bytes());
    site.write("site.toml", site_toml);
    let md = report_md(
        "published = 2025-01-20\narchived = false\n",
        &six_section_body("ceshizhen", 2024),
    );
    let mut md_bytes = b"\xEF\xBB\xBF".to_vec();
    md_bytes.extend(crlf(&md).into_bytes());
    site.write("content/ceshizhen/2024/report.md", md_bytes);
    site.write(&Site::tables_rel("ceshizhen", 2024), crlf(&tables_2021()));
    // org.toml in GBK ("ANSI"), CRLF
    site.write(
        "content/ceshizhen/org.toml",
        gbk("name = \"测试镇人民政府\"\r\nshort_name = \"测试镇\"\r\nkind = \"乡镇\"\r\n"),
    );
    let run = site.run(&["build", "--no-downloads"]);
    run.expect_code(0);
    let warning = run
        .headlines()
        .into_iter()
        .find(|h| h.rule == "encoding")
        .unwrap_or_else(|| panic!("no encoding warning:\n{}", run.stderr));
    assert_eq!(warning.path, "content/ceshizhen/org.toml");
    assert_eq!(warning.severity, "warning");
    assert_eq!(warning.pos, Some((1, 9)), "at the first Chinese character");
    assert!(warning.message.contains("GBK") && warning.message.contains("UTF-8"));
    let page = site.out("2024/ceshizhen/index.html");
    assert!(page.contains("测试镇人民政府"), "the GBK name, decoded");
    assert!(page.contains(&marker("ceshizhen", 2024)));
    assert!(!page.contains('\u{FFFD}') && !page.contains('\r'));
}

#[test]
fn crlf_tables_report_the_same_line_and_column_as_lf() {
    let site = small_site();
    let tables = set_line(&tables_2021(), "received", "[3, 1, 0, 0, 0, 0, 4, 0]");
    site.write(&Site::tables_rel("ceshizhen", 2024), crlf(&tables));
    let line = line_of(&tables, "received = ");
    expect_error(
        &site,
        "content/ceshizhen/2024/tables.toml",
        Some((line, 12)),
        "schema",
        &["应有 7 个数"],
    );
}

#[test]
fn fullwidth_digits_in_tables_get_the_fix() {
    let site = small_site();
    let tables = set_line(&tables_2021(), "licensing", "１２");
    site.write(&Site::tables_rel("ceshizhen", 2024), &tables);
    let line = line_of(&tables, "licensing = ");
    expect_error(
        &site,
        "content/ceshizhen/2024/tables.toml",
        Some((line, 13)),
        "syntax",
        &["「１２」", "应写作 12"],
    );
}

#[test]
fn chinese_and_space_names_are_percent_encoded_and_zipped_as_utf8() {
    let site = Site::empty();
    site.site_toml(SITE_TOML);
    let org = "测试 镇";
    site.org(org, "测试镇人民政府", Some("测试镇"), "乡镇");
    site.report(
        org,
        2024,
        &report_md("published = 2025-01-20\n", &six_section_body(org, 2024)),
        &tables_2021(),
    );
    site.run(&["build"]).expect_code(0);
    let home = site.out("index.html");
    let encoded = "%E6%B5%8B%E8%AF%95%20%E9%95%87";
    assert!(home.contains(&format!("2024/{encoded}/")), "{home}");
    let (checked, broken) = check_links(&site.path("output"));
    assert!(checked > 0 && broken.is_empty(), "{broken:?}");
    let zip = std::fs::read(site.path("output/downloads/2024.zip")).unwrap();
    let name = format!("{org}/{org}-2024.pdf");
    assert_eq!(utf8_flag(&zip, &name), Some(true), "{name}");
    // and through package
    site.run(&["package"]).expect_code(0);
    let pkg = std::fs::read(site.path("site.zip")).unwrap();
    assert_eq!(utf8_flag(&pkg, &format!("2024/{name}")), Some(true));
}

/// The UTF-8 flag (bit 11) of the local header of entry `name`, if there is one.
fn utf8_flag(zip: &[u8], name: &str) -> Option<bool> {
    let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]);
    (0..zip.len().saturating_sub(30)).find_map(|i| {
        let header = zip[i..i + 4] == [0x50, 0x4b, 0x03, 0x04];
        let len = if header { u16_at(i + 26) as usize } else { 0 };
        (header && zip.get(i + 30..i + 30 + len) == Some(name.as_bytes()))
            .then(|| u16_at(i + 6) & 0x0800 != 0)
    })
}

#[test]
fn init_then_build_then_refuses_to_init_again() {
    let parent = Site::empty();
    let run = nianbao(
        parent.root(),
        &[
            "init",
            "新站点",
            "--org",
            "ceshi",
            "--name",
            "测试镇人民政府",
            "--year",
            "2025",
        ],
    );
    run.expect_code(0);
    let root = parent.path("新站点");
    let site_toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    for key in [
        "title",
        "base_url",
        "deadline",
        "site_id_code",
        "police_record",
        "[fonts]",
    ] {
        assert!(site_toml.contains(key), "site.toml lacks {key}");
    }
    assert!(root.join("content/ceshi/2025/report.md").is_file());
    let build = nianbao(&root, &["build", "--no-downloads"]);
    build.expect_code(0);
    assert!(build.headlines().iter().all(|h| h.severity == "warning"));
    let page = std::fs::read_to_string(root.join("output/2025/ceshi/index.html")).unwrap();
    assert!(page.contains("测试镇人民政府"));
    let again = nianbao(parent.root(), &["init", "新站点"]);
    again.expect_code(1);
    assert!(again.stderr.contains("已有站点"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(root.join("site.toml")).unwrap(),
        site_toml
    );
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn deploy_twice_verify_tamper_and_roll_back() {
    let site = standard_site();
    site.run(&["build", "--no-downloads"]).expect_code(0);
    let web = Site::empty(); // a web root with the portal's own file in it
    web.write("portal/index.html", "门户首页（不是 nianbao 的）");
    let target = web.root().to_str().unwrap().to_string();
    let first = site.run(&["deploy", &target]);
    first.expect_code(0);
    assert!(first.stdout.contains("已部署"), "{}", first.stdout);
    let v = site.run(&["verify", &target]);
    v.expect_code(1); // the portal's file is unexpected there
    assert_eq!(v.stdout.trim(), "unexpected: portal/index.html");

    // a report removed from the source between the two deployments
    let gone = "2022/shiliju/index.html";
    let v1_home = read(&web.path("index.html"));
    std::fs::remove_dir_all(site.path("content/shiliju/2022")).unwrap();
    site.run(&["build", "--no-downloads"]).expect_code(0);
    site.run(&["deploy", &target]).expect_code(0);
    assert!(
        !web.path(gone).exists(),
        "nianbao's own file of the old version is removed"
    );
    assert!(
        web.path("portal/index.html").is_file(),
        "a foreign file is kept"
    );
    assert_eq!(
        read(&web.path("index.html")),
        read(&site.path("output/index.html"))
    );

    // one byte changed in the web root: verify names it and fails
    let tampered = "2024/ceshizhen/index.html";
    let mut bytes = read(&web.path(tampered));
    bytes[100] ^= 1;
    std::fs::write(web.path(tampered), &bytes).unwrap();
    let v = site.run(&["verify", &target]);
    v.expect_code(1);
    assert!(
        v.stdout
            .lines()
            .any(|l| l == format!("changed: {tampered}")),
        "{}",
        v.stdout
    );
    assert!(v.stderr.contains("1 个被改动"), "{}", v.stderr);
    bytes[100] ^= 1;
    std::fs::write(web.path(tampered), &bytes).unwrap();

    // rollback: the first version again, the portal's file untouched
    site.run(&["deploy", "--rollback", &target]).expect_code(0);
    assert!(web.path(gone).is_file());
    assert_eq!(read(&web.path("index.html")), v1_home);
    assert!(web.path("portal/index.html").is_file());
    let v = site.run(&["verify", &target]);
    assert_eq!(v.stdout.trim(), "unexpected: portal/index.html");
    // --prune: the portal's file goes too, and verify is clean
    site.run(&["deploy", "--prune", &target]).expect_code(0);
    assert!(!web.path("portal/index.html").exists());
    site.run(&["verify", &target]).expect_code(0);
}

#[test]
fn deploy_refuses_a_missing_build_and_verify_a_folder_without_sums() {
    let site = small_site();
    let web = Site::empty();
    let target = web.root().to_str().unwrap();
    let run = site.run(&["deploy", target]);
    run.expect_code(1);
    assert!(run.stderr.contains("nianbao build"), "{}", run.stderr);
    let run = site.run(&["verify", target]);
    run.expect_code(1);
    assert!(run.stderr.contains("SHA256SUMS"), "{}", run.stderr);
    let run = site.run(&["deploy", "--rollback", target]);
    run.expect_code(1);
    assert!(run.stderr.contains("上一版本"), "{}", run.stderr);
}

#[test]
fn package_twice_gives_identical_bytes() {
    let site = small_site();
    site.run(&["build", "--no-downloads"]).expect_code(0);
    site.run(&["package", "--output", "a.zip"]).expect_code(0);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let run = site.run(&["-q", "package", "--output", "b.zip"]);
    run.expect_code(0);
    assert_eq!(run.stdout, "", "--quiet");
    let a = read(&site.path("a.zip"));
    assert_eq!(a, read(&site.path("b.zip")));
    assert!(utf8_flag(&a, "SHA256SUMS").is_some());
}

#[test]
fn completions_and_man_page_generate() {
    let site = Site::empty();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = site.run(&["completions", shell]);
        run.expect_code(0);
        assert!(run.stdout.contains("deploy"), "{shell}");
    }
    let run = site.run(&["man"]);
    run.expect_code(0);
    assert!(run.stdout.contains(".TH nianbao"), "{}", run.stdout);
    site.run(&["completions", "cmd.exe"]).expect_code(2);
}

#[test]
fn quiet_build_prints_nothing_but_errors() {
    let site = small_site();
    let run = site.run(&["--quiet", "build", "--no-downloads"]);
    run.expect_code(0);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    // (another output folder: the same one again would be a no-op rebuild, with nothing to list)
    let run = site.run(&["-v", "build", "--no-downloads", "--output", "verbose-out"]);
    run.expect_code(0);
    assert!(run.stderr.contains("2024/ceshizhen"), "{}", run.stderr);
    let run = site.run(&["build", "--no-downloads", "--output", "verbose-out"]);
    run.expect_code(0);
    assert!(run.stdout.contains("没有变化"), "{}", run.stdout);
}
