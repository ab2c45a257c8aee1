//! The search itself: levels of packed states, expanded by several threads, each successor kept
//! when its fingerprint is new and judged by the model's properties as it is kept.

use super::fingerprint_set::FingerprintSet;
use super::memory::{self, Shortfall};
use super::{fingerprint, Packed};
use stateright::{Expectation, Model, Property};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};

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

/// What the search has done so far; read by another thread for progress lines.
#[derive(Debug, Default)]
pub struct Counters {
    /// Initial states plus every successor generated (with repeats), as stateright counts them.
    pub generated: AtomicUsize,
    pub unique: AtomicUsize,
    /// The deepest level expanded so far (initial states are depth 1).
    pub max_depth: AtomicUsize,
    /// Bytes of the fingerprint table (the search's memory beyond the two levels).
    pub table_bytes: AtomicUsize,
}

/// How a search may run.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub threads: usize,
    /// The most the fingerprint table and the two levels may hold together; `None`: as much as
    /// the machine has available.
    pub memory_budget_bytes: Option<u64>,
}

/// A property's first discovery: `depth` counts states, the initial one included, so the shortest
/// path to it has `depth - 1` steps.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Discovery {
    pub property: &'static str,
    pub depth: usize,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    /// In the model's property order.
    pub discoveries: Vec<Discovery>,
    /// No verdict needs more states: the states ran out, or every property has a discovery (where
    /// stateright stops too). `false` when `stop` or the memory guard ended the search.
    pub complete: bool,
    /// Set when the search stopped because it could not get the memory to go on.
    pub out_of_memory: Option<Shortfall>,
}

/// Everything the threads of one search share.
struct Shared<'a, M: Model> {
    model: &'a M,
    properties: Vec<Property<M>>,
    /// Bit `i`: property `i` has no discovery yet.
    undiscovered: AtomicU32,
    discoveries: Mutex<Vec<Discovery>>,
    seen: RwLock<FingerprintSet>,
    out_of_memory: Mutex<Option<Shortfall>>,
    /// Bytes of the level being expanded (as it was when its expansion began) and of the one
    /// being built.
    level_bytes: AtomicUsize,
    next_level_bytes: AtomicUsize,
    memory_budget_bytes: Option<u64>,
    /// The most successors one state has had so far (what a thread's share of the table must
    /// hold at least).
    most_successors: AtomicUsize,
    /// Some state was left unexpanded because the search was stopped or ran out of memory.
    left_states: AtomicBool,
    stop: &'a AtomicBool,
    counters: &'a Counters,
    /// Any state, to unpack the others with.
    template: M::State,
    words_per_state: usize,
    threads: usize,
}

/// One level: blocks of packed states, taken by the threads one block at a time (and freed as
/// they are taken).
struct Level {
    blocks: Vec<Mutex<Vec<u64>>>,
    taken: AtomicUsize,
    depth: usize,
}

/// Breadth-first search of `model` from its initial states, until no new state is left, every
/// property has a discovery (as stateright stops), `stop` is set, or it would need more memory
/// than `limits` or the machine allow.
///
/// The model's `Eventually` properties are not supported (this project has none): a proof of one
/// needs the paths this search does not keep.
pub fn search<M>(model: &M, limits: Limits, stop: &AtomicBool, counters: &Counters) -> Outcome
where
    M: Model + Sync,
    M::State: Packed + Clone + Send + Sync,
{
    let properties = model.properties();
    assert!(properties.len() <= 32, "at most 32 properties");
    assert!(
        properties
            .iter()
            .all(|p| p.expectation != Expectation::Eventually),
        "the level search does not check eventually-properties"
    );
    let init_states: Vec<M::State> = model
        .init_states()
        .into_iter()
        .filter(|s| model.within_boundary(s))
        .collect();
    let Some(template) = init_states.first() else {
        // No initial state, or none within the boundary because `stop` is already set.
        return Outcome {
            discoveries: Vec::new(),
            complete: !stop.load(Ordering::Relaxed),
            out_of_memory: None,
        };
    };
    let shared = Shared {
        model,
        undiscovered: AtomicU32::new(((1u64 << properties.len()) - 1) as u32),
        properties,
        discoveries: Mutex::new(Vec::new()),
        seen: RwLock::new(FingerprintSet::new()),
        out_of_memory: Mutex::new(None),
        level_bytes: AtomicUsize::new(0),
        next_level_bytes: AtomicUsize::new(0),
        memory_budget_bytes: limits.memory_budget_bytes,
        most_successors: AtomicUsize::new(32),
        left_states: AtomicBool::new(false),
        stop,
        counters,
        template: template.clone(),
        words_per_state: template.packed_len(),
        threads: limits.threads.max(1),
    };
    if let Some(mut level) = shared.first_level(&init_states) {
        // Ends when the states run out or every property is discovered (both complete), or when
        // stopped with states left (not complete).
        while !level.blocks.is_empty() && shared.undiscovered() != 0 {
            if shared.cut_short() {
                shared.left_states.store(true, Ordering::Relaxed);
                break;
            }
            counters.max_depth.fetch_max(level.depth, Ordering::Relaxed);
            level = shared.expand(level);
        }
    }
    let out_of_memory = *shared
        .out_of_memory
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    // Taken from what the search left, not from `stop` now: a stop that came after the last
    // state was expanded leaves a complete search.
    let complete = !shared.left_states.load(Ordering::Relaxed) && out_of_memory.is_none();
    let mut discoveries = shared
        .discoveries
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let order = |d: &Discovery| shared.properties.iter().position(|p| p.name == d.property);
    discoveries.sort_by_key(order);
    Outcome {
        discoveries,
        complete,
        out_of_memory,
    }
}

impl<M> Shared<'_, M>
where
    M: Model + Sync,
    M::State: Packed + Clone + Send + Sync,
{
    fn undiscovered(&self) -> u32 {
        self.undiscovered.load(Ordering::Relaxed)
    }

    /// Told to stop, or out of memory.
    fn cut_short(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.halted()
    }

    fn halted(&self) -> bool {
        self.out_of_memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// Stops the search if holding `needed_bytes` more would exceed the budget, or leave the
    /// machine less than a margin for everything else; `true` when it may go on.
    fn guard_memory(&self, needed_bytes: usize) -> bool {
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

    fn first_level(&self, init_states: &[M::State]) -> Option<Level> {
        self.reserve(init_states.len())?;
        let mut words = Vec::new();
        let mut unique = 0;
        let seen = self.seen.read().unwrap_or_else(PoisonError::into_inner);
        for state in init_states {
            let start = words.len();
            state.pack(&mut words);
            if seen.insert(fingerprint(&words[start..])) {
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

    /// Expands every state of `level` on the search's threads; returns the level they lead to.
    /// Bytes the table and the two levels hold (the level being expanded as it began).
    fn held_bytes(&self) -> u64 {
        let table = self.counters.table_bytes.load(Ordering::Relaxed);
        let levels = self.level_bytes.load(Ordering::Relaxed)
            + self.next_level_bytes.load(Ordering::Relaxed);
        (table + levels) as u64
    }

    fn expand(&self, level: Level) -> Level {
        let next_blocks = Mutex::new(Vec::new());
        let level_bytes = self.next_level_bytes.swap(0, Ordering::Relaxed);
        self.level_bytes.store(level_bytes, Ordering::Relaxed);
        std::thread::scope(|scope| {
            for _ in 0..self.threads {
                scope.spawn(|| self.work(&level, &next_blocks));
            }
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

    /// This thread's share of the fingerprint table's headroom, at least `needed` inserts, growing
    /// the table (while no thread inserts) until there is that much; `None` when memory does not
    /// allow it (the search then stops). Every thread inserts within its share, so however
    /// threads interleave, the table never passes four fifths full.
    fn reserve(&self, needed: usize) -> Option<usize> {
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
        let mut in_flight: VecDeque<(u64, M::State)> = VecDeque::with_capacity(PREFETCH_DISTANCE);
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
                let fingerprint = fingerprint(&words);
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
        fingerprint: u64,
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

    /// Checks a new state against every property not yet discovered.
    fn judge(&self, state: &M::State, depth: usize) {
        let undiscovered = self.undiscovered();
        for (index, property) in self.properties.iter().enumerate() {
            let bit = 1u32 << index;
            if undiscovered & bit == 0 {
                continue;
            }
            let holds = (property.condition)(self.model, state);
            let discovered = match property.expectation {
                Expectation::Always => !holds,
                Expectation::Sometimes => holds,
                Expectation::Eventually => false,
            };
            if discovered {
                self.record(index, depth);
            }
        }
    }

    fn record(&self, index: usize, depth: usize) {
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
