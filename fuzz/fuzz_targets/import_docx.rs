//! .docx bytes → the importer's Word reader, table recognition and the narrative it writes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

mod import_common;

fuzz_target!(|data: &[u8]| {
    if let Ok((doc, _)) = nianbao::import::read_bytes(Path::new("report.docx"), data) {
        import_common::convert(&doc);
    }
});
