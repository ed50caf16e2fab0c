//! tables.toml bytes → decoding, the loader, every national-format rule (R1–R6) and the printed
//! grids: never a panic, a hang or unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nianbao::content::read::decode;
use nianbao::diagnostics::SourceFile;
use nianbao::tables::{ReportTables, parse_tables, rules::check_table};
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
    }
});
