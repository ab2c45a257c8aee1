//! The threads of a stateright checker, joined as they end so that a panic in any of them is seen.
//!
//! stateright 0.30.2 cannot be trusted to show one: a DFS or BFS thread that panics drops its job
//! broker, which closes the market, so `is_done()` turns true and the run reads as complete; and
//! `Checker::join` panics on the caller's thread instead of reporting. So the handles are taken
//! from the checker as soon as it is spawned, and every one is joined and its result inspected.

use crate::check::error::panic_message;
use std::thread::JoinHandle;

pub(in crate::check) struct Workers {
    running: Vec<JoinHandle<()>>,
    /// The message of the first panic met.
    panic: Option<String>,
}

impl Workers {
    pub fn new(handles: Vec<JoinHandle<()>>) -> Workers {
        Workers {
            running: handles,
            panic: None,
        }
    }

    /// Joins the threads that have ended; `true` when none is left running.
    pub fn reap(&mut self) -> bool {
        let (ended, running): (Vec<_>, Vec<_>) = std::mem::take(&mut self.running)
            .into_iter()
            .partition(JoinHandle::is_finished);
        self.running = running;
        for handle in ended {
            self.inspect(handle);
        }
        self.running.is_empty()
    }

    /// Waits for every thread to end.
    pub fn join_all(&mut self) {
        for handle in std::mem::take(&mut self.running) {
            self.inspect(handle);
        }
    }

    pub fn panicked(&self) -> bool {
        self.panic.is_some()
    }

    /// The first panic's message, if a thread joined so far panicked.
    pub fn into_panic(self) -> Option<String> {
        self.panic
    }

    fn inspect(&mut self, handle: JoinHandle<()>) {
        if let Err(payload) = handle.join() {
            self.panic.get_or_insert_with(|| panic_message(&*payload));
        }
    }
}
