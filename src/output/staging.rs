//! Writing a built site atomically: everything goes into a staging folder beside the target,
//! which replaces the target only when it is complete. A failed build leaves the previous
//! output untouched; a folder that nianbao did not create is never replaced.

use super::{MARKER, OutputFile};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

#[derive(Debug)]
pub enum StagingError {
    /// The target exists, is not empty, and was not made by nianbao.
    NotOurs(PathBuf),
    /// The target is a web root that `nianbao deploy` published to (it may hold other files).
    WebRoot(PathBuf),
    /// An output path that would escape the output folder (a bug, or a hostile theme).
    BadPath(String),
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for StagingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StagingError::NotOurs(p) => write!(
                f,
                "拒绝替换 {}：该文件夹不为空，且不是 nianbao 生成的（缺少 {MARKER}）。请换一个输出文件夹（--output），或自行清空它",
                p.display()
            ),
            StagingError::WebRoot(p) => write!(
                f,
                "拒绝替换 {}：这是 nianbao deploy 部署过的网站根目录（可能还有其他文件）。请生成到别处，再用 nianbao deploy 更新它",
                p.display()
            ),
            StagingError::BadPath(p) => write!(f, "输出路径不安全：{p}"),
            StagingError::Io(p, e) => write!(f, "写入 {} 失败：{e}", p.display()),
        }
    }
}

impl std::error::Error for StagingError {}

fn io(p: &Path) -> impl FnOnce(std::io::Error) -> StagingError + '_ {
    move |e| StagingError::Io(p.to_path_buf(), e)
}

/// Sibling paths used while swapping: `.<name>.nianbao-staging` and `.<name>.nianbao-old`.
fn siblings(target: &Path) -> (PathBuf, PathBuf) {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let parent = target.parent().unwrap_or(Path::new("."));
    (
        parent.join(format!(".{name}.nianbao-staging")),
        parent.join(format!(".{name}.nianbao-old")),
    )
}

fn is_ours_or_empty(dir: &Path) -> Result<bool, StagingError> {
    if !dir.exists() {
        return Ok(true);
    }
    if !dir.is_dir() {
        return Ok(false);
    }
    if dir.join(MARKER).is_file() {
        return Ok(true);
    }
    let mut entries = fs::read_dir(dir).map_err(io(dir))?;
    Ok(entries.next().is_none())
}

fn safe_relative(p: &str) -> bool {
    !p.is_empty()
        && !p.contains('\\')
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Write `files` into `target`, replacing its previous content atomically (as far as the
/// filesystem allows: two renames; a crash between them leaves the old copy beside, which
/// the next build restores or removes).
pub fn write_site(target: &Path, files: &[OutputFile]) -> Result<(), StagingError> {
    let (staging, old) = siblings(target);
    recover(target, &staging, &old)?;
    if target.join(crate::deploy::STATE_DIR).exists() {
        return Err(StagingError::WebRoot(target.to_path_buf()));
    }
    if !is_ours_or_empty(target)? {
        return Err(StagingError::NotOurs(target.to_path_buf()));
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let result = fill_staging(target, &staging, files);
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    // swap: atomically where the system can exchange two folders, so that the target is at
    // every instant either the complete previous site or the complete new one
    if target.exists() && exchange(&staging, target) {
        if let Some(parent) = target.parent() {
            sync_dir(parent);
        }
        // `staging` now holds the previous site
        fs::remove_dir_all(&staging).map_err(io(&staging))?;
        return Ok(());
    }
    let had_old = target.exists();
    if had_old {
        fs::rename(target, &old).map_err(io(target))?;
    }
    if let Err(e) = fs::rename(&staging, target) {
        if had_old {
            let _ = fs::rename(&old, target);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(StagingError::Io(target.to_path_buf(), e));
    }
    if let Some(parent) = target.parent() {
        sync_dir(parent);
    }
    if had_old {
        fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(())
}

/// Write every file into `staging`, and make it durable before the swap. A file whose content
/// is the same as in the current output (by the two `SHA256SUMS`) is hard-linked from there
/// instead of written: an edit rewrites only what it changed.
fn fill_staging(target: &Path, staging: &Path, files: &[OutputFile]) -> Result<(), StagingError> {
    fs::create_dir_all(staging).map_err(io(staging))?;
    let mut dirs = BTreeSet::new();
    for f in files {
        if !safe_relative(&f.path) {
            return Err(StagingError::BadPath(f.path.clone()));
        }
        if let Some((dir, _)) = f.path.rsplit_once('/') {
            dirs.insert(dir);
        }
    }
    for dir in &dirs {
        let p = staging.join(dir);
        fs::create_dir_all(&p).map_err(io(&p))?;
    }
    let reuse = Reusable::find(target, files);
    let one_sync = cfg!(target_os = "linux");
    let write = |f: &OutputFile| {
        let p = staging.join(&f.path);
        // a page of the last build taken as it was (not read into memory): linked, or copied
        // if linking fails
        if let Some(from) = &f.in_place {
            if fs::hard_link(&from.path, &p).is_ok() {
                return Ok(());
            }
            fs::copy(&from.path, &p).map_err(io(&from.path))?;
            if !one_sync {
                fs::File::open(&p)
                    .and_then(|file| file.sync_all())
                    .map_err(io(&p))?;
            }
            return Ok(());
        }
        let mut file = fs::File::create(&p).map_err(io(&p))?;
        file.write_all(&f.bytes).map_err(io(&p))?;
        if !one_sync {
            file.sync_all().map_err(io(&p))?;
        }
        Ok(())
    };
    // SHA256SUMS last: every file it lists is older than it (see `Reusable::has`)
    let (sums, rest): (Vec<&OutputFile>, Vec<&OutputFile>) =
        files.iter().partition(|f| f.path == "SHA256SUMS");
    rest.par_iter().try_for_each(|f| {
        if reuse.has(target, f)
            && fs::hard_link(target.join(&f.path), staging.join(&f.path)).is_ok()
        {
            return Ok(());
        }
        write(f)
    })?;
    sums.into_iter().try_for_each(write)?;
    if one_sync {
        sync_filesystem(staging)?;
    } else {
        for dir in &dirs {
            sync_dir(&staging.join(dir));
        }
    }
    sync_dir(staging);
    Ok(())
}

/// Flush the whole filesystem holding `dir` at once (Linux `syncfs`): one journal commit for
/// all the files just written, much cheaper than one `fsync` per file; it makes the staging
/// folder durable before it is renamed into place.
#[cfg(target_os = "linux")]
fn sync_filesystem(dir: &Path) -> Result<(), StagingError> {
    use std::os::fd::AsRawFd;
    let f = fs::File::open(dir).map_err(io(dir))?;
    // SAFETY: `f` is an open descriptor for the duration of the call; syncfs only reads it.
    if unsafe { libc::syncfs(f.as_raw_fd()) } != 0 {
        return Err(StagingError::Io(
            dir.to_path_buf(),
            std::io::Error::last_os_error(),
        ));
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn sync_filesystem(_dir: &Path) -> Result<(), StagingError> {
    Ok(())
}

/// The files of the current output that a new build can keep as they are.
struct Reusable {
    /// Path → hash, from the current output's SHA256SUMS, for paths whose hash the new
    /// SHA256SUMS repeats.
    same: HashMap<String, String>,
    /// When the current SHA256SUMS was written: a file changed after it (by hand) is not
    /// trusted.
    written: Option<std::time::SystemTime>,
}

impl Reusable {
    fn find(target: &Path, files: &[OutputFile]) -> Reusable {
        let none = Reusable {
            same: HashMap::new(),
            written: None,
        };
        if !target.join(MARKER).is_file() {
            return none;
        }
        let sums = target.join("SHA256SUMS");
        let (Ok(old), Ok(meta)) = (fs::read_to_string(&sums), fs::metadata(&sums)) else {
            return none;
        };
        let Some(new) = files.iter().find(|f| f.path == "SHA256SUMS") else {
            return none;
        };
        let new: HashMap<&str, &str> = parse_sums(std::str::from_utf8(&new.bytes).unwrap_or(""));
        let same = parse_sums(&old)
            .into_iter()
            .filter(|(p, h)| new.get(p) == Some(h))
            .map(|(p, h)| (p.to_string(), h.to_string()))
            .collect();
        Reusable {
            same,
            written: meta.modified().ok(),
        }
    }

    /// Whether `f` is in the current output, unchanged since it was written.
    fn has(&self, target: &Path, f: &OutputFile) -> bool {
        if !self.same.contains_key(&f.path) {
            return false;
        }
        let Ok(meta) = fs::symlink_metadata(target.join(&f.path)) else {
            return false;
        };
        meta.is_file()
            && meta.len() == f.len()
            && matches!((meta.modified(), self.written), (Ok(m), Some(w)) if m <= w)
    }
}

/// `<hex>  <path>` lines → path → hex.
fn parse_sums(text: &str) -> HashMap<&str, &str> {
    text.lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(h, p)| (p, h))
        .collect()
}

/// Clean up after an interrupted build: a leftover staging folder is incomplete and goes; a
/// leftover old copy is the last complete site and comes back if the target is missing.
fn recover(target: &Path, staging: &Path, old: &Path) -> Result<(), StagingError> {
    if staging.exists() {
        fs::remove_dir_all(staging).map_err(io(staging))?;
    }
    if old.is_dir() {
        if !target.exists() {
            fs::rename(old, target).map_err(io(old))?;
        } else {
            fs::remove_dir_all(old).map_err(io(old))?;
        }
    }
    Ok(())
}

/// Exchange two folders in one step (Linux `renameat2(RENAME_EXCHANGE)`). False when the
/// system or file system cannot, and nothing was changed: the caller then renames twice.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(ca), Ok(cb)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call;
    // renameat2 reads them and touches no other memory of ours.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    r == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> bool {
    false
}

fn sync_dir(dir: &Path) {
    if let Ok(f) = fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{finish, sha256_hex};

    fn site(n: &str) -> Vec<OutputFile> {
        finish(vec![
            OutputFile::new("index.html", n),
            OutputFile::new("a/b.html", "b"),
        ])
    }

    #[test]
    fn replaces_previous_output_without_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        write_site(&out, &site("1")).unwrap();
        fs::write(out.join("stale.html"), "x").unwrap();
        write_site(&out, &site("2")).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "2");
        assert!(!out.join("stale.html").exists());
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["output"]);
    }

    #[test]
    fn refuses_foreign_folders_and_bad_paths() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("docs");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("mine.txt"), "keep").unwrap();
        let err = write_site(&out, &site("1")).unwrap_err();
        assert!(matches!(err, StagingError::NotOurs(_)));
        assert_eq!(fs::read_to_string(out.join("mine.txt")).unwrap(), "keep");
        let empty = dir.path().join("empty");
        fs::create_dir(&empty).unwrap();
        write_site(&empty, &site("1")).unwrap();
        let bad = vec![OutputFile::new("../evil", "x")];
        let err = write_site(&empty, &bad).unwrap_err();
        assert!(matches!(err, StagingError::BadPath(_)));
        assert_eq!(fs::read_to_string(empty.join("index.html")).unwrap(), "1");
    }

    #[cfg(unix)]
    #[test]
    fn unchanged_files_are_kept_not_rewritten() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        write_site(&out, &site("1")).unwrap();
        let ino = |p: &str| fs::metadata(out.join(p)).unwrap().ino();
        let (b, index) = (ino("a/b.html"), ino("index.html"));
        write_site(&out, &site("2")).unwrap();
        assert_eq!(ino("a/b.html"), b, "unchanged file kept (hard link)");
        assert_ne!(ino("index.html"), index, "changed file written");
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "2");
        // a file edited by hand after the build is not trusted, even with the same size
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(out.join("a/b.html"), "x").unwrap();
        write_site(&out, &site("2")).unwrap();
        assert_eq!(fs::read_to_string(out.join("a/b.html")).unwrap(), "b");
        // the previous output's copies are gone, the new output is complete
        let sums = fs::read_to_string(out.join("SHA256SUMS")).unwrap();
        for line in sums.lines() {
            let (h, p) = line.split_once("  ").unwrap();
            assert_eq!(sha256_hex(&fs::read(out.join(p)).unwrap()), h, "{p}");
        }
    }

    #[test]
    fn recovers_from_an_interrupted_swap() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        write_site(&out, &site("1")).unwrap();
        let (staging, old) = siblings(&out);
        // crash after the first rename: target missing, old present, staging complete
        fs::rename(&out, &old).unwrap();
        fs::create_dir_all(&staging).unwrap();
        fs::write(staging.join("partial"), "x").unwrap();
        write_site(&out, &site("2")).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "2");
        assert!(!staging.exists() && !old.exists());
    }
}
