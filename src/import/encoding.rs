//! The encoding of a saved page: a byte-order mark, else the declared charset (`<meta
//! charset>` or `http-equiv` content type), else UTF-8 when the bytes are valid UTF-8, else
//! detected (chardetng). GB2312 and GBK are read as GB18030, their superset.

use encoding_rs::{Encoding, GB18030, UTF_8};

/// The charset a page declares in its first bytes.
fn declared(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let re = regex::Regex::new(r#"<meta[^>]*charset\s*=\s*["']?\s*([a-z0-9_\-]+)"#).ok()?;
    let label = re.captures(&head)?.get(1)?.as_str().to_string();
    Encoding::for_label(label.as_bytes())
}

fn widen(e: &'static Encoding) -> &'static Encoding {
    if e == encoding_rs::GBK { GB18030 } else { e }
}

/// Decode a page; returns the text and the encoding's name.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        let (s, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        return (s.into_owned(), enc.name());
    }
    let declared = declared(bytes).map(widen);
    if let Some(enc) = declared {
        let (s, had_errors) = enc.decode_without_bom_handling(bytes);
        if !had_errors {
            return (s.into_owned(), enc.name());
        }
    }
    if std::str::from_utf8(bytes).is_ok() {
        return (String::from_utf8_lossy(bytes).into_owned(), UTF_8.name());
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let enc = widen(det.guess(Some(b"cn"), chardetng::Utf8Detection::Allow));
    let (s, _) = enc.decode_without_bom_handling(bytes);
    (s.into_owned(), enc.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_gbk_and_undeclared_gbk() {
        let text = "<html><head><meta charset=\"gb2312\"></head><body>政府信息公开工作年度报告</body></html>";
        let (bytes, _, _) = GB18030.encode(text);
        let (s, name) = decode(&bytes);
        assert!(s.contains("政府信息公开"), "{s}");
        assert_eq!(name, "gb18030");
        let plain = "<html><body>政府信息公开工作年度报告，本机关依法公开政府信息。</body></html>";
        let (bytes, _, _) = GB18030.encode(plain);
        let (s, _) = decode(&bytes);
        assert!(s.contains("依法公开"), "{s}");
    }

    #[test]
    fn utf8_and_bom() {
        let (s, n) = decode("<p>年报</p>".as_bytes());
        assert_eq!((s.as_str(), n), ("<p>年报</p>", "UTF-8"));
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("年报".as_bytes());
        assert_eq!(decode(&b).0, "年报");
    }
}
