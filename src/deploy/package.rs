//! `nianbao package`: the built site as one zip, for upload through a CMS or hand-over.
//! Deterministic: the same site gives the same bytes (entries sorted by path, fixed
//! timestamps and permissions, UTF-8 names flagged), with `SHA256SUMS` inside so that the
//! receiver can check the unpacked copy (`sha256sum -c SHA256SUMS` or `nianbao verify`).

use super::{SUMS, join, read_sums};
use crate::progress::{Progress, Task};
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;
use zip::write::SimpleFileOptions;

/// What went into the zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageReport {
    pub files: usize,
    pub bytes: u64,
}

/// Zip the built site in `source` into `zip_path` (written whole, then renamed into place).
pub fn package(source: &Path, zip_path: &Path, progress: &dyn Progress) -> Result<PackageReport> {
    let (sums, _) = read_sums(source).context("请先运行 nianbao build")?;
    let (changed, missing) = super::verify::compare_built(source, &sums, progress);
    if !changed.is_empty() || !missing.is_empty() {
        let mut all = changed;
        all.extend(missing);
        bail!(
            "{} 与其 SHA256SUMS 不符（{}）。请重新运行 nianbao build",
            source.display(),
            all.join("、")
        );
    }
    let mut names: Vec<&str> = sums.keys().map(String::as_str).collect();
    names.push(SUMS);
    names.sort_unstable();
    let bytes = zip_files(source, &names, progress)?;
    if let Some(parent) = zip_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("无法创建 {}", parent.display()))?;
    }
    let tmp = zip_path.with_extension("zip.part");
    std::fs::write(&tmp, &bytes).with_context(|| format!("无法写入 {}", tmp.display()))?;
    std::fs::rename(&tmp, zip_path).with_context(|| format!("无法写入 {}", zip_path.display()))?;
    Ok(PackageReport {
        files: names.len(),
        bytes: bytes.len() as u64,
    })
}

/// The zip of the named files of `dir`, in the order given.
fn zip_files(dir: &Path, names: &[&str], progress: &dyn Progress) -> Result<Vec<u8>> {
    let task = Task::start(progress, "打包", names.len());
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    for name in names {
        let bytes = std::fs::read(join(dir, name))
            .with_context(|| format!("无法读取 {}", join(dir, name).display()))?;
        // already-compressed formats are stored as they are
        let method = if [".zip", ".docx", ".xlsx", ".png", ".jpg", ".woff2"]
            .iter()
            .any(|e| name.ends_with(e))
        {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let opts = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644)
            .large_file(bytes.len() as u64 >= u32::MAX as u64);
        zip.start_file(*name, opts)
            .with_context(|| format!("打包 {name} 失败"))?;
        zip.write_all(&bytes)
            .with_context(|| format!("打包 {name} 失败"))?;
        task.advance(name);
    }
    zip.finish().context("写入 zip 失败")?;
    Ok(buf.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{OutputFile, finish, write_site};
    use crate::progress::Silent;
    use std::io::Read;

    #[test]
    fn the_same_site_gives_the_same_bytes_with_utf8_names_and_sums_inside() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        write_site(
            &out,
            &finish(vec![
                OutputFile::new("index.html", "home"),
                OutputFile::new("2024/寺下 镇/寺下 镇-2024.json", "{}"),
            ]),
        )
        .unwrap();
        let a = dir.path().join("a.zip");
        let b = dir.path().join("b.zip");
        let r = package(&out, &a, &Silent).unwrap();
        assert_eq!(r.files, 4);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        package(&out, &b, &Silent).unwrap();
        let bytes = std::fs::read(&a).unwrap();
        assert_eq!(bytes, std::fs::read(&b).unwrap());
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let names: Vec<String> = (0..z.len())
            .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
            .collect();
        assert!(names.contains(&"SHA256SUMS".to_string()), "{names:?}");
        let mut sums = String::new();
        z.by_name("SHA256SUMS")
            .unwrap()
            .read_to_string(&mut sums)
            .unwrap();
        assert!(
            sums.contains("  2024/寺下 镇/寺下 镇-2024.json\n"),
            "{sums}"
        );
        assert!(crate::export::archive::utf8_flagged(
            &bytes,
            "2024/寺下 镇/寺下 镇-2024.json"
        ));
    }

    #[test]
    fn refuses_an_output_edited_by_hand() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        write_site(&out, &finish(vec![OutputFile::new("index.html", "home")])).unwrap();
        std::fs::write(out.join("index.html"), "edited").unwrap();
        let e = package(&out, &dir.path().join("a.zip"), &Silent).unwrap_err();
        assert!(format!("{e:#}").contains("index.html"), "{e:#}");
        assert!(!dir.path().join("a.zip").exists());
    }
}
