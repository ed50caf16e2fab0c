//! How much the command line says, and progress on a terminal (a bar) or in a log (lines).

use crate::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `--quiet` / `--verbose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    Normal,
    /// Every item of long tasks, timings.
    Verbose,
}

/// The voice of the command line.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub verbosity: Verbosity,
}

impl Ui {
    /// A result for people (stdout), unless quiet.
    pub fn info(&self, msg: impl std::fmt::Display) {
        if self.verbosity != Verbosity::Quiet {
            println!("{msg}");
        }
    }
    /// A detail (stderr), only when verbose.
    pub fn detail(&self, msg: impl std::fmt::Display) {
        if self.verbosity == Verbosity::Verbose {
            eprintln!("{msg}");
        }
    }
    pub fn quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }
    /// Progress for long tasks, fitted to where stderr goes.
    pub fn progress(&self) -> CliProgress {
        let mode = match self.verbosity {
            Verbosity::Quiet => Mode::Off,
            Verbosity::Verbose => Mode::Lines { every_item: true },
            Verbosity::Normal => {
                let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
                if std::io::stderr().is_terminal() && !dumb {
                    Mode::Bar
                } else {
                    Mode::Lines { every_item: false }
                }
            }
        };
        CliProgress {
            mode,
            state: Mutex::new(None),
            log: Mutex::new(Box::new(std::io::stderr())),
        }
    }
}

/// In a log, a task reports at most this often, and only a task that takes longer gets a
/// summary line (a short one is summed up by the command's last line).
const LOG_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    /// A bar on stderr (a terminal).
    Bar,
    /// Plain lines on stderr (a log, a pipe): every item, or a line every few seconds.
    Lines {
        every_item: bool,
    },
}

struct State {
    what: String,
    total: usize,
    done: usize,
    started: Instant,
    last_line: Instant,
    bar: Option<ProgressBar>,
}

/// [`Progress`] for the command line: a bar on a terminal, plain lines otherwise, and a
/// summary line (count and time) at the end of every task that had work.
pub struct CliProgress {
    mode: Mode,
    state: Mutex<Option<State>>,
    /// Where the lines go: stderr (a buffer in tests).
    log: Mutex<Box<dyn std::io::Write + Send>>,
}

impl CliProgress {
    fn with<R>(&self, f: impl FnOnce(&mut Option<State>) -> R) -> R {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    fn line(&self, text: String) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(log, "{text}");
    }
}

impl Progress for CliProgress {
    fn start(&self, what: &str, total: usize) {
        if self.mode == Mode::Off {
            return;
        }
        let bar = (self.mode == Mode::Bar && total > 1).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(total as u64),
                ProgressDrawTarget::stderr_with_hz(10),
            );
            // no colours: the bar looks the same with NO_COLOR
            if let Ok(style) = ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len}（已用 {elapsed}，约剩 {eta}）",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what.to_string());
            bar
        });
        self.with(|s| {
            *s = Some(State {
                what: what.to_string(),
                total,
                done: 0,
                started: Instant::now(),
                last_line: Instant::now(),
                bar,
            })
        });
    }

    fn advance(&self, item: &str) {
        let mode = self.mode;
        self.with(|s| {
            let Some(s) = s else { return };
            s.done += 1;
            match (mode, &s.bar) {
                (_, Some(bar)) => bar.inc(1),
                (Mode::Lines { every_item }, None)
                    if every_item || s.last_line.elapsed() >= LOG_EVERY =>
                {
                    self.line(format!("{} [{}/{}] {item}", s.what, s.done, s.total));
                    s.last_line = Instant::now();
                }
                _ => {}
            }
        });
    }

    fn finish(&self) {
        let mode = self.mode;
        self.with(|s| {
            let Some(s) = s.take() else { return };
            if let Some(bar) = &s.bar {
                bar.finish_and_clear();
            }
            let summarise = match mode {
                Mode::Lines { every_item: true } => true,
                Mode::Off => false,
                _ => s.started.elapsed() >= LOG_EVERY,
            };
            if summarise && s.total > 0 {
                self.line(format!(
                    "{}：完成 {}/{} 项，用时 {}",
                    s.what,
                    s.done,
                    s.total,
                    seconds(s.started.elapsed())
                ));
            }
        });
    }
}

/// `1.2 秒`
pub fn seconds(d: Duration) -> String {
    format!("{:.1} 秒", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A shared buffer standing in for stderr.
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn run(verbosity: Verbosity) -> String {
        let mut p = Ui { verbosity }.progress();
        let buf = Buf::default();
        p.log = Mutex::new(Box::new(buf.clone()));
        p.start("生成报告", 2);
        p.advance("2024/a");
        p.advance("2024/b");
        p.finish();
        String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn verbose_lists_every_item_and_sums_up_quiet_says_nothing() {
        let v = run(Verbosity::Verbose);
        assert!(
            v.starts_with("生成报告 [1/2] 2024/a\n生成报告 [2/2] 2024/b\n"),
            "{v}"
        );
        assert!(v.contains("生成报告：完成 2/2 项，用时 "), "{v}");
        assert_eq!(run(Verbosity::Quiet), "");
    }
}
