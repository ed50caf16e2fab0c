//! The same content as a Hugo site, for the side-by-side benchmark (scripts/bench-hugo.sh):
//! `cargo run --release --example hugo-export -- SITE OUT`.
//!
//! Every report becomes `content/<year>/<org>.md`: its narrative as Markdown with each table
//! marker replaced by the table as HTML (the same tables nianbao prints; tables not placed
//! follow the narrative). Years are sections, organisations a taxonomy, so Hugo makes the
//! same kinds of pages as nianbao (report, year, organisation, home, feed, sitemap) with a
//! minimal layout. Raw HTML in Markdown is allowed (`unsafe = true`) for the tables.

use nianbao::content::load_site;
use nianbao::render::markdown::{marker, table_slots};
use nianbao::render::tables_html;
use nianbao::tables::ReportTables;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

const BASEOF: &str = r#"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }} - {{ .Site.Title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
"#;
const SINGLE: &str = r#"{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p>{{ .Params.org_name }} · {{ .Date.Format "2006-01-02" }}</p>
{{ .Content }}
<nav>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>
</article>{{ end }}
"#;
const LIST: &str = r#"{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>{{ end }}
"#;
const INDEX: &str = r#"{{ define "main" }}<h1>{{ .Site.Title }}</h1>
<h2>年份</h2><ul>{{ range .Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>（{{ len .Pages }}）</li>{{ end }}</ul>
<h2>机关</h2><ul>{{ range .Site.Taxonomies.orgs }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a>（{{ .Count }}）</li>{{ end }}</ul>{{ end }}
"#;

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().expect("SITE"));
    let out = PathBuf::from(args.next().expect("OUT"));
    let site = load_site(&root).site.expect("a loadable site");
    let _ = std::fs::remove_dir_all(out.join("content"));
    write(
        &out.join("hugo.toml"),
        &format!(
            "baseURL = \"https://example.gov.cn/\"\nlanguageCode = \"zh-CN\"\ntitle = {}\n\n[taxonomies]\norg = \"orgs\"\n\n[markup.goldmark.renderer]\nunsafe = true\n",
            toml_str(&site.config.title)
        ),
    );
    write(&out.join("layouts/_default/baseof.html"), BASEOF);
    write(&out.join("layouts/_default/single.html"), SINGLE);
    write(&out.join("layouts/_default/list.html"), LIST);
    write(&out.join("layouts/index.html"), INDEX);
    for year in site.years() {
        write(
            &out.join(format!("content/{year}/_index.md")),
            &format!("+++\ntitle = \"{year}年政府信息公开工作年度报告\"\n+++\n"),
        );
    }
    for r in &site.reports {
        let org_name = site
            .org(&r.org)
            .map_or(r.org.clone(), |o| o.config.name.clone());
        let mut slots = table_slots(&r.tables);
        match &r.tables {
            ReportTables::National { tables, .. } => {
                for (p, t) in slots.iter_mut().zip(tables) {
                    p.html = tables_html::national(t, &format!("t-{}", t.def.key));
                }
            }
            ReportTables::Custom(list) => {
                for (i, (p, t)) in slots.iter_mut().zip(list).enumerate() {
                    p.html = tables_html::custom(t, &format!("t-{}", i + 1), i + 1);
                }
            }
        }
        let mut placed = vec![false; slots.len()];
        let mut body = String::new();
        for line in r.body().lines() {
            let slot =
                marker(line).and_then(|name| slots.iter().position(|s| s.names.contains(&name)));
            match slot {
                Some(i) => {
                    placed[i] = true;
                    let _ = writeln!(body, "\n{}\n", slots[i].html);
                }
                None => {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
        for (i, s) in slots.iter().enumerate() {
            if !placed[i] {
                let _ = writeln!(body, "\n{}\n", s.html);
            }
        }
        let date = r
            .front
            .published
            .map(|d| d.ymd())
            .unwrap_or_else(|| format!("{}-12-31", r.year));
        let front = format!(
            "+++\ntitle = {}\ndate = {date}\norg_name = {}\norgs = [{}]\n+++\n",
            toml_str(&r.title),
            toml_str(&org_name),
            toml_str(&org_name)
        );
        write(
            &out.join(format!("content/{}/{}.md", r.year, r.org)),
            &format!("{front}\n{body}"),
        );
    }
    println!("{} reports → {}", site.reports.len(), out.display());
}
