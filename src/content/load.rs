//! Walking `content/` and loading every organisation and report.

use super::kept::KeptTables;
use super::links;
use super::read::{self, Found, read_opened};
use super::{Attachment, Org, Report, Site};
use crate::config::{FrontMatter, OrgConfig, SiteConfig};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity, rule};
use crate::tables::parse_tables;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The outcome of loading: the site when site.toml was usable, and every problem found.
/// Reports that could not be read at all are left out of the site (their errors say why).
#[derive(Debug)]
pub struct Loaded {
    pub site: Option<Site>,
    pub diagnostics: Diagnostics,
}

/// Reports parsed by an earlier load, reused while their sources read the same (the
/// preview keeps one between generations): report folder → (hash of what the report was
/// parsed from, the report without its attachments, the diagnostics of parsing).
#[derive(Debug, Default)]
pub struct LoadCache {
    reports: HashMap<PathBuf, CacheEntry>,
    /// How long files must have been unchanged before their stamps are trusted ([`SETTLED`];
    /// tests shorten it).
    settle: Option<std::time::Duration>,
    /// How many reports the last load read from disk (the others were unchanged).
    pub read: usize,
}

/// One report as parsed before.
#[derive(Debug, Clone)]
struct CacheEntry {
    /// The hash of what it was parsed from (its two files and its organisation's short name).
    key: [u8; 32],
    org_short: Option<String>,
    /// The report without attachments.
    report: Arc<Report>,
    /// The warnings of reading its files (encoding) and the diagnostics of parsing them.
    read: Diagnostics,
    parsed: Diagnostics,
    /// report.md's and tables.toml's size, times and inode when they were read, if they had
    /// then been unchanged for [`SETTLED`]: while a later load finds the same, the files were
    /// not written since and are not read again.
    stamps: Option<[Stamp; 2]>,
}

/// How a file looks on disk: what any write, rename over it or replacement changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
    inode: (u64, u64),
}

/// How long a file must have been unchanged before its stamp is trusted. File times tick
/// coarsely (a few milliseconds on Linux), so a write just after a read can leave a file with
/// the same size and times as when it was read; a file whose last change is this much older
/// than the read cannot have been written since without its times moving.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

#[cfg(unix)]
fn stamp(m: &std::fs::Metadata) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    Some(Stamp {
        len: m.len(),
        modified: (m.mtime(), m.mtime_nsec()),
        changed: (m.ctime(), m.ctime_nsec()),
        inode: (m.dev(), m.ino()),
    })
}

/// Elsewhere files are always read (their change time is not at hand).
#[cfg(not(unix))]
fn stamp(_: &std::fs::Metadata) -> Option<Stamp> {
    None
}

/// Whether a file stamped `s` had been unchanged for `settle` at `now`.
fn settled(s: &Stamp, now: std::time::SystemTime, settle: std::time::Duration) -> bool {
    let Ok(now) = now.duration_since(std::time::UNIX_EPOCH) else {
        return false;
    };
    let latest = s.modified.max(s.changed);
    let Ok(secs) = u64::try_from(latest.0) else {
        return false;
    };
    let at = std::time::Duration::new(secs, u32::try_from(latest.1).unwrap_or(0));
    now.checked_sub(at).is_some_and(|age| age >= settle)
}

/// Load the site rooted at `root`.
pub fn load_site(root: &Path) -> Loaded {
    load_site_with(root, None, None)
}

/// [`load_site`], reading from `kept` the tables parsed by an earlier run (see
/// [`super::kept`]) and leaving in it those of this one. The result is the same.
pub fn load_site_kept(root: &Path, kept: &KeptTables) -> Loaded {
    load_site_with(root, None, Some(kept))
}

/// Load the site rooted at `root`, parsing only the reports whose files changed since the
/// load that filled `cache` (every file is still read). The result is the same as
/// [`load_site`]'s.
pub fn load_site_cached(root: &Path, cache: &mut LoadCache) -> Loaded {
    load_site_with(root, Some(cache), None)
}

fn load_site_with(root: &Path, cache: Option<&mut LoadCache>, kept: Option<&KeptTables>) -> Loaded {
    let mut diags = Diagnostics::new();
    let site_path = root.join("site.toml");
    if !site_path.is_file() {
        diags.push(Diagnostic::file(
            Severity::Error,
            rule::LAYOUT,
            "site.toml",
            format!(
                "找不到 site.toml：{} 不是 nianbao 站点的文件夹（用 --root 指定站点文件夹）",
                root.display()
            ),
        ));
        return Loaded {
            site: None,
            diagnostics: diags,
        };
    }
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let site_toml =
        open_inside(&site_path, Path::new("site.toml"), &canonical_root).and_then(|found| {
            let found = found.ok_or_else(|| {
                Diagnostic::file(Severity::Error, rule::SYNTAX, "site.toml", "无法读取")
            })?;
            read_opened(found, Path::new("site.toml"), &mut diags)
        });
    let config = match site_toml {
        Ok(src) => {
            let (config, d) = SiteConfig::parse(&src);
            diags.extend(d);
            config
        }
        Err(d) => {
            diags.push(d);
            None
        }
    };
    let Some(config) = config else {
        return Loaded {
            site: None,
            diagnostics: diags,
        };
    };

    let content = root.join("content");
    let mut orgs = std::collections::BTreeMap::new();
    let mut report_dirs: Vec<(String, u16, PathBuf)> = Vec::new();
    if !content.is_dir() {
        diags.push(Diagnostic::file(
            Severity::Error,
            rule::LAYOUT,
            "content",
            "缺少 content/ 文件夹：每个机关一个子文件夹，如 content/<机关>/<年份>/report.md",
        ));
    }
    // content/ itself a symlink out of the site: refused as any other (regression: its
    // reports were published)
    let inside = links::resolves_inside(&content, &canonical_root);
    if !inside {
        diags.push(link_error(Path::new("content"), &links::Link::Outside));
    }
    let orgs_found = if inside {
        list_dir(&content, &mut diags, &canonical_root, root)
    } else {
        Vec::new()
    };
    for Entry {
        name, path, dir, ..
    } in orgs_found
    {
        if !dir {
            continue;
        }
        let rel = Path::new("content").join(&name);
        let org_toml = match open_inside(
            &path.join("org.toml"),
            &rel.join("org.toml"),
            &canonical_root,
        ) {
            Ok(Some(found)) if found.meta.is_file() => Ok(found),
            Ok(_) => {
                diags.push(Diagnostic::file(
                    Severity::Error,
                    rule::LAYOUT,
                    &rel,
                    format!(
                        "机关文件夹 content/{name} 缺少 org.toml（至少写 name = \"机关全称\"）"
                    ),
                ));
                continue;
            }
            // unreadable: said, and its reports still checked (they are not published)
            Err(d) => Err(d),
        };
        match org_toml.and_then(|found| read_opened(found, &rel.join("org.toml"), &mut diags)) {
            Ok(src) => {
                let (org, d) = OrgConfig::parse(&src);
                diags.extend(d);
                if let Some(config) = org {
                    orgs.insert(
                        name.clone(),
                        Org {
                            id: name.clone(),
                            config,
                        },
                    );
                }
            }
            Err(d) => diags.push(d),
        }
        for Entry {
            name: year_name,
            path: year_path,
            dir,
            ..
        } in list_dir(&path, &mut diags, &canonical_root, root)
        {
            if !dir {
                continue;
            }
            match parse_year(&year_name) {
                Some(year) => report_dirs.push((name.clone(), year, year_path)),
                None => diags.push(Diagnostic::file(
                    Severity::Error,
                    rule::LAYOUT,
                    rel.join(&year_name),
                    format!(
                        "content/{name}/{year_name} 不是年份文件夹：报告文件夹应以四位年份命名，如 content/{name}/2024"
                    ),
                )),
            }
        }
    }

    let old = cache
        .as_ref()
        .map(|c| (&c.reports, c.settle.unwrap_or(SETTLED)));
    let read_count = std::sync::atomic::AtomicUsize::new(0);
    let loaded: Vec<(Option<Report>, Diagnostics, Option<CacheEntry>)> = report_dirs
        .par_iter()
        .map(|(org, year, dir)| {
            let short = orgs
                .get(org)
                .map(|o: &Org| o.config.display_short().to_string());
            load_report(
                (root, &canonical_root),
                org,
                *year,
                dir,
                short.as_deref(),
                (old, kept),
                &read_count,
            )
        })
        .collect();
    let mut reports = Vec::new();
    let mut kept = HashMap::new();
    for ((report, d, entry), (_, _, dir)) in loaded.into_iter().zip(&report_dirs) {
        if let Some(entry) = entry {
            kept.insert(dir.clone(), entry);
        }
        diags.extend(d);
        if let Some(r) = report {
            // a report whose organisation failed to load cannot be published
            if orgs.contains_key(&r.org) {
                reports.push(r);
            }
        }
    }
    reports.sort_by(|a, b| b.year.cmp(&a.year).then_with(|| a.org.cmp(&b.org)));
    if let Some(c) = cache {
        c.read = read_count.load(std::sync::atomic::Ordering::Relaxed);
        c.reports = kept;
    }
    Loaded {
        site: Some(Site::new(root.to_path_buf(), config, orgs, reports)),
        diagnostics: diags,
    }
}

fn parse_year(name: &str) -> Option<u16> {
    (name.len() == 4 && name.bytes().all(|b| b.is_ascii_digit()))
        .then(|| name.parse().ok())
        .flatten()
        .filter(|y| *y >= 1990)
}

/// An entry of a folder, as [`list_dir`] gives it.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    name: String,
    path: PathBuf,
    /// A folder, or a symlink to one (inside the site).
    dir: bool,
    /// A symlink (to something inside the site).
    link: bool,
}

/// Entries of a folder, sorted by name; hidden and editor temp files skipped; symlinks that
/// lead out of the site or nowhere (see [`links::follow`]) refused with an error. Whether an entry is a folder
/// comes from the listing itself where the system gives it (no look-up per entry).
fn list_dir(dir: &Path, diags: &mut Diagnostics, canonical_root: &Path, root: &Path) -> Vec<Entry> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in rd.flatten() {
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        // what is skipped by name is skipped whatever its encoding (the build's fingerprint
        // leaves it out too)
        if super::is_ignored_name(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            diags.push(Diagnostic::file(
                Severity::Error,
                rule::LAYOUT,
                &rel,
                "文件名不是有效的 Unicode，无法用于网址：请重命名",
            ));
            continue;
        };
        let (dir, link) = match entry.file_type() {
            Ok(t) if t.is_symlink() => match links::follow(&path, canonical_root) {
                links::Link::Inside(target) => (target.is_dir(), true),
                // a folder above, inside the site: listed once (only organisation and year
                // folders are listed from here, and below files/ no folder link is followed)
                links::Link::Loop => (true, true),
                refused => {
                    diags.push(link_error(&rel, &refused));
                    continue;
                }
            },
            Ok(t) => (t.is_dir(), false),
            Err(_) => (path.is_dir(), false),
        };
        out.push(Entry {
            name,
            path,
            dir,
            link,
        });
    }
    out.sort();
    out
}

/// The error for the symlink at `rel` that [`links::follow`] refused.
fn link_error(rel: &Path, refused: &links::Link) -> Diagnostic {
    Diagnostic::file(Severity::Error, rule::LAYOUT, rel, links::refusal(refused))
}

/// Look up a source file of the site (`rel` in diagnostics) to read it: None when there is
/// none. A symlink is followed only when it leads inside the site, as in [`list_dir`]
/// (regression: a report's files read through a symlink were published from anywhere).
fn open_inside(
    path: &Path,
    rel: &Path,
    canonical_root: &Path,
) -> Result<Option<Found>, Diagnostic> {
    let cannot = |e: std::io::Error| {
        Diagnostic::file(Severity::Error, rule::SYNTAX, rel, format!("无法读取：{e}"))
    };
    let missing = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    match read::open_with(path, false) {
        Ok(found) => Ok(Some(found)),
        Err(e) if missing(&e) => Ok(None),
        Err(e) if read::is_symlink_error(&e) => {
            match links::follow(path, canonical_root) {
                links::Link::Inside(_) => {}
                // a broken symlink: no file
                links::Link::Broken => return Ok(None),
                refused => return Err(link_error(rel, &refused)),
            }
            match read::open(path) {
                Ok(found) => Ok(Some(found)),
                Err(e) if missing(&e) => Ok(None),
                Err(e) => Err(cannot(e)),
            }
        }
        Err(e) => Err(cannot(e)),
    }
}

/// The preview's reports as parsed before (see [`LoadCache`]), and how long a file must
/// have been unchanged for its stamps to be trusted.
type Parsed<'a> = Option<(&'a HashMap<PathBuf, CacheEntry>, std::time::Duration)>;

/// A report folder: its sources parsed (or, when `cache` has them with the same text, the
/// earlier parse reused), its attachments listed. Returns the report, the diagnostics and,
/// when caching, the entry to keep for next time.
fn load_report(
    (root, canonical_root): (&Path, &Path),
    org: &str,
    year: u16,
    dir: &Path,
    org_short: Option<&str>,
    (cache, kept): (Parsed<'_>, Option<&KeptTables>),
    read_count: &std::sync::atomic::AtomicUsize,
) -> (Option<Report>, Diagnostics, Option<CacheEntry>) {
    let mut diags = Diagnostics::new();
    let rel = Path::new("content").join(org).join(year.to_string());
    let md_rel = rel.join("report.md");
    let tables_rel = rel.join("tables.toml");
    let (md, tables) = rayon::join(
        || open_inside(&dir.join("report.md"), &md_rel, canonical_root),
        || open_inside(&dir.join("tables.toml"), &tables_rel, canonical_root),
    );
    for (found, what) in [
        (&md, "report.md（报告正文）"),
        (&tables, "tables.toml（统计表）"),
    ] {
        if matches!(found, Ok(None)) {
            diags.push(Diagnostic::file(
                Severity::Error,
                rule::LAYOUT,
                &rel,
                format!("报告文件夹 {} 缺少 {what}", rel.display()),
            ));
        }
    }
    // (None only when named missing above)
    let (Some(md), Some(tables)) = (md.transpose(), tables.transpose()) else {
        return (None, diags, None);
    };
    // unchanged since a read long after their last change: the parse of that read
    let now = std::time::SystemTime::now();
    let stamps = match (&md, &tables) {
        (Ok(a), Ok(b)) => stamp(&a.meta).zip(stamp(&b.meta)).map(|(a, b)| [a, b]),
        _ => None,
    };
    if let (Some((cache, _)), Some(stamps)) = (cache, stamps)
        && let Some(entry) = cache.get(dir)
        && entry.stamps == Some(stamps)
        && entry.org_short.as_deref() == org_short
    {
        diags.extend(entry.read.clone());
        diags.extend(entry.parsed.clone());
        let mut report = Report::clone(&entry.report);
        report.attachments =
            list_attachments((root, canonical_root), &dir.join("files"), &mut diags);
        return (Some(report), diags, Some(entry.clone()));
    }
    read_count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut read = Diagnostics::new();
    let read_found = |found: Result<Found, Diagnostic>, rel: &Path, read: &mut Diagnostics| {
        found.and_then(|f| read_opened(f, rel, read))
    };
    let markdown = match read_found(md, &md_rel, &mut read) {
        Ok(s) => s,
        Err(d) => {
            diags.extend(read);
            diags.push(d);
            return (None, diags, None);
        }
    };
    let tables_src = match read_found(tables, &tables_rel, &mut read) {
        Ok(s) => s,
        Err(d) => {
            diags.extend(read);
            // what parsing the front matter would have said comes first
            let (_, _, front_diags) = FrontMatter::parse(&markdown);
            diags.extend(front_diags);
            diags.push(d);
            return (None, diags, None);
        }
    };
    diags.extend(read.clone());
    let Some((cache, settle)) = cache else {
        let (report, d) = parse_report(org, year, markdown, tables_src, org_short, kept);
        diags.extend(d);
        let Some(mut report) = report else {
            return (None, diags, None);
        };
        report.attachments =
            list_attachments((root, canonical_root), &dir.join("files"), &mut diags);
        return (Some(report), diags, None);
    };
    let mut h = Sha256::new();
    for part in [
        markdown.text.as_bytes(),
        tables_src.text.as_bytes(),
        org_short.unwrap_or("\0").as_bytes(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    let key: [u8; 32] = h.finalize().into();
    // trusted next time only if both files had settled before this read
    let stamps = stamps.filter(|s| s.iter().all(|s| settled(s, now, settle)));
    let entry = match cache.get(dir) {
        // the same sources as last time: the same parse
        Some(entry) if entry.key == key => CacheEntry {
            read,
            stamps,
            ..entry.clone()
        },
        _ => match parse_report(org, year, markdown, tables_src, org_short, None) {
            (Some(r), d) => CacheEntry {
                key,
                org_short: org_short.map(str::to_string),
                report: Arc::new(r),
                read,
                parsed: d,
                stamps,
            },
            (None, d) => {
                diags.extend(d);
                return (None, diags, None);
            }
        },
    };
    diags.extend(entry.parsed.clone());
    let mut report = Report::clone(&entry.report);
    report.attachments = list_attachments((root, canonical_root), &dir.join("files"), &mut diags);
    (Some(report), diags, Some(entry))
}

/// A report from its two sources (attachments not listed yet).
fn parse_report(
    org: &str,
    year: u16,
    markdown: crate::diagnostics::SourceFile,
    tables_src: crate::diagnostics::SourceFile,
    org_short: Option<&str>,
    kept: Option<&KeptTables>,
) -> (Option<Report>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let (front, body_offset, d) = FrontMatter::parse(&markdown);
    let mut report_diags = d;
    let Some(front) = front else {
        diags.extend(report_diags);
        return (None, diags);
    };
    let (tables, d) = match kept {
        Some(kept) => kept.parse(&tables_src, front.archived),
        None => parse_tables(&tables_src, front.archived),
    };
    let Some(tables) = tables else {
        // the tables could not be read at all: nothing to publish, whatever `archived` says
        diags.extend(report_diags);
        diags.extend(d);
        return (None, diags);
    };
    report_diags.extend(d);
    if front.archived {
        report_diags.downgrade_errors();
    }
    diags.extend(report_diags);
    let title = front.title.clone().unwrap_or_else(|| {
        format!(
            "{}{year}年政府信息公开工作年度报告",
            org_short.unwrap_or(org)
        )
    });
    (
        Some(Report {
            org: org.to_string(),
            year,
            front,
            title,
            markdown,
            body_offset,
            tables,
            tables_src,
            attachments: Vec::new(),
        }),
        diags,
    )
}

fn list_attachments(
    (root, canonical_root): (&Path, &Path),
    files: &Path,
    diags: &mut Diagnostics,
) -> Vec<Attachment> {
    let mut out = Vec::new();
    // looked at without following a symlink: one leading out of the site is refused, as in
    // `list_dir` (regression: its files were published)
    let Ok(meta) = std::fs::symlink_metadata(files) else {
        return out;
    };
    if meta.is_symlink() {
        match links::follow(files, canonical_root) {
            links::Link::Inside(_) => {}
            // a broken one: no attachments
            links::Link::Broken => return out,
            refused => {
                diags.push(link_error(
                    files.strip_prefix(root).unwrap_or(files),
                    &refused,
                ));
                return out;
            }
        }
    }
    if !files.is_dir() {
        return out;
    }
    let mut stack = vec![files.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for Entry {
            name,
            path,
            dir: is_dir,
            link,
        } in list_dir(&dir, diags, canonical_root, root)
        {
            if is_dir {
                // a symlink to a folder is not followed below files/: links between folders
                // can go round (regression: the listing grew without end), and the folder
                // can be copied in instead
                if link {
                    let rel = path.strip_prefix(root).unwrap_or(&path);
                    diags.push(Diagnostic::file(
                        Severity::Error,
                        rule::LAYOUT,
                        rel,
                        links::FOLDER_LINK_REFUSED,
                    ));
                    continue;
                }
                stack.push(path);
            } else if let Ok(meta) = std::fs::metadata(&path) {
                let rel = path.strip_prefix(files).unwrap_or(Path::new(&name));
                let name = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push(Attachment {
                    name,
                    path,
                    size: meta.len(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    use crate::content::sample_copy;

    /// The errors of a load, each as "file message".
    fn errors_of(loaded: &Loaded) -> Vec<String> {
        loaded
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{} {}", d.file.display(), d.message))
            .collect()
    }

    /// Attachments named as editors and office programs name what they leave while saving are
    /// not published (the preview does not watch them either: `is_ignored_name`).
    #[test]
    fn editor_leftovers_are_no_attachments() {
        let site = sample_copy();
        let r = &load_site(site.path()).site.unwrap().reports[0];
        let files = site
            .path()
            .join(format!("content/{}/{}/files", r.org, r.year));
        std::fs::create_dir_all(&files).unwrap();
        let names = [
            "说明.pdf",
            ".DS_Store",
            "说明.pdf~",
            "~$说明.docx",
            ".说明.docx.swp",
            "x.swx",
            "~WRL0001.tmp",
            "4913",
            "4913.pdf",
            "a.tmpl",
        ];
        for n in names {
            std::fs::write(files.join(n), "x").unwrap();
        }
        // an office lock file whose name is not UTF-8 (GBK, unpacked from a zip): skipped as
        // well, not an error (the build's fingerprint leaves it out too)
        use std::os::unix::ffi::OsStrExt;
        let gbk = std::ffi::OsStr::from_bytes(b"~$\xb2\xe2\xca\xd4.docx");
        std::fs::write(files.join(gbk), "x").unwrap();
        let all = load_site(site.path());
        assert!(
            !all.diagnostics
                .iter()
                .any(|d| d.message.contains("Unicode")),
            "{:?}",
            all.diagnostics
        );
        let loaded = all.site.unwrap();
        let published: Vec<&str> = loaded
            .reports
            .iter()
            .find(|x| x.org == r.org && x.year == r.year)
            .unwrap()
            .attachments
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(published, ["4913.pdf", "a.tmpl", "说明.pdf"]);
    }

    /// What a load gave: the reports and the diagnostics.
    fn show(l: &Loaded) -> String {
        format!(
            "{:?}\n{:?}",
            l.site.as_ref().map(|s| &s.reports),
            l.diagnostics
        )
    }

    #[test]
    fn a_cached_load_equals_a_fresh_one() {
        let site = sample_copy();
        let root = site.path();
        let mut cache = LoadCache::default();
        assert_eq!(
            show(&load_site_cached(root, &mut cache)),
            show(&load_site(root))
        );
        assert!(!cache.reports.is_empty());
        // reused: the same
        assert_eq!(
            show(&load_site_cached(root, &mut cache)),
            show(&load_site(root))
        );
        // an edited report is parsed again
        let md = cache.reports.keys().next().unwrap().join("report.md");
        let text = std::fs::read_to_string(&md).unwrap();
        std::fs::write(&md, format!("{text}\n新增一段（测试）。\n")).unwrap();
        let edited = load_site_cached(root, &mut cache);
        assert!(show(&edited).contains("新增一段（测试）"));
        assert_eq!(show(&edited), show(&load_site(root)));
        // a broken one is not served from the cache
        std::fs::write(&md, "+++\nthis is not toml\n").unwrap();
        assert_eq!(
            show(&load_site_cached(root, &mut cache)),
            show(&load_site(root))
        );
        assert!(load_site(root).diagnostics.has_errors());
    }

    #[test]
    fn unchanged_files_are_not_read_again_and_any_write_is_seen() {
        let site = sample_copy();
        let root = site.path();
        // files count as settled at once here (the real wait is two seconds)
        let mut cache = LoadCache {
            settle: Some(std::time::Duration::ZERO),
            ..LoadCache::default()
        };
        let n = load_site(root).site.unwrap().reports.len();
        assert_eq!(
            show(&load_site_cached(root, &mut cache)),
            show(&load_site(root))
        );
        assert_eq!(cache.read, n);
        assert_eq!(
            show(&load_site_cached(root, &mut cache)),
            show(&load_site(root))
        );
        assert_eq!(cache.read, 0, "nothing changed: nothing read");
        // a write of the same length: the size is the same, the change time is not
        let md = cache.reports.keys().next().unwrap().join("report.md");
        let text = std::fs::read_to_string(&md).unwrap();
        let same_length = text.replacen("一", "二", 1);
        assert_ne!(same_length, text);
        assert_eq!(same_length.len(), text.len());
        std::thread::sleep(std::time::Duration::from_millis(30));
        std::fs::write(&md, &same_length).unwrap();
        let edited = load_site_cached(root, &mut cache);
        assert_eq!(cache.read, 1);
        assert_eq!(show(&edited), show(&load_site(root)));
        // with the real wait, a file changed just now is read every time until it settles
        let mut fresh = LoadCache::default();
        load_site_cached(root, &mut fresh);
        load_site_cached(root, &mut fresh);
        assert!(fresh.read >= 1, "the file written just now is read again");
    }

    #[test]
    fn symlinks_out_of_the_site_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("org.toml"), "name = \"外部机关\"\n").unwrap();
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        std::fs::write(root.join("site.toml"), "title = \"t\"\n").unwrap();
        std::fs::create_dir(root.join("content")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("content/evil")).unwrap();
        let loaded = load_site(root);
        assert!(loaded.site.unwrap().orgs.is_empty());
        let d: Vec<_> = loaded.diagnostics.into_vec();
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].is_error() && d[0].message.contains("符号链接"),
            "{d:?}"
        );
    }

    /// A report's sources and its `files` folder are read through a symlink only when it
    /// leads inside the site. Regression: a `files` symlink to a folder outside published
    /// that folder's files as the report's attachments, and a report.md symlink read its
    /// target.
    #[test]
    fn a_reports_files_are_not_taken_from_outside_the_site() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        let site = sample_copy();
        let root = site.path();
        let r = &load_site(root).site.unwrap().reports[0];
        let dir = root.join(format!("content/{}/{}", r.org, r.year));
        let outside_errors = |root: &Path| {
            let loaded = load_site(root);
            let errors = errors_of(&loaded);
            (loaded.site.unwrap(), errors)
        };

        // inside the site: followed
        std::fs::create_dir(root.join("shared")).unwrap();
        std::fs::write(root.join("shared/附件.txt"), "ok").unwrap();
        std::os::unix::fs::symlink(root.join("shared"), dir.join("files")).unwrap();
        std::fs::rename(dir.join("report.md"), root.join("shared/report.md")).unwrap();
        std::os::unix::fs::symlink(root.join("shared/report.md"), dir.join("report.md")).unwrap();
        let (loaded, errors) = outside_errors(root);
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<&str> = loaded.reports[0]
            .attachments
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert!(names.contains(&"附件.txt"), "{names:?}");

        // outside: refused, nothing read from there
        std::fs::remove_file(dir.join("files")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.join("files")).unwrap();
        let (loaded, errors) = outside_errors(root);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("/files 符号链接指向站点文件夹之外"),
            "{errors:?}"
        );
        assert!(loaded.reports[0].attachments.is_empty());

        std::fs::remove_file(dir.join("files")).unwrap();
        std::fs::remove_file(dir.join("report.md")).unwrap();
        std::fs::copy(
            root.join("shared/report.md"),
            outside.path().join("report.md"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path().join("report.md"), dir.join("report.md"))
            .unwrap();
        let (loaded, errors) = outside_errors(root);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("report.md 符号链接指向站点文件夹之外"),
            "{errors:?}"
        );
        assert!(
            loaded
                .reports
                .iter()
                .all(|x| (&x.org, x.year) != (&r.org, r.year))
        );

        // a broken symlink is a missing file
        std::fs::remove_file(dir.join("report.md")).unwrap();
        std::os::unix::fs::symlink(dir.join("nowhere.md"), dir.join("report.md")).unwrap();
        let (_, errors) = outside_errors(root);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("缺少 report.md"), "{errors:?}");
    }

    /// Below files/ no symlink to a folder is followed, not even one inside the site (links
    /// between folders can go round); links to files inside the site are. Regression: two
    /// links to the folder above, or two folders linked to each other, made the listing (and
    /// the build) grow without end.
    #[test]
    fn folder_links_below_files_are_not_followed() {
        let site = sample_copy();
        let root = site.path();
        let r = &load_site(root).site.unwrap().reports[0];
        let files = root.join(format!("content/{}/{}/files", r.org, r.year));
        std::fs::create_dir_all(files.join("a")).unwrap();
        std::fs::create_dir_all(files.join("b")).unwrap();
        std::fs::write(files.join("a/附件.txt"), "1").unwrap();
        std::fs::write(root.join("说明.txt"), "2").unwrap();
        for (name, to) in [
            ("up", Path::new("..").to_path_buf()),
            ("here", Path::new(".").to_path_buf()),
            ("a/x", Path::new("../b").to_path_buf()),
            ("b/y", Path::new("../a").to_path_buf()),
            ("说明.txt", root.join("说明.txt")),
        ] {
            std::os::unix::fs::symlink(to, files.join(name)).unwrap();
        }
        let loaded = load_site(root);
        let errors = errors_of(&loaded);
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors.iter().all(|e| e.contains("符号链接指向文件夹")),
            "{errors:?}"
        );
        let site = loaded.site.unwrap();
        let names: Vec<&str> = site.reports[0]
            .attachments
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(names, ["a/附件.txt", "说明.txt"]);
        // files/ itself may be a link, but not back up
        std::fs::remove_dir_all(&files).unwrap();
        std::os::unix::fs::symlink("..", &files).unwrap();
        let errors = errors_of(&load_site(root));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("循环"), "{errors:?}");
    }

    /// content/ and site.toml themselves are not read from outside the site either.
    /// Regression: content/ as a symlink to another folder published its reports.
    #[test]
    fn content_and_settings_are_not_taken_from_outside_the_site() {
        let outside = sample_copy();
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        std::fs::copy(outside.path().join("site.toml"), root.join("site.toml")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("content"), root.join("content")).unwrap();
        let loaded = load_site(root);
        let errors = errors_of(&loaded);
        assert!(loaded.site.unwrap().reports.is_empty());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("content 符号链接指向站点文件夹之外"),
            "{errors:?}"
        );

        std::fs::remove_file(root.join("site.toml")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("site.toml"), root.join("site.toml"))
            .unwrap();
        let loaded = load_site(root);
        assert!(loaded.site.is_none());
        let d: Vec<_> = loaded.diagnostics.iter().collect();
        assert!(d[0].message.contains("站点文件夹之外"), "{d:?}");
    }

    /// A named pipe in place of a source is refused at once. (Opening one to read waits for
    /// a writer; loading opens without waiting.)
    #[cfg(target_os = "linux")]
    #[test]
    fn a_named_pipe_is_no_source() {
        let site = sample_copy();
        let root = site.path();
        let r = &load_site(root).site.unwrap().reports[0];
        let tables = root.join(format!("content/{}/{}/tables.toml", r.org, r.year));
        std::fs::remove_file(&tables).unwrap();
        let c = std::ffi::CString::new(tables.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only reads it.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let loaded = load_site(root);
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("应为普通文件"), "{errors:?}");
    }
}
