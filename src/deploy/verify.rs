//! `nianbao verify <dir>`: compare a copy of the site with its `SHA256SUMS`, listing every
//! changed, missing and unexpected file — what a tamper-protection audit asks for.

use super::{STATE_DIR, SUMS, Sums, hash_file, join, list_files, read_sums};
use crate::progress::{Progress, Task};
use anyhow::Result;
use rayon::prelude::*;
use std::path::Path;

/// What differs between a folder and its SHA256SUMS.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Files listed and compared.
    pub checked: usize,
    /// Listed, present, but with other content.
    pub changed: Vec<String>,
    /// Listed, but absent (or not a file).
    pub missing: Vec<String>,
    /// Present, but not listed (nianbao's own `.nianbao-deploy/` aside).
    pub unexpected: Vec<String>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.unexpected.is_empty()
    }
}

/// Verify `dir` against `dir/SHA256SUMS`. An unreadable or malformed list is an error.
pub fn verify(dir: &Path, progress: &dyn Progress) -> Result<VerifyReport> {
    let (sums, _) = read_sums(dir)?;
    let (changed, missing) = compare(dir, &sums, progress);
    let unexpected = list_files(dir, &[STATE_DIR])?
        .into_iter()
        .filter(|p| p != SUMS && !sums.contains_key(p))
        .collect();
    Ok(VerifyReport {
        checked: sums.len(),
        changed,
        missing,
        unexpected,
    })
}

/// The listed files of `dir` that differ from `sums`: (changed, missing), sorted. (A copy
/// of the site, a web root: its folders may be symlinks, to another disk, say.)
pub fn compare(dir: &Path, sums: &Sums, progress: &dyn Progress) -> (Vec<String>, Vec<String>) {
    compare_with(dir, sums, progress, false)
}

/// [`compare`] for a site as `build` made it, to be copied elsewhere (`deploy`, `package`):
/// a file below a folder that is a symlink counts as missing, since `build` makes none
/// (regression: `deploy` copied files from wherever a folder linked into the output led).
pub fn compare_built(
    dir: &Path,
    sums: &Sums,
    progress: &dyn Progress,
) -> (Vec<String>, Vec<String>) {
    compare_with(dir, sums, progress, true)
}

fn compare_with(
    dir: &Path,
    sums: &Sums,
    progress: &dyn Progress,
    real_folders_only: bool,
) -> (Vec<String>, Vec<String>) {
    let task = Task::start(progress, "校验文件", sums.len());
    fn parent(path: &str) -> &str {
        path.rsplit_once('/').map_or("", |(d, _)| d)
    }
    // with `real_folders_only`, the folders the listed files are in that no symlink leads to
    let real: Option<std::collections::HashSet<&str>> = real_folders_only.then(|| {
        let canonical = dir.canonicalize().ok();
        let folders: std::collections::BTreeSet<&str> = sums.keys().map(|p| parent(p)).collect();
        folders
            .into_par_iter()
            .filter(|f| join(dir, f).canonicalize().ok() == canonical.as_ref().map(|c| join(c, f)))
            .collect()
    });
    let results: Vec<(&String, Option<bool>)> = sums
        .par_iter()
        .map(|(path, want)| {
            let p = join(dir, path);
            if real.as_ref().is_some_and(|r| !r.contains(parent(path))) {
                task.advance(path);
                return (path, None);
            }
            let same = match std::fs::symlink_metadata(&p) {
                Ok(m) if m.is_file() => Some(hash_file(&p).is_ok_and(|h| &h == want)),
                _ => None,
            };
            task.advance(path);
            (path, same)
        })
        .collect();
    let mut changed = Vec::new();
    let mut missing = Vec::new();
    for (path, same) in results {
        match same {
            Some(true) => {}
            Some(false) => changed.push(path.clone()),
            None => missing.push(path.clone()),
        }
    }
    (changed, missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{OutputFile, finish, write_site};
    use crate::progress::Silent;

    /// A listed file below a folder that is a symlink counts as missing, even when the
    /// link leads to a file with the listed content (regression: `deploy` copied it).
    #[cfg(unix)]
    #[test]
    fn files_below_a_symlinked_folder_are_missing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let files = finish(vec![
            OutputFile::new("index.html", "home"),
            OutputFile::new("sec/a.txt", "secret"),
        ]);
        write_site(&out, &files).unwrap();
        assert!(verify(&out, &Silent).unwrap().is_clean());
        let elsewhere = dir.path().join("elsewhere");
        std::fs::rename(out.join("sec"), &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("sec")).unwrap();
        let (sums, _) = crate::deploy::read_sums(&out).unwrap();
        let (changed, missing) = compare_built(&out, &sums, &Silent);
        assert!(changed.is_empty());
        assert_eq!(missing, ["sec/a.txt"]);
        // a copy (a web root) may have symlinked folders
        assert_eq!(compare(&out, &sums, &Silent), (vec![], vec![]));
    }

    #[test]
    fn lists_changed_missing_and_unexpected_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let files = finish(vec![
            OutputFile::new("index.html", "home"),
            OutputFile::new("2024/寺下 镇/index.html", "page"),
            OutputFile::new("a.css", "css"),
        ]);
        write_site(&out, &files).unwrap();
        let r = verify(&out, &Silent).unwrap();
        assert!(r.is_clean(), "{r:?}");
        assert_eq!(r.checked, 4); // three files and the marker
        std::fs::write(out.join("2024/寺下 镇/index.html"), "pagf").unwrap();
        std::fs::remove_file(out.join("a.css")).unwrap();
        std::fs::write(out.join("extra.html"), "x").unwrap();
        std::fs::create_dir_all(out.join(STATE_DIR)).unwrap();
        std::fs::write(out.join(STATE_DIR).join("ignored"), "x").unwrap();
        let r = verify(&out, &Silent).unwrap();
        assert_eq!(r.changed, ["2024/寺下 镇/index.html"]);
        assert_eq!(r.missing, ["a.css"]);
        assert_eq!(r.unexpected, ["extra.html"]);
        assert!(!r.is_clean());
    }

    #[test]
    fn a_folder_without_sums_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let e = verify(dir.path(), &Silent).unwrap_err();
        assert!(format!("{e:#}").contains("SHA256SUMS"), "{e:#}");
    }
}
