//! The check's findings kept between runs of `build` and `check`, in the cache folder
//! (`.nianbao-cache/check`): a report whose key (see [`CheckCache`]) is the one kept is not
//! checked again. Plain lines: `HEADER`, the binary that wrote it
//! ([`crate::build::inputs::binary_identity`]: other rules may find other things), then per
//! report `R`, its year, key (hex) and organisation folder, split by tabs, followed by its
//! findings, each as a line `D severity line column rule` and three lines: its file, its
//! message and its source line (`+` and the line, or `-` for none); and `end`, so that a file
//! cut short is never taken as whole. Free text is [`escape`]d.

use super::CheckCache;
use crate::build::lines::{escape, hex, unescape, unhex};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const HEADER: &str = "nianbao check record 1";

/// Where the findings are kept for the site at `root`.
pub fn path(root: &Path) -> PathBuf {
    crate::build::inputs::cache_dir(root).join("check")
}

impl CheckCache {
    /// The findings kept at `path` by the binary `identity`; none when the file is missing,
    /// cut short, garbled or another binary's.
    pub fn load(path: &Path, identity: &str) -> CheckCache {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| parse(&text, identity))
            .map(|reports| CheckCache {
                reports,
                changed: false,
            })
            .unwrap_or_default()
    }

    /// Keep the findings at `path` (a temporary file renamed over it), when the last check
    /// changed them.
    pub fn save(&mut self, path: &Path, identity: &str) -> std::io::Result<()> {
        if !self.changed {
            return Ok(());
        }
        crate::build::inputs::write_cache_file(path, text(&self.reports, identity).as_bytes())?;
        self.changed = false;
        Ok(())
    }
}

/// A report's key and findings.
type Kept = ([u8; 32], Diagnostics);

type Reports = HashMap<(String, u16), Kept>;

fn text(reports: &Reports, identity: &str) -> String {
    let mut entries: Vec<_> = reports.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = format!("{HEADER}\n{}\n", escape(identity));
    for ((org, year), (key, found)) in entries {
        // a finding whose file name is not UTF-8 would come back as another name: the
        // report is checked again instead
        if found.iter().any(|d| d.file.to_str().is_none()) {
            continue;
        }
        let _ = writeln!(out, "R\t{year}\t{}\t{}", hex(key), escape(org));
        for d in found.iter() {
            let _ = writeln!(
                out,
                "D\t{}\t{}\t{}\t{}\n{}\n{}\n{}",
                d.severity.as_str(),
                d.line,
                d.column,
                d.rule,
                escape(&d.file.to_string_lossy()),
                escape(&d.message),
                match &d.source_line {
                    Some(l) => format!("+{}", escape(l)),
                    None => "-".to_string(),
                }
            );
        }
    }
    out.push_str("end\n");
    out
}

fn parse(text: &str, identity: &str) -> Option<Reports> {
    let mut lines = text.split('\n');
    if lines.next()? != HEADER || unescape(lines.next()?)? != identity {
        return None;
    }
    let mut reports = Reports::new();
    let mut current: Option<((String, u16), Kept)> = None;
    loop {
        let line = lines.next()?;
        if line == "end" {
            reports.extend(current);
            return (lines.next() == Some("") && lines.next().is_none()).then_some(reports);
        }
        let mut fields = line.split('\t');
        match fields.next()? {
            "R" => {
                reports.extend(current.take());
                // the organisation's folder last: its name may hold a tab
                let mut fields = line.splitn(4, '\t').skip(1);
                let year = fields.next()?.parse().ok()?;
                let key = unhex(fields.next()?)?;
                let org = unescape(fields.next()?)?;
                current = Some(((org, year), (key, Diagnostics::new())));
            }
            "D" => {
                let (_, (_, found)) = current.as_mut()?;
                let severity = match fields.next()? {
                    "error" => Severity::Error,
                    "warning" => Severity::Warning,
                    _ => return None,
                };
                let line = fields.next()?.parse().ok()?;
                let column = fields.next()?.parse().ok()?;
                let rule = rule_name(fields.next()?)?;
                if fields.next().is_some() {
                    return None;
                }
                let file = PathBuf::from(unescape(lines.next()?)?);
                let message = unescape(lines.next()?)?;
                let source_line = match lines.next()? {
                    "-" => None,
                    l => Some(unescape(l.strip_prefix('+')?)?),
                };
                found.push(Diagnostic {
                    severity,
                    rule,
                    file,
                    line,
                    column,
                    message,
                    source_line,
                });
            }
            _ => return None,
        }
    }
}

/// The rule id `name` as the `&'static str` a [`Diagnostic`] holds; None when it is no rule
/// id (those are short, ASCII, without spaces). The ids are the few that the rules name; each
/// read back is kept once for the rest of the process.
fn rule_name(name: &str) -> Option<&'static str> {
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    if name.is_empty() || name.len() > 32 || !name.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.iter().find(|n| **n == name) {
        return Some(n);
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push(n);
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_site, check_site_cached};

    /// Findings kept and read back are the findings, caret lines included; a kept check
    /// finds what a fresh one finds; another binary's file, one cut short or garbled is
    /// not taken.
    #[test]
    fn kept_findings_come_back_whole() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut site = crate::content::load_site(root).site.unwrap();
        // a finding with a caret line, and free text that needs escaping
        site.reports[0].insert_paragraph("联系人手机 13812345678。");
        let mut cache = CheckCache::default();
        let fresh = format!("{:?}", check_site(&site));
        assert_eq!(format!("{:?}", check_site_cached(&site, &mut cache)), fresh);
        assert!(cache.changed);
        let mut odd = Diagnostic::file(
            Severity::Error,
            "R1",
            "content/a\tb/\n\\x.toml",
            "第一行\n第二行\t\\n",
        );
        odd.source_line = Some("\r\n+-".into());
        cache
            .reports
            .get_mut(&(site.reports[0].org.clone(), site.reports[0].year))
            .unwrap()
            .1
            .push(odd);
        // an organisation folder whose name holds a tab (regression: the whole file was
        // refused, so every report was checked again on every run)
        let entry = cache.reports.values().next().unwrap().clone();
        cache.reports.insert(("six\tia".to_string(), 2024), entry);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("check");
        cache.save(&file, "nianbao 1\tx").unwrap();
        assert!(!cache.changed);
        let back = CheckCache::load(&file, "nianbao 1\tx");
        assert_eq!(back.reports, cache.reports);
        assert!(back.reports.values().any(|(_, d)| !d.is_empty()));
        assert!(
            back.reports
                .values()
                .flat_map(|(_, d)| d.iter())
                .any(|d| d.source_line.is_some() && d.line > 0)
        );
        // nothing changed since: the kept check finds the same without checking again
        let mut plain = CheckCache::default();
        let _ = check_site_cached(&site, &mut plain);
        let mut kept = plain;
        kept.save(&file, "nianbao 1\tx").unwrap();
        let mut kept = CheckCache::load(&file, "nianbao 1\tx");
        assert_eq!(format!("{:?}", check_site_cached(&site, &mut kept)), fresh);
        assert!(!kept.changed);
        // another binary's, cut short, garbled: nothing taken
        assert!(CheckCache::load(&file, "nianbao 2").reports.is_empty());
        let whole = std::fs::read_to_string(&file).unwrap();
        for bad in [
            whole.replace("\nend\n", "\n"),
            whole[..whole.len() / 2].to_string(),
            whole.replacen("\nR\t", "\nQ\t", 1),
            whole.replacen("\nD\twarning\t", "\nD\tnotice\t", 1),
        ] {
            assert_ne!(bad, whole);
            std::fs::write(&file, bad).unwrap();
            assert!(CheckCache::load(&file, "nianbao 1\tx").reports.is_empty());
        }
    }
}
