//! Progress of long work (rendering and exporting many reports, copying a site, importing
//! files), reported through a small trait so that the library stays free of any UI: the command
//! line implements it with a progress bar or plain lines, tests and the preview server use
//! [`Silent`].

/// Receives the progress of one task at a time. Called from worker threads.
pub trait Progress: Sync {
    /// A task of `total` items starts: `what` names it for people (「生成报告」).
    fn start(&self, what: &str, total: usize);
    /// One item is done; `item` names it (`2024/sixia`).
    fn advance(&self, item: &str);
    /// The task is over (also after a failure).
    fn finish(&self);
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &str, _: usize) {}
    fn advance(&self, _: &str) {}
    fn finish(&self) {}
}

/// Calls `start` now and `finish` when dropped, so a task is closed on every path (`?`
/// included).
pub struct Task<'a> {
    progress: &'a dyn Progress,
}

impl<'a> Task<'a> {
    pub fn start(progress: &'a dyn Progress, what: &str, total: usize) -> Self {
        progress.start(what, total);
        Task { progress }
    }
    pub fn advance(&self, item: &str) {
        self.progress.advance(item);
    }
}

impl Drop for Task<'_> {
    fn drop(&mut self) {
        self.progress.finish();
    }
}

/// With the environment variable `NIANBAO_TIMINGS` set, print to standard error the
/// milliseconds from the first call to this one, which ends the phase `name` of a build, and
/// where the system tells it, the CPU time the process used meanwhile, all threads together
/// (a measure for developers: BENCHMARKS.md shows where a build's time goes with it; wall
/// time well above CPU time / cores is time spent waiting).
pub fn phase_done(name: &str) {
    static START: std::sync::OnceLock<Option<(std::time::Instant, Option<f64>)>> =
        std::sync::OnceLock::new();
    let start = START.get_or_init(|| {
        std::env::var_os("NIANBAO_TIMINGS").map(|_| (std::time::Instant::now(), cpu_ms()))
    });
    if let Some((t, cpu0)) = start {
        let cpu = match (cpu_ms(), cpu0) {
            (Some(now), Some(then)) => match resident_mb() {
                Some(mb) => format!(" (CPU {:.1} ms, resident {mb} MB)", now - then),
                None => format!(" (CPU {:.1} ms)", now - then),
            },
            _ => String::new(),
        };
        eprintln!(
            "NIANBAO_TIMINGS {:8.1} ms {name}{cpu}",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}

/// The memory the process holds now (resident set), in MB: a phase that makes the site's
/// pages touches fresh memory, which costs the system time to clear.
#[cfg(target_os = "linux")]
fn resident_mb() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a system constant
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).ok()? / (1024 * 1024))
}

#[cfg(not(target_os = "linux"))]
fn resident_mb() -> Option<u64> {
    None
}

/// The CPU time (user and system) the process has used, in milliseconds.
#[cfg(target_os = "linux")]
fn cpu_ms() -> Option<f64> {
    // SAFETY: getrusage only writes the struct it is given
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    Some(ms(usage.ru_utime) + ms(usage.ru_stime))
}

#[cfg(not(target_os = "linux"))]
fn cpu_ms() -> Option<f64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Log(Mutex<Vec<String>>);
    impl Progress for Log {
        fn start(&self, what: &str, total: usize) {
            self.0.lock().unwrap().push(format!("start {what} {total}"));
        }
        fn advance(&self, item: &str) {
            self.0.lock().unwrap().push(format!("advance {item}"));
        }
        fn finish(&self) {
            self.0.lock().unwrap().push("finish".into());
        }
    }

    #[test]
    fn a_task_is_finished_even_when_left_early() {
        let log = Log::default();
        let run = || -> Result<(), ()> {
            let t = Task::start(&log, "x", 2);
            t.advance("a");
            Err(())?;
            t.advance("b");
            Ok(())
        };
        assert!(run().is_err());
        assert_eq!(
            *log.0.lock().unwrap(),
            vec!["start x 2", "advance a", "finish"]
        );
    }
}
