//! `nianbao deploy <target>`: put a built site into a web root (a local folder or a mounted
//! share) without a moment where a page is half-written, and so that it can be undone.
//!
//! 1. The source (the built `output/`) is checked against its SHA256SUMS: a hand-edited or
//!    incomplete build is not deployed.
//! 2. Every file is copied into `<target>/.nianbao-deploy/staging/` (same filesystem as the
//!    web root) and read back against SHA256SUMS: a bad copy stops here, the site untouched.
//! 3. The switch is renames only: each file of the previous version that is replaced or
//!    removed moves into `.nianbao-deploy/previous/files/`, each new file is renamed into
//!    place — every single file is always either the old or the new version, whole. Should a
//!    rename fail, those already done are undone; should the process die mid-switch, the next
//!    `deploy` or `rollback` first undoes it ([`recover`]).
//! 4. The deployed files are verified in place.
//!
//! `.nianbao-deploy/deployed.sums` records what nianbao put there. Files it did not put there
//! are never touched, unless `prune` is asked for (then they are moved into `previous/` too, so
//! a rollback brings them back). `rollback` restores the previous version once.

use super::{STATE_DIR, SUMS, hash_file, join, list_files, parse_sums, read_sums};
use crate::progress::{Progress, Task};
use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const STAGING: &str = "staging";
const PREVIOUS: &str = "previous";
const PREVIOUS_NEW: &str = "previous.new";
const DEPLOYED: &str = "deployed.sums";
/// In `previous/`: the paths the last deploy added (a rollback removes them).
const ADDED: &str = "added.txt";
const FILES: &str = "files";

/// What a deployment did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeployReport {
    /// New paths.
    pub added: Vec<String>,
    /// Paths whose content changed.
    pub replaced: Vec<String>,
    pub unchanged: usize,
    /// Files taken away (kept in `previous/` for a rollback): those of the previous version
    /// that the new one no longer has, and with `prune` every file nianbao did not put there.
    pub removed: Vec<String>,
    /// Files in the target that nianbao did not put there and left alone (no `prune`).
    pub foreign: Vec<String>,
    /// Files verified in place after the switch.
    pub verified: usize,
}

/// What a rollback did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RollbackReport {
    pub restored: usize,
    pub removed: usize,
}

fn state(target: &Path) -> PathBuf {
    target.join(STATE_DIR)
}

/// Deploy the built site in `source` into `target`.
pub fn deploy(
    source: &Path,
    target: &Path,
    prune: bool,
    progress: &dyn Progress,
) -> Result<DeployReport> {
    // 1. the source is a complete, unmodified build
    let (sums, sums_text) = read_sums(source).context("请先运行 nianbao build")?;
    let (changed, missing) = super::verify::compare_built(source, &sums, progress);
    if !changed.is_empty() || !missing.is_empty() {
        bail!(
            "{} 与其 SHA256SUMS 不符（改动过：{}；缺少：{}）。请重新运行 nianbao build，不要手工修改生成的文件",
            source.display(),
            list(&changed),
            list(&missing)
        );
    }
    if target.exists() && !target.is_dir() {
        bail!("{} 不是文件夹", target.display());
    }
    fs::create_dir_all(target).with_context(|| format!("无法创建 {}", target.display()))?;
    refuse_overlap(source, target)?;
    let state = state(target);
    fs::create_dir_all(&state).with_context(|| format!("无法创建 {}", state.display()))?;
    let staging = state.join(STAGING);
    remove_if_exists(&staging)?;
    recover(target)?;

    // 2. copy into staging and read it back
    let mut paths: Vec<&String> = sums.keys().collect();
    let sums_name = SUMS.to_string();
    paths.push(&sums_name);
    copy_into_staging(source, &staging, &paths, progress)?;
    let (bad, lost) = super::verify::compare(&staging, &sums, progress);
    if !bad.is_empty() || !lost.is_empty() {
        let _ = fs::remove_dir_all(&staging);
        bail!(
            "复制到 {} 后校验不符（{}），网站未做任何改动。请检查磁盘或网络共享后重试",
            target.display(),
            list(&bad.iter().chain(&lost).cloned().collect::<Vec<_>>())
        );
    }

    // 3. plan, then switch by renames
    let before: BTreeSet<String> = match fs::read_to_string(state.join(DEPLOYED)) {
        Ok(t) => parse_sums(&t, DEPLOYED)?.into_keys().collect(),
        Err(_) => BTreeSet::new(),
    };
    let existing = list_files(target, &[STATE_DIR])?;
    let mut report = DeployReport::default();
    let mut ops: Vec<Op> = Vec::new();
    for p in order(&paths) {
        let dst = join(target, p);
        match fs::symlink_metadata(&dst) {
            Ok(m) if m.is_dir() => bail!(
                "无法部署：{} 在目标中是文件夹，而新网站中是文件。请先处理它，网站未做任何改动",
                dst.display()
            ),
            Ok(_) => {
                let same = m_is_same(&dst, sums.get(p.as_str()).map(String::as_str), &staging, p);
                if same {
                    report.unchanged += 1;
                } else {
                    report.replaced.push(p.clone());
                    ops.push(Op::Replace(p.clone()));
                }
            }
            Err(_) => {
                ensure_no_file_ancestor(target, p)?;
                report.added.push(p.clone());
                ops.push(Op::Add(p.clone()));
            }
        }
    }
    let new_set: BTreeSet<&str> = paths.iter().map(|p| p.as_str()).collect();
    for p in &existing {
        if new_set.contains(p.as_str()) {
            continue;
        }
        if before.contains(p) || prune {
            report.removed.push(p.clone());
            ops.push(Op::Remove(p.clone()));
        } else {
            report.foreign.push(p.clone());
        }
    }
    if ops.is_empty() {
        // the same version again: nothing to switch, and the previous version stays the one
        // a rollback restores
        remove_if_exists(&staging)?;
        report.verified = verify_in_place(target, &sums, progress)?;
        return Ok(report);
    }
    let backup = state.join(PREVIOUS_NEW);
    fs::create_dir_all(backup.join(FILES))
        .with_context(|| format!("无法创建 {}", backup.display()))?;
    // written before the switch, so that an interrupted switch can be undone (see `recover`)
    let added: String = report.added.iter().map(|p| format!("{p}\n")).collect();
    fs::write(backup.join(ADDED), added).context("无法写入部署记录")?;
    switch(target, &staging, &backup, &ops, progress)?;

    // the switch is done: record it
    if let Ok(t) = fs::read(state.join(DEPLOYED)) {
        fs::write(backup.join(DEPLOYED), t).context("无法写入部署记录")?;
    }
    remove_if_exists(&state.join(PREVIOUS))?;
    fs::rename(&backup, state.join(PREVIOUS)).context("无法保存上一版本")?;
    fs::write(state.join(DEPLOYED), &sums_text).context("无法写入部署记录")?;
    remove_if_exists(&staging)?;
    for p in &report.removed {
        remove_empty_parents(target, p);
    }

    // 4. verify in place
    report.verified = verify_in_place(target, &sums, progress)?;
    Ok(report)
}

/// Every deployed file against SHA256SUMS: the number checked, or the differences.
fn verify_in_place(target: &Path, sums: &super::Sums, progress: &dyn Progress) -> Result<usize> {
    let (changed, missing) = super::verify::compare(target, sums, progress);
    if !changed.is_empty() || !missing.is_empty() {
        bail!(
            "部署后校验不符：改动过 {}；缺少 {}。可运行 nianbao deploy --rollback 恢复上一版本",
            list(&changed),
            list(&missing)
        );
    }
    Ok(sums.len())
}

/// Undo a switch that was interrupted (power cut, killed process): `previous.new/` exists only
/// while files are being switched. Its saved files go back, the files it added go, and the
/// target is the version before that deployment again. Returns whether there was one.
pub fn recover(target: &Path) -> Result<bool> {
    let pending = state(target).join(PREVIOUS_NEW);
    if !pending.is_dir() {
        return Ok(false);
    }
    restore(target, &pending, &crate::progress::Silent)?;
    remove_if_exists(&pending)?;
    Ok(true)
}

/// Restore the version before the last deployment (once).
pub fn rollback(target: &Path, progress: &dyn Progress) -> Result<RollbackReport> {
    recover(target)?;
    let state = state(target);
    let previous = state.join(PREVIOUS);
    if !previous.join(ADDED).is_file() {
        bail!(
            "{} 中没有可恢复的上一版本（从未用 nianbao deploy 部署过两次，或已经恢复过一次）",
            target.display()
        );
    }
    let report = restore(target, &previous, progress)?;
    match fs::read(previous.join(DEPLOYED)) {
        Ok(t) => fs::write(state.join(DEPLOYED), t).context("无法写入部署记录")?,
        Err(_) => remove_if_exists(&state.join(DEPLOYED))?,
    }
    fs::remove_dir_all(&previous).with_context(|| format!("无法删除 {}", previous.display()))?;
    Ok(report)
}

/// Put back what a deployment saved in `saved_dir` (`previous/` or an interrupted
/// `previous.new/`): remove the files it added, move the files it replaced or removed back.
fn restore(target: &Path, saved_dir: &Path, progress: &dyn Progress) -> Result<RollbackReport> {
    // no list yet: the switch had not begun
    let added = fs::read_to_string(saved_dir.join(ADDED)).unwrap_or_default();
    let files_dir = saved_dir.join(FILES);
    let saved = if files_dir.is_dir() {
        list_files(&files_dir, &[])?
    } else {
        Vec::new()
    };
    let mut report = RollbackReport::default();
    let task = Task::start(
        progress,
        "恢复上一版本",
        added.lines().count() + saved.len(),
    );
    for p in added.lines().filter(|l| super::safe_relative(l)) {
        let dst = join(target, p);
        if fs::symlink_metadata(&dst).is_ok_and(|m| m.is_file()) {
            fs::remove_file(&dst).with_context(|| format!("无法删除 {}", dst.display()))?;
            report.removed += 1;
            remove_empty_parents(target, p);
        }
        task.advance(p);
    }
    for p in &saved {
        let dst = join(target, p);
        if let Some(parent) = dst.parent() {
            fs::create_dir_all(parent).with_context(|| format!("无法创建 {}", parent.display()))?;
        }
        fs::rename(join(&files_dir, p), &dst)
            .with_context(|| format!("无法恢复 {}", dst.display()))?;
        report.restored += 1;
        task.advance(p);
    }
    drop(task);
    Ok(report)
}

/// One step of the switch.
enum Op {
    Add(String),
    Replace(String),
    Remove(String),
}

impl Op {
    fn path(&self) -> &str {
        match self {
            Op::Add(p) | Op::Replace(p) | Op::Remove(p) => p,
        }
    }
}

fn switch(
    target: &Path,
    staging: &Path,
    backup: &Path,
    ops: &[Op],
    progress: &dyn Progress,
) -> Result<()> {
    let task = Task::start(progress, "切换到新版本", ops.len());
    let saved = backup.join(FILES);
    let mut done: Vec<&Op> = Vec::new();
    for op in ops {
        let step = || -> std::io::Result<()> {
            match op {
                Op::Add(p) => {
                    let dst = join(target, p);
                    if let Some(parent) = dst.parent() {
                        fs::create_dir_all(parent)?;
                    }
                    fs::rename(join(staging, p), dst)
                }
                Op::Replace(p) => {
                    move_into(&join(target, p), &join(&saved, p))?;
                    fs::rename(join(staging, p), join(target, p)).inspect_err(|_| {
                        let _ = fs::rename(join(&saved, p), join(target, p));
                    })
                }
                Op::Remove(p) => move_into(&join(target, p), &join(&saved, p)),
            }
        };
        if let Err(e) = step() {
            undo(target, &saved, &done);
            return Err(e).with_context(|| {
                format!("切换 {} 时失败，已撤回本次部署，网站保持原样", op.path())
            });
        }
        done.push(op);
        task.advance(op.path());
    }
    Ok(())
}

/// Undo the renames already done, newest first (best effort: this runs after a failure).
fn undo(target: &Path, saved: &Path, done: &[&Op]) {
    for op in done.iter().rev() {
        match op {
            Op::Add(p) => {
                let _ = fs::remove_file(join(target, p));
            }
            Op::Replace(p) | Op::Remove(p) => {
                let _ = fs::rename(join(saved, p), join(target, p));
            }
        }
    }
}

fn move_into(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::rename(from, to)
}

fn m_is_same(dst: &Path, want: Option<&str>, staging: &Path, p: &str) -> bool {
    let want = match want {
        Some(w) => w.to_string(),
        // SHA256SUMS itself: compare with the staged copy
        None => match hash_file(&join(staging, p)) {
            Ok(h) => h,
            Err(_) => return false,
        },
    };
    hash_file(dst).is_ok_and(|h| h == want)
}

/// Deeper paths first and SHA256SUMS last, so that pages switch before the index pages that
/// link to them.
fn order<'a>(paths: &[&'a String]) -> Vec<&'a String> {
    let mut v = paths.to_vec();
    v.sort_by_key(|p| {
        (
            p.as_str() == SUMS,
            std::cmp::Reverse(p.matches('/').count()),
            p.to_string(),
        )
    });
    v
}

fn copy_into_staging(
    source: &Path,
    staging: &Path,
    paths: &[&String],
    progress: &dyn Progress,
) -> Result<()> {
    let task = Task::start(progress, "复制到临时文件夹", paths.len());
    for p in paths {
        let (from, to) = (join(source, p), join(staging, p));
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).with_context(|| format!("无法创建 {}", parent.display()))?;
        }
        fs::copy(&from, &to)
            .with_context(|| format!("无法复制 {} 到 {}", from.display(), to.display()))?;
        if let Ok(f) = fs::File::open(&to) {
            let _ = f.sync_all();
        }
        task.advance(p);
    }
    Ok(())
}

/// No folder of `p`'s path may be a file in the target.
fn ensure_no_file_ancestor(target: &Path, p: &str) -> Result<()> {
    let mut at = target.to_path_buf();
    let parts: Vec<&str> = p.split('/').collect();
    for part in &parts[..parts.len() - 1] {
        at.push(part);
        if fs::symlink_metadata(&at).is_ok_and(|m| !m.is_dir()) {
            bail!(
                "无法部署：{} 在目标中是文件，而新网站需要同名文件夹。请先处理它，网站未做任何改动",
                at.display()
            );
        }
    }
    Ok(())
}

fn refuse_overlap(source: &Path, target: &Path) -> Result<()> {
    let s = source
        .canonicalize()
        .with_context(|| format!("无法读取 {}", source.display()))?;
    let t = target
        .canonicalize()
        .with_context(|| format!("无法读取 {}", target.display()))?;
    if s.starts_with(&t) || t.starts_with(&s) {
        bail!(
            "部署目标 {} 与生成的网站 {} 重叠：请部署到网站根目录等另一个文件夹",
            target.display(),
            source.display()
        );
    }
    Ok(())
}

/// Remove the folders of `p` that became empty, up to (not including) the target.
fn remove_empty_parents(target: &Path, p: &str) {
    let mut dir = join(target, p);
    while dir.pop() && dir != target && dir.starts_with(target) {
        if fs::remove_dir(&dir).is_err() {
            break;
        }
    }
}

fn remove_if_exists(p: &Path) -> Result<()> {
    let removed = match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(p),
        Ok(_) => fs::remove_file(p),
        Err(e) => Err(e),
    };
    match removed {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("无法删除 {}", p.display())),
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        return "无".into();
    }
    let mut s = v.iter().take(10).cloned().collect::<Vec<_>>().join("、");
    if v.len() > 10 {
        s.push_str(&format!(" 等 {} 个", v.len()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::verify;
    use crate::output::{OutputFile, finish, write_site};
    use crate::progress::Silent;

    fn build(out: &Path, files: &[(&str, &str)]) {
        let files = files.iter().map(|(p, b)| OutputFile::new(*p, *b)).collect();
        write_site(out, &finish(files)).unwrap();
    }

    fn read(p: &Path) -> String {
        fs::read_to_string(p).unwrap()
    }

    #[test]
    fn deploys_twice_keeps_foreign_files_and_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let (out, web) = (dir.path().join("output"), dir.path().join("www"));
        fs::create_dir_all(web.join("portal")).unwrap();
        fs::write(web.join("portal/news.html"), "not ours").unwrap();
        build(
            &out,
            &[
                ("index.html", "v1"),
                ("2024/a b/index.html", "a1"),
                ("old.html", "o"),
            ],
        );
        let r = deploy(&out, &web, false, &Silent).unwrap();
        assert_eq!(r.added.len(), 5, "{r:?}"); // 3 pages, marker, SHA256SUMS
        assert_eq!(r.foreign, ["portal/news.html"]);
        assert_eq!(r.verified, 4);
        // the same version again changes nothing and keeps nothing
        let r = deploy(&out, &web, false, &Silent).unwrap();
        assert_eq!((r.added.len(), r.replaced.len(), r.unchanged), (0, 0, 5));
        // second version: old.html gone, index changed, a b unchanged
        build(&out, &[("index.html", "v2"), ("2024/a b/index.html", "a1")]);
        let r = deploy(&out, &web, false, &Silent).unwrap();
        assert_eq!(r.removed, ["old.html"]);
        assert!(r.replaced.contains(&"index.html".to_string()), "{r:?}");
        assert_eq!(r.unchanged, 2, "{r:?}"); // a b and the marker
        assert!(!web.join("old.html").exists());
        assert_eq!(read(&web.join("index.html")), "v2");
        assert_eq!(read(&web.join("portal/news.html")), "not ours");
        let v = verify(&web, &Silent).unwrap();
        assert_eq!(v.unexpected, ["portal/news.html"]);
        assert!(v.changed.is_empty() && v.missing.is_empty());
        // rollback: version 1 again, once
        let r = rollback(&web, &Silent).unwrap();
        assert!(r.restored >= 2, "{r:?}");
        assert_eq!(read(&web.join("index.html")), "v1");
        assert_eq!(read(&web.join("old.html")), "o");
        assert_eq!(read(&web.join("portal/news.html")), "not ours");
        let v = verify(&web, &Silent).unwrap();
        assert!(v.changed.is_empty() && v.missing.is_empty(), "{v:?}");
        assert!(rollback(&web, &Silent).is_err());
    }

    #[test]
    fn prune_removes_foreign_files_and_a_rollback_brings_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let (out, web) = (dir.path().join("output"), dir.path().join("www"));
        fs::create_dir_all(web.join("x")).unwrap();
        fs::write(web.join("x/stray.html"), "s").unwrap();
        build(&out, &[("index.html", "v1")]);
        let r = deploy(&out, &web, true, &Silent).unwrap();
        assert_eq!(r.removed, ["x/stray.html"]);
        assert!(!web.join("x").exists());
        assert!(verify(&web, &Silent).unwrap().is_clean());
        rollback(&web, &Silent).unwrap();
        assert_eq!(read(&web.join("x/stray.html")), "s");
        assert!(!web.join("index.html").exists());
    }

    #[test]
    fn refuses_a_tampered_build_an_overlap_and_a_folder_in_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let (out, web) = (dir.path().join("output"), dir.path().join("www"));
        build(&out, &[("index.html", "v1"), ("a/b.html", "b")]);
        fs::write(out.join("index.html"), "edited").unwrap();
        let e = deploy(&out, &web, false, &Silent).unwrap_err();
        assert!(format!("{e:#}").contains("index.html"), "{e:#}");
        build(&out, &[("index.html", "v1"), ("a/b.html", "b")]);
        assert!(deploy(&out, &out.join("sub"), false, &Silent).is_err());
        fs::create_dir_all(web.join("index.html")).unwrap();
        let e = deploy(&out, &web, false, &Silent).unwrap_err();
        assert!(format!("{e:#}").contains("文件夹"), "{e:#}");
        assert!(!web.join("a").exists(), "nothing switched");
    }

    #[test]
    fn an_interrupted_switch_is_undone_before_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let (out, web) = (dir.path().join("output"), dir.path().join("www"));
        build(&out, &[("index.html", "v1")]);
        deploy(&out, &web, false, &Silent).unwrap();
        // as if the power failed while switching to a version 2 that adds new.html
        let pending = web.join(STATE_DIR).join(PREVIOUS_NEW);
        fs::create_dir_all(pending.join(FILES)).unwrap();
        fs::write(pending.join(ADDED), "new.html\n").unwrap();
        fs::rename(
            web.join("index.html"),
            pending.join(FILES).join("index.html"),
        )
        .unwrap();
        fs::write(web.join("index.html"), "v2").unwrap();
        fs::write(web.join("new.html"), "n").unwrap();
        assert!(recover(&web).unwrap());
        assert_eq!(read(&web.join("index.html")), "v1");
        assert!(!web.join("new.html").exists() && !pending.exists());
        assert!(verify(&web, &Silent).unwrap().is_clean());
        assert!(!recover(&web).unwrap());
    }

    #[test]
    fn a_web_root_is_never_replaced_by_build() {
        let dir = tempfile::tempdir().unwrap();
        let (out, web) = (dir.path().join("output"), dir.path().join("www"));
        fs::create_dir_all(&web).unwrap();
        fs::write(web.join("theirs.html"), "t").unwrap();
        build(&out, &[("index.html", "v1")]);
        deploy(&out, &web, false, &Silent).unwrap();
        // the marker came along, but the web root must not count as a build output
        let e = write_site(&web, &finish(vec![])).unwrap_err();
        assert!(e.to_string().contains("deploy"), "{e}");
        assert_eq!(read(&web.join("theirs.html")), "t");
    }
}
