//! The conditional writes' properties (S3's `If-None-Match: *` and `If-Match`), over the same
//! history as every other property:
//!
//! - **conditional-atomic**: a create (`If-None-Match: *`) that succeeded found the key absent,
//!   so of two concurrent creates of a key at most one succeeds (unless a DELETE came between);
//! - **no-lost-update**: an `If-Match` write that succeeded replaced exactly the version it named,
//!   never a later one it did not see;
//! - **precondition-justified**: a 412 is justified by some version current during the request;
//!   one that nothing justifies is anomaly A9, a spurious precondition failure.
//!
//! Judged on versions: a key's versions are numbered 1, 2, 3, ... with no gap (persistence's
//! per-key counter, which every write, conditional or not, takes from), so a write acknowledged
//! as `vN` replaced `vN-1`, whatever order the acknowledgements came in. Whether `vN-1` was a PUT
//! may be learnt only later (its writer's acknowledgement can come after the create's), so the
//! monitor keeps, per key, which versions it knows to be PUTs and which a create required absent,
//! and judges a create at whichever of the two acknowledgements comes second.
//!
//! A 412 is judged only when the key's version was the same for the whole request: no other
//! write of the key was in flight when it was invoked or invoked while it was. Then the current
//! version is the latest acknowledged one, and a 412 against a precondition it meets is spurious.
//! A 412 that overlapped another write may have met that write's version, so it is never judged
//! spurious.
//!
//! Each violation here is also one of linearizability (each key is a compare-and-set register),
//! reported under that property with this rule's words.
//!
//! Value histories carry no versions, so `witness-history` decides precondition-justified over
//! values in `history/src/refusals.rs`, to the same definition: keep the two in step.

use super::catalogue::{JudgedOn, PropertyId};
use super::rule::{report_violation, version, FindingParts, Refused, Rule, WriteAcked};
use crate::history::{Observed, Precondition, Version};
use std::fmt;

/// A create acknowledged as `ack.seq` replaced a PUT's version: the key was not absent. Judged
/// at the create's acknowledgement when the replaced version is known to be a PUT's, else at
/// that PUT's acknowledgement.
pub fn create_replaced_a_put(ack: &WriteAcked) -> bool {
    let create = ack.precondition == Some(Precondition::Absent);
    (create && ack.predecessor_put) || ack.replaced_by_create
}

/// An `If-Match` write acknowledged as `ack.seq` replaced the version it named (the one just
/// below its own); `true` for any other write.
pub fn replaced_what_it_named(ack: &WriteAcked) -> bool {
    match ack.precondition {
        Some(Precondition::Matches(named)) => ack.seq.checked_sub(1) == Some(named),
        _ => true,
    }
}

/// A 412 is justified unless the key's version stayed the same for the whole request and met
/// the precondition.
pub fn refusal_justified(refused: &Refused) -> bool {
    refused.overlapped || !refused.precondition.holds(refused.current)
}

/// The rule for creates: on each acknowledged write (a create, or a PUT a create replaced).
pub struct ConditionalAtomic;

impl Rule for ConditionalAtomic {
    const PROPERTY: PropertyId = PropertyId::ConditionalAtomic;
    const JUDGED_ON: JudgedOn = JudgedOn::History;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let FindingParts { who, key, got, .. } = finding;
        write!(
            f,
            "a create (If-None-Match: *) of {key} succeeded over {got}, a PUT's version: the \
             key was not absent (found at {who}'s acknowledgement)"
        )
    }

    fn on_ack(ack: &WriteAcked, found: &mut impl FnMut(PropertyId, Observed, Observed)) {
        if create_replaced_a_put(ack) {
            let (required, got) = replaced_put(ack);
            found(PropertyId::ConditionalAtomic, required, got);
            found(PropertyId::Linearizable, required, got);
        }
    }
}

/// The rule for `If-Match`: on each acknowledged conditional write that named a version.
pub struct NoLostUpdate;

impl Rule for NoLostUpdate {
    const PROPERTY: PropertyId = PropertyId::NoLostUpdate;
    const JUDGED_ON: JudgedOn = JudgedOn::History;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let FindingParts {
            who, key, required, ..
        } = finding;
        write!(
            f,
            "{who}'s If-Match write of {key} named {named} but was acknowledged as {got}: it \
             overwrote {lost}, which it never saw",
            named = Version(required.seq.saturating_sub(1)),
            got = Version(finding.got.seq),
            lost = Version(required.seq),
        )
    }

    fn on_ack(ack: &WriteAcked, found: &mut impl FnMut(PropertyId, Observed, Observed)) {
        if let (Some(Precondition::Matches(named)), false) =
            (ack.precondition, replaced_what_it_named(ack))
        {
            for property in [PropertyId::NoLostUpdate, PropertyId::Linearizable] {
                found(property, version(named.saturating_add(1)), version(ack.seq));
            }
        }
    }
}

/// The rule for 412s: on each refused conditional write.
pub struct PreconditionJustified;

impl Rule for PreconditionJustified {
    const PROPERTY: PropertyId = PropertyId::PreconditionJustified;
    const JUDGED_ON: JudgedOn = JudgedOn::History;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let FindingParts {
            who, key, required, ..
        } = finding;
        write!(
            f,
            "{who} was refused with 412, but {key} was {required} for the whole request, which \
             its precondition accepts"
        )
    }

    fn on_refused(refused: &Refused, found: &mut impl FnMut(PropertyId, Observed, Observed)) {
        if !refusal_justified(refused) {
            let current = refused.current;
            report_violation(
                PropertyId::PreconditionJustified,
                PropertyId::SpuriousPreconditionFailure,
                current,
                current,
                found,
            );
            found(PropertyId::Linearizable, current, current);
        }
    }
}

/// The PUT's version a create replaced, as a finding shows it: required absent, found present.
pub fn replaced_put(ack: &WriteAcked) -> (Observed, Observed) {
    // At the create's acknowledgement the PUT is the one below it; at the PUT's, the PUT itself.
    let seq = if ack.replaced_by_create {
        ack.seq
    } else {
        ack.seq.saturating_sub(1)
    };
    let got = Observed { seq, exists: true };
    let required = Observed {
        exists: false,
        ..got
    };
    (required, got)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{ClientId, Event, Key, Op, Ret};
    use crate::properties::{HistoryMonitor, Monitor, MonitorStore};

    const K: Key = Key(0);

    fn invoke(client: u32, op: Op) -> Event {
        let client = ClientId(client);
        Event::Invoke { client, op }
    }

    fn ret(client: u32, ret: Ret) -> Event {
        let client = ClientId(client);
        Event::Return { client, ret }
    }

    fn create() -> Op {
        let precondition = Precondition::Absent;
        Op::PutIf {
            key: K,
            precondition,
        }
    }

    /// The properties each store's monitor finds over `history`, in order.
    fn found<S: MonitorStore>(mut monitor: Monitor<S>, history: &[Event]) -> Vec<PropertyId> {
        let mut out = Vec::new();
        for (i, event) in history.iter().enumerate() {
            monitor
                .observe(i, event, &mut |f| out.push(f.property))
                .expect("well formed");
        }
        out
    }

    fn judged(history: &[Event]) -> Vec<PropertyId> {
        let small = found(Monitor::new(), history);
        assert_eq!(small, found(HistoryMonitor::default(), history));
        small
    }

    #[test]
    fn a_create_over_a_put_is_found_whichever_acknowledgement_comes_second() {
        let put_first = [
            invoke(0, Op::Put { key: K }),
            ret(0, Ret::Ack { seq: 1 }),
            invoke(1, create()),
            ret(1, Ret::Ack { seq: 2 }),
        ];
        let broken = [PropertyId::ConditionalAtomic, PropertyId::Linearizable];
        assert_eq!(judged(&put_first), broken);
        // The PUT's acknowledgement comes after the create's: the create's version says which
        // version it replaced, and the PUT's acknowledgement says that one existed.
        let create_first = [
            invoke(0, Op::Put { key: K }),
            invoke(1, create()),
            ret(1, Ret::Ack { seq: 2 }),
            ret(0, Ret::Ack { seq: 1 }),
        ];
        assert_eq!(judged(&create_first), broken);
        // Over a DELETE, the create is right.
        let over_delete = [
            invoke(0, Op::Delete { key: K }),
            invoke(1, create()),
            ret(1, Ret::Ack { seq: 2 }),
            ret(0, Ret::Ack { seq: 1 }),
        ];
        assert_eq!(judged(&over_delete), []);
    }

    #[test]
    fn an_if_match_must_replace_the_version_it_named() {
        let if_match = Op::PutIf {
            key: K,
            precondition: Precondition::Matches(1),
        };
        let lost = [
            invoke(0, Op::Put { key: K }),
            ret(0, Ret::Ack { seq: 1 }),
            invoke(1, if_match),
            ret(1, Ret::Ack { seq: 3 }),
        ];
        let broken = [PropertyId::NoLostUpdate, PropertyId::Linearizable];
        assert_eq!(judged(&lost), broken);
        let replaced = [invoke(1, if_match), ret(1, Ret::Ack { seq: 2 })];
        assert_eq!(judged(&replaced), []);
        // A named version as large as a history file may write is judged, not overflowed.
        let far = Op::PutIf {
            key: K,
            precondition: Precondition::Matches(u64::MAX),
        };
        let named_too_far = [invoke(1, far), ret(1, Ret::Ack { seq: 1 })];
        assert_eq!(judged(&named_too_far), broken);
    }

    #[test]
    fn a_412_is_spurious_only_when_no_other_write_overlapped_it() {
        let delete_if = Op::DeleteIf { key: K, matches: 1 };
        let spurious = [
            invoke(0, Op::Put { key: K }),
            ret(0, Ret::Ack { seq: 1 }),
            invoke(1, delete_if),
            ret(1, Ret::PreconditionFailed),
        ];
        assert_eq!(
            judged(&spurious),
            [
                PropertyId::PreconditionJustified,
                PropertyId::SpuriousPreconditionFailure,
                PropertyId::Linearizable
            ]
        );
        // A write invoked during the request may have changed the version it was judged on.
        let overlapped = [
            invoke(0, Op::Put { key: K }),
            ret(0, Ret::Ack { seq: 1 }),
            invoke(1, delete_if),
            invoke(0, Op::Put { key: K }),
            ret(1, Ret::PreconditionFailed),
        ];
        assert_eq!(judged(&overlapped), []);
        // So may one still in flight when it was invoked.
        let pending_before = [
            invoke(0, Op::Put { key: K }),
            invoke(1, create()),
            ret(1, Ret::PreconditionFailed),
        ];
        assert_eq!(judged(&pending_before), []);
    }
}
