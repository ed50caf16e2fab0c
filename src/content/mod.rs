//! The site model — organisations and their reports — and loading it from disk.

pub mod kept;
pub mod links;
mod load;
pub mod read;

pub use load::{LoadCache, Loaded, load_site, load_site_cached, load_site_kept};

use crate::config::{FrontMatter, OrgConfig, SiteConfig};
use crate::diagnostics::SourceFile;
use crate::tables::ReportTables;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A whole site, as loaded.
#[derive(Debug)]
pub struct Site {
    /// The site's folder (where site.toml is).
    pub root: PathBuf,
    pub config: SiteConfig,
    /// Organisations by folder name.
    pub orgs: BTreeMap<String, Org>,
    /// Every report that loaded, newest year first, then by organisation folder name.
    /// Edit reports in place only: their order and organisations are indexed (see
    /// [`Site::new`]).
    pub reports: Vec<Report>,
    /// Positions in `reports` by organisation, newest first: pages ask for an organisation's
    /// reports once per report, which a scan of every report makes quadratic.
    by_org: std::collections::HashMap<String, Vec<usize>>,
}

#[derive(Debug)]
pub struct Org {
    /// The folder name, used in URLs.
    pub id: String,
    pub config: OrgConfig,
}

/// A file in a report's `files/` folder, published beside the report.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Path below `files/`, `/`-separated.
    pub name: String,
    pub path: PathBuf,
    pub size: u64,
}

#[derive(Debug, Clone)]
pub struct Report {
    /// Organisation folder name.
    pub org: String,
    pub year: u16,
    pub front: FrontMatter,
    /// The title: from front matter, or `<简称><year>年政府信息公开工作年度报告`.
    pub title: String,
    /// report.md as read; the body starts at `body_offset`.
    pub markdown: SourceFile,
    pub body_offset: usize,
    pub tables: ReportTables,
    pub tables_src: SourceFile,
    pub attachments: Vec<Attachment>,
}

/// Whether a file or folder of the site is skipped by name wherever the site is read (report
/// folders and their attachments, themes) and watched (the preview): hidden entries (`.` first)
/// and what editors and office programs leave while saving (`~` last, `~$` first, `.swp`,
/// `.swx`, `.tmp`, vim's test file `4913`). One definition, so that the preview never ignores
/// the change of a file that is published (regression: `files/x.tmp` was published, its
/// edits not previewed).
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.starts_with("~$")
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
}

impl Report {
    pub fn body(&self) -> &str {
        &self.markdown.text[self.body_offset..]
    }

    /// The report with `paragraph` put first in its narrative, as an edit of report.md
    /// would (a new `SourceFile`: its text is not changed in place). For tests.
    #[cfg(test)]
    pub fn insert_paragraph(&mut self, paragraph: &str) {
        let mut text = self.markdown.text.clone();
        text.insert_str(self.body_offset, &format!("{paragraph}\n\n"));
        self.markdown = crate::diagnostics::SourceFile::new(self.markdown.path.clone(), text);
    }
    pub fn archived(&self) -> bool {
        self.front.archived
    }
}

impl Site {
    /// A site of `orgs` and `reports` (newest year first, then by organisation folder name).
    pub fn new(
        root: PathBuf,
        config: SiteConfig,
        orgs: BTreeMap<String, Org>,
        reports: Vec<Report>,
    ) -> Site {
        let mut by_org: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, r) in reports.iter().enumerate() {
            by_org.entry(r.org.clone()).or_default().push(i);
        }
        Site {
            root,
            config,
            orgs,
            reports,
            by_org,
        }
    }

    pub fn org(&self, id: &str) -> Option<&Org> {
        self.orgs.get(id)
    }

    /// Years that have at least one report, newest first.
    pub fn years(&self) -> Vec<u16> {
        let mut years: Vec<u16> = self.reports.iter().map(|r| r.year).collect();
        years.dedup();
        years
    }

    /// The reports of one organisation, newest first.
    pub fn reports_of<'a>(&'a self, org: &'a str) -> impl Iterator<Item = &'a Report> + 'a {
        self.by_org
            .get(org)
            .into_iter()
            .flatten()
            .map(|&i| &self.reports[i])
    }
}

/// A copy of the sample site (site.toml and content/) in a temporary folder, for tests that
/// change files.
#[cfg(all(test, unix))]
pub(crate) fn sample_copy() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(sample.join("site.toml"), site.path().join("site.toml")).unwrap();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(sample.join("content"))
        .arg(site.path().join("content"))
        .status()
        .unwrap();
    assert!(status.success());
    site
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_organisations_reports_are_those_of_a_scan_newest_first() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let site = super::load_site(root).site.unwrap();
        let mut seen = 0;
        for id in site.orgs.keys() {
            let indexed: Vec<(&str, u16)> = site
                .reports_of(id)
                .map(|r| (r.org.as_str(), r.year))
                .collect();
            let scanned: Vec<(&str, u16)> = site
                .reports
                .iter()
                .filter(|r| &r.org == id)
                .map(|r| (r.org.as_str(), r.year))
                .collect();
            assert_eq!(indexed, scanned);
            assert!(indexed.windows(2).all(|w| w[0].1 > w[1].1), "{indexed:?}");
            seen += indexed.len();
        }
        assert_eq!(seen, site.reports.len());
        assert_eq!(site.reports_of("no-such-org").count(), 0);
    }
}
