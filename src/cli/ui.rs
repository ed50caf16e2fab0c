//! How much the command line says, and progress on a terminal (a bar) or in a log (lines).

use crate::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
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
        }
    }
}

/// Tasks with at least this many items get progress lines in a log and a summary line.
const LONG_TASK: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    /// A bar on stderr (a terminal).
    Bar,
    /// Plain lines on stderr (a log, a pipe): every item, or about every tenth of the task.
    Lines {
        every_item: bool,
    },
}

struct State {
    what: String,
    total: usize,
    done: usize,
    started: Instant,
    bar: Option<ProgressBar>,
}

/// [`Progress`] for the command line: a bar on a terminal, plain lines otherwise, and a
/// summary line (count and time) at the end of every task that had work.
pub struct CliProgress {
    mode: Mode,
    state: Mutex<Option<State>>,
}

impl CliProgress {
    fn with<R>(&self, f: impl FnOnce(&mut Option<State>) -> R) -> R {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
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
                (Mode::Lines { every_item }, None) => {
                    // a log gets about ten lines for a long task, none for a short one
                    let step = (s.total / 10).max(1);
                    let long = s.total >= LONG_TASK;
                    if every_item || (long && (s.done % step == 0 || s.done == s.total)) {
                        eprintln!("{} [{}/{}] {item}", s.what, s.done, s.total);
                    }
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
            // the summary of a long task (a short one is summed up by the command's last line)
            let summarise = match mode {
                Mode::Lines { every_item: true } => true,
                Mode::Off => false,
                _ => s.total >= LONG_TASK,
            };
            if summarise && s.total > 0 {
                eprintln!(
                    "{}：完成 {}/{} 项，用时 {}",
                    s.what,
                    s.done,
                    s.total,
                    seconds(s.started.elapsed())
                );
            }
        });
    }
}

/// `1.2 秒`
pub fn seconds(d: Duration) -> String {
    format!("{:.1} 秒", d.as_secs_f64())
}
