//! Themes: the default theme is embedded in the binary; a site's `themes/<name>/` overrides it
//! file by file (`templates/*.html` and `static/**`).

use crate::content::links;
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
        // symlinks as in the rest of the site: inside it only (regression: a theme's static
        // files were published from anywhere through one), never back up
        let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        if !links::resolves_inside(&dir, &canonical_root) {
            bail!(
                "主题文件夹 {}：{}",
                dir.display(),
                links::refusal(&links::Link::Outside)
            );
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
                let is_dir = match e.file_type()? {
                    t if t.is_symlink() => match links::follow(&p, &canonical_root) {
                        links::Link::Inside(target) if target.is_dir() => {
                            bail!("主题文件 {}：{}", p.display(), links::FOLDER_LINK_REFUSED)
                        }
                        // a file, or nowhere (reading it fails below, naming it)
                        links::Link::Inside(_) | links::Link::Broken => false,
                        refused => bail!("主题文件 {}：{}", p.display(), links::refusal(&refused)),
                    },
                    t => t.is_dir(),
                };
                if is_dir {
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A theme's files are read through symlinks only as the rest of the site's: inside the
    /// site and not back up. Regression: a static file or folder linked from outside was
    /// published, and so was a whole theme folder linked from elsewhere.
    #[test]
    fn theme_files_are_not_taken_from_outside_the_site() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        let statics = root.join("themes/default/static");
        std::fs::create_dir_all(&statics).unwrap();
        std::fs::create_dir(root.join("shared")).unwrap();
        std::fs::write(root.join("shared/logo.svg"), "<svg/>").unwrap();
        // a file inside the site: followed
        std::os::unix::fs::symlink(root.join("shared/logo.svg"), statics.join("logo.svg")).unwrap();
        let theme = Theme::load(root, "default").unwrap();
        assert_eq!(theme.statics["logo.svg"], b"<svg/>");
        let refused = |what: &str| {
            let e = Theme::load(root, "default").unwrap_err();
            assert!(format!("{e:#}").contains(what), "{e:#}");
        };
        // a folder, even inside: not followed (links between folders can go round)
        std::os::unix::fs::symlink(root.join("shared"), statics.join("img")).unwrap();
        refused("符号链接指向文件夹");
        std::fs::remove_file(statics.join("img")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), statics.join("a.txt"))
            .unwrap();
        refused("站点文件夹之外");
        std::fs::remove_file(statics.join("a.txt")).unwrap();
        std::os::unix::fs::symlink(outside.path(), statics.join("dir")).unwrap();
        refused("站点文件夹之外");
        std::fs::remove_file(statics.join("dir")).unwrap();
        std::os::unix::fs::symlink("..", statics.join("up")).unwrap();
        refused("循环");
        std::fs::remove_file(statics.join("up")).unwrap();
        assert!(Theme::load(root, "default").is_ok());
        // the theme folder itself
        std::fs::create_dir_all(outside.path().join("t/static")).unwrap();
        std::fs::write(outside.path().join("t/static/x.txt"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("t"), root.join("themes/other")).unwrap();
        let e = Theme::load(root, "other").unwrap_err();
        assert!(format!("{e:#}").contains("站点文件夹之外"), "{e:#}");
    }
}
