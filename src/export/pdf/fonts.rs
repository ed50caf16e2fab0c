//! The fonts of the PDF downloads: open-licence Noto CJK subsets embedded in the binary (see
//! fonts/README.md), so a machine without Chinese fonts still produces a correct PDF.

use typst::foundations::Bytes;
use typst::text::Font;

static SERIF: &[u8] = include_bytes!("../../../fonts/NotoSerifCJKsc-Regular-subset.otf");
static SERIF_BOLD: &[u8] = include_bytes!("../../../fonts/NotoSerifCJKsc-Bold-subset.otf");
static SANS_BOLD: &[u8] = include_bytes!("../../../fonts/NotoSansCJKsc-Bold-subset.otf");

/// The embedded fonts.
pub fn embedded() -> Vec<Font> {
    [SERIF, SERIF_BOLD, SANS_BOLD]
        .iter()
        .flat_map(|b| Font::iter(Bytes::new(*b)))
        .collect()
}

/// Characters of `text` that no font covers (whitespace and controls aside), in order.
pub fn uncovered(fonts: &[Font], text: &str) -> Vec<char> {
    let mut missing: Vec<char> = Vec::new();
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() || missing.contains(&c) {
            continue;
        }
        if !fonts.iter().any(|f| f.info().coverage.contains(c as u32)) {
            missing.push(c);
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_cover_rare_place_name_characters() {
        let fonts = embedded();
        assert_eq!(fonts.len(), 3);
        let families: Vec<&str> = fonts.iter().map(|f| f.info().family.as_str()).collect();
        assert!(families.contains(&"Noto Serif CJK SC"), "{families:?}");
        assert!(families.contains(&"Noto Sans CJK SC"), "{families:?}");
        assert!(
            uncovered(
                &fonts,
                "沭犹圩寺下镇〔2021〕“三安全一稳定”①—·《》（）：；，。、"
            )
            .is_empty()
        );
        // GBK characters beyond GB2312, common in place and person names
        assert!(uncovered(&fonts, "堃喆昇玥赟").is_empty());
        assert_eq!(uncovered(&fonts, "a𠀀b"), vec!['𠀀']);
    }
}
