//! Expanding levels: every state of one level on the search's threads, each successor kept when
//! its fingerprint is new and judged by the model's properties as it is kept.

use super::fingerprint_set::FingerprintSet;
use super::packed::{Fingerprint, Packed};
use super::shared::{Level, Shared};
use stateright::Model;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread::ScopedJoinHandle;

/// States expanded between two looks at the stop switch and the fingerprint table's size.
const BLOCK_STATES: usize = 8192;
/// Successors generated between prefetching a fingerprint's slot and probing it: enough model
/// work to cover a miss to memory.
const PREFETCH_DISTANCE: usize = 16;

/// One block's counts, folded into the shared counters once.
#[derive(Default)]
struct Tally {
    generated: usize,
    unique: usize,
}

/// Waits for every worker of a level; the first panic among them is resumed here, with its own
/// payload (the scope, left to join them, would panic with a message of its own instead).
fn join_workers(workers: Vec<ScopedJoinHandle<'_, ()>>) {
    let mut first_panic = None;
    for worker in workers {
        if let Err(payload) = worker.join() {
            first_panic.get_or_insert(payload);
        }
    }
    if let Some(payload) = first_panic {
        std::panic::resume_unwind(payload);
    }
}

/// Held by a worker while it works: if the worker panics, it tells the others to stop.
struct StopOthersOnPanic<'a>(&'a AtomicBool);

impl Drop for StopOthersOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

impl<M> Shared<'_, M>
where
    M: Model + Sync,
    M::State: Packed + Clone + Send + Sync,
{
    pub(super) fn first_level(&self, init_states: &[M::State]) -> Option<Level> {
        self.reserve(init_states.len())?;
        let mut words = Vec::new();
        let mut unique = 0;
        let seen = self.seen.read().unwrap_or_else(PoisonError::into_inner);
        for state in init_states {
            let start = words.len();
            state.pack(&mut words);
            if seen.insert(seen.fingerprint(&words[start..])) {
                unique += 1;
                self.judge(state, 1);
            } else {
                words.truncate(start);
            }
        }
        seen.record_inserted(unique);
        self.counters
            .generated
            .fetch_add(init_states.len(), Ordering::Relaxed);
        self.counters.unique.fetch_add(unique, Ordering::Relaxed);
        self.counters
            .table_bytes
            .store(seen.bytes(), Ordering::Relaxed);
        Some(Level {
            blocks: vec![Mutex::new(words)],
            taken: AtomicUsize::new(0),
            depth: 1,
        })
    }

    /// Expands level after level from `level`. Ends when the states run out or every property is
    /// discovered (both complete), or when stopped with states left (not complete).
    pub(super) fn expand_levels(&self, mut level: Level) {
        while !level.blocks.is_empty() && self.undiscovered() != 0 {
            if self.cut_short() {
                self.left_states.store(true, Ordering::Relaxed);
                break;
            }
            self.counters
                .max_depth
                .fetch_max(level.depth, Ordering::Relaxed);
            level = self.expand(level);
        }
    }

    /// Expands every state of `level` on the search's threads; returns the level they lead to.
    fn expand(&self, level: Level) -> Level {
        let next_blocks = Mutex::new(Vec::new());
        let level_bytes = self.next_level_bytes.swap(0, Ordering::Relaxed);
        self.level_bytes.store(level_bytes, Ordering::Relaxed);
        std::thread::scope(|scope| {
            let workers = (0..self.threads)
                .map(|_| scope.spawn(|| self.work(&level, &next_blocks)))
                .collect();
            join_workers(workers);
        });
        Level {
            blocks: next_blocks
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .into_iter()
                .map(Mutex::new)
                .collect(),
            taken: AtomicUsize::new(0),
            depth: level.depth + 1,
        }
    }

    /// One thread's share of a level: blocks taken until none is left, successors written into
    /// blocks of the next level.
    fn work(&self, level: &Level, next_blocks: &Mutex<Vec<Vec<u64>>>) {
        let _stop_others = StopOthersOnPanic(&self.panicked);
        let block_words = BLOCK_STATES * self.words_per_state;
        let mut out = Vec::with_capacity(block_words);
        let mut actions = Vec::new();
        loop {
            let index = level.taken.fetch_add(1, Ordering::Relaxed);
            let Some(block) = level.blocks.get(index) else {
                break;
            };
            if self.undiscovered() == 0 {
                break;
            }
            if self.cut_short() {
                self.left_states.store(true, Ordering::Relaxed);
                break;
            }
            let block = std::mem::take(&mut *block.lock().unwrap_or_else(PoisonError::into_inner));
            for states in block.chunks(block_words) {
                let mut rest = states;
                while !rest.is_empty() {
                    // Twice the most successors a state has had: a share never ends before a
                    // state whose successors it cannot hold, but the next share can.
                    let needed = 2 * self.most_successors.load(Ordering::Relaxed);
                    let Some(share) = self.reserve(needed) else {
                        self.left_states.store(true, Ordering::Relaxed);
                        return;
                    };
                    let expanded =
                        self.expand_block(rest, level.depth, share, &mut out, &mut actions);
                    rest = &rest[expanded * self.words_per_state..];
                }
                if out.len() >= block_words {
                    let full = std::mem::replace(&mut out, Vec::with_capacity(block_words));
                    self.publish(full, next_blocks);
                }
            }
        }
        if !out.is_empty() {
            self.publish(out, next_blocks);
        }
    }

    /// Adds a full block to the next level, and checks that memory allows another (a level can
    /// take gigabytes; a block is a few milliseconds of work, so the check costs nothing).
    fn publish(&self, block: Vec<u64>, next_blocks: &Mutex<Vec<Vec<u64>>>) {
        let bytes = block.capacity() * std::mem::size_of::<u64>();
        self.next_level_bytes.fetch_add(bytes, Ordering::Relaxed);
        self.guard_memory(bytes);
        next_blocks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(block);
    }

    /// Expands the packed `states` of depth `depth`, appending the new successors to `out`.
    ///
    /// Each successor's fingerprint slot is prefetched when it is generated and probed
    /// [`PREFETCH_DISTANCE`] successors later, so the model's own work hides the cache miss.
    ///
    /// It inserts at most `share` fingerprints, so it stops before a state whose successors
    /// might not fit; it returns how many states it expanded.
    fn expand_block(
        &self,
        states: &[u64],
        depth: usize,
        share: usize,
        out: &mut Vec<u64>,
        actions: &mut Vec<M::Action>,
    ) -> usize {
        let seen = self.seen.read().unwrap_or_else(PoisonError::into_inner);
        let mut tally = Tally::default();
        let mut in_flight: VecDeque<(Fingerprint, M::State)> =
            VecDeque::with_capacity(PREFETCH_DISTANCE);
        let mut words = Vec::with_capacity(self.words_per_state);
        let mut most_successors = 0;
        let mut expanded = 0;
        for packed in states.chunks(self.words_per_state) {
            let state = self.template.unpack(packed);
            actions.clear();
            self.model.actions(&state, actions);
            most_successors = most_successors.max(actions.len());
            // Every successor may be new: the ones kept so far, those in flight and these.
            if tally.unique + in_flight.len() + actions.len() > share {
                break;
            }
            expanded += 1;
            for action in actions.drain(..) {
                let Some(successor) = self.model.next_state(&state, action) else {
                    continue;
                };
                if !self.model.within_boundary(&successor) {
                    // The models here leave their boundary only when told to stop.
                    if self.stop.load(Ordering::Relaxed) {
                        self.left_states.store(true, Ordering::Relaxed);
                    }
                    continue;
                }
                tally.generated += 1;
                words.clear();
                successor.pack(&mut words);
                let fingerprint = seen.fingerprint(&words);
                seen.prefetch(fingerprint);
                if in_flight.len() == PREFETCH_DISTANCE {
                    if let Some((oldest, state)) = in_flight.pop_front() {
                        self.keep_if_new(&seen, oldest, &state, depth + 1, out, &mut tally);
                    }
                }
                in_flight.push_back((fingerprint, successor));
            }
        }
        for (fingerprint, state) in in_flight {
            self.keep_if_new(&seen, fingerprint, &state, depth + 1, out, &mut tally);
        }
        seen.record_inserted(tally.unique);
        self.most_successors
            .fetch_max(most_successors, Ordering::Relaxed);
        let counters = self.counters;
        counters
            .generated
            .fetch_add(tally.generated, Ordering::Relaxed);
        counters.unique.fetch_add(tally.unique, Ordering::Relaxed);
        expanded
    }

    /// Keeps `state` for the next level, and judges it, if its fingerprint is new.
    fn keep_if_new(
        &self,
        seen: &FingerprintSet,
        fingerprint: Fingerprint,
        state: &M::State,
        depth: usize,
        out: &mut Vec<u64>,
        tally: &mut Tally,
    ) {
        if seen.insert(fingerprint) {
            tally.unique += 1;
            state.pack(out);
            self.judge(state, depth);
        }
    }
}
