//! Checking a loaded site: the national format's arithmetic rules (R1–R4) on every report.
//! Schema problems are found while loading; this phase adds the rules between cells.

use crate::content::Site;
use crate::diagnostics::Diagnostics;
use crate::tables::{ReportTables, rules};
use rayon::prelude::*;

/// Every rule over every report. In an archived report every finding is a warning.
pub fn check_site(site: &Site) -> Diagnostics {
    let per_report: Vec<Diagnostics> = site
        .reports
        .par_iter()
        .map(|r| {
            let mut d = Diagnostics::new();
            if let ReportTables::National { tables, .. } = &r.tables {
                for t in tables {
                    d.extend(rules::check_table(t, &r.tables_src));
                }
            }
            if r.archived() {
                d.downgrade_errors();
            }
            d
        })
        .collect();
    let mut out = Diagnostics::new();
    for d in per_report {
        out.extend(d);
    }
    out
}
