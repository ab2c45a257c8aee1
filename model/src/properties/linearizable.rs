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
//!
//! Conditional writes make each key a compare-and-set register: a conditional write that
//! replaced a version its precondition did not accept, or a 412 that nothing could justify, is
//! not linearizable either. `conditional.rs`'s rules report those under this property too.

use super::catalogue::{JudgedOn, PropertyId};
use super::rule::{version, FindingParts, GetReturned, Rule, WriteAcked};
use crate::history::{Observed, Seq, Version};
use std::fmt;

/// A GET invoked when the highest completed version of the key was `completed_before`.
pub fn read_holds(completed_before: Seq, got: Seq) -> bool {
    got >= completed_before
}

/// A PUT/DELETE invoked when the highest completed version of the key was `completed_before`.
pub fn write_holds(completed_before: Seq, assigned: Seq) -> bool {
    assigned > completed_before
}

/// The rule as the monitor applies it: on every GET and every acknowledged write. A whole history
/// is also checked for reads of versions no write produced (`phantom_reads.rs`), reported here too.
pub struct Linearizable;

impl Rule for Linearizable {
    const PROPERTY: PropertyId = PropertyId::Linearizable;
    const JUDGED_ON: JudgedOn = JudgedOn::History;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let FindingParts {
            who,
            key,
            required,
            got,
        } = finding;
        if required == got {
            write!(f, "{who} read {key} as {got}, a version no write produced")
        } else if required.seq == got.seq {
            write!(
                f,
                "{who} read {key} as {got}, but that version was written as {required}"
            )
        } else {
            write!(
                f,
                "{who} got {got} for {key}, but an operation that completed before it began had {}",
                Version(required.seq)
            )
        }
    }

    fn on_get(get: &GetReturned, found: &mut impl FnMut(PropertyId, Observed, Observed)) {
        if !read_holds(get.completed, get.got.seq) {
            found(PropertyId::Linearizable, version(get.completed), get.got);
        }
    }

    fn on_ack(ack: &WriteAcked, found: &mut impl FnMut(PropertyId, Observed, Observed)) {
        if !write_holds(ack.completed, ack.seq) {
            found(
                PropertyId::Linearizable,
                version(ack.completed),
                version(ack.seq),
            );
        }
    }
}
