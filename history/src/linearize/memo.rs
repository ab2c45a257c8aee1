//! Lowe's memoization for the search: the set of operations linearized so far, and the cache of
//! (set, register state) configurations already explored.
//!
//! A long key's set is stored compactly, so that memory follows the operations in flight rather
//! than the length of the history: the completed operations are "all below `high` except a few
//! holes" (the search linearizes them roughly in invocation order), and the few pending-forever
//! operations that were linearized are listed. That encoding is exact: two configurations are
//! equal iff their encodings are.

use super::steps::{State, Step};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

fn zobrist(index: usize) -> u64 {
    // splitmix64: a fixed, well-mixed word per operation; the set's hash is the XOR over members.
    let mut z = (index as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The operations linearized so far (step indices, invocation order).
pub(super) struct Linearized {
    bits: Vec<u64>,
    hash: u64,
    forever: Vec<bool>,
    /// Every completed step below `low` is linearized; no completed step at or above `high` is.
    low: usize,
    high: usize,
    /// Per step: its rank among the pending-forever steps (`u32::MAX` for a completed one).
    rank: Vec<u32>,
    /// The pending-forever steps linearized, as a bitmap over their ranks: a few words however
    /// many of them there are.
    forever_bits: Vec<u64>,
}

/// What [`Linearized::add`] changed, for [`Linearized::remove`].
#[derive(Clone, Copy, Debug)]
pub(super) struct Undo {
    low: usize,
    high: usize,
}

impl Linearized {
    pub(super) fn new(steps: &[Step]) -> Self {
        let forever: Vec<bool> = steps.iter().map(|s| s.ret.is_none()).collect();
        let low = forever.iter().position(|f| !f).unwrap_or(steps.len());
        let mut ranks = 0u32;
        let rank = forever
            .iter()
            .map(|&f| {
                ranks += u32::from(f);
                if f {
                    ranks - 1
                } else {
                    u32::MAX
                }
            })
            .collect();
        Linearized {
            bits: vec![0; steps.len().div_ceil(64)],
            hash: 0,
            forever,
            low,
            high: 0,
            rank,
            forever_bits: vec![0; (ranks as usize).div_ceil(64)],
        }
    }

    pub(super) fn contains(&self, i: usize) -> bool {
        self.bits[i / 64] & (1 << (i % 64)) != 0
    }

    pub(super) fn hash(&self) -> u64 {
        self.hash
    }

    pub(super) fn add(&mut self, i: usize) -> Undo {
        let undo = Undo {
            low: self.low,
            high: self.high,
        };
        self.bits[i / 64] |= 1 << (i % 64);
        self.hash ^= zobrist(i);
        if self.forever[i] {
            let r = self.rank[i] as usize;
            self.forever_bits[r / 64] |= 1 << (r % 64);
        } else {
            self.high = self.high.max(i + 1);
            while self.low < self.forever.len()
                && (self.forever[self.low] || self.contains(self.low))
            {
                self.low += 1;
            }
        }
        undo
    }

    pub(super) fn remove(&mut self, i: usize, undo: Undo) {
        self.bits[i / 64] &= !(1 << (i % 64));
        self.hash ^= zobrist(i);
        if self.forever[i] {
            let r = self.rank[i] as usize;
            self.forever_bits[r / 64] &= !(1 << (r % 64));
        }
        self.low = undo.low;
        self.high = undo.high;
    }

    /// The exact compact form: `high`, the holes below it, a separator, the pending-forever
    /// bitmap (of the same length in every configuration of one search).
    fn encode(&self, out: &mut Vec<u32>) {
        out.clear();
        out.push(self.high as u32);
        out.extend(
            (self.low..self.high)
                .filter(|&j| !self.forever[j] && !self.contains(j))
                .map(|j| j as u32),
        );
        out.push(u32::MAX);
        for &word in &self.forever_bits {
            out.extend_from_slice(&[word as u32, (word >> 32) as u32]);
        }
    }
}

/// Bounds the cache: past this many words (4 bytes; each configuration costs its encoding plus
/// [`WORDS_PER_ENTRY`] for its span, chain link and map slot) it is emptied and refilled. The
/// cache only saves work, so forgetting keeps every verdict and bounds memory (about 1 GiB) on
/// pathological keys; refilling can repeat much work, so the bound sits well above what the
/// hard corpus needs (its worst key: 5-6 million configurations, a process under 500 MB).
const MAX_WORDS: usize = 256 << 20;

/// Words a stored configuration costs besides its encoding.
const WORDS_PER_ENTRY: usize = 9;

/// Hashes a (set hash, state) key: the set's hash is already a well-mixed Zobrist word, so one
/// multiply folds the state in (SipHash here cost a third of the search).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(26) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Configurations already explored: (hash, state) → the first stored encoding with that key;
/// `chain` links further ones with the same key; encodings live in one arena.
#[derive(Default)]
pub(super) struct Cache {
    arena: Vec<u32>,
    spans: Vec<(u32, u32)>,
    chain: Vec<u32>,
    first: HashMap<(u64, State), u32, BuildHasherDefault<KeyHasher>>,
    scratch: Vec<u32>,
}

const NO_MORE: u32 = u32::MAX;

/// What a configuration owes its last operation when that one was pending forever: the state
/// before it, and its step.
pub(super) type Owed = (State, usize);

impl Cache {
    /// An empty cache sized for a search over `steps` operations (most searches store a few
    /// configurations per operation; growing from empty rehashed the map a dozen times).
    pub(super) fn with_capacity(steps: usize) -> Cache {
        let configurations = steps * 4;
        Cache {
            arena: Vec::with_capacity(configurations * 2),
            spans: Vec::with_capacity(configurations),
            chain: Vec::with_capacity(configurations),
            first: HashMap::with_capacity_and_hasher(configurations, BuildHasherDefault::default()),
            scratch: Vec::new(),
        }
    }

    fn stored(&self, index: u32) -> &[u32] {
        let (start, len) = self.spans[index as usize];
        &self.arena[start as usize..(start + len) as usize]
    }

    /// Records the configuration; false if it was explored before. `owed` is the search's
    /// obligation when the last operation linearized was pending forever: (the state before it,
    /// its step), see `search::depends`.
    pub(super) fn insert(&mut self, set: &Linearized, state: State, owed: Option<Owed>) -> bool {
        if self.arena.len() + self.spans.len() * WORDS_PER_ENTRY > MAX_WORDS {
            *self = Cache::default();
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        set.encode(&mut scratch);
        let mut hash = set.hash();
        if let Some((before, step)) = owed {
            // The bitmap has a fixed length: the obligation after it makes the form longer.
            scratch.extend_from_slice(&[before, step as u32]);
            hash ^= zobrist(step).rotate_left(17) ^ zobrist(before as usize).rotate_left(41);
        }
        let new = self.spans.len() as u32;
        let mut at = *self.first.entry((hash, state)).or_insert(new);
        let mut fresh = true;
        while at != new {
            if self.stored(at) == scratch.as_slice() {
                fresh = false;
                break;
            }
            let next = self.chain[at as usize];
            if next == NO_MORE {
                self.chain[at as usize] = new;
            }
            at = if next == NO_MORE { new } else { next };
        }
        if fresh {
            self.spans
                .push((self.arena.len() as u32, scratch.len() as u32));
            self.arena.extend_from_slice(&scratch);
            self.chain.push(NO_MORE);
        }
        self.scratch = scratch;
        fresh
    }
}
