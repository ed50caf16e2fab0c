//! Writing a built site atomically: everything goes into a staging folder beside the target,
//! which replaces the target only when it is complete. A failed build leaves the previous
//! output untouched; a folder that nianbao did not create is never replaced.
//!
//! Where the system exchanges two folders in one step (Linux), the output it replaced is kept
//! beside it as the *spare* (`.<name>.nianbao-spare`, its files mostly hard links to the
//! output's), and the next build brings the spare up to date as its staging folder instead of
//! making every folder and link again: after an edit of one report, a few files change.

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
    /// Files of the current output that the build took as they were (see
    /// [`super::InPlace`]) changed since they were written (their paths in the output):
    /// nothing was replaced, and the build has to make them again.
    Changed(Vec<String>),
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
            StagingError::Changed(p) => {
                write!(f, "输出文件夹中的 {} 在上次生成之后被改动过", p.join("、"))
            }
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
    (sibling(target, "staging"), sibling(target, "old"))
}

/// `.<name>.nianbao-<what>` beside `target`.
fn sibling(target: &Path, what: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let parent = target.parent().unwrap_or(Path::new("."));
    parent.join(format!(".{name}.nianbao-{what}"))
}

/// When the inode behind `meta` last changed (content, name, links or attributes).
#[cfg(unix)]
fn changed_at(meta: &fs::Metadata) -> Option<std::time::SystemTime> {
    use std::os::unix::fs::MetadataExt;
    let secs = u64::try_from(meta.ctime()).ok()?;
    let nanos = u32::try_from(meta.ctime_nsec()).ok()?;
    std::time::UNIX_EPOCH.checked_add(std::time::Duration::new(secs, nanos))
}

#[cfg(not(unix))]
fn changed_at(_meta: &fs::Metadata) -> Option<std::time::SystemTime> {
    None
}

/// Whether `p` is a folder itself, not a symlink to one.
fn is_real_dir(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok_and(|m| m.is_dir())
}

/// The previous output kept beside `target` for the next build (see the module's text).
fn spare_of(target: &Path) -> PathBuf {
    sibling(target, "spare")
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
    write_site_with(target, files, |_, _| {})
}

/// Every entry of a folder tree, folders included, as (`/`-separated path relative to it, its
/// metadata), in no particular order (what `list_tree` gives).
pub type Listing = Vec<(String, fs::Metadata)>;

/// [`write_site`], calling `while_syncing` with the staging folder once every file is in it,
/// while the system makes it durable (waiting for the disk; the work of `while_syncing` is
/// done meanwhile): the folder holds then what the target will hold, file for file, with the
/// same metadata. With it, when known without listing the folder, its [`Listing`] (the
/// spare's, brought up to date). Not called when the site is not written.
pub fn write_site_with(
    target: &Path,
    files: &[OutputFile],
    while_syncing: impl FnOnce(&Path, Option<&Listing>),
) -> Result<(), StagingError> {
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
    // the spare becomes the staging folder (a rename: a crash from here on leaves a staging
    // folder, which the next build removes); only a real folder: through a symlink the build
    // would update whatever it points to
    let spare = spare_of(target);
    let from_spare = is_real_dir(&spare) && fs::rename(&spare, &staging).is_ok();
    if fs::symlink_metadata(&spare).is_ok() && !from_spare {
        let _ = fs::remove_dir_all(&spare);
    }
    let result = fill_staging(target, &staging, files, from_spare, while_syncing);
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
        // `staging` now holds the previous site: the next build's spare (unless the target
        // was a symlink, now at `staging`: removed, as before the spare existed)
        if !is_real_dir(&staging) || fs::rename(&staging, &spare).is_err() {
            fs::remove_dir_all(&staging).map_err(io(&staging))?;
        }
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
/// instead of written: an edit rewrites only what it changed. `from_spare`: `staging` holds
/// an earlier output (the spare), whose files are kept where they are already right.
fn fill_staging(
    target: &Path,
    staging: &Path,
    files: &[OutputFile],
    from_spare: bool,
    while_syncing: impl FnOnce(&Path, Option<&Listing>),
) -> Result<(), StagingError> {
    let mut dirs = BTreeSet::new();
    for f in files {
        if !safe_relative(&f.path) {
            return Err(StagingError::BadPath(f.path.clone()));
        }
        if let Some((dir, _)) = f.path.rsplit_once('/') {
            dirs.insert(dir);
        }
    }
    // the new SHA256SUMS, against which the current output and the spare are compared
    let new_sums = files
        .iter()
        .find(|f| f.path == "SHA256SUMS")
        .map(|f| parse_sums(std::str::from_utf8(&f.bytes).unwrap_or("")));
    let reuse = Reusable::find(target, new_sums.as_ref());
    let updated = if from_spare {
        let updated = new_sums
            .as_ref()
            .and_then(|new| update_spare(staging, files, new, reuse.written));
        if updated.is_none() {
            // not a complete earlier output: start afresh
            fs::remove_dir_all(staging).map_err(io(staging))?;
        }
        updated
    } else {
        None
    };
    let from_spare = updated.is_some();
    let Updated {
        kept,
        emptied: mut touched,
        entries,
    } = updated.unwrap_or_default();
    crate::progress::phase_done("staging folder ready");
    fs::create_dir_all(staging).map_err(io(staging))?;
    for dir in dirs.iter().filter(|d| !kept.contains(**d)) {
        let p = staging.join(dir);
        fs::create_dir_all(&p).map_err(io(&p))?;
        // a new folder: its entry in its parent, and its own
        touched.insert(parent_of(dir).to_string());
        touched.insert(dir.to_string());
    }
    let one_sync = cfg!(target_os = "linux");
    // Ok(true) when `f`'s content was written (or copied), Ok(false) when it was linked
    let write = |f: &OutputFile| -> Result<bool, StagingError> {
        let p = staging.join(&f.path);
        // a page of the last build taken as it was (not read into memory), if still as it
        // was: linked, or copied if linking fails
        if let Some(from) = &f.in_place {
            if from.check().is_err() {
                return Err(StagingError::Changed(vec![f.path.clone()]));
            }
            if fs::hard_link(&from.path, &p).is_ok() {
                return Ok(false);
            }
            fs::copy(&from.path, &p).map_err(io(&from.path))?;
            if !one_sync {
                fs::File::open(&p)
                    .and_then(|file| file.sync_all())
                    .map_err(io(&p))?;
            }
            return Ok(true);
        }
        let mut file = fs::File::create(&p).map_err(io(&p))?;
        file.write_all(&f.bytes).map_err(io(&p))?;
        if !one_sync {
            file.sync_all().map_err(io(&p))?;
        }
        Ok(true)
    };
    // SHA256SUMS last: every file it lists is older than it (see `Reusable::has`)
    let (sums, rest): (Vec<&OutputFile>, Vec<&OutputFile>) =
        files.iter().partition(|f| f.path == "SHA256SUMS");
    // each file put in place: (path, whether its content was written)
    let results: Vec<Result<(&str, bool), StagingError>> = rest
        .par_iter()
        .filter(|f| !kept.contains(f.path.as_str()))
        .map(|f| {
            // (a file taken from the output is tested and linked by `write`)
            if f.in_place.is_none()
                && reuse.has(target, f)
                && fs::hard_link(target.join(&f.path), staging.join(&f.path)).is_ok()
            {
                return Ok((f.path.as_str(), false));
            }
            Ok((f.path.as_str(), write(f)?))
        })
        .collect();
    let mut placed: Vec<(&str, bool)> = Vec::with_capacity(results.len() + 1);
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(p) => placed.push(p),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(every_change(errors));
    }
    for f in sums {
        placed.push((f.path.as_str(), write(f)?));
    }
    crate::progress::phase_done("files written");
    if one_sync {
        for (path, _) in &placed {
            touched.insert(parent_of(path).to_string());
        }
        let written: Vec<&str> = placed.iter().filter(|p| p.1).map(|p| p.0).collect();
        // few changes (an edit into the spare): each made durable by itself, not the whole
        // filesystem (which would also flush whatever else is waiting to be written)
        let each = from_spare && written.len() + touched.len() <= FEW_CHANGES;
        let listing = if from_spare {
            Some(listing_after(staging, entries, &placed, &touched)?)
        } else {
            None
        };
        // on a thread of its own: it waits for the disk, and `while_syncing` may want every
        // core of the thread pool
        std::thread::scope(|scope| {
            let synced = scope.spawn(|| {
                let r = if each {
                    sync_each(staging, &written, &touched)
                } else {
                    sync_filesystem(staging)
                };
                crate::progress::phase_done("staging folder synced");
                r
            });
            while_syncing(staging, listing.as_ref());
            synced.join().unwrap_or_else(|_| {
                Err(StagingError::Io(
                    staging.to_path_buf(),
                    std::io::Error::other("syncfs"),
                ))
            })
        })?;
        crate::progress::phase_done("staging folder durable");
    } else {
        for dir in &dirs {
            sync_dir(&staging.join(dir));
        }
        while_syncing(staging, None);
    }
    sync_dir(staging);
    Ok(())
}

/// The first of `errors` but for [`StagingError::Changed`], which are all given together.
fn every_change(errors: Vec<StagingError>) -> StagingError {
    let mut changed = Vec::new();
    for e in errors {
        match e {
            StagingError::Changed(paths) => changed.extend(paths),
            other => return other,
        }
    }
    changed.sort();
    StagingError::Changed(changed)
}

/// The listing of the staging folder after the spare's update: the `kept` entries of the
/// spare as it was listed, but for the folders `touched` since (entries added or removed:
/// their times changed) and the files `placed` in it, whose metadata is read now. (Linking
/// and unlinking change no kept file's size or modification time.)
fn listing_after(
    staging: &Path,
    kept: Listing,
    placed: &[(&str, bool)],
    touched: &BTreeSet<String>,
) -> Result<Listing, StagingError> {
    let mut listing: Listing = kept
        .into_iter()
        .filter(|(rel, _)| !touched.contains(rel))
        .collect();
    let fresh = placed
        .par_iter()
        .map(|(rel, _)| *rel)
        .chain(
            touched
                .par_iter()
                .map(|d| d.as_str())
                .filter(|d| !d.is_empty()),
        )
        .map(|rel| {
            let p = staging.join(rel);
            let meta = fs::symlink_metadata(&p).map_err(|e| StagingError::Io(p, e))?;
            Ok((rel.to_string(), meta))
        })
        .collect::<Result<Vec<_>, StagingError>>()?;
    listing.extend(fresh);
    Ok(listing)
}

/// At most this many files written and folders changed are made durable one by one (see
/// [`sync_each`]); more, and the whole filesystem is flushed at once ([`sync_filesystem`]).
const FEW_CHANGES: usize = 256;

/// Make durable the files of `written` (their content) and the folders of `touched` (their
/// entries: files linked, written or removed, folders made), paths below `staging`: what an
/// update of the spare changed, the rest of which was made durable by an earlier build. The
/// writing of every file is started before waiting for any, so that one journal commit can
/// take them all.
#[cfg(target_os = "linux")]
fn sync_each(
    staging: &Path,
    written: &[&str],
    touched: &BTreeSet<String>,
) -> Result<(), StagingError> {
    use std::os::fd::AsRawFd;
    let open = |rel: &str| {
        let p = if rel.is_empty() {
            staging.to_path_buf()
        } else {
            staging.join(rel)
        };
        fs::File::open(&p).map_err(|e| StagingError::Io(p, e))
    };
    let files = written
        .iter()
        .map(|rel| open(rel))
        .collect::<Result<Vec<_>, _>>()?;
    for f in &files {
        // SAFETY: `f` is an open descriptor for the duration of the call, which only starts
        // the writing of its pages. Failure is not an error: `sync_all` below waits anyway.
        unsafe {
            libc::sync_file_range(f.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    for (f, rel) in files.iter().zip(written) {
        f.sync_all()
            .map_err(|e| StagingError::Io(staging.join(rel), e))?;
    }
    for rel in touched {
        open(rel)?
            .sync_all()
            .map_err(|e| StagingError::Io(staging.join(rel), e))?;
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn sync_each(_: &Path, _: &[&str], _: &BTreeSet<String>) -> Result<(), StagingError> {
    Ok(())
}

/// `a/b/c.html` → `a/b`; `c.html` → `` (the staging folder itself).
fn parent_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
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

/// Bring the spare (an earlier output, now the staging folder) up to the new files: remove
/// from `staging` every file and folder that is not right for `files`: those the
/// new site does not have, those whose content differs (by the spare's `SHA256SUMS` and the
/// new one, `new`), those changed since the spare was written (by size and time) and anything
/// not a plain file; and the spare's `SHA256SUMS` first, so that nothing half-updated
/// looks complete. Returns what it kept and changed, or None when `staging` is no complete
/// output (then nothing is kept).
///
/// Where the system records when an inode last changed (Unix ctime), a file is also kept
/// only if that is no later than the current output's `SHA256SUMS` (written at `output_written`):
/// a file renamed over another of the same size, or copied keeping its modification time, has
/// a later one. (The builds themselves change it only before that: linking and unlinking a
/// file shared with the output happen while the output's build runs.)
///
/// Files are only ever removed here, never written over: many are hard links to the
/// current output's files, which must not change before the swap.
fn update_spare(
    staging: &Path,
    files: &[OutputFile],
    new: &HashMap<&str, &str>,
    output_written: Option<std::time::SystemTime>,
) -> Option<Updated> {
    if !staging.join(MARKER).is_file() {
        return None;
    }
    let sums_path = staging.join("SHA256SUMS");
    let old = fs::read_to_string(&sums_path).ok()?;
    let written = fs::metadata(&sums_path).ok()?.modified().ok()?;
    let newest = output_written.map_or(written, |t| t.max(written));
    fs::remove_file(&sums_path).ok()?;
    let old = parse_sums(&old);
    let wanted: HashMap<&str, &OutputFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    // folders the new site needs: every ancestor of its files
    let mut folders: std::collections::HashSet<&str> = Default::default();
    for f in files {
        let mut p = f.path.as_str();
        while let Some((dir, _)) = p.rsplit_once('/') {
            if !folders.insert(dir) {
                break;
            }
            p = dir;
        }
    }
    let listing = list_tree(staging).ok()?;
    let verdicts: Vec<(&(String, fs::Metadata), bool)> = listing
        .par_iter()
        .map(|entry| {
            let (rel, meta) = entry;
            let keep = if meta.is_dir() {
                folders.contains(rel.as_str())
            } else {
                meta.is_file()
                    && wanted.get(rel.as_str()).is_some_and(|f| {
                        old.get(rel.as_str())
                            .is_some_and(|h| new.get(rel.as_str()) == Some(h))
                            && meta.len() == f.len()
                            && meta.modified().is_ok_and(|m| m <= written)
                            && changed_at(meta).is_none_or(|c| c <= newest)
                    })
            };
            (entry, keep)
        })
        .collect();
    let mut updated = Updated::default();
    // its removal changed the spare's top folder
    updated.emptied.insert(String::new());
    // files first, then folders (a folder removed takes what is still in it)
    for ((rel, meta), keep) in &verdicts {
        let p = staging.join(rel);
        if *keep {
            updated.kept.insert(rel.clone());
            updated.entries.push((rel.clone(), meta.clone()));
        } else if !meta.is_dir() {
            fs::remove_file(&p).ok()?;
            updated.emptied.insert(parent_of(rel).to_string());
        }
    }
    for ((rel, meta), keep) in &verdicts {
        let p = staging.join(rel);
        // (already gone with a folder above it)
        if meta.is_dir() && !keep && p.exists() {
            fs::remove_dir_all(&p).ok()?;
            updated.emptied.insert(parent_of(rel).to_string());
        }
    }
    // folders removed are not synced (their parent is)
    updated
        .emptied
        .retain(|d| d.is_empty() || updated.kept.contains(d));
    Some(updated)
}

/// What [`update_spare`] left in the staging folder.
#[derive(Default)]
struct Updated {
    /// The paths kept (files and folders: no path of the new site is both).
    kept: std::collections::HashSet<String>,
    /// The folders (kept) that files or folders were removed from; `` is the staging folder.
    emptied: BTreeSet<String>,
    /// The entries kept, with their metadata as listed.
    entries: Listing,
}

/// Every entry below `dir`, folders included (not following symlinks), as (`/`-separated
/// path relative to `dir`, its metadata), in no particular order. A name that is not UTF-8
/// is given lossily (nianbao writes none; the spare's update then fails to remove it and the
/// spare is not used).
pub(crate) fn list_tree(dir: &Path) -> std::io::Result<Vec<(String, fs::Metadata)>> {
    list_below(dir, "")
}

/// [`list_tree`] below `prefix`; folders are listed in parallel.
fn list_below(dir: &Path, prefix: &str) -> std::io::Result<Vec<(String, fs::Metadata)>> {
    let mut out = Vec::new();
    let mut folders = Vec::new();
    for e in fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        let rel = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        // not following a symlink (looked up from the open folder)
        let meta = e.metadata()?;
        if meta.is_dir() {
            folders.push((e.path(), rel.clone()));
        }
        out.push((rel, meta));
    }
    let below: Vec<_> = folders
        .par_iter()
        .map(|(path, rel)| list_below(path, rel))
        .collect();
    for b in below {
        out.extend(b?);
    }
    Ok(out)
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
    fn find(target: &Path, new: Option<&HashMap<&str, &str>>) -> Reusable {
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
        let Some(new) = new else {
            return none;
        };
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
        let Some(written) = self.written else {
            return false;
        };
        let on_disk = super::InPlace {
            path: target.join(&f.path),
            len: f.len(),
            written,
        };
        on_disk.check().is_ok()
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
    use crate::output::{InPlace, finish, sha256_hex};

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
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        // beside it only the spare, where the system swaps folders in one step
        let expected: &[&str] = if cfg!(target_os = "linux") {
            &[".output.nianbao-spare", "output"]
        } else {
            &["output"]
        };
        assert_eq!(names, expected);
    }

    /// Every file below `dir`, by relative path.
    fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
        list_tree(dir)
            .unwrap()
            .into_iter()
            .filter(|(_, m)| m.is_file())
            .map(|(rel, _)| {
                let bytes = fs::read(dir.join(&rel)).unwrap();
                (rel, bytes)
            })
            .collect()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_spare_is_brought_up_to_date_without_touching_the_output() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        let spare = spare_of(&out);
        // a/e.html changes only in version 3, when its copy in the spare is shared with the
        // output: it must be replaced there, not written through the link
        let v = |index: &str, extra: Option<&str>| {
            let e = if index == "3" { "E" } else { "e" };
            let mut files = vec![
                OutputFile::new("index.html", index.to_string()),
                OutputFile::new("a/e.html", e),
                OutputFile::new("a/b.html", "b"),
                OutputFile::new("a/deep/c.html", "c"),
            ];
            if let Some(x) = extra {
                files.push(OutputFile::new("gone/x.html", x.to_string()));
            }
            finish(files)
        };
        let clean = |files: &[OutputFile]| {
            let d = tempfile::tempdir().unwrap();
            let o = d.path().join("o");
            write_site(&o, files).unwrap();
            tree(&o)
        };
        write_site(&out, &v("1", Some("x"))).unwrap();
        assert!(!spare.exists(), "nothing replaced yet");
        write_site(&out, &v("2", Some("x"))).unwrap();
        assert_eq!(
            tree(&spare),
            clean(&v("1", Some("x"))),
            "the spare is version 1"
        );

        // version 3 is made from the spare (version 1): the output of version 2 is not
        // written through the links they share, and becomes the spare as it was
        let ino = |root: &Path, p: &str| fs::metadata(root.join(p)).unwrap().ino();
        let b = ino(&out, "a/b.html");
        assert_eq!(ino(&spare, "a/b.html"), b, "shared");
        assert_eq!(ino(&spare, "a/e.html"), ino(&out, "a/e.html"), "shared");
        // things the spare must not keep: a stray file, a file edited after it was written
        // (same size), a folder the new site does not have
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(spare.join("stray.html"), "stray").unwrap();
        // (replaced, not written through the link it shares with the output)
        fs::remove_file(spare.join("a/deep/c.html")).unwrap();
        fs::write(spare.join("a/deep/c.html"), "C").unwrap();
        fs::create_dir_all(spare.join("stray/dir")).unwrap();
        // a file renamed over another of the same size keeps its (old) modification time
        fs::rename(spare.join("gone/x.html"), spare.join("a/b.html")).unwrap();
        write_site(&out, &v("3", None)).unwrap();
        assert_eq!(tree(&out), clean(&v("3", None)));
        assert_eq!(ino(&out, "a/b.html"), b, "an unchanged file kept");
        assert_eq!(
            tree(&spare),
            clean(&v("2", Some("x"))),
            "the spare is version 2"
        );
        assert!(!out.join("gone").exists() && !out.join("stray").exists());

        assert_eq!(fs::read_to_string(out.join("a/b.html")).unwrap(), "b");

        // a spare that is no complete output is not used, and not a problem
        fs::remove_file(spare.join("SHA256SUMS")).unwrap();
        write_site(&out, &v("4", None)).unwrap();
        assert_eq!(tree(&out), clean(&v("4", None)));
        assert_eq!(tree(&spare), clean(&v("3", None)));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn symlinks_are_never_taken_for_the_spare() {
        let dir = tempfile::tempdir().unwrap();
        let is_link = |p: &Path| fs::symlink_metadata(p).unwrap().file_type().is_symlink();
        // an output folder that is a symlink to a published folder: as before the spare
        // existed, the link is replaced by the new output and the folder is left as it was
        let www = dir.path().join("www");
        write_site(&www, &site("0")).unwrap();
        let www_before = tree(&www);
        let out = dir.path().join("output");
        std::os::unix::fs::symlink(&www, &out).unwrap();
        write_site(&out, &site("1")).unwrap();
        write_site(&out, &site("2")).unwrap();
        assert!(!is_link(&out));
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "2");
        assert_eq!(tree(&www), www_before, "the linked folder was changed");
        assert!(!fs::symlink_metadata(spare_of(&out)).is_ok_and(|m| m.file_type().is_symlink()));

        // a spare that is a symlink to the output: removed, never updated through
        let spare = spare_of(&out);
        fs::remove_dir_all(&spare).unwrap();
        std::os::unix::fs::symlink(&out, &spare).unwrap();
        write_site(&out, &site("3")).unwrap();
        assert!(!is_link(&out));
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "3");
        assert_eq!(fs::read_to_string(out.join("a/b.html")).unwrap(), "b");
        assert!(!is_link(&spare));
        assert_eq!(fs::read_to_string(spare.join("index.html")).unwrap(), "2");
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

    /// Files taken as they were from the output (not read) and changed there since: the
    /// build is told all of them at once, and the output is left as it was.
    #[test]
    fn files_taken_from_the_output_are_checked_where_they_are_linked() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        write_site(&out, &site("1")).unwrap();
        let written = fs::metadata(out.join("SHA256SUMS"))
            .unwrap()
            .modified()
            .unwrap();
        let taken = |path: &str| {
            let on_disk = InPlace {
                path: out.join(path),
                len: fs::metadata(out.join(path)).unwrap().len(),
                written,
            };
            OutputFile::in_place(path, on_disk)
        };
        let next = || {
            finish(vec![
                OutputFile::new("index.html", "2"),
                taken("a/b.html"),
                OutputFile::new("c.html", "c"),
            ])
        };
        // as they were: linked
        write_site(&out, &next()).unwrap();
        assert_eq!(fs::read_to_string(out.join("a/b.html")).unwrap(), "b");
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "2");
        // edited by hand since (the same size), and one gone: both named, nothing replaced
        let files = finish(vec![
            OutputFile::new("index.html", "3"),
            taken("a/b.html"),
            taken("c.html"),
        ]);
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(out.join("a/b.html"), "x").unwrap();
        fs::remove_file(out.join("c.html")).unwrap();
        let before = fs::read(out.join("SHA256SUMS")).unwrap();
        match write_site(&out, &files) {
            Err(StagingError::Changed(paths)) => assert_eq!(paths, ["a/b.html", "c.html"]),
            other => panic!("{other:?}"),
        }
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "2");
        assert_eq!(fs::read(out.join("SHA256SUMS")).unwrap(), before);
        assert!(!siblings(&out).0.exists(), "no staging folder left");
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
