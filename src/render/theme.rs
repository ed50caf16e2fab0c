//! Themes: the default theme is embedded in the binary; a site's `themes/<name>/` overrides it
//! file by file (`templates/*.html` and `static/**`).

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::Path;

macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!("../../themes/default/", $path)) as &[u8])),*]
    };
}

/// The default theme's files, relative to `themes/default/`.
pub const DEFAULT_THEME: &[(&str, &[u8])] = embed!(
    "templates/base.html",
    "templates/macros.html",
    "templates/report.html",
    "templates/year.html",
    "templates/completeness.html",
    "templates/compare.html",
    "templates/org.html",
    "templates/index.html",
    "templates/404.html",
    "templates/sitemap.html",
    "templates/statement.html",
    "templates/search.html",
    "templates/sitemap.xml",
    "templates/feed.xml",
    "static/assets/nianbao.css",
    "static/assets/nianbao.js",
    "static/assets/conac.svg",
    "pdf/report.typ",
    "docx/styles.toml",
);

/// A theme's files after overrides: templates by name, static files by output path, and the
/// download templates (`pdf/report.typ`) by path.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: BTreeMap<String, String>,
    pub statics: BTreeMap<String, Vec<u8>>,
    pub files: BTreeMap<String, String>,
}

impl Theme {
    /// The embedded default theme overlaid with `<root>/themes/<name>/` when that exists.
    /// A theme other than "default" must exist.
    pub fn load(root: &Path, name: &str) -> Result<Theme> {
        let mut theme = Theme::default();
        for (path, bytes) in DEFAULT_THEME {
            theme.add(path, bytes.to_vec())?;
        }
        let dir = root.join("themes").join(name);
        if !dir.is_dir() {
            if name != "default" {
                bail!(
                    "site.toml 指定的主题 `{name}` 不存在：找不到文件夹 {}",
                    dir.display()
                );
            }
            return Ok(theme);
        }
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            let entries = std::fs::read_dir(&d)
                .with_context(|| format!("无法读取主题文件夹 {}", d.display()))?;
            for e in entries {
                let e = e?;
                let p = e.path();
                let name = e.file_name().to_string_lossy().into_owned();
                if crate::content::is_ignored_name(&name) {
                    continue;
                }
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let rel = p
                    .strip_prefix(&dir)
                    .unwrap_or(&p)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let bytes = std::fs::read(&p)
                    .with_context(|| format!("无法读取主题文件 {}", p.display()))?;
                theme
                    .add(&rel, bytes)
                    .with_context(|| format!("主题文件 {}", p.display()))?;
            }
        }
        Ok(theme)
    }

    fn add(&mut self, rel: &str, bytes: Vec<u8>) -> Result<()> {
        if let Some(name) = rel.strip_prefix("templates/") {
            let text = String::from_utf8(bytes).context("模板不是 UTF-8 编码")?;
            self.templates.insert(name.to_string(), text);
        } else if let Some(out) = rel.strip_prefix("static/") {
            self.statics.insert(out.to_string(), bytes);
        } else if rel.starts_with("pdf/") || rel.starts_with("docx/") {
            let text = String::from_utf8(bytes).context("模板不是 UTF-8 编码")?;
            self.files.insert(rel.to_string(), text);
        }
        Ok(())
    }

    /// A fingerprint of every file, for caches keyed on the theme.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for (k, v) in &self.templates {
            h.update(k.as_bytes());
            h.update([0]);
            h.update(v.as_bytes());
            h.update([0]);
        }
        for (k, v) in &self.files {
            h.update(k.as_bytes());
            h.update([0]);
            h.update(v.as_bytes());
            h.update([0]);
        }
        for (k, v) in &self.statics {
            h.update(k.as_bytes());
            h.update([0]);
            h.update(v);
            h.update([0]);
        }
        format!("{:x}", h.finalize())
    }
}
