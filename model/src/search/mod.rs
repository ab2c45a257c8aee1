//! A breadth-first search of our own, for proofs that stateright's BFS cannot hold in memory.
//!
//! stateright's BFS keeps, for every unique state, a map entry from its fingerprint to its
//! parent's and, until it is expanded, the whole state with its metadata in a queue: about 88 bytes
//! per state on `medium`, so the 642 million states of that proof would need 56 GB. A proof needs
//! neither: a counterexample is re-derived afterwards by a bounded stateright BFS (see
//! `check/shortest.rs`), given the depth at which this search first met it. So this search keeps
//!
//! - one 16-byte fingerprint per state (8 bytes with `--fingerprint-bits 64`), in an
//!   open-addressing table ([`fingerprint_set`]), and
//! - only the level being expanded and the level being built, each state packed into the few
//!   words its configuration needs ([`Packed`]).
//!
//! It is level-synchronous: every state of depth `d` is expanded before any of depth `d + 1`, so
//! the depth at which it first meets a property is the shortest, whatever the thread count.
//!
//! Each file uses only those before it: `packed` ([`Packed`], [`fingerprint`]), `memory`,
//! `fingerprint_set`, `interface` (what a search is given and reports), `shared` (what its
//! threads share), `expand` (expanding one level), `level_bfs` (the search, level after level).

mod expand;
mod fingerprint_set;
mod interface;
mod level_bfs;
mod memory;
mod packed;
mod shared;

pub use interface::{Counters, Discovery, Limits, Outcome, MAX_PROPERTIES};
pub use level_bfs::search;
pub use memory::Shortfall;
pub use packed::{fingerprint, Fingerprint, FingerprintBits, Packed};
