//! `downloads/<year>.zip`: every download of a year's reports in one archive, deterministic
//! (sorted entries, fixed timestamps, UTF-8 names flagged).

use crate::output::OutputFile;
use anyhow::{Context, Result};
use std::io::Write;
use zip::write::SimpleFileOptions;

/// The archive of `files` (paths relative to the output root, e.g. `2024/sixia/sixia-2024.pdf`),
/// stored as `<org>/<file>` inside.
pub fn year_zip(year: u16, files: &[&OutputFile]) -> Result<OutputFile> {
    let mut entries: Vec<(String, &[u8])> = files
        .iter()
        .map(|f| {
            let inner = f
                .path
                .strip_prefix(&format!("{year}/"))
                .unwrap_or(&f.path)
                .to_string();
            (inner, f.bytes.as_slice())
        })
        .collect();
    entries.sort();
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        for (name, bytes) in entries {
            zip.start_file(name.as_str(), opts)
                .with_context(|| format!("{year}.zip：{name}"))?;
            zip.write_all(bytes)?;
        }
        zip.finish().context("写入 zip 失败")?;
    }
    Ok(OutputFile::new(
        format!("downloads/{year}.zip"),
        buf.into_inner(),
    ))
}

/// Whether the local header of the entry `name` in the zip `bytes` has the UTF-8 flag (bit 11).
#[cfg(test)]
pub(crate) fn utf8_flagged(bytes: &[u8], name: &str) -> bool {
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let mut i = 0;
    while i + 30 <= bytes.len() {
        if bytes[i..i + 4] == [0x50, 0x4b, 0x03, 0x04] {
            let len = u16_at(i + 26) as usize;
            if bytes.get(i + 30..i + 30 + len) == Some(name.as_bytes()) {
                return u16_at(i + 6) & 0x0800 != 0;
            }
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_utf8_names() {
        let a = OutputFile::new("2024/寺下/寺下-2024.json", "{}");
        let b = OutputFile::new("2024/abc/abc-2024.csv", "x");
        let z1 = year_zip(2024, &[&a, &b]).unwrap();
        let z2 = year_zip(2024, &[&b, &a]).unwrap();
        assert_eq!(z1, z2);
        assert_eq!(z1.path, "downloads/2024.zip");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(z1.bytes.to_vec())).unwrap();
        assert_eq!(archive.len(), 2);
        assert_eq!(
            archive.by_index(0).unwrap().name().unwrap(),
            "abc/abc-2024.csv"
        );
        let e = archive.by_index(1).unwrap();
        assert_eq!(e.name().unwrap(), "寺下/寺下-2024.json");
        drop(e);
        assert!(utf8_flagged(&z1.bytes, "寺下/寺下-2024.json"));
    }
}
