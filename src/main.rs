//! `nianbao`: thin glue around [`nianbao::cli`].

use clap::Parser;

/// mimalloc instead of the system allocator: rendering makes many small strings on every
/// thread, and glibc's malloc/free took a fifth of a 1,000-report build's CPU (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (index 15 in the option enums of both the v2 and v3
/// sources of libmimalloc-sys 0.1.49; not exported by name). Defaults: 1,000 ms in v3 (the
/// one built), 10 ms in v2.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Sites with more report folders than this give freed memory back at once.
const LARGE_SITE: usize = 2_000;

/// Whether `root/content` holds more than [`LARGE_SITE`] report folders (`<org>/<year>/`),
/// counted from the folder listings alone.
fn large_site(root: &std::path::Path) -> bool {
    let Ok(orgs) = std::fs::read_dir(root.join("content")) else {
        return false;
    };
    let mut n = 0;
    for org in orgs.flatten() {
        if let Ok(years) = std::fs::read_dir(org.path()) {
            n += years
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .count();
        }
        if n > LARGE_SITE {
            return true;
        }
    }
    false
}

/// Give freed memory back to the system at once rather than after a delay: a build holds the
/// whole site until it is written, and the delay let freed pages pile up on top of it (peak
/// for 5,000 reports ~900 MB → ~750 MB). It costs CPU time (a fifth more at 1,000 reports),
/// so only large sites do it (BENCHMARKS.md).
fn purge_freed_memory_at_once() {
    // SAFETY: these only read and write mimalloc's table of options; the option is changed
    // only when it holds one of its documented defaults, so that a different numbering in
    // another version changes nothing
    unsafe {
        if matches!(
            libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY),
            1000 | 10
        ) {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        }
    }
}

fn main() {
    let cli = nianbao::cli::Cli::parse();
    if cli.command.needs_site() && !cli.root.is_dir() {
        eprintln!("error: 站点文件夹不存在：{}", cli.root.display());
        std::process::exit(1);
    }
    if cli.command.needs_site() && large_site(&cli.root) {
        purge_freed_memory_at_once();
    }
    // typst lays out long reports with deep recursion: rayon's default 2 MiB stacks overflow
    // on generated 200-report sites (reserved address space, not memory used)
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(64 << 20)
        .build_global();
    match nianbao::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // the cause chain, once
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}
