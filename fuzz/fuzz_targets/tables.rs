//! tables.toml bytes → decoding, the loader, every national-format rule (R1–R6), the printed
//! grids, and the tables kept between runs as bytes (`tables::codec`): never a panic, a hang
//! or unbounded memory. The same bytes read as kept tables: refused or printed, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nianbao::content::read::decode;
use nianbao::diagnostics::SourceFile;
use nianbao::tables::{ReportTables, codec, parse_tables, rules::check_table};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let rel = Path::new("content/org/2024/tables.toml");
    let Ok((text, _)) = decode(data, rel) else {
        return;
    };
    let src = SourceFile::new(rel, text);
    for archived in [false, true] {
        let (tables, diags) = parse_tables(&src, archived);
        for d in diags.iter() {
            let _ = d.location();
        }
        let Some(tables) = tables else { continue };
        if let ReportTables::National { tables: data, .. } = &tables {
            for t in data {
                for d in check_table(t, &src).iter() {
                    let _ = d.location();
                }
            }
        }
        let _ = nianbao::tables::grid::report_grids(&tables);
        let _ = tables.to_json();
        // kept as bytes (only tables without a finding are), they come back as they were
        if diags.is_empty() {
            let mut bytes = Vec::new();
            codec::encode(&tables, &mut bytes);
            let back = codec::decode(&bytes).expect("what encode writes decodes");
            let mut again = Vec::new();
            codec::encode(&back, &mut again);
            assert_eq!(again, bytes);
        }
    }
    if let Some(kept) = codec::decode(data) {
        let _ = nianbao::tables::grid::report_grids(&kept);
        let _ = kept.to_json();
        let _ = kept.values_sha256();
    }
});
