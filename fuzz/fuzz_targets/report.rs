//! report.md bytes → decoding, front matter, the Markdown narrative with the sample report's
//! tables placed (page HTML and the Word/PDF block list) and the checks' text extraction.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nianbao::check::text::extract;
use nianbao::config::FrontMatter;
use nianbao::content::read::decode;
use nianbao::diagnostics::SourceFile;
use nianbao::render::markdown::{Placeable, document, place, render, table_slots};
use nianbao::tables::parse_tables;
use std::path::Path;
use std::sync::LazyLock;

/// The sample site's tables (all national tables), as the narrative's slots.
static TABLES: LazyLock<nianbao::tables::ReportTables> = LazyLock::new(|| {
    let src = SourceFile::new(
        "content/sixia/2024/tables.toml",
        include_str!("../../content/sixia/2024/tables.toml").to_string(),
    );
    parse_tables(&src, false).0.expect("sample tables.toml loads")
});

fuzz_target!(|data: &[u8]| {
    let rel = Path::new("content/org/2024/report.md");
    let Ok((text, _)) = decode(data, rel) else {
        return;
    };
    let src = SourceFile::new(rel, text);
    let (_front, offset, diags) = FrontMatter::parse(&src);
    for d in diags.iter() {
        let _ = d.location();
    }
    let body = &src.text[offset..];
    let mut slots: Vec<Placeable> = table_slots(&TABLES);
    for (i, s) in slots.iter_mut().enumerate() {
        s.html = format!("<table id=\"t{i}\"></table>");
    }
    let _ = place(body, &slots);
    let _ = render(body, &slots);
    let _ = document(body, &slots);
    let _ = render(body, &[]);
    let text = extract(body);
    for b in &text.blocks {
        let o = b.source_offset(0);
        assert!(o <= body.len(), "source offset {o} past the body ({})", body.len());
        let _ = src.line_col(offset + b.source_offset(b.text.len()));
    }
    for l in &text.links {
        assert!(l.range.end <= body.len());
    }
});
