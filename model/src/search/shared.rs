//! The state the threads of one search share: the fingerprints seen, the properties not yet
//! discovered and their discoveries, the stop switches, and the memory the search may still take.

use super::fingerprint_set::FingerprintSet;
use super::interface::{Counters, Discovery, Limits, Outcome};
use super::memory::{self, Shortfall};
use super::packed::Packed;
use stateright::{Expectation, Model, Property};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};

/// Everything the threads of one search share.
pub(super) struct Shared<'a, M: Model> {
    pub(super) model: &'a M,
    pub(super) properties: Vec<Property<M>>,
    /// Bit `i`: property `i` has no discovery yet.
    pub(super) undiscovered: AtomicU32,
    pub(super) discoveries: Mutex<Vec<Discovery>>,
    pub(super) seen: RwLock<FingerprintSet>,
    pub(super) out_of_memory: Mutex<Option<Shortfall>>,
    /// Bytes of the level being expanded (as it was when its expansion began) and of the one
    /// being built.
    pub(super) level_bytes: AtomicUsize,
    pub(super) next_level_bytes: AtomicUsize,
    pub(super) memory_budget_bytes: Option<u64>,
    /// The most successors one state has had so far (what a thread's share of the table must
    /// hold at least).
    pub(super) most_successors: AtomicUsize,
    /// Some state was left unexpanded because the search was stopped or ran out of memory.
    pub(super) left_states: AtomicBool,
    /// A worker panicked: the others stop at their next block, and the panic goes to the caller.
    pub(super) panicked: AtomicBool,
    pub(super) stop: &'a AtomicBool,
    pub(super) counters: &'a Counters,
    /// Any state, to unpack the others with.
    pub(super) template: M::State,
    pub(super) words_per_state: usize,
    pub(super) threads: usize,
}

/// One level: blocks of packed states, taken by the threads one block at a time (and freed as
/// they are taken).
pub(super) struct Level {
    pub(super) blocks: Vec<Mutex<Vec<u64>>>,
    pub(super) taken: AtomicUsize,
    pub(super) depth: usize,
}

impl<'a, M> Shared<'a, M>
where
    M: Model + Sync,
    M::State: Packed + Clone + Send + Sync,
{
    pub(super) fn new(
        model: &'a M,
        properties: Vec<Property<M>>,
        template: &M::State,
        limits: Limits,
        stop: &'a AtomicBool,
        counters: &'a Counters,
    ) -> Self {
        Shared {
            model,
            undiscovered: AtomicU32::new(((1u64 << properties.len()) - 1) as u32),
            properties,
            discoveries: Mutex::new(Vec::new()),
            seen: RwLock::new(FingerprintSet::new(limits.fingerprint_bits)),
            out_of_memory: Mutex::new(None),
            level_bytes: AtomicUsize::new(0),
            next_level_bytes: AtomicUsize::new(0),
            memory_budget_bytes: limits.memory_budget_bytes,
            most_successors: AtomicUsize::new(32),
            left_states: AtomicBool::new(false),
            panicked: AtomicBool::new(false),
            stop,
            counters,
            template: template.clone(),
            words_per_state: template.packed_len(),
            threads: limits.threads.max(1),
        }
    }

    pub(super) fn into_outcome(self) -> Outcome {
        let out_of_memory = *self
            .out_of_memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Taken from what the search left, not from `stop` now: a stop that came after the last
        // state was expanded leaves a complete search.
        let complete = !self.left_states.load(Ordering::Relaxed) && out_of_memory.is_none();
        let mut discoveries = self
            .discoveries
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let order = |d: &Discovery| self.properties.iter().position(|p| p.name == d.property);
        discoveries.sort_by_key(order);
        Outcome {
            discoveries,
            complete,
            out_of_memory,
        }
    }

    pub(super) fn undiscovered(&self) -> u32 {
        self.undiscovered.load(Ordering::Relaxed)
    }

    /// Told to stop, out of memory, or a worker panicked.
    pub(super) fn cut_short(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.panicked.load(Ordering::Relaxed) || self.halted()
    }

    pub(super) fn halted(&self) -> bool {
        self.out_of_memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// Stops the search if holding `needed_bytes` more would exceed the budget, or leave the
    /// machine less than a margin for everything else; `true` when it may go on.
    pub(super) fn guard_memory(&self, needed_bytes: usize) -> bool {
        // Other processes (a build, an editor) need room too, and the kernel kills the largest
        // process when memory runs out: that would lose the whole run.
        const MARGIN_BYTES: u64 = 2 << 30;
        let needed_bytes = needed_bytes as u64;
        let held_bytes = self.held_bytes();
        let machine = memory::available_bytes()
            .unwrap_or(u64::MAX)
            .saturating_sub(MARGIN_BYTES);
        let budget = self
            .memory_budget_bytes
            .map_or(u64::MAX, |b| b.saturating_sub(held_bytes));
        let available_bytes = machine.min(budget);
        if needed_bytes <= available_bytes {
            return true;
        }
        let table_bytes = self.counters.table_bytes.load(Ordering::Relaxed) as u64;
        let mut out_of_memory = self
            .out_of_memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        out_of_memory.get_or_insert(Shortfall {
            table_bytes,
            levels_bytes: held_bytes.saturating_sub(table_bytes),
            needed_bytes,
            available_bytes,
        });
        false
    }

    /// Bytes the table and the two levels hold (the level being expanded as it began).
    pub(super) fn held_bytes(&self) -> u64 {
        let table = self.counters.table_bytes.load(Ordering::Relaxed);
        let levels = self.level_bytes.load(Ordering::Relaxed)
            + self.next_level_bytes.load(Ordering::Relaxed);
        (table + levels) as u64
    }

    /// This thread's share of the fingerprint table's headroom, at least `needed` inserts, growing
    /// the table (while no thread inserts) until there is that much; `None` when memory does not
    /// allow it (the search then stops). Every thread inserts within its share, so however
    /// threads interleave, the table never passes four fifths full.
    pub(super) fn reserve(&self, needed: usize) -> Option<usize> {
        let share = |seen: &FingerprintSet| seen.headroom() / self.threads;
        {
            let seen = self.seen.read().unwrap_or_else(PoisonError::into_inner);
            if !seen.should_grow() && share(&seen) >= needed {
                return Some(share(&seen));
            }
        }
        let mut seen = self.seen.write().unwrap_or_else(PoisonError::into_inner);
        while seen.should_grow() || share(&seen) < needed {
            // Growing holds the old and the new segment of each thread at once, and leaves a
            // table twice the size: what it needs beyond today is the table's size again.
            if !self.guard_memory(seen.bytes()) {
                return None;
            }
            seen.grow(self.threads);
            self.counters
                .table_bytes
                .store(seen.bytes(), Ordering::Relaxed);
        }
        Some(share(&seen))
    }

    /// Checks a new state against every property not yet discovered.
    pub(super) fn judge(&self, state: &M::State, depth: usize) {
        let undiscovered = self.undiscovered();
        for (index, property) in self.properties.iter().enumerate() {
            let bit = 1u32 << index;
            if undiscovered & bit == 0 {
                continue;
            }
            let holds = (property.condition)(self.model, state);
            let is_discovery = match property.expectation {
                Expectation::Always => !holds,
                Expectation::Sometimes => holds,
                Expectation::Eventually => false,
            };
            if is_discovery {
                self.record_discovery(index, depth);
            }
        }
    }

    pub(super) fn record_discovery(&self, index: usize, depth: usize) {
        let bit = 1u32 << index;
        let mut discoveries = self
            .discoveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Levels are expanded in order, so the first discovery of a property is at its least depth.
        if self.undiscovered.fetch_and(!bit, Ordering::Relaxed) & bit != 0 {
            discoveries.push(Discovery {
                property: self.properties[index].name,
                depth,
            });
        }
    }
}
