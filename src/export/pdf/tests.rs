use super::*;
use crate::content::load_site;
use std::path::Path;
use std::sync::LazyLock;

static ENGINE: LazyLock<PdfEngine> = LazyLock::new(|| {
    let theme = crate::render::Theme::load(Path::new("/nonexistent"), "default").unwrap();
    let template = theme.files.get("pdf/report.typ").unwrap();
    PdfEngine::new(template, &crate::config::FontsConfig::default()).unwrap()
});

fn sample_pdf() -> Vec<u8> {
    let loaded = load_site(Path::new(env!("CARGO_MANIFEST_DIR")));
    let site = loaded.site.unwrap();
    let r = &site.reports[0];
    ENGINE.render(r, "寺下镇人民政府").unwrap()
}

/// The text of a PDF, whitespace removed (table cells and wrapped lines split words).
fn text_of(pdf: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(pdf)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn sample_report_pdf_has_every_label_and_is_deterministic() {
    let pdf = sample_pdf();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(pdf, sample_pdf(), "two renders differ");
    let text = text_of(&pdf);
    for label in [
        "寺下镇2024年政府信息公开工作年度报告",
        "一、总体情况",
        "第二十条第（一）项",
        "本年收费金额（单位：万元）",
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        "三、本年度办理结果",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "未经复议直接起诉",
        "复议后起诉",
        "六、其他需要报告的事项",
        "0797-8551101",
    ] {
        let compact: String = label.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains(&compact), "missing {label}");
    }
    // fonts are embedded, and the archival standard is declared
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains("/FontFile3") || raw.contains("/FontFile2"),
        "no embedded font"
    );
    // the sample has no publication date yet: a tagged PDF, not PDF/A
    assert!(!raw.contains("pdfaid:part"), "PDF/A without a date");
    assert!(raw.contains("/StructTreeRoot"), "not tagged");
}

#[test]
fn published_reports_are_pdf_a_with_their_date() {
    let loaded = load_site(Path::new(env!("CARGO_MANIFEST_DIR")));
    let mut site = loaded.site.unwrap();
    site.reports[0].front.published = Some(crate::config::Date {
        year: 2025,
        month: 1,
        day: 20,
        time: None,
    });
    let pdf = ENGINE.render(&site.reports[0], "寺下镇人民政府").unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("<pdfaid:part>2</pdfaid:part>"), "not PDF/A-2");
    assert!(raw.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
    assert!(raw.contains("2025-01-20"), "no document date");
    assert!(raw.contains("寺下镇人民政府"), "no author");
    assert!(raw.contains("/StructTreeRoot"), "not tagged");
}

#[test]
fn missing_characters_are_an_error_naming_them() {
    let loaded = load_site(Path::new(env!("CARGO_MANIFEST_DIR")));
    let mut site = loaded.site.unwrap();
    site.reports[0].title = "测试𠀀报告".into();
    let err = ENGINE
        .render(&site.reports[0], "x")
        .unwrap_err()
        .to_string();
    assert!(err.contains("𠀀") && err.contains("U+20000"), "{err}");
}
