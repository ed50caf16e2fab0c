//! What the benchmark examples share.

use std::path::{Path, PathBuf};

/// The first file named `name` below `dir`, in path order, that `wanted` accepts.
pub fn first_file(dir: &Path, name: &str, wanted: &dyn Fn(&Path) -> bool) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if let Some(found) = first_file(&p, name, wanted) {
                return Some(found);
            }
        } else if p.file_name().is_some_and(|n| n == name) && wanted(&p) {
            return Some(p);
        }
    }
    None
}

/// The first report.md below `dir`, in path order.
pub fn first_report(dir: &Path) -> Option<PathBuf> {
    first_file(dir, "report.md", &|_| true)
}
