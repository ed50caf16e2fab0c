//! The site model — organisations and their reports — and loading it from disk.

mod load;
pub mod read;

pub use load::{LoadCache, Loaded, load_site, load_site_cached};

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
    pub reports: Vec<Report>,
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

impl Report {
    pub fn body(&self) -> &str {
        &self.markdown.text[self.body_offset..]
    }
    pub fn archived(&self) -> bool {
        self.front.archived
    }
}

impl Site {
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
        self.reports.iter().filter(move |r| r.org == org)
    }
}
