//! No-op rebuilds: a fingerprint of everything a build reads, recorded beside the site in the
//! cache folder together with the `SHA256SUMS` of the output it produced. When both still
//! match, `build` has nothing to do and leaves the output folder alone.
//!
//! The fingerprint hashes the *contents* of every file under `site.toml`, `content/` and
//! `themes/` (modification times alone are not safe: editors and `git checkout` can keep
//! them), the binary's identity (version, size and modification time of the executable, so a
//! rebuilt nianbao is a change), and the options that change the output. The record lives in
//! `<root>/.nianbao-cache/builds/`, not in the output, so that the output stays exactly what a
//! clean build (and the preview) produces.

use crate::output::sha256_hex;
use crate::render::RenderOptions;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};

/// The folder, inside the site, where nianbao keeps what it can reuse between runs.
pub const CACHE_DIR: &str = ".nianbao-cache";

/// `<root>/.nianbao-cache`.
pub fn cache_dir(root: &Path) -> PathBuf {
    root.join(CACHE_DIR)
}

/// The identity of the running nianbao: its version, and its executable's size and
/// modification time (a rebuilt binary may render differently under the same version).
pub fn binary_identity() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| fs::metadata(p).ok())
        .map(|m| {
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{t}", m.len())
        })
        .unwrap_or_default();
    format!("{}:{exe}", env!("CARGO_PKG_VERSION"))
}

/// Every regular file below `dir` (following symlinks, as loading does), as
/// `(path relative to root, absolute path)`, sorted.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        // the kind from the folder listing; a symlink is followed, as loading does
        let Ok(kind) = e.file_type() else {
            continue;
        };
        let (is_dir, is_file) = if kind.is_symlink() {
            match fs::metadata(&path) {
                Ok(m) => (m.is_dir(), m.is_file()),
                Err(_) => continue,
            }
        } else {
            (kind.is_dir(), kind.is_file())
        };
        if is_dir {
            walk(root, &path, out);
        } else if is_file {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, path));
        }
    }
}

/// Whether site.toml names installed fonts (`[fonts]`): those live outside the site, so a
/// build with documents cannot tell from the site's files alone that nothing changed.
fn names_installed_fonts(site_toml: &[u8]) -> bool {
    std::str::from_utf8(site_toml)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("fonts").cloned())
        .and_then(|f| f.as_table().map(|t| !t.is_empty()))
        .unwrap_or(false)
}

/// The fingerprint of a build's inputs, or None when it cannot be known from the site alone
/// (a build with documents whose fonts are installed ones).
pub fn fingerprint(root: &Path, opts: &RenderOptions) -> Option<String> {
    let site_toml = fs::read(root.join("site.toml")).ok()?;
    if !opts.no_downloads && names_installed_fonts(&site_toml) {
        return None;
    }
    let mut files = Vec::new();
    walk(root, &root.join("content"), &mut files);
    walk(root, &root.join("themes"), &mut files);
    files.sort();
    let hashes: Vec<Option<[u8; 32]>> = files
        .par_iter()
        .map(|(_, p)| fs::read(p).ok().map(|b| Sha256::digest(&b).into()))
        .collect();
    let mut h = Sha256::new();
    h.update(b"nianbao-inputs-1\0");
    h.update(binary_identity().as_bytes());
    h.update(format!("\0{:?}\0{}\0", opts.base_url, opts.no_downloads).as_bytes());
    h.update(Sha256::digest(&site_toml));
    for ((rel, _), hash) in files.iter().zip(hashes) {
        h.update(rel.as_bytes());
        h.update(b"\0");
        // a file that vanished while hashing: no record can match this fingerprint
        h.update(hash?);
    }
    Some(format!("{:x}", h.finalize()))
}

/// Where the record of the last build into `target` is kept.
fn record_path(root: &Path, target: &Path) -> PathBuf {
    let target = target
        .canonicalize()
        .unwrap_or_else(|_| target.to_path_buf());
    cache_dir(root)
        .join("builds")
        .join(sha256_hex(target.to_string_lossy().as_bytes()))
}

/// Where the page memo of the last build into `target` is kept (see `render::pages::stored`).
pub fn memo_path(root: &Path, target: &Path) -> PathBuf {
    let record = record_path(root, target);
    let name = record
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    cache_dir(root).join("pages").join(format!("{name}.json"))
}

/// What the output folder holds now: its `SHA256SUMS`, and the name, size and modification
/// time of every file and folder in it (a file added, removed or edited by hand since the
/// build changes it).
fn output_identity(target: &Path) -> Option<String> {
    if !target.join(crate::output::MARKER).is_file() {
        return None;
    }
    let sums = fs::read(target.join("SHA256SUMS")).ok()?;
    let mut listing: Vec<String> = crate::output::list_tree(target)
        .ok()?
        .into_iter()
        .map(|(rel, meta)| {
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{rel}\0{}\0{mtime}\n", meta.len())
        })
        .collect();
    listing.sort();
    let mut h = Sha256::new();
    h.update(Sha256::digest(&sums));
    for line in listing {
        h.update(line.as_bytes());
    }
    Some(format!("{:x}", h.finalize()))
}

/// Whether `target` holds what a build of these inputs would write.
pub fn up_to_date(root: &Path, target: &Path, fingerprint: &str) -> bool {
    matches_record(root, target, Some(fingerprint), output_identity(target))
}

/// The fingerprint of the inputs (see [`fingerprint`]), and whether `target` already holds
/// their build; the inputs and the output folder are looked at in parallel.
pub fn unchanged(root: &Path, target: &Path, opts: &RenderOptions) -> (Option<String>, bool) {
    let (inputs, output) = rayon::join(|| fingerprint(root, opts), || output_identity(target));
    let same = matches_record(root, target, inputs.as_deref(), output);
    (inputs, same)
}

fn matches_record(
    root: &Path,
    target: &Path,
    fingerprint: Option<&str>,
    output: Option<String>,
) -> bool {
    let (Some(fingerprint), Some(output)) = (fingerprint, output) else {
        return false;
    };
    let Ok(record) = fs::read_to_string(record_path(root, target)) else {
        return false;
    };
    let mut lines = record.lines();
    lines.next() == Some(fingerprint) && lines.next() == Some(output.as_str())
}

/// Remember that `target` now holds the build of the inputs whose fingerprint was
/// `fingerprint` before the build, if they still have it (a source saved during the build
/// must not be taken as built); the inputs and the output folder are looked at in parallel.
/// Best effort: a record that cannot be written only costs a full build next time.
pub fn remember_if_unchanged(root: &Path, target: &Path, opts: &RenderOptions, fingerprint: &str) {
    let (now, output) = rayon::join(|| self::fingerprint(root, opts), || output_identity(target));
    if now.as_deref() != Some(fingerprint) {
        return;
    }
    let Some(output) = output else {
        return;
    };
    let path = record_path(root, target);
    let _ = write_cache_file(&path, format!("{fingerprint}\n{output}\n").as_bytes());
}

/// Write a file of the cache folder whole or not at all: into a temporary file beside it,
/// renamed over it (its folder made first).
pub fn write_cache_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
    let tmp = path.with_extension(format!(
        "{}.tmp{}",
        ext.unwrap_or_default(),
        std::process::id()
    ));
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path)
}

/// Forget the record (before a build that replaces the output, so that a crash in between
/// never leaves a record describing an output that is not there).
pub fn forget(root: &Path, target: &Path) {
    let _ = fs::remove_file(record_path(root, target));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("site.toml"), "title = \"t\"\n").unwrap();
        fs::create_dir_all(d.path().join("content/a/2024")).unwrap();
        fs::write(d.path().join("content/a/org.toml"), "name = \"甲\"\n").unwrap();
        fs::write(d.path().join("content/a/2024/report.md"), "正文").unwrap();
        d
    }

    #[test]
    fn fingerprint_follows_contents_and_options() {
        let d = site();
        let opts = RenderOptions::default();
        let a = fingerprint(d.path(), &opts).unwrap();
        assert_eq!(a, fingerprint(d.path(), &opts).unwrap());
        // same size, same content: same fingerprint whatever the mtime
        fs::write(d.path().join("content/a/2024/report.md"), "正文").unwrap();
        assert_eq!(a, fingerprint(d.path(), &opts).unwrap());
        fs::write(d.path().join("content/a/2024/report.md"), "正交").unwrap();
        let b = fingerprint(d.path(), &opts).unwrap();
        assert_ne!(a, b);
        let html_only = RenderOptions {
            no_downloads: true,
            ..RenderOptions::default()
        };
        assert_ne!(b, fingerprint(d.path(), &html_only).unwrap());
        let based = RenderOptions {
            base_url: Some("https://x.example/".into()),
            ..RenderOptions::default()
        };
        assert_ne!(b, fingerprint(d.path(), &based).unwrap());
        // a new file (even empty) and a theme file count
        fs::create_dir_all(d.path().join("themes/default/templates")).unwrap();
        fs::write(d.path().join("themes/default/templates/base.html"), "").unwrap();
        assert_ne!(b, fingerprint(d.path(), &opts).unwrap());
    }

    #[test]
    fn installed_fonts_make_documents_unknowable() {
        let d = site();
        fs::write(
            d.path().join("site.toml"),
            "title = \"t\"\n[fonts]\nbody = \"仿宋\"\n",
        )
        .unwrap();
        assert!(fingerprint(d.path(), &RenderOptions::default()).is_none());
        let html_only = RenderOptions {
            no_downloads: true,
            ..RenderOptions::default()
        };
        assert!(fingerprint(d.path(), &html_only).is_some());
    }

    #[test]
    fn record_matches_only_the_same_output() {
        let d = site();
        let out = d.path().join("output");
        let opts = RenderOptions::default();
        let f = fingerprint(d.path(), &opts).unwrap();
        let remember = |f: &str| remember_if_unchanged(d.path(), &out, &opts, f);
        assert!(!up_to_date(d.path(), &out, &f));
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join(crate::output::MARKER), "m").unwrap();
        fs::write(out.join("SHA256SUMS"), "x  index.html\n").unwrap();
        remember(&f);
        assert!(up_to_date(d.path(), &out, &f));
        assert!(!up_to_date(d.path(), &out, "g"));
        fs::write(out.join("SHA256SUMS"), "y  index.html\n").unwrap();
        assert!(!up_to_date(d.path(), &out, &f));
        remember(&f);
        assert!(up_to_date(d.path(), &out, &f));
        // a file added to the output by hand: not what the build wrote
        fs::write(out.join("stale.html"), "x").unwrap();
        assert!(!up_to_date(d.path(), &out, &f));
        fs::remove_file(out.join("stale.html")).unwrap();
        remember(&f);
        assert!(up_to_date(d.path(), &out, &f));
        forget(d.path(), &out);
        assert!(!up_to_date(d.path(), &out, &f));
        // a source saved during the build: the output is not recorded as its build
        fs::write(d.path().join("content/a/2024/report.md"), "改过的正文").unwrap();
        remember(&f);
        assert!(!up_to_date(d.path(), &out, &f));
    }
}
