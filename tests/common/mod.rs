//! Helpers for the integration tests: fixture sites written programmatically (all content is
//! invented: 测试镇人民政府, 示例县财政局 …), a runner for the real binary, output snapshots, a
//! link checker, a table-row reader for the generated HTML and a tiny HTTP/1.1 client.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_nianbao");

// ------------------------------------------------------------------ running the binary

/// The outcome of one run of `nianbao`.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Every diagnostic headline printed on stderr.
    pub fn headlines(&self) -> Vec<Headline> {
        self.stderr.lines().filter_map(parse_headline).collect()
    }

    /// Panics with both streams unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Run `nianbao --root <root> <args…>` in `root`, without colours. Never a panic.
pub fn nianbao(root: &Path, args: &[&str]) -> Run {
    let out = Command::new(BIN)
        .arg("--root")
        .arg(root)
        .args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run nianbao");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "nianbao {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

/// `path:line:col: error[RULE]: message` or `path: error[RULE]: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    pub path: String,
    pub pos: Option<(usize, usize)>,
    pub severity: String,
    pub rule: String,
    pub message: String,
}

pub fn parse_headline(line: &str) -> Option<Headline> {
    for severity in ["error", "warning"] {
        let pat = format!(": {severity}[");
        let Some(i) = line.find(&pat) else { continue };
        let loc = &line[..i];
        let (rule, message) = line[i + pat.len()..].split_once("]: ")?;
        let rule_ok = !rule.is_empty()
            && rule
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !rule_ok || message.trim().is_empty() || loc.is_empty() || loc.starts_with(' ') {
            return None;
        }
        let mut parts = loc.rsplitn(3, ':');
        let (c, l, p) = (parts.next(), parts.next(), parts.next());
        let (path, pos) = match (
            p,
            l.and_then(|l| l.parse::<usize>().ok()),
            c.and_then(|c| c.parse::<usize>().ok()),
        ) {
            (Some(p), Some(l), Some(c)) if l > 0 && c > 0 => (p.to_string(), Some((l, c))),
            _ => (loc.to_string(), None),
        };
        return Some(Headline {
            path,
            pos,
            severity: severity.to_string(),
            rule: rule.to_string(),
            message: message.to_string(),
        });
    }
    None
}

// ------------------------------------------------------------------ fixture sites

/// A site in a temporary folder.
pub struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    /// An empty folder (no site.toml yet).
    pub fn empty() -> Site {
        Site {
            dir: tempfile::Builder::new()
                .prefix("nianbao-it-")
                .tempdir()
                .expect("tempdir"),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// Write a file below the site, creating folders.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, contents).expect("write fixture");
    }

    /// Replace a file by writing a hidden sibling and renaming it over (what editors do), so a
    /// watcher never sees it half-written.
    pub fn write_atomic(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let p = self.path(rel);
        let tmp = p.with_file_name(format!(".{}.tmp", p.file_name().unwrap().to_string_lossy()));
        std::fs::write(&tmp, contents).expect("write tmp");
        std::fs::rename(&tmp, &p).expect("rename");
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Text of a file of the built site (`output/<rel>`).
    pub fn out(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path("output").join(rel))
            .unwrap_or_else(|e| panic!("read output/{rel}: {e}"))
    }

    pub fn site_toml(&self, text: &str) {
        self.write("site.toml", text);
    }

    pub fn org(&self, id: &str, name: &str, short: Option<&str>, kind: &str) {
        let mut s = format!("name = \"{name}\"\n");
        if let Some(short) = short {
            s.push_str(&format!("short_name = \"{short}\"\n"));
        }
        s.push_str(&format!(
            "kind = \"{kind}\"\naddress = \"示例县测试路1号（虚构）\"\nphone = \"0000-0000000\"\npostcode = \"000000\"\n"
        ));
        self.write(&format!("content/{id}/org.toml"), s);
    }

    pub fn report(&self, org: &str, year: u16, md: &str, tables: &str) {
        self.write(&format!("content/{org}/{year}/report.md"), md);
        self.write(&format!("content/{org}/{year}/tables.toml"), tables);
    }

    pub fn tables_rel(org: &str, year: u16) -> String {
        format!("content/{org}/{year}/tables.toml")
    }

    pub fn run(&self, args: &[&str]) -> Run {
        nianbao(self.root(), args)
    }
}

pub const SITE_TOML: &str = r#"title = "示例县政府信息公开工作年度报告（测试站点）"
deadline = "01-31"

[gov]
site_name = "示例县人民政府（测试）"
site_domain = "www.example.gov.cn"
site_id_code = "0000000000"
icp = "测ICP备00000000号"
police_record = "测公网安备 00000000000000号"
sponsor = "示例县人民政府办公室（测试）"
"#;

/// The narrative text that identifies one report on its page.
pub fn marker(org: &str, year: u16) -> String {
    format!("【{org}-{year}】本机关本年度依法推进政府信息公开工作（测试文本，纯属虚构）。")
}

/// report.md: front matter and a body.
pub fn report_md(front: &str, body: &str) -> String {
    format!("+++\n{front}+++\n{body}")
}

/// A body with the six headings, the narrative marker and explicit table markers.
pub fn six_section_body(org: &str, year: u16) -> String {
    format!(
        "## 一、总体情况\n\n{}\n\n## 二、主动公开政府信息情况\n\n<!-- 表二 -->\n\n## 三、收到和处理政府信息公开申请情况\n\n<!-- 表三 -->\n\n## 四、政府信息公开行政复议、行政诉讼情况\n\n<!-- 表四 -->\n\n## 五、存在的主要问题及改进情况\n\n示例问题：测试栏目更新不够及时。\n\n## 六、其他需要报告的事项\n\n无。\n",
        marker(org, year)
    )
}

/// A body for a custom-format report: the narrative, its one table placed by number.
pub fn custom_body(org: &str, year: u16) -> String {
    format!(
        "## 一、总体情况\n\n{}\n\n## 二、统计数据\n\n<!-- 表1 -->\n\n## 五、存在的主要问题及改进情况\n\n示例问题：测试。\n",
        marker(org, year)
    )
}

/// A body with only sections 一 and 五: the tables and headings 二–四 must be added.
pub fn partial_body(org: &str, year: u16) -> String {
    format!(
        "# 一、总体情况\n\n{}\n\n# 五、存在的主要问题及改进情况\n\n示例问题：测试。\n",
        marker(org, year)
    )
}

pub const APPLICATION_KEYS_2021: &[&str] = &[
    "received",
    "carried_over",
    "disclosed",
    "partially_disclosed",
    "withheld.state_secret",
    "withheld.prohibited_by_law",
    "withheld.security_stability",
    "withheld.third_party_rights",
    "withheld.internal_affairs",
    "withheld.process_information",
    "withheld.enforcement_files",
    "withheld.administrative_query",
    "unavailable.not_held",
    "unavailable.needs_creation",
    "unavailable.still_unclear",
    "not_processed.complaint",
    "not_processed.repeated",
    "not_processed.publication",
    "not_processed.excessive",
    "not_processed.confirmation",
    "other_handling.no_correction",
    "other_handling.fee_unpaid",
    "other_handling.other",
    "total",
    "carried_forward",
];

/// Values of the non-zero application rows shared by both national fixtures. They satisfy
/// R1–R3: 4 new + 1 carried over = 3 disclosed + 1 not held (total 4) + 1 carried forward.
fn application_value(key: &str) -> &'static str {
    match key {
        "received" => "[3, 1, 0, 0, 0, 0, 4]",
        "carried_over" => "[1, 0, 0, 0, 0, 0, 1]",
        "disclosed" => "[2, 1, 0, 0, 0, 0, 3]",
        "unavailable.not_held" => "[1, 0, 0, 0, 0, 0, 1]",
        "total" => "[3, 1, 0, 0, 0, 0, 4]",
        "carried_forward" => "[1, 0, 0, 0, 0, 0, 1]",
        _ => "[0, 0, 0, 0, 0, 0, 0]",
    }
}

const APPEALS: &str = "\n[appeals]\nreview = [1, 0, 0, 0, 1]\nlitigation_direct = [0, 0, 0, 1, 1]\nlitigation_after_review = [0, 0, 0, 0, 0]\n";

/// A valid format-2021 tables.toml: zeros with a few consistent non-zero values.
pub fn tables_2021() -> String {
    let mut s = String::from(
        "format = \"2021\"\n\n[active]\nregulations = [1, 1, 4]\nnormative_documents = [3, 3, 12]\nlicensing = 25\npunishment = 7\ncoercion = 0\nfees = 1.5\n\n[applications]\n",
    );
    for k in APPLICATION_KEYS_2021 {
        s.push_str(&format!("{k} = {}\n", application_value(k)));
    }
    s.push_str(APPEALS);
    s
}

/// A valid format-2019 tables.toml.
pub fn tables_2019() -> String {
    let mut s = String::from(
        "format = \"2019\"\n\n[active]\nregulations = [0, 0, 0]\nnormative_documents = [2, 2, 15]\nlicensing = [30, -2, 120]\nother_services = [5, 0, 40]\npunishment = [10, 1, 33]\ncoercion = [2, 0, 1]\nfees = [3, -1]\nprocurement = [4, 56.7]\n\n[applications]\n",
    );
    for k in APPLICATION_KEYS_2021 {
        if k.starts_with("other_handling.") {
            if *k == "other_handling.no_correction" {
                s.push_str("other_handling = [0, 0, 0, 0, 0, 0, 0]\n");
            }
            continue;
        }
        s.push_str(&format!("{k} = {}\n", application_value(k)));
    }
    s.push_str(APPEALS);
    s
}

/// A custom-format tables.toml with a rowspan and a colspan cell (invented figures).
pub fn tables_custom() -> String {
    r#"format = "custom"

[[tables]]
title = "测试镇政府信息公开情况统计表（虚构）"
header = [["指标", "细项", "数量"]]
rows = [
  ["主动公开信息", "合计", 20],
  [{ text = "公开渠道", rowspan = 2 }, "测试网站", 15],
  ["测试公开栏", 5],
  [{ text = "依申请公开（件）", colspan = 2 }, 3],
]
"#
    .to_string()
}

/// Replace the value of the line `key = …`.
pub fn set_line(text: &str, key: &str, value: &str) -> String {
    let prefix = format!("{key} = ");
    let mut hit = 0;
    let mut out = String::new();
    for l in text.lines() {
        if l.starts_with(&prefix) {
            hit += 1;
            out.push_str(&format!("{prefix}{value}\n"));
        } else {
            out.push_str(l);
            out.push('\n');
        }
    }
    assert_eq!(hit, 1, "exactly one line `{key} = …` expected");
    out
}

/// Remove the line `key = …`.
pub fn remove_line(text: &str, key: &str) -> String {
    let prefix = format!("{key} = ");
    let out: String = text
        .lines()
        .filter(|l| !l.starts_with(&prefix))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(out.len(), text.len(), "no line {key}");
    out
}

/// Insert `line` after the line `key = …`.
pub fn insert_after(text: &str, key: &str, line: &str) -> String {
    let prefix = format!("{key} = ");
    let mut out = String::new();
    for l in text.lines() {
        out.push_str(l);
        out.push('\n');
        if l.starts_with(&prefix) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// 1-based number of the first line starting with `prefix`.
pub fn line_of(text: &str, prefix: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix}"))
        + 1
}

/// 1-based column (in characters) of `needle` in line `line` (1-based).
pub fn col_of(text: &str, line: usize, needle: &str) -> usize {
    let l = text.lines().nth(line - 1).expect("line");
    let byte = l.find(needle).expect("needle in line");
    l[..byte].chars().count() + 1
}

pub const ORGS: [&str; 2] = ["ceshizhen", "shiliju"];

/// The reports of [`standard_site`]: (org, year, format).
pub const STANDARD_REPORTS: &[(&str, u16, &str)] = &[
    ("ceshizhen", 2018, "custom"),
    ("ceshizhen", 2019, "2019"),
    ("ceshizhen", 2022, "2021"),
    ("ceshizhen", 2023, "2021"),
    ("ceshizhen", 2024, "2021"),
    ("shiliju", 2022, "2021"),
    ("shiliju", 2023, "2021"),
    ("shiliju", 2024, "2021"),
];

/// Two organisations, 2022–2024 for both, plus a 2019-format year and a custom-format year
/// for 测试镇. 示例县财政局 2023 has only two headings; its 2024 tables omit `total`.
pub fn standard_site() -> Site {
    let site = Site::empty();
    site.site_toml(SITE_TOML);
    site.org("ceshizhen", "测试镇人民政府", Some("测试镇"), "乡镇");
    site.org("shiliju", "示例县财政局", None, "县级部门");
    for &(org, year, format) in STANDARD_REPORTS {
        let front = format!(
            "published = {}-01-2{}\nindex_number = \"TEST-{org}-{year}\"\narchived = false\n",
            year + 1,
            year % 10
        );
        let (body, tables) = match (org, year, format) {
            (_, _, "custom") => (custom_body(org, year), tables_custom()),
            (_, _, "2019") => (six_section_body(org, year), tables_2019()),
            ("shiliju", 2023, _) => (partial_body(org, year), tables_2021()),
            ("shiliju", 2024, _) => (
                six_section_body(org, year),
                remove_line(&tables_2021(), "total"),
            ),
            _ => (six_section_body(org, year), tables_2021()),
        };
        site.report(org, year, &report_md(&front, &body), &tables);
    }
    site
}

// ------------------------------------------------------------------ output

/// Every file below `dir` (hidden ones included), by `/`-separated relative path.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let e = e.expect("entry");
            let p = e.path();
            if e.file_type().expect("type").is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Names of the entries of a folder.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Decode `%XX` escapes (None for a malformed escape or invalid UTF-8).
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A link found in a page: the attribute value and the tag it sits in (up to the value).
#[derive(Debug, Clone)]
pub struct Link {
    pub value: String,
    pub tag: String,
}

/// Every `href="…"` and `src="…"` of a page.
pub fn links(html: &str) -> Vec<Link> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut from = 0;
        while let Some(i) = html[from..].find(attr) {
            let at = from + i;
            from = at + attr.len();
            // an attribute: preceded by whitespace, inside a tag
            let before = html[..at].chars().last();
            if !before.is_some_and(char::is_whitespace) {
                continue;
            }
            let tag_start = html[..at].rfind('<').unwrap_or(0);
            if html[tag_start..at].contains('>') {
                continue;
            }
            let end = html[from..]
                .find('"')
                .map(|e| from + e)
                .expect("closing quote");
            out.push(Link {
                value: unescape(&html[from..end]),
                tag: html[tag_start..at].to_string(),
            });
        }
    }
    out
}

fn has_id(html: &str, id: &str) -> bool {
    html.contains(&format!(" id=\"{id}\""))
}

/// Resolve a page-relative link against the page's folder; None if it leaves the site.
pub fn resolve_relative(page: &str, target: &str) -> Option<String> {
    let mut parts: Vec<String> = page.split('/').map(str::to_string).collect();
    parts.pop(); // the page's own file name
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s.to_string()),
        }
    }
    if target.ends_with('/') {
        parts.push(String::new());
    }
    Some(parts.join("/"))
}

pub const EXTERNAL_OK: &[&str] = &["https://beian.miit.gov.cn/", "https://beian.mps.gov.cn/"];

/// Check every link of every HTML page under `out` (except 404.html, whose links are rooted
/// at the site's path by design: it is served at any depth). Returns (links checked,
/// problems).
pub fn check_links(out: &Path) -> (usize, Vec<String>) {
    let site = snapshot(out);
    let mut problems = Vec::new();
    let mut checked = 0;
    for (page, bytes) in &site {
        if !page.ends_with(".html") || page == "404.html" {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        for link in links(&html) {
            checked += 1;
            let v = link.value.as_str();
            let mut fail = |why: &str| problems.push(format!("{page}: {v:?}: {why}"));
            if let Some(frag) = v.strip_prefix('#') {
                if !has_id(&html, frag) {
                    fail("fragment has no element with that id");
                }
                continue;
            }
            if v.starts_with("http://") || v.starts_with("https://") {
                let canonical = link.tag.contains("rel=\"canonical\"");
                if !canonical && !EXTERNAL_OK.iter().any(|p| v.starts_with(p)) {
                    fail("absolute URL outside canonical/beian links");
                }
                continue;
            }
            if v.starts_with('/') {
                fail("root-relative link (should be page-relative)");
                continue;
            }
            if v.split('/').next().is_some_and(|s| s.contains(':')) {
                fail("link with a scheme");
                continue;
            }
            if v.contains(' ') || !v.is_ascii() {
                fail("link not percent-encoded");
            }
            let (path, frag) = v.split_once('#').unwrap_or((v, ""));
            let path = path.split('?').next().unwrap_or("");
            let Some(decoded) = percent_decode(path) else {
                fail("bad percent-encoding");
                continue;
            };
            let Some(target) = resolve_relative(page, &decoded) else {
                fail("leaves the output folder");
                continue;
            };
            match site.get(&target) {
                None => fail(&format!("target {target} does not exist")),
                Some(t) if !frag.is_empty() && target.ends_with(".html") => {
                    if !has_id(&String::from_utf8_lossy(t), frag) {
                        fail("fragment not found in target");
                    }
                }
                Some(_) => {}
            }
        }
    }
    (checked, problems)
}

/// The cells (text of each `<td>`) of the first table row that has a header cell whose text
/// is exactly `label`.
pub fn row_cells(html: &str, label: &str) -> Option<Vec<String>> {
    let needle = format!(">{label}</th>");
    for row in html.split("<tr").skip(1) {
        let row = row.split("</tr>").next().unwrap_or("");
        if !row.contains(&needle) {
            continue;
        }
        let mut cells = Vec::new();
        let mut rest = row;
        while let Some(i) = rest.find("<td") {
            let after = &rest[i..];
            let open_end = after.find('>')?;
            let close = after.find("</td>")?;
            cells.push(unescape(&strip_tags(&after[open_end + 1..close])));
            rest = &after[close + 5..];
        }
        return Some(cells);
    }
    None
}

pub fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The `<a>` hrefs of the element of class `class` (e.g. `prev`) — the first one only.
pub fn href_in_class(html: &str, class: &str) -> Option<String> {
    let start = html.find(&format!("class=\"{class}\""))?;
    let rest = &html[start..];
    let end = rest.find("</li>").unwrap_or(rest.len());
    links(&rest[..end]).into_iter().next().map(|l| l.value)
}

/// Every page-relative link of the page at `page` (an output path), with the output path it
/// resolves to (percent-decoded).
pub fn resolved_links(page: &str, html: &str) -> Vec<(String, String)> {
    links(html)
        .into_iter()
        .filter(|l| !l.value.starts_with('#') && !l.value.contains("://"))
        .filter_map(|l| {
            let path = l.value.split(['#', '?']).next().unwrap_or("").to_string();
            let target = resolve_relative(page, &percent_decode(&path)?)?;
            Some((l.value, target))
        })
        .collect()
}

// ------------------------------------------------------------------ serve

/// `nianbao serve` as a child process, killed when dropped.
pub struct Server {
    child: std::process::Child,
    pub port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(root: &Path) -> Server {
        Server::start_with(root, &["--debounce", "100"])
    }

    /// The server's process id (for /proc readings in tests).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn get(&self, target: &str) -> HttpResponse {
        http(self.port, "GET", target)
            .unwrap_or_else(|e| panic!("GET {target}: {e}\nserver stderr:\n{}", self.stderr_text()))
    }

    /// GET `target` until `pred` holds for the response, for at most `secs` seconds.
    pub fn poll(
        &self,
        target: &str,
        secs: u64,
        pred: impl Fn(&HttpResponse) -> bool,
    ) -> HttpResponse {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let r = self.get(target);
            if pred(&r) {
                return r;
            }
            if Instant::now() > deadline {
                panic!(
                    "condition not met within {secs} s for {target}; last body:\n{}\nserver stderr:\n{}",
                    r.text(),
                    self.stderr_text()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request with `Connection: close`; the request target is sent as given.
pub fn http(port: u16, method: &str, target: &str) -> std::io::Result<HttpResponse> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.set_write_timeout(Some(Duration::from_secs(10)))?;
    let body_len = if method == "GET" || method == "HEAD" {
        String::new()
    } else {
        "Content-Length: 0\r\n".to_string()
    };
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{body_len}Connection: close\r\n\r\n"
    )?;
    s.flush()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body)?;
    }
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut b: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let nl = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| std::io::Error::other("bad chunk"))?;
        let size_text = String::from_utf8_lossy(&b[..nl]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| std::io::Error::other("bad chunk size"))?;
        b = &b[nl + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(
            b.get(..size)
                .ok_or_else(|| std::io::Error::other("short chunk"))?,
        );
        b = b.get(size + 2..).unwrap_or(&[]);
    }
}

/// site.toml, 测试镇人民政府 and one valid 2024 report.
pub fn small_site() -> Site {
    let site = Site::empty();
    site.site_toml(SITE_TOML);
    site.org("ceshizhen", "测试镇人民政府", Some("测试镇"), "乡镇");
    site.report(
        "ceshizhen",
        2024,
        &report_md(
            "published = 2025-01-20\narchived = false\n",
            &six_section_body("ceshizhen", 2024),
        ),
        &tables_2021(),
    );
    site
}

/// The HTML of the `<table>` with this id.
pub fn table_html<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let start = page[..start].rfind("<table").expect("<table");
    let end = page[start..].find("</table>").expect("</table>") + start;
    &page[start..end]
}

/// The text of every `<td>` of a piece of HTML, in order.
pub fn td_texts(html: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<td") {
        let after = &rest[i..];
        let open_end = after.find('>').expect(">");
        let close = after.find("</td>").expect("</td>");
        cells.push(unescape(&strip_tags(&after[open_end + 1..close])));
        rest = &after[close + 5..];
    }
    cells
}

/// The narrative part of a report page.
pub fn report_body(page: &str) -> &str {
    let start = page.find("class=\"report-body\"").expect("report-body");
    let rest = &page[start..];
    let end = rest.find("</article>").unwrap_or(rest.len());
    &rest[..end]
}

/// Percent-encode a path segment (everything but RFC 3986 unreserved characters).
pub fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A page as the preview server sends it, without what the server adds (the live-reload
/// script, and the error overlay with its stylesheet): what `nianbao build` writes.
pub fn strip_preview(html: &str) -> String {
    let mut s = html.replace("<script src=\"/__nianbao/live.js\"></script>\n", "");
    s = s.replace(
        "<link rel=\"stylesheet\" href=\"/__nianbao/overlay.css\">\n",
        "",
    );
    if let Some(i) = s.find("<div class=\"nianbao-overlay\"")
        && let Some(len) = s[i..].find("</div>")
    {
        s.replace_range(i..i + len + "</div>".len(), "");
    }
    // the documents the preview lists and makes on request (a build lists them with sizes)
    s.lines()
        .filter(|l| !l.contains(" data-preview>"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .trim_end_matches('\n')
        .to_string()
        + if s.ends_with('\n') { "\n" } else { "" }
}

/// Whether a file served by the preview is the file a clean build wrote at `path`: pages after
/// [`strip_preview`]; `SHA256SUMS` listing the same files (the preview's report pages also list
/// the documents it makes on request, so their hashes differ); anything else byte for byte.
pub fn same_as_built(path: &str, served: &HttpResponse, built: &[u8]) -> bool {
    if path.ends_with(".html") {
        strip_preview(&served.text()) == String::from_utf8_lossy(built)
    } else if path == "SHA256SUMS" {
        let files = |text: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.split_once("  ").map(|(_, p)| p.to_string()))
                .collect()
        };
        files(&served.text()) == files(&String::from_utf8_lossy(built))
    } else {
        served.body == built
    }
}

/// Build the site's current sources with `build --no-downloads` into a temporary folder and
/// assert that the server serves every file of it as [`same_as_built`] says.
#[track_caller]
pub fn assert_serves_a_clean_build(site: &Site, server: &Server) {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("site");
    site.run(&[
        "build",
        "--no-downloads",
        "--output",
        out_dir.to_str().unwrap(),
    ])
    .expect_code(0);
    for (path, bytes) in snapshot(&out_dir) {
        let r = server.get(&target_of(&path));
        assert_eq!(r.status, 200, "{path}");
        if path.ends_with(".html") {
            assert_eq!(
                strip_preview(&r.text()),
                String::from_utf8_lossy(&bytes),
                "{path} differs from a clean build"
            );
        } else {
            assert!(
                same_as_built(&path, &r, &bytes),
                "{path} differs from a clean build"
            );
        }
    }
}

/// The request target of an output path (`2024/测试/index.html` → `/2024/%E6%B5%8B%E8%AF%95/index.html`).
pub fn target_of(path: &str) -> String {
    let mut t = String::from("/");
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            t.push(b as char);
        } else {
            t.push_str(&format!("%{b:02X}"));
        }
    }
    t
}

impl Server {
    /// `nianbao serve --port 0 <args…>` (e.g. `--poll`), like [`Server::start`] otherwise.
    pub fn start_with(root: &Path, args: &[&str]) -> Server {
        Server::start_with_env(root, args, &[])
    }

    /// [`Server::start_with`], with extra environment variables (testing knobs).
    pub fn start_with_env(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(BIN)
            .arg("--root")
            .arg(root)
            .args(["serve", "--port", "0"])
            .args(args)
            .current_dir(root)
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nianbao serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr_pipe = child.stderr.take().expect("stderr");
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let stderr = Arc::clone(&stderr);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
                    let mut s = stderr.lock().unwrap();
                    s.push_str(&line);
                    s.push('\n');
                }
            });
        }
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // keep draining after the address is found, so the child never blocks on a full pipe
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut server = Server {
            child,
            port: 0,
            stderr,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.port == 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "serve printed no address; stderr:\n{}",
                    server.stderr_text()
                )
            });
            if let Some(i) = line.find("http://127.0.0.1:") {
                let digits: String = line[i + "http://127.0.0.1:".len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                assert!(
                    line[i..].contains(&format!(":{digits}/")),
                    "address line {line:?}"
                );
                server.port = digits.parse().expect("port");
            }
        }
        assert_ne!(server.port, 0);
        server
    }
}
