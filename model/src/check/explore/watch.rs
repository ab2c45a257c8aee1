//! When a run must stop, and when it reports progress.

use crate::check::options::CheckOptions;
use crate::check::report::{Progress, StopReason};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// When a run must stop (the caller's interrupt, and the timeout counted from `started`), and
/// when it is time for its next progress report.
pub(in crate::check) struct Watch<'a> {
    pub opts: &'a CheckOptions,
    pub interrupt: Option<&'a AtomicBool>,
    pub started: Instant,
    last_progress: Cell<Instant>,
}

impl<'a> Watch<'a> {
    pub fn new(opts: &'a CheckOptions, interrupt: Option<&'a AtomicBool>) -> Watch<'a> {
        let started = Instant::now();
        Watch {
            opts,
            interrupt,
            started,
            last_progress: Cell::new(started),
        }
    }

    pub fn interrupted(&self) -> bool {
        self.interrupt
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    }

    pub fn timed_out(&self) -> bool {
        self.opts
            .timeout
            .is_some_and(|t| self.started.elapsed() >= t)
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.opts.timeout.map(|t| self.started + t)
    }

    /// Why the watch ended a run early: Ctrl-C if it came, else the timeout.
    pub fn stop_reason(&self) -> StopReason {
        if self.interrupted() {
            StopReason::Interrupt
        } else {
            StopReason::Timeout
        }
    }

    /// Sleeps until the next look at the run: at most 100 ms, so that the end of a run, its
    /// timeout and Ctrl-C are all noticed soon, however rarely progress is reported.
    pub fn pause(&self) {
        std::thread::sleep(self.opts.progress_every.min(Duration::from_millis(100)));
    }

    /// Calls `on_progress` when the last call is at least the progress interval ago.
    pub fn report(
        &self,
        on_progress: &mut dyn FnMut(Progress),
        progress: impl FnOnce() -> Progress,
    ) {
        if self.last_progress.get().elapsed() >= self.opts.progress_every {
            self.last_progress.set(Instant::now());
            on_progress(progress());
        }
    }
}
