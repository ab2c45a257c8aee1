//! **linearizable** (per key, GET/PUT/DELETE): the operations on each key can be put in one order
//! that respects real time and in which every GET returns the latest write before it — with the
//! writes in the version order persistence assigned. Stronger than S3's promise (it adds that two
//! readers never see new-then-old across clients); the project reports whether it holds.
//!
//! Because each write carries a unique per-key version, the check needs no search: a history is
//! linearizable iff for every operation `b` invoked after operation `a` returned, `version(b) >=
//! version(a)`, strictly when `b` is a write (a GET's version is the one it returned). Ordering the
//! operations by (version, writes before reads, return time) then gives the linearization. So the
//! monitor keeps one number per key: the highest version among the operations completed so far.
//! `tests/linearizability_crosscheck.rs` checks this rule against stateright's exhaustive
//! `LinearizabilityTester` on generated histories.

use crate::history::Seq;

/// A GET invoked when the highest completed version of the key was `completed_before`.
pub fn read_holds(completed_before: Seq, got: Seq) -> bool {
    got >= completed_before
}

/// A PUT/DELETE invoked when the highest completed version of the key was `completed_before`.
pub fn write_holds(completed_before: Seq, assigned: Seq) -> bool {
    assigned > completed_before
}
