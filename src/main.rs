//! `nianbao`: thin glue around [`nianbao::cli`].

use clap::Parser;

/// mimalloc instead of the system allocator: rendering makes many small strings on every
/// thread, and glibc's malloc/free took a fifth of a 1,000-report build's CPU (BENCHMARKS.md).
/// Its defaults are kept, freed memory given back to the system after its delay: giving it
/// back at once (done above 2,000 reports until the thirteenth pass of issue 7) cost a
/// 5,000-report build a fifth of its time for a tenth of its peak memory.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = nianbao::cli::Cli::parse();
    if cli.command.needs_site() && !cli.root.is_dir() {
        eprintln!("error: 站点文件夹不存在：{}", cli.root.display());
        std::process::exit(1);
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
