//! .html bytes → encoding detection, the importer's HTML reader, table recognition and the
//! narrative it writes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

mod import_common;

fuzz_target!(|data: &[u8]| {
    if let Ok((doc, _)) = nianbao::import::read_bytes(Path::new("report.html"), data) {
        import_common::convert(&doc);
    }
});
