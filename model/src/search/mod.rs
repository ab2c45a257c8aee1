//! A breadth-first search of our own, for proofs that stateright's BFS cannot hold in memory.
//!
//! stateright's BFS keeps, for every unique state, a map entry from its fingerprint to its
//! parent's and, until it is expanded, the whole state with its metadata in a queue: about 88 bytes
//! per state on `medium`, so the 642 million states of that proof would need 56 GB. A proof needs
//! neither: a counterexample is re-derived afterwards by a bounded stateright BFS (see
//! `check.rs`), given the depth at which this search first met it. So this search keeps
//!
//! - one 8-byte fingerprint per state, in an open-addressing table ([`fingerprint_set`]), and
//! - only the level being expanded and the level being built, each state packed into the few
//!   words its configuration needs ([`Packed`]).
//!
//! It is level-synchronous: every state of depth `d` is expanded before any of depth `d + 1`, so
//! the depth at which it first meets a property is the shortest, whatever the thread count.

mod fingerprint_set;
mod level_bfs;
mod memory;

pub use level_bfs::{search, Counters, Discovery, Limits, Outcome};
pub use memory::Shortfall;

/// A state that packs into a fixed number of `u64` words, losslessly: two states are equal exactly
/// when their packed words are.
pub trait Packed: Sized {
    /// How many words [`Packed::pack`] appends for this state (the same for every state of one
    /// model).
    fn packed_len(&self) -> usize;
    /// Appends the state's words to `out`.
    fn pack(&self, out: &mut Vec<u64>);
    /// The state whose words are `words`, with `self` (any state of the same model) supplying what
    /// is not stored per state.
    fn unpack(&self, words: &[u64]) -> Self;
}

/// A 64-bit fingerprint of packed words: a folded-multiply hash (the wyhash mixing step), never 0
/// (the fingerprint table's empty slot).
pub fn fingerprint(words: &[u64]) -> u64 {
    const SEED: u64 = 0x243F_6A88_85A3_08D3;
    const P0: u64 = 0xA076_1D64_78BD_642F;
    const P1: u64 = 0xE703_7ED1_A0B4_28DB;
    let mut hash = SEED ^ words.len() as u64;
    for &word in words {
        hash = folded_multiply(word ^ P0, hash ^ P1);
    }
    folded_multiply(hash ^ P1, P0).max(1)
}

fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::fingerprint;
    use std::collections::HashSet;

    #[test]
    fn fingerprints_of_nearby_words_do_not_collide() {
        // Packed states differ in a few low bits; a weak mix would collide on exactly those.
        let mut inputs = HashSet::new();
        for a in 0..256u64 {
            for b in 0..256u64 {
                for shift in [0, 17, 40, 56] {
                    inputs.insert([a << shift, b, 0]);
                }
            }
        }
        let seen: HashSet<u64> = inputs.iter().map(|words| fingerprint(words)).collect();
        assert_eq!(seen.len(), inputs.len());
        assert_ne!(fingerprint(&[1, 0]), fingerprint(&[0, 1]));
        assert_ne!(fingerprint(&[0]), fingerprint(&[0, 0]));
        assert!(seen.iter().all(|&fp| fp != 0));
    }
}
