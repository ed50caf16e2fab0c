//! `nianbao init [DIR]`: a new site — site.toml with every key explained in Chinese, one
//! organisation and this year's report — that `nianbao serve` shows at once.

use super::{Created, new_report};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// What to put in the new site.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// Folder name of the organisation (used in URLs).
    pub org: String,
    /// Its full name (org.toml `name`); None leaves a placeholder to fill in.
    pub org_name: Option<String>,
    pub year: u16,
}

/// What `init` created.
#[derive(Debug)]
pub struct Initialised {
    pub site_toml: PathBuf,
    pub report: Created,
}

/// Create a site in `dir` (created when missing). Refuses a folder that already holds a site
/// (site.toml or content/), so nothing is ever overwritten.
pub fn init_site(dir: &Path, opts: &InitOptions) -> Result<Initialised> {
    if !super::valid_org(&opts.org) {
        bail!(
            "机关文件夹名「{}」不可用：不能含 / \\ : * ? \" < > | 或以 . 开头（建议用英文字母、数字和 -）",
            opts.org
        );
    }
    for existing in ["site.toml", "content"] {
        if dir.join(existing).exists() {
            bail!(
                "{} 中已有站点（{existing} 已存在），未做任何修改。新建站点请换一个空文件夹",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建 {}", dir.display()))?;
    let site_toml = dir.join("site.toml");
    super::write_new(&site_toml, &site_toml_text(opts.org_name.as_deref()))?;
    let org_dir = dir.join("content").join(&opts.org);
    let result = (|| {
        std::fs::create_dir_all(&org_dir)
            .with_context(|| format!("无法创建 {}", org_dir.display()))?;
        super::write_new(
            &org_dir.join("org.toml"),
            &org_toml_text(&opts.org, opts.org_name.as_deref()),
        )?;
        new_report(dir, &opts.org, opts.year)
    })();
    match result {
        Ok(report) => Ok(Initialised { site_toml, report }),
        Err(e) => {
            // leave no half-made site behind
            let _ = std::fs::remove_file(&site_toml);
            let _ = std::fs::remove_dir_all(dir.join("content"));
            Err(e)
        }
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// site.toml of a new site: every key the site may use, each explained.
pub fn site_toml_text(org_name: Option<&str>) -> String {
    let title = match org_name {
        Some(n) => format!("{n}政府信息公开工作年度报告"),
        None => "政府信息公开工作年度报告".to_string(),
    };
    format!(
        r#"# 站点设置（nianbao）。以 # 开头的行是说明，不起作用；去掉行首的 # 即启用该项。
# 只有 title 是必填项，其余均可省略。文字要用英文双引号括起来，保存为 UTF-8 编码。

# 站点标题：显示在首页、浏览器标签和订阅源中，如 "某某县政府信息公开工作年度报告"
title = {title}

# 网站发布后的绝对网址（以 / 结尾），只用于 sitemap.xml、订阅源和 canonical 链接；
# 网站放在县政府门户的子目录时，填子目录的完整网址。不知道时不要填写。
# base_url = "https://www.example.gov.cn/zwgk/ndbg/"

# 主题：default 为内置默认主题；也可以是 themes/ 下自己的主题文件夹名
theme = "default"

# 年度报告的发布期限（月-日）。发布日期（report.md 中的 published）晚于下一年的这一天时给出警告
deadline = "01-31"

# 政府网站信息：显示在页头页脚，并写入网页的 <meta> 标签（政府网站网页设计规范）
[gov]
# 网站名称（SiteName），如 "某某县人民政府"
# site_name = ""
# 网站域名（SiteDomain），如 "www.example.gov.cn"
# site_domain = ""
# 网站标识码（SiteIDCode），10 位数字，见全国政府网站信息报送系统
# site_id_code = ""
# ICP 备案号，如 "赣ICP备00000000号"
# icp = ""
# 公安机关备案号，如 "赣公网安备 00000000000000号"
# police_record = ""
# 主办单位，如 "某某县人民政府办公室"
# sponsor = ""
# 承办单位
# organizer = ""
# 党政机关网站标识：本网站在 bszs.conac.cn 上的展示页完整地址（https://bszs.conac.cn/sitename?method=show&id=…），
# 填写后页脚显示标识并链接到该页
# conac_url = ""

# 下载文件（PDF、Word）使用的字体：填本机已安装字体的名称。不填时使用内置字体。
[fonts]
# 标题（二号），方正小标宋简体一类
# title = "方正小标宋简体"
# 正文（三号），仿宋一类
# body = "仿宋_GB2312"
# 一级标题「一、」，黑体一类
# heading = "黑体"
# 二级标题「（一）」，楷体一类
# subheading = "楷体_GB2312"
"#,
        title = quote(&title)
    )
}

/// org.toml of the first organisation: every key explained.
fn org_toml_text(org: &str, name: Option<&str>) -> String {
    let name_line = match name {
        Some(n) => format!("name = {}", quote(n)),
        None => format!(
            "name = {}   # 请改为机关全称，如「某某镇人民政府」",
            quote(org)
        ),
    };
    format!(
        r#"# 机关信息。文件夹名 content/{org}/ 会出现在网址中，建议用英文字母、数字和 -。

# 机关全称（必填），即报告的发布机关
{name_line}
# 简称，用于默认的报告标题「<简称><年份>年政府信息公开工作年度报告」
# short_name = ""
# 机关类别：乡镇 | 县级部门 | 本级政府 | 办公厅（室），或其他文字；用于排序和分组
# kind = "乡镇"
# 地址、电话、邮编：显示在机关页面和报告末尾的联系方式中
# address = ""
# phone = ""
# postcode = ""
"#
    )
}

/// The current year (UTC), from the system clock.
pub fn current_year() -> u16 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    year_of_day((secs / 86_400) as i64)
}

/// The Gregorian year of a day counted from 1970-01-01 (Howard Hinnant's civil_from_days).
fn year_of_day(days: i64) -> u16 {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    u16::try_from(year).unwrap_or(2025)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_of_days() {
        assert_eq!(year_of_day(0), 1970);
        assert_eq!(year_of_day(20_088), 2024); // 2024-12-31
        assert_eq!(year_of_day(20_089), 2025); // 2025-01-01
        assert!(current_year() >= 2025);
    }

    #[test]
    fn a_new_site_checks_without_errors_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("新站点");
        let opts = InitOptions {
            org: "sixia".into(),
            org_name: Some("测试镇人民政府".into()),
            year: 2025,
        };
        let done = init_site(&site, &opts).unwrap();
        assert!(done.site_toml.is_file());
        let checked = crate::build::load_and_check(&site);
        assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        assert_eq!(checked.report_count(), 1);
        let s = checked.site.unwrap();
        assert_eq!(s.orgs["sixia"].config.name, "测试镇人民政府");
        let before = std::fs::read(&done.site_toml).unwrap();
        let e = init_site(&site, &opts).unwrap_err();
        assert!(e.to_string().contains("已有站点"), "{e}");
        assert_eq!(std::fs::read(&done.site_toml).unwrap(), before);
    }

    #[test]
    fn every_site_key_is_in_the_template() {
        let text = site_toml_text(None);
        // every key site.toml accepts, read from its parser's own lists
        use crate::config::{FONT_KEYS, GOV_KEYS, SITE_KEYS};
        for key in SITE_KEYS.iter().chain(GOV_KEYS).chain(FONT_KEYS) {
            let key = match *key {
                "gov" | "fonts" => format!("[{key}]"),
                k => k.to_string(),
            };
            assert!(text.contains(&key), "{key}");
        }
        let src = crate::diagnostics::SourceFile::new("site.toml", text);
        let (c, d) = crate::config::SiteConfig::parse(&src);
        assert!(c.is_some() && !d.has_errors(), "{d:?}");
    }

    #[test]
    fn a_bad_org_name_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let opts = InitOptions {
            org: "../x".into(),
            org_name: None,
            year: 2025,
        };
        assert!(init_site(dir.path(), &opts).is_err());
        assert!(!dir.path().join("site.toml").exists());
        assert!(!dir.path().join("content").exists());
        assert!(!dir.path().join("x").exists());
    }
}
