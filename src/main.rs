//! `nianbao`: thin glue around [`nianbao::cli`].

use clap::Parser;

/// mimalloc instead of the system allocator: rendering makes many small strings on every
/// thread, and glibc's malloc/free took a fifth of a 1,000-report build's CPU (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

fn main() {
    let cli = nianbao::cli::Cli::parse();
    if cli.command.needs_site() && !cli.root.is_dir() {
        eprintln!("error: 站点文件夹不存在：{}", cli.root.display());
        std::process::exit(1);
    }
    if cli.command.needs_site() && large_site(&cli.root) {
        // (a build that takes most pages from the last output undoes it)
        nianbao::memory::purge_at_once();
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
