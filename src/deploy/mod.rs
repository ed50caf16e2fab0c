//! Getting a built site to where it is published, and checking it there:
//! [`publish`] (`nianbao deploy`: staged, switched by renames, verified, undoable),
//! [`verify`] (`nianbao verify`: a copy against its SHA256SUMS) and
//! [`package`] (`nianbao package`: one deterministic zip).
//!
//! All three trust one list: the `SHA256SUMS` that `build` writes into the output folder
//! (`sha256sum -c` format, every file of the site but itself).

pub mod package;
pub mod publish;
pub mod verify;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

pub use package::{PackageReport, package};
pub use publish::{DeployReport, RollbackReport, deploy, rollback};
pub use verify::{VerifyReport, verify};

/// The name of the checksum list in a built site.
pub const SUMS: &str = "SHA256SUMS";

/// nianbao's own folder inside a web root it deployed to: the record of what it put there,
/// the previous version (for `--rollback`) and the staging area. Never published content.
pub const STATE_DIR: &str = ".nianbao-deploy";

/// `SHA256SUMS` parsed: path → lowercase hex digest, sorted by path.
pub type Sums = BTreeMap<String, String>;

/// Parse `sha256sum` output (`<hex>  <path>` or `<hex> *<path>`); `name` is for messages.
pub fn parse_sums(text: &str, name: &str) -> Result<Sums> {
    let mut sums = Sums::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let bad = || {
            format!(
                "{name} 第 {} 行格式不对：应为「64 位十六进制校验值、两个空格、文件路径」",
                i + 1
            )
        };
        let (hex, rest) = line.split_at_checked(64).with_context(bad)?;
        let path = rest
            .strip_prefix("  ")
            .or_else(|| rest.strip_prefix(" *"))
            .with_context(bad)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!(bad());
        }
        if !safe_relative(path) {
            bail!("{name} 第 {} 行的路径不安全：{path}", i + 1);
        }
        if sums
            .insert(path.to_string(), hex.to_ascii_lowercase())
            .is_some()
        {
            bail!("{name} 第 {} 行重复列出了 {path}", i + 1);
        }
    }
    Ok(sums)
}

/// Read and parse `<dir>/SHA256SUMS`, with its text.
pub fn read_sums(dir: &Path) -> Result<(Sums, String)> {
    let p = dir.join(SUMS);
    let text = std::fs::read_to_string(&p).with_context(|| {
        format!(
            "无法读取 {}：这个文件夹不是 nianbao 生成的网站，或 SHA256SUMS 丢失了",
            p.display()
        )
    })?;
    Ok((parse_sums(&text, &p.display().to_string())?, text))
}

/// A `/`-separated path that stays inside its folder.
pub fn safe_relative(p: &str) -> bool {
    !p.is_empty()
        && !p.contains('\\')
        && !p.contains('\0')
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// `dir` joined with a `/`-separated relative path.
pub fn join(dir: &Path, rel: &str) -> PathBuf {
    rel.split('/')
        .fold(dir.to_path_buf(), |p, part| p.join(part))
}

/// SHA-256 of a file, streamed.
pub fn hash_file(p: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(p)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

/// Every file below `dir` (symlinks included, not followed) as `/`-separated relative paths,
/// sorted; the top-level entries named in `skip` are left out.
pub fn list_files(dir: &Path, skip: &[&str]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((abs, rel)) = stack.pop() {
        let entries =
            std::fs::read_dir(&abs).with_context(|| format!("无法读取文件夹 {}", abs.display()))?;
        for e in entries {
            let e = e.with_context(|| format!("无法读取文件夹 {}", abs.display()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if rel.is_empty() && skip.contains(&name.as_str()) {
                continue;
            }
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let ft = e
                .file_type()
                .with_context(|| format!("无法读取 {}", e.path().display()))?;
            if ft.is_dir() {
                stack.push((e.path(), child));
            } else {
                out.push(child);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_parse_both_modes_and_refuse_hostile_paths() {
        let h = "a".repeat(64);
        let s = parse_sums(&format!("{h}  index.html\n{h} *2024/a b.pdf\n"), "S").unwrap();
        assert_eq!(s.keys().collect::<Vec<_>>(), ["2024/a b.pdf", "index.html"]);
        assert!(parse_sums(&format!("{h}  ../etc/passwd\n"), "S").is_err());
        assert!(parse_sums(&format!("{h}  /abs\n"), "S").is_err());
        assert!(parse_sums("xyz  a\n", "S").is_err());
        let e = parse_sums(&format!("{h}  a\n{h}  a\n"), "S").unwrap_err();
        assert!(e.to_string().contains("第 2 行"), "{e}");
    }
}
