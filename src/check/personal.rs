//! Personal data that must not be published: 18-digit 身份证号 with a valid check digit and
//! 11-digit mobile numbers, in the narrative and in table text cells (warnings).

use regex::Regex;
use std::sync::LazyLock;

pub const RULE: &str = "personal-data";

static ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9]{17}[0-9Xx]").expect("valid"));
static MOBILE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"1[3-9][0-9]{9}").expect("valid"));

/// A resident identity number: region, a plausible birth date, and the ISO 7064 check digit.
pub fn valid_id(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 18 {
        return false;
    }
    let digit = |i: usize| (b[i] - b'0') as u32;
    let year = (6..10).fold(0, |a, i| a * 10 + digit(i));
    let month = digit(10) * 10 + digit(11);
    let day = digit(12) * 10 + digit(13);
    if !(1900..=2099).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = (0..17).map(|i| digit(i) * W[i]).sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    b[17].to_ascii_uppercase() == check
}

/// Byte ranges of personal data in `text`, with what it is.
pub fn find(text: &str) -> Vec<(usize, &'static str)> {
    let isolated = |s: usize, e: usize| {
        let before = text[..s].chars().next_back();
        let after = text[e..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == '-')
            && !after.is_some_and(|c| c.is_ascii_digit() || c == '-')
    };
    let mut out = Vec::new();
    for m in ID.find_iter(text) {
        if isolated(m.start(), m.end()) && valid_id(m.as_str()) {
            out.push((m.start(), "身份证号"));
        }
    }
    for m in MOBILE.find_iter(text) {
        if isolated(m.start(), m.end()) {
            out.push((m.start(), "手机号码"));
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_need_a_valid_check_digit() {
        // a made-up number with a correct check digit
        assert!(valid_id("11010519491231002X"));
        assert!(!valid_id("110105194912310021"));
        assert!(!valid_id("110105194913310021"));
        assert_eq!(find("身份证11010519491231002X号").len(), 1);
    }

    #[test]
    fn mobiles_but_not_landlines_or_longer_numbers() {
        assert_eq!(find("联系电话：13912345678。"), vec![(15, "手机号码")]);
        assert!(find("联系电话：0797-8551101").is_empty());
        assert!(find("编号 213912345678 的").is_empty());
        assert!(find("139123456789").is_empty());
    }
}
