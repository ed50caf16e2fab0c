//! The values the government page spec needs in `<meta>` tags (warnings when missing), and the
//! publication date: after the report year, before the configured deadline.

use crate::content::{Report, Site};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use regex::Regex;
use std::sync::LazyLock;

pub const META: &str = "meta";
pub const PUB_DATE: &str = "pub-date";
pub const YEAR: &str = "year";

/// Site-wide values: SiteName, SiteDomain, SiteIDCode.
pub fn check_site(site: &Site) -> Diagnostics {
    let mut out = Diagnostics::new();
    if site.config.base_url.is_none() {
        out.push(Diagnostic::file(
            Severity::Warning,
            META,
            "site.toml",
            "未设置 base_url：sitemap.xml、feed.xml 和 canonical 链接需要网站的完整网址（如 https://www.example.gov.cn/zwgk/ndbg/），目前只能写相对地址",
        ));
    }
    let g = &site.config.gov;
    for (value, key, meta) in [
        (&g.site_name, "site_name", "SiteName（网站名称）"),
        (&g.site_domain, "site_domain", "SiteDomain（网站域名）"),
        (&g.site_id_code, "site_id_code", "SiteIDCode（网站标识码）"),
    ] {
        if value.is_none() {
            out.push(Diagnostic::file(
                Severity::Warning,
                META,
                "site.toml",
                format!("[gov] 缺少 {key}：政府网站网页设计规范要求每个页面有 {meta}"),
            ));
        }
    }
    out
}

static TITLE_YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("((?:19|20)[0-9]{2})年").expect("valid"));

/// Per report: PubDate present and plausible; the title's year matches the folder.
pub fn check_report(site: &Site, r: &Report) -> Diagnostics {
    let mut out = Diagnostics::new();
    let md = &r.markdown;
    let at_front = |key: &str| {
        md.text[..r.body_offset]
            .find(&format!("{key} "))
            .or_else(|| md.text[..r.body_offset].find(key))
    };
    match r.front.published {
        None => out.push(Diagnostic::at(
            Severity::Warning,
            META,
            md,
            0,
            "front matter 缺少 published（发布日期，PubDate）：发布时填写，如 published = 2025-01-20",
        )),
        Some(d) => {
            let pos = at_front("published").unwrap_or(0);
            let (m, day) = site.config.deadline;
            if d.year <= r.year {
                out.push(Diagnostic::at(
                    Severity::Warning,
                    PUB_DATE,
                    md,
                    pos,
                    format!("发布日期 {} 不晚于报告年度（{} 年）结束：年度报告应在次年发布", d.ymd(), r.year),
                ));
            } else if (d.year, d.month, d.day) > (r.year + 1, m, day) {
                out.push(Diagnostic::at(
                    Severity::Warning,
                    PUB_DATE,
                    md,
                    pos,
                    format!(
                        "发布日期 {} 晚于发布期限 {}年{}月{}日（site.toml 的 deadline）",
                        d.ymd(),
                        r.year + 1,
                        m,
                        day
                    ),
                ));
            }
        }
    }
    if let Some(y) = r.front.year
        && y != r.year
    {
        out.push(Diagnostic::at(
            Severity::Error,
            YEAR,
            md,
            at_front("year").unwrap_or(0),
            format!("front matter 的 year = {y} 与文件夹年份 {} 不一致", r.year),
        ));
    }
    if let Some(title) = &r.front.title
        && let Some(c) = TITLE_YEAR.captures(title)
    {
        let y: u16 = c[1].parse().unwrap_or(r.year);
        if y != r.year {
            out.push(Diagnostic::at(
                Severity::Warning,
                YEAR,
                md,
                at_front("title").unwrap_or(0),
                format!("标题中的年份 {y} 与文件夹年份 {} 不一致", r.year),
            ));
        }
    }
    out
}
