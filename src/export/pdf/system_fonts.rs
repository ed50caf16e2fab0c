//! Fonts that site.toml names (`[fonts]`), found among the fonts installed on this machine
//! by any of their family names (English or Chinese: FangSong or 仿宋), e.g. 仿宋_GB2312 on a
//! Windows PC. A named font that is not installed is an error: the PDF would otherwise
//! silently use another face.

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use typst::foundations::Bytes;
use typst::text::Font;

/// Folders where operating systems keep fonts.
fn font_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = [
        "/usr/share/fonts",
        "/usr/local/share/fonts",
        "/Library/Fonts",
        "/System/Library/Fonts",
        "C:\\Windows\\Fonts",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    if let Some(home) = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")) {
        let home = PathBuf::from(home);
        dirs.push(home.join(".fonts"));
        dirs.push(home.join(".local/share/fonts"));
        dirs.push(home.join("Library/Fonts"));
        dirs.push(home.join("AppData\\Local\\Microsoft\\Windows\\Fonts"));
    }
    if let Some(windir) = std::env::var_os("WINDIR") {
        dirs.push(PathBuf::from(windir).join("Fonts"));
    }
    dirs
}

fn font_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() && depth < 6 {
            font_files(&p, out, depth + 1);
        } else if p.extension().and_then(|x| x.to_str()).is_some_and(|x| {
            matches!(
                x.to_ascii_lowercase().as_str(),
                "ttf" | "otf" | "ttc" | "otc"
            )
        }) {
            out.push(p);
        }
    }
}

/// Every family name a face carries (name IDs 1 and 16, all languages).
fn family_names(data: &[u8], index: u32) -> Vec<String> {
    let Ok(face) = ttf_parser::Face::parse(data, index) else {
        return Vec::new();
    };
    face.names()
        .into_iter()
        .filter(|n| n.name_id == 1 || n.name_id == 16)
        .filter_map(|n| n.to_string())
        .collect()
}

fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The faces found, and for each requested name the family name typst knows it by.
#[derive(Debug)]
pub struct Found {
    pub fonts: Vec<Font>,
    pub families: Vec<(String, String)>,
}

/// For each requested name, the faces installed under it and the family name typst knows
/// them by. Fails naming every requested font that is not installed.
pub fn find(requested: &[&str]) -> Result<Found> {
    let mut files = Vec::new();
    for d in font_dirs() {
        font_files(&d, &mut files, 0);
    }
    files.sort();
    let wanted: Vec<(String, String)> = requested
        .iter()
        .map(|r| (r.to_string(), normalise(r)))
        .collect();
    let mut fonts: Vec<Font> = Vec::new();
    let mut found: Vec<(String, String)> = Vec::new();
    for f in files {
        let Ok(data) = std::fs::read(&f) else {
            continue;
        };
        let count = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
        let mut bytes: Option<Bytes> = None;
        for i in 0..count {
            let names = family_names(&data, i);
            let hits: Vec<&(String, String)> = wanted
                .iter()
                .filter(|(_, w)| names.iter().any(|n| normalise(n) == *w))
                .collect();
            if hits.is_empty() {
                continue;
            }
            let b = bytes
                .get_or_insert_with(|| Bytes::new(data.clone()))
                .clone();
            if let Some(font) = Font::new(b, i) {
                for (req, _) in hits {
                    if !found.iter().any(|(r, _)| r == req) {
                        found.push((req.clone(), font.info().family.clone()));
                    }
                }
                fonts.push(font);
            }
        }
    }
    let missing: Vec<&str> = requested
        .iter()
        .copied()
        .filter(|r| !found.iter().any(|(f, _)| f == r))
        .collect();
    if !missing.is_empty() {
        bail!(
            "site.toml 的 [fonts] 指定的字体在本机没有安装：{}。PDF 需要嵌入字体：请安装它们，或删去这些设置以使用内置的思源（Noto CJK）字体",
            missing.join("、")
        );
    }
    Ok(Found {
        fonts,
        families: found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_compared_loosely() {
        assert_eq!(normalise("FangSong_GB2312"), normalise("fangsong gb2312"));
        assert_ne!(normalise("SimSun"), normalise("SimHei"));
    }

    #[test]
    fn a_missing_font_is_an_error_naming_it() {
        let err = find(&["不存在的字体-nianbao-test"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("不存在的字体-nianbao-test"), "{err}");
    }
}
