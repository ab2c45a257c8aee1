//! The general decider: Wing & Gong's search for a linearization, with Lowe's memoization of
//! (set of linearized operations, register state) so no configuration is explored twice.
//!
//! The history is a list of call and return entries in real-time order. The search repeatedly
//! takes the first call entry it may linearize next (any call before the first remaining return),
//! applies it to the register, and removes the operation; when it meets a return entry first, the
//! operation returning there was not linearized in time and the search backtracks.

use super::steps::{State, Step};
use std::collections::HashMap;

/// A set of operations as bits, with an incrementally maintained hash (Zobrist: the XOR of one
/// random word per member) so the cache lookup does not rehash the whole set.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
struct Linearized {
    words: Vec<u64>,
    hash: u64,
}

fn zobrist(index: usize) -> u64 {
    // splitmix64: a fixed, well-mixed word per operation.
    let mut z = (index as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Linearized {
    fn new(len: usize) -> Self {
        Linearized {
            words: vec![0; len.div_ceil(64)],
            hash: 0,
        }
    }

    fn flip(&mut self, index: usize) {
        self.words[index / 64] ^= 1 << (index % 64);
        self.hash ^= zobrist(index);
    }
}

/// Configurations already explored: (hash, state) → the sets with that hash.
#[derive(Default)]
struct Cache(HashMap<(u64, State), Vec<Vec<u64>>>);

impl Cache {
    /// Records the configuration; false if it was explored before.
    fn insert(&mut self, set: &Linearized, state: State) -> bool {
        let sets = self.0.entry((set.hash, state)).or_default();
        if sets.contains(&set.words) {
            return false;
        }
        sets.push(set.words.clone());
        true
    }
}

/// The doubly linked list of entries still to linearize; `HEAD` and `TAIL` are sentinels.
struct Entries {
    next: Vec<usize>,
    prev: Vec<usize>,
    /// Per entry: its step, and for a call entry the index of its return entry.
    step: Vec<usize>,
    is_call: Vec<bool>,
    ret_of: Vec<Option<usize>>,
}

impl Entries {
    fn new(steps: &[Step]) -> (Entries, usize, usize) {
        let mut order: Vec<(usize, usize, bool)> = Vec::with_capacity(steps.len() * 2);
        for (i, s) in steps.iter().enumerate() {
            order.push((s.call, i, true));
            if let Some(ret) = s.ret {
                order.push((ret, i, false));
            }
        }
        order.sort_unstable();
        let n = order.len();
        let (head, tail) = (n, n + 1);
        let mut entries = Entries {
            next: vec![tail; n + 2],
            prev: vec![head; n + 2],
            step: order.iter().map(|&(_, s, _)| s).collect(),
            is_call: order.iter().map(|&(_, _, c)| c).collect(),
            ret_of: vec![None; n],
        };
        let mut last = head;
        for e in 0..n {
            entries.next[last] = e;
            entries.prev[e] = last;
            last = e;
        }
        entries.next[last] = tail;
        entries.prev[tail] = last;
        let mut ret_entry = vec![None; steps.len()];
        for (e, &(_, s, is_call)) in order.iter().enumerate() {
            if !is_call {
                ret_entry[s] = Some(e);
            }
        }
        for (e, &(_, s, is_call)) in order.iter().enumerate() {
            if is_call {
                entries.ret_of[e] = ret_entry[s];
            }
        }
        (entries, head, tail)
    }

    fn unlink(&mut self, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        self.next[p] = n;
        self.prev[n] = p;
    }

    fn relink(&mut self, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        self.next[p] = e;
        self.prev[n] = e;
    }

    fn lift(&mut self, call: usize) {
        self.unlink(call);
        if let Some(r) = self.ret_of[call] {
            self.unlink(r);
        }
    }

    fn unlift(&mut self, call: usize) {
        if let Some(r) = self.ret_of[call] {
            self.relink(r);
        }
        self.relink(call);
    }
}

/// Searches for a linearization of `steps` starting from `init`. On success returns the steps'
/// indices in linearization order (operations pending forever that were never needed are left
/// out: they did not take effect).
pub(crate) fn linearize(steps: &[Step], init: State) -> Option<Vec<usize>> {
    let (mut list, head, tail) = Entries::new(steps);
    let mut remaining = steps.iter().filter(|s| s.ret.is_some()).count();
    let mut set = Linearized::new(steps.len());
    let mut cache = Cache::default();
    let mut stack: Vec<(usize, State)> = Vec::new();
    let mut state = init;
    let mut entry = list.next[head];
    while remaining > 0 {
        if entry != tail && list.is_call[entry] {
            let s = list.step[entry];
            if let Some(after) = steps[s].effect.apply(state) {
                set.flip(s);
                if cache.insert(&set, after) {
                    stack.push((entry, state));
                    state = after;
                    list.lift(entry);
                    remaining -= usize::from(steps[s].ret.is_some());
                    entry = list.next[head];
                    continue;
                }
                set.flip(s);
            }
            entry = list.next[entry];
        } else {
            // A return reached before its operation was linearized: undo the latest choice.
            let (call, before) = stack.pop()?;
            let s = list.step[call];
            state = before;
            set.flip(s);
            list.unlift(call);
            remaining += usize::from(steps[s].ret.is_some());
            entry = list.next[call];
        }
    }
    Some(stack.iter().map(|&(e, _)| list.step[e]).collect())
}
