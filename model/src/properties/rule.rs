//! What a property's rule file provides: the [`Rule`] its catalogue row names. The monitor hands
//! every rule what it saw at each kind of event (one value per kind, below) and the rule reports
//! what it finds; a rule judged on the state reads it through a [`StateView`]; every rule says how
//! its findings read. So a new property needs its catalogue row and its rule file, not an edit of
//! the monitor or of the model (unless it needs a summary the monitor does not keep yet, or a part
//! of the state no view shows yet).

use super::catalogue::{JudgedOn, PropertyId};
use crate::history::{Key, Observed, Precondition, Seq};
use std::fmt;

/// A GET of a key returned `got`. The key's floors are those in force when the GET was invoked;
/// the client's are those in force now. (The monitor knows which key and client: it adds them to
/// what the rule finds.)
#[derive(Clone, Copy, Debug)]
pub struct GetReturned {
    /// The latest write of the key acknowledged before the GET was invoked.
    pub acked: Observed,
    /// The highest version among the key's operations completed before the GET was invoked.
    pub completed: Seq,
    /// The client's own latest acknowledged write of the key.
    pub own_write: Seq,
    /// The highest version the client's earlier GETs and LISTs returned for the key.
    pub last_read: Seq,
    pub got: Observed,
}

/// A LIST returned; one key of it (listed or not).
#[derive(Clone, Copy, Debug)]
pub struct ListedKey {
    /// The latest write of the key acknowledged before the LIST was invoked.
    pub acked: Observed,
    /// The client's own latest acknowledged write of the key.
    pub own_write: Seq,
    /// The highest version the client's earlier GETs and LISTs returned for the key.
    pub last_read: Seq,
    /// What the listing reported for the key (never written if it omitted it).
    pub listed: Observed,
}

/// A PUT or DELETE (conditional or not) was acknowledged with version `seq`.
#[derive(Clone, Copy, Debug)]
pub struct WriteAcked {
    /// The highest version among the key's operations completed before the write was invoked.
    pub completed: Seq,
    pub seq: Seq,
    /// A conditional write's precondition (`None` for a plain write).
    pub precondition: Option<Precondition>,
    /// Version `seq - 1`, the one this write replaced, is known to be a PUT's.
    pub predecessor_put: bool,
    /// This write is a PUT, and a create acknowledged earlier as `seq + 1` required it absent.
    pub replaced_by_create: bool,
}

/// A conditional write was refused (412).
#[derive(Clone, Copy, Debug)]
pub struct Refused {
    pub precondition: Precondition,
    /// The latest acknowledged write of the key when the request was invoked.
    pub current: Observed,
    /// Another write of the key was in flight when the request was invoked, or was invoked
    /// before it returned: the key's version may have changed during the request.
    pub overlapped: bool,
}

/// The replica applied version `after` of a key it held at `before`.
#[derive(Clone, Copy, Debug)]
pub struct ReplicaApplied {
    pub before: Seq,
    pub after: Seq,
}

/// A finding's parts as its message shows them: who saw it and the key, both named as the history
/// names them, what the rule required at least and what was observed.
#[derive(Clone, Copy, Debug)]
pub struct FindingParts<'a> {
    /// The client, or "replica" for a finding of no client.
    pub who: &'a str,
    pub key: &'a str,
    pub required: Observed,
    pub got: Observed,
}

/// What a rule judged on the state reads of the system: the model's state, or an implementation's
/// as its tests read it back. Keys are dense, `0..key_count()`.
pub trait StateView {
    fn key_count(&self) -> u32;
    /// The latest acknowledged write of the key (the monitor's floor).
    fn acked(&self, key: Key) -> Observed;
    /// The version persistence holds.
    fn persisted(&self, key: Key) -> Seq;
    /// The version the witness knows (`None`: forgotten, so answered as stale).
    fn witness(&self, key: Key) -> Option<Seq>;
    /// The version the cross-region replica holds.
    fn replica(&self, key: Key) -> Seq;
    /// No replication and no write is in flight.
    fn quiescent(&self) -> bool;
    /// Calls `visit(key, entry)` for each entry the witness would now pass as fresh to a read
    /// waiting on its answer, under every quorum that read may get: the witness's answers, judged
    /// where they are given rather than through what a client later sees.
    fn fresh_answers(&self, visit: &mut dyn FnMut(Key, Seq));
    /// The paths of the protocol this state is on, for the coverage properties.
    fn reached(&self) -> Reached;

    fn keys(&self) -> impl Iterator<Item = Key> {
        (0..self.key_count()).map(Key)
    }
}

/// The paths of the protocol a state is on, for the coverage properties: a proof in which none
/// of them is reached never exercised the part of the protocol that handles it.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Reached {
    /// A read found its entry stale and reloads from persistence.
    pub reload: bool,
    /// A reloaded version is about to be put back into a cache node.
    pub repair: bool,
    /// A relearn is about to reach a witness node whose epoch moved since the load, which drops
    /// it.
    pub fenced_relearn: bool,
    /// A read is about to ask the witness after a witness node failed over.
    pub query_after_failover: bool,
}

/// A property's rule. Each event hook reports `(property, required, got)` for what it finds; the
/// monitor adds where (the event, the client, the key). Hooks default to finding nothing, so a
/// rule implements the events it judges.
pub trait Rule {
    /// The property whose rule this is (an anomaly's catalogue row names the rule of the
    /// always-property that finds it).
    const PROPERTY: PropertyId;
    const JUDGED_ON: JudgedOn;

    /// How a finding of this rule's properties reads, after the property's name.
    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result;

    fn on_get(_get: &GetReturned, _found: &mut impl FnMut(PropertyId, Observed, Observed)) {}

    fn on_listed(_entry: &ListedKey, _found: &mut impl FnMut(PropertyId, Observed, Observed)) {}

    fn on_ack(_ack: &WriteAcked, _found: &mut impl FnMut(PropertyId, Observed, Observed)) {}

    fn on_refused(_refused: &Refused, _found: &mut impl FnMut(PropertyId, Observed, Observed)) {}

    fn on_replica(
        _applied: &ReplicaApplied,
        _found: &mut impl FnMut(PropertyId, Observed, Observed),
    ) {
    }

    /// For a rule judged on the state: whether its property holds in `state` (an anomaly: whether
    /// it shows there). `None` for a rule judged on the history.
    fn in_state(_state: &impl StateView) -> Option<bool> {
        None
    }
}

/// A bare version, for rules that compare numbers only.
pub fn version(seq: Seq) -> Observed {
    Observed { seq, exists: true }
}

/// Reports a violation of `property` and, where what the user saw is a named anomaly of its own
/// (A1–A5), that anomaly too: one finding for the guarantee, one for the catalogue's example.
pub fn report_violation(
    property: PropertyId,
    seen: PropertyId,
    required: Observed,
    got: Observed,
    found: &mut impl FnMut(PropertyId, Observed, Observed),
) {
    found(property, required, got);
    if seen != property {
        found(seen, required, got);
    }
}
