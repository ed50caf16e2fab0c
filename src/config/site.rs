//! `site.toml`.

use super::toml_doc::{self, TableReader};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity, SourceFile, rule};

/// Government-website furniture and `<meta>` values (政府网站网页设计规范).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GovInfo {
    /// SiteName
    pub site_name: Option<String>,
    /// SiteDomain
    pub site_domain: Option<String>,
    /// SiteIDCode, 网站标识码
    pub site_id_code: Option<String>,
    /// ICP备案号
    pub icp: Option<String>,
    /// 公网安备号
    pub police_record: Option<String>,
    /// 主办单位
    pub sponsor: Option<String>,
    /// 承办单位
    pub organizer: Option<String>,
    /// 党政机关网站标识: the address of the site's page on the 党政机关网站标识 system
    /// (`https://bszs.conac.cn/sitename?method=show&id=…`), linked from a static badge.
    pub conac_url: Option<String>,
}

/// Fonts of the downloads (site.toml `[fonts]`): names of installed fonts, e.g. 仿宋_GB2312 or
/// FangSong. The Word file names them; the PDF embeds them (they must be installed).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FontsConfig {
    /// 标题 (二号), 方正小标宋简体-style
    pub title: Option<String>,
    /// 正文 (三号), 仿宋-style
    pub body: Option<String>,
    /// 一、 headings, 黑体-style
    pub heading: Option<String>,
    /// （一） headings, 楷体-style
    pub subheading: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SiteConfig {
    pub title: String,
    /// Always ends with `/` when set.
    pub base_url: Option<String>,
    pub theme: String,
    /// Publication deadline as (month, day).
    pub deadline: (u8, u8),
    pub gov: GovInfo,
    pub fonts: FontsConfig,
}

pub(crate) const SITE_KEYS: &[&str] = &["title", "base_url", "theme", "deadline", "gov", "fonts"];
pub(crate) const FONT_KEYS: &[&str] = &["title", "body", "heading", "subheading"];
pub(crate) const GOV_KEYS: &[&str] = &[
    "site_name",
    "site_domain",
    "site_id_code",
    "icp",
    "police_record",
    "sponsor",
    "organizer",
    "conac_url",
];

impl SiteConfig {
    /// Read site.toml. Returns None when it is unusable (the diagnostics say why).
    pub fn parse(src: &SourceFile) -> (Option<SiteConfig>, Diagnostics) {
        let doc = match toml_doc::parse(src, &src.text, 0) {
            Ok(doc) => doc,
            Err(d) => return (None, Diagnostics::from_iter([d])),
        };
        let mut r = TableReader::new(src, 0, &doc, "", SITE_KEYS);
        let title = r.required_string("title", "站点标题");
        let base_url = r.string("base_url").filter(|s| !s.trim().is_empty());
        let base_url = base_url.and_then(|u| match normalize_base_url(&u) {
            Ok(u) => Some(u),
            Err(msg) => {
                let span = r.get("base_url").map(|v| v.span()).unwrap_or(0..0);
                r.error_at(span, format!("`base_url` {msg}"));
                None
            }
        });
        let theme = r.string("theme").unwrap_or_else(|| "default".to_string());
        if theme.is_empty()
            || theme.contains(['/', '\\'])
            || crate::content::is_ignored_name(&theme)
            || theme.contains("..")
        {
            let span = r.get("theme").map(|v| v.span()).unwrap_or(0..0);
            r.error_at(
                span,
                format!("`theme` 应为 themes/ 下的文件夹名，实为 \"{theme}\""),
            );
        }
        let deadline = match r.string("deadline") {
            None => (1, 31),
            Some(s) => match parse_month_day(&s) {
                Some(md) => md,
                None => {
                    let span = r.get("deadline").map(|v| v.span()).unwrap_or(0..0);
                    r.error_at(
                        span,
                        format!("`deadline` 应写作 \"月-日\"，如 \"01-31\"，实为 \"{s}\""),
                    );
                    (1, 31)
                }
            },
        };
        let mut gov = GovInfo::default();
        if let Some(mut g) = r.table("gov", GOV_KEYS) {
            let mut opt = |k: &str| g.string(k).filter(|s| !s.trim().is_empty());
            gov.site_name = opt("site_name");
            gov.site_domain = opt("site_domain");
            gov.site_id_code = opt("site_id_code");
            gov.icp = opt("icp");
            gov.police_record = opt("police_record");
            gov.sponsor = opt("sponsor");
            gov.organizer = opt("organizer");
            gov.conac_url = opt("conac_url");
            if let Some(u) = &gov.conac_url
                && (!u.starts_with("https://")
                    || u.contains(char::is_whitespace)
                    || u.contains(['"', '<', '>']))
            {
                let span = g.get("conac_url").map(|v| v.span()).unwrap_or(0..0);
                g.error_at(
                    span,
                    format!("`conac_url` 应为党政机关网站标识的完整 https:// 地址，实为 \"{u}\""),
                );
                gov.conac_url = None;
            }
            r.absorb(g);
        }
        let mut fonts = FontsConfig::default();
        if let Some(mut f) = r.table("fonts", FONT_KEYS) {
            let mut opt = |k: &str| f.string(k).filter(|s| !s.trim().is_empty());
            fonts.title = opt("title");
            fonts.body = opt("body");
            fonts.heading = opt("heading");
            fonts.subheading = opt("subheading");
            r.absorb(f);
        }
        let diags = r.finish();
        let config = title.map(|title| SiteConfig {
            title,
            base_url,
            theme,
            deadline,
            gov,
            fonts,
        });
        if config.is_none() && !diags.has_errors() {
            // unreachable in practice: a missing title is reported above
            let mut d = diags;
            d.push(Diagnostic::file(
                Severity::Error,
                rule::SCHEMA,
                src.path.clone(),
                "site.toml 无法使用",
            ));
            return (None, d);
        }
        (config, diags)
    }
}

/// A base URL as the sitemap, feed and canonical links need it: absolute http(s), ending
/// with `/`, without characters that would need escaping in HTML or XML.
pub fn normalize_base_url(u: &str) -> Result<String, String> {
    let u = u.trim();
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .filter(|r| !r.is_empty() && !r.starts_with('/'));
    if rest.is_none() {
        return Err(format!(
            "应为以 https:// 开头的完整网址，如 https://www.example.gov.cn/zwgk/ndbg/，实为 \"{u}\""
        ));
    }
    if u.contains(['"', '<', '>', '\'', '&', ' ', '\\', '#', '?']) {
        return Err(format!("不能含空格、引号、< > & # ? 等字符，实为 \"{u}\""));
    }
    Ok(if u.ends_with('/') {
        u.to_string()
    } else {
        format!("{u}/")
    })
}

/// "01-31" → (1, 31), validating the day for the month (29 February allowed).
pub fn parse_month_day(s: &str) -> Option<(u8, u8)> {
    let (m, d) = s.trim().split_once('-')?;
    let m: u8 = m.parse().ok()?;
    let d: u8 = d.parse().ok()?;
    let max = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => 29,
        _ => return None,
    };
    (1..=max).contains(&d).then_some((m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Option<SiteConfig>, Diagnostics) {
        SiteConfig::parse(&SourceFile::new("site.toml", text.to_string()))
    }

    #[test]
    fn defaults_and_gov() {
        let (c, d) = parse(
            "title = \"T\"\nbase_url = \"https://x.gov.cn/a\"\n[gov]\nicp = \"赣ICP备1号\"\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let c = c.unwrap();
        assert_eq!(c.base_url.as_deref(), Some("https://x.gov.cn/a/"));
        assert_eq!(c.theme, "default");
        assert_eq!(c.deadline, (1, 31));
        assert_eq!(c.gov.icp.as_deref(), Some("赣ICP备1号"));
    }

    /// A theme folder must be one the build's fingerprint and the preview see: not hidden,
    /// not named like an editor's leftovers (their edits would go unnoticed).
    #[test]
    fn theme_names_that_are_skipped_are_refused() {
        for name in ["x.tmp", "x~", "~$x", ".x", "4913", "a/b"] {
            let (_, d) = parse(&format!("title = \"t\"\ntheme = \"{name}\"\n"));
            assert!(
                d.iter()
                    .any(|d| d.message.contains("`theme` 应为 themes/ 下的文件夹名")),
                "{name}: {d:?}"
            );
        }
        let (c, d) = parse("title = \"t\"\ntheme = \"县门户\"\n");
        assert_eq!(c.map(|c| c.theme), Some("县门户".to_string()), "{d:?}");
    }

    #[test]
    fn missing_title_and_bad_values() {
        let (c, d) = parse("deadline = \"13-01\"\ntheme = \"../x\"\n[gov]\nsite_nam = \"x\"\n");
        assert!(c.is_none());
        let msgs: Vec<_> = d.iter().map(|d| d.message.clone()).collect();
        assert!(
            msgs.iter().any(|m| m.contains("缺少必填项 `title`")),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("deadline")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("theme")), "{msgs:?}");
        assert!(
            msgs.iter()
                .any(|m| m.contains("`gov.site_nam`") && m.contains("`site_name`")),
            "{msgs:?}"
        );
    }

    #[test]
    fn month_day() {
        assert_eq!(parse_month_day("03-31"), Some((3, 31)));
        assert_eq!(parse_month_day("02-30"), None);
        assert_eq!(parse_month_day("x"), None);
    }
}
