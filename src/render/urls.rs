//! Page-relative links: every page knows its path, and links are written relative to it.

use super::escape;
use rayon::prelude::*;

/// Output path of the home page, year pages, report pages and organisation pages.
pub fn home() -> String {
    "index.html".into()
}
pub fn year(year: u16) -> String {
    format!("{year}/index.html")
}
pub fn report_dir(year: u16, org: &str) -> String {
    format!("{year}/{org}")
}
pub fn report(year: u16, org: &str) -> String {
    format!("{year}/{org}/index.html")
}
pub fn org(org: &str) -> String {
    format!("org/{org}/index.html")
}
/// A year's publication status page.
pub fn completeness(year: u16) -> String {
    format!("{year}/completeness.html")
}
/// An organisation's tables of `year` compared with `prev`.
pub fn compare(org: &str, year: u16, prev: u16) -> String {
    format!("org/{org}/{year}-vs-{prev}.html")
}
/// Every cell of every report, for analysts.
pub const DATA_CSV: &str = "data/all.csv";
pub const DATA_JSON: &str = "data/all.json";
/// The offline search's index, beside `search.html`.
pub const SEARCH_INDEX: &str = "search-index.js";

/// `../../` for a page at `a/b/index.html`; empty at the top.
pub fn root_of(page: &str) -> String {
    "../".repeat(page.matches('/').count())
}

/// Link from the page at `from` to the output file `to` (both relative to the output root),
/// percent-encoded.
pub fn link(from: &str, to: &str) -> String {
    format!("{}{}", root_of(from), escape::path(to))
}

/// The absolute URL of an output path under `base_url` (which ends with `/`). `index.html`
/// is dropped so canonical URLs end with the folder.
pub fn absolute(base_url: &str, path: &str) -> String {
    let p = path.strip_suffix("index.html").unwrap_or(path);
    format!("{base_url}{}", escape::path(p))
}

/// Every output path the site's pages, downloads and attachments will have (theme files
/// aside): what links in the narrative may point to.
pub fn site_paths(site: &crate::content::Site) -> std::collections::HashSet<String> {
    let mut out: std::collections::HashSet<String> = [
        "index.html",
        "404.html",
        "sitemap.xml",
        "feed.xml",
        "SHA256SUMS",
        DATA_CSV,
        DATA_JSON,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for y in site.years() {
        out.insert(year(y));
        out.insert(completeness(y));
    }
    for o in site.orgs.keys() {
        out.insert(org(o));
    }
    let of_reports: Vec<Vec<String>> = site
        .reports
        .par_iter()
        .map(|r| {
            let dir = report_dir(r.year, &r.org);
            let mut paths = vec![report(r.year, &r.org)];
            if r.year > 0 && site.reports_of(&r.org).any(|p| p.year + 1 == r.year) {
                paths.push(compare(&r.org, r.year, r.year - 1));
            }
            for d in crate::export::download_names(r) {
                paths.push(format!("{dir}/{d}"));
            }
            for a in &r.attachments {
                paths.push(format!("{dir}/files/{}", a.name));
            }
            paths
        })
        .collect();
    out.extend(of_reports.into_iter().flatten());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links() {
        assert_eq!(root_of("index.html"), "");
        assert_eq!(root_of("2024/sixia/index.html"), "../../");
        assert_eq!(
            link("2024/index.html", "2024/寺下/index.html"),
            "../2024/%E5%AF%BA%E4%B8%8B/index.html"
        );
        assert_eq!(
            absolute("https://x.cn/nb/", "2024/sixia/index.html"),
            "https://x.cn/nb/2024/sixia/"
        );
        assert_eq!(
            absolute("https://x.cn/nb/", "index.html"),
            "https://x.cn/nb/"
        );
        assert_eq!(
            absolute("https://x.cn/nb/", "feed.xml"),
            "https://x.cn/nb/feed.xml"
        );
    }
}
