//! The search index of `build` after an edit: the index of the build recorded in the cache
//! folder, read back from the output and changed where the edited reports' tokens changed,
//! instead of made again from every report's tokens (~10 ms of CPU per edit at 1,000
//! reports, and the tokens of every report had to be checked when read back for it).

use super::{Key, Memo, urls};
use crate::content::Report;
use crate::render::search;
use std::sync::Arc;

/// The key of the search index: each document as listed, with the key of its tokens.
pub(super) fn index_key<'a>(
    docs: impl Iterator<Item = (&'a str, &'a str, &'a str, u16, &'a [u8; 32])>,
) -> [u8; 32] {
    let mut k = Key::default();
    for (title, href, org_name, year, key) in docs {
        for part in [
            title.as_bytes(),
            href.as_bytes(),
            org_name.as_bytes(),
            &year.to_le_bytes(),
            key,
        ] {
            k.part(part);
        }
    }
    k.finish()
}

/// The search index of `docs` (`reports` in index order, with `tokens`: their keys and
/// tokens), made by updating the index of the build recorded in `m`: only the lists of the
/// tokens that changed documents gained or lost are made again. None unless that index is
/// in the output as recorded (its SHA-256 too), the recorded tokens are those it was made
/// from (its key is theirs), and it lists the same documents in the same order.
pub(super) fn updated_index(
    m: &Memo,
    reports: &[&Report],
    docs: &[search::Doc],
    tokens: &[([u8; 32], Arc<search::TokenSet>)],
) -> Option<String> {
    let (recorded_key, script) = m
        .old
        .stored
        .as_ref()?
        .page_as_recorded(urls::SEARCH_INDEX)?;
    if *m.old.hashes.get(urls::SEARCH_INDEX)? != crate::output::sha256_hex(&script) {
        return None;
    }
    let old = search::OldIndex::parse(std::str::from_utf8(&script).ok()?)?;
    let kept: Vec<&([u8; 32], Arc<search::TokenSet>)> = reports
        .iter()
        .map(|r| m.old.search_tokens.get(&urls::report(r.year, &r.org)))
        .collect::<Option<_>>()?;
    if old.docs.len() != kept.len() {
        return None;
    }
    let old_key = index_key(old.docs.iter().zip(&kept).map(
        |((title, href, org_name, year), (k, _))| {
            (title.as_str(), href.as_str(), org_name.as_str(), *year, k)
        },
    ));
    if old_key != recorded_key {
        return None;
    }
    let changes: Vec<(usize, &search::TokenSet, &search::TokenSet)> = kept
        .iter()
        .zip(tokens)
        .enumerate()
        .filter(|(_, ((old_key, _), (new_key, _)))| old_key != new_key)
        .map(|(i, ((_, old), (_, new)))| (i, &**old, &**new))
        .collect();
    old.update(docs, &changes)
}
