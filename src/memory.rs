//! How the allocator (mimalloc, set in `main.rs`) gives freed memory back to the system, by
//! kind of build. mimalloc is linked into the library either way; where it is not the global
//! allocator (the tests), these settings change nothing that is used.

/// mimalloc's `mi_option_purge_delay` (index 15 in the option enums of both the v2 and v3
/// sources of libmimalloc-sys 0.1.49; not exported by name). Defaults: 1,000 ms in v3 (the
/// one built), 10 ms in v2.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// The delay [`purge_at_once`] replaced, while it is in effect.
static REPLACED: std::sync::Mutex<Option<std::ffi::c_long>> = std::sync::Mutex::new(None);

/// Give freed memory back to the system at once rather than after a delay: a full build
/// holds the whole site until it is written, and the delay let freed pages pile up on top of
/// it (peak for 5,000 reports ~900 MB → ~750 MB). It costs CPU time (a fifth more at 1,000
/// reports), so `main` asks for it on large sites only (BENCHMARKS.md). Changed only from
/// one of mimalloc's documented defaults, so that a different numbering in another version,
/// or a delay set through `MIMALLOC_PURGE_DELAY`, is left alone.
pub fn purge_at_once() {
    // SAFETY: these only read and write mimalloc's table of options
    unsafe {
        let delay = libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY);
        if matches!(delay, 1000 | 10) {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
            *REPLACED.lock().unwrap_or_else(|e| e.into_inner()) = Some(delay);
        }
    }
}

/// Undo [`purge_at_once`], for a build that takes most pages from the last output: it frees
/// little, and giving back at once what it frees only costs time (an edit build of 5,000
/// reports: 863.5 → 693.1 ms median, BENCHMARKS.md). Nothing when it was not in effect.
pub fn purge_after_delay() {
    if let Some(delay) = REPLACED.lock().unwrap_or_else(|e| e.into_inner()).take() {
        // SAFETY: as above
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, delay) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The delay goes to 0 and back to what it was; undoing twice, or without having asked,
    /// changes nothing. (The only test touching the option: it is process-wide.)
    #[test]
    fn purging_at_once_is_undone_to_the_delay_it_replaced() {
        let get = || unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        let before = get();
        purge_after_delay();
        assert_eq!(get(), before);
        purge_at_once();
        if matches!(before, 1000 | 10) {
            assert_eq!(get(), 0);
        } else {
            assert_eq!(get(), before);
        }
        purge_after_delay();
        assert_eq!(get(), before);
        purge_after_delay();
        assert_eq!(get(), before);
    }
}
