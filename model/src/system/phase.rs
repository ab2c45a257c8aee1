//! The readable values of a packed state: a client's operation in flight ([`Phase`]) with the step
//! it takes next, and a cache node's [`Listing`]. The transitions, the narration and the Explorer
//! work with these; `SystemState` (`state.rs`) packs them into a few bits
//! (`phase_packing.rs`).

use super::layout::{Seq, MAX_KEYS};
use super::witness_table::Epochs;
use crate::history::{Key, NodeId, Precondition};
use std::ops::{Index, IndexMut};

/// One version per key: a cache node's listing of the partition `["" .. ∞)`.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct Listing {
    seqs: [Seq; MAX_KEYS as usize],
    keys: u8,
    /// Under a partition-sequence barrier, the committed prefix this listing records for each
    /// key range ([`key_range`]): it holds, for every key of the range, at least each version at
    /// or below it. Both ranges record their partition's prefix while the partition is whole.
    /// 0 under the per-key barrier.
    pub recorded: [Seq; 2],
}

/// The range of the keys a partition's split puts apart: 0 for the lower half, 1 for the upper.
pub fn key_range(key: Key, keys: u8) -> usize {
    usize::from(key.index() * 2 >= usize::from(keys))
}

impl Listing {
    /// Every key at version 0 (never written).
    pub fn empty(keys: u8) -> Listing {
        Listing {
            seqs: [0; MAX_KEYS as usize],
            keys,
            recorded: [0; 2],
        }
    }

    /// The committed prefix recorded for `key`'s range.
    pub fn recorded_for(&self, key: Key) -> Seq {
        self.recorded[key_range(key, self.keys)]
    }

    /// The recorded prefixes a shape with `ranges` of them packs: none, one (both ranges record
    /// the same), or both.
    pub fn packed_recorded(&self, ranges: u8) -> &[Seq] {
        let shared = self.recorded[0] == self.recorded[1];
        assert!(
            ranges == 2 || (shared && (ranges == 1 || self.recorded[0] == 0)),
            "a listing records {:?}, which {ranges} packed prefixes cannot hold",
            self.recorded
        );
        &self.recorded[..usize::from(ranges)]
    }

    /// Sets the recorded prefixes from `packed` (as [`Listing::packed_recorded`] gave them).
    pub fn unpack_recorded(&mut self, packed: &[Seq]) {
        match *packed {
            [] => self.recorded = [0; 2],
            [shared] => self.recorded = [shared; 2],
            [lower, upper] => self.recorded = [lower, upper],
            _ => panic!("corrupt packed state: a listing records {packed:?}"),
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = Key> {
        (0..u32::from(self.keys)).map(Key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (Key, Seq)> + '_ {
        self.keys().map(|k| (k, self[k]))
    }
}

impl Index<Key> for Listing {
    type Output = Seq;
    fn index(&self, key: Key) -> &Seq {
        &self.seqs[key.index()]
    }
}

impl IndexMut<Key> for Listing {
    fn index_mut(&mut self, key: Key) -> &mut Seq {
        &mut self.seqs[key.index()]
    }
}

/// A PUT or DELETE after persistence assigned its version.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct WriteOp {
    pub key: Key,
    pub node: NodeId,
    pub seq: Seq,
    /// PUT (the key exists afterwards) or DELETE.
    pub put: bool,
}

impl WriteOp {
    pub fn verb(&self) -> &'static str {
        if self.put {
            "PUT"
        } else {
            "DELETE"
        }
    }
}

/// A conditional PUT or DELETE waiting for persistence to judge its precondition.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct ConditionalOp {
    pub key: Key,
    pub node: NodeId,
    /// PUT (the key exists afterwards) or DELETE.
    pub put: bool,
    pub precondition: Precondition,
}

impl ConditionalOp {
    /// The version the precondition names (`If-Match`), if any.
    pub fn named(&self) -> Option<Seq> {
        match self.precondition {
            Precondition::Absent => None,
            Precondition::Matches(seq) => Some(narrow_version(seq)),
        }
    }
}

/// A version of the history's width as the state holds it; every version the model names fits.
pub fn narrow_version(seq: crate::history::Seq) -> Seq {
    Seq::try_from(seq).unwrap_or_else(|_| panic!("v{seq} is above any version the model holds"))
}

/// The steps of a PUT or DELETE after persistence assigned its version. Which of the commit and
/// witness steps exist, and in which order, is the variant's `WitnessOrder`.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum WriteStep {
    Commit,
    NotifyWitness,
    CommitAndNotify,
    UpdateCache,
    /// Enqueue for replication and acknowledge. One step: the enqueue commutes with every other
    /// step except the delivery it enables, so splitting it would add states but no behaviour.
    Ack,
    /// Mutant `ack-before-notify`: the notify, still on its way after the acknowledgement.
    LateNotify,
}

/// The steps of a GET after the cache lookup.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum GetStep {
    /// The node had no entry: read persistence.
    FillLoad,
    /// Store what persistence returned in the node.
    FillStore { loaded: Seq },
    /// Strong mode: ask the witness whether `entry` is stale.
    CheckWitness { entry: Seq },
    /// The witness said stale: read persistence again.
    Reload,
    /// witness-service: tell the witness what persistence returned, fenced by each witness
    /// node's epoch at the load. `loaded` holds the key's version, and, when witness slots are
    /// shared, every key's (a forgotten slot is relearned from all the keys that share it).
    Relearn { loaded: Listing, epochs: Epochs },
    /// Put the reloaded version back into the node, then answer.
    Repair { loaded: Seq },
}

/// The steps of a LIST after the listing lookup; the same shape as a GET at partition granularity.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum ListStep {
    FillLoad,
    /// `seq-before-scan` and `seq-after-scan`: the fill's first read (the partition sequence,
    /// or the scan) is in `partial`; the other follows.
    FillSecondRead {
        partial: Listing,
    },
    FillStore {
        loaded: Listing,
    },
    CheckBarrier {
        listing: Listing,
    },
    Reload,
    /// As `FillSecondRead`, for the reload; under witness-service `epochs` were read before the
    /// first read.
    ReloadSecondRead {
        partial: Listing,
        epochs: Epochs,
    },
    Relearn {
        loaded: Listing,
        epochs: Epochs,
    },
    Repair {
        loaded: Listing,
    },
}

/// A client's operation in flight, and the step it takes next.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Phase {
    Idle,
    /// Persistence judges the precondition (waiting while a write of the key is in flight): a
    /// write that passes takes the next version and goes on as any write; one that fails is
    /// answered 412.
    Judge {
        op: ConditionalOp,
    },
    Write {
        op: WriteOp,
        step: WriteStep,
    },
    Get {
        key: Key,
        node: NodeId,
        step: GetStep,
    },
    List {
        node: NodeId,
        step: ListStep,
    },
}

impl Phase {
    /// Whether the operation's next step asks the witness: a GET's check of its entry, or a
    /// LIST's barrier.
    pub fn is_query(&self) -> bool {
        matches!(
            self,
            Phase::Get {
                step: GetStep::CheckWitness { .. },
                ..
            } | Phase::List {
                step: ListStep::CheckBarrier { .. },
                ..
            }
        )
    }

    /// A GET's next step (`None` for any other operation).
    pub fn get_step(&self) -> Option<GetStep> {
        match *self {
            Phase::Get { step, .. } => Some(step),
            _ => None,
        }
    }

    /// A LIST's next step (`None` for any other operation).
    pub fn list_step(&self) -> Option<ListStep> {
        match *self {
            Phase::List { step, .. } => Some(step),
            _ => None,
        }
    }

    /// The cache node the operation goes through.
    pub fn node(&self) -> Option<NodeId> {
        match *self {
            Phase::Idle => None,
            Phase::Judge { op } => Some(op.node),
            Phase::Write { op, .. } => Some(op.node),
            Phase::Get { node, .. } | Phase::List { node, .. } => Some(node),
        }
    }

    /// The version of `key` this operation carries and may still store or answer.
    pub fn version_carried(&self, key: Key) -> Option<Seq> {
        match *self {
            Phase::Idle => None,
            Phase::Judge { op } => op.named().filter(|_| op.key == key),
            Phase::Write { op, .. } => (op.key == key).then_some(op.seq),
            Phase::Get { key: k, step, .. } => match step {
                GetStep::FillStore { loaded: s }
                | GetStep::CheckWitness { entry: s }
                | GetStep::Repair { loaded: s } => (k == key).then_some(s),
                GetStep::Relearn { loaded, .. } => (k == key).then_some(loaded[key]),
                GetStep::FillLoad | GetStep::Reload => None,
            },
            Phase::List { step, .. } => match step {
                ListStep::FillStore { loaded: l }
                | ListStep::FillSecondRead { partial: l }
                | ListStep::ReloadSecondRead { partial: l, .. }
                | ListStep::CheckBarrier { listing: l }
                | ListStep::Relearn { loaded: l, .. }
                | ListStep::Repair { loaded: l } => Some(l[key]),
                ListStep::FillLoad | ListStep::Reload => None,
            },
        }
    }

    pub fn with_node(self, node: NodeId) -> Phase {
        match self {
            Phase::Idle => Phase::Idle,
            Phase::Judge { op } => Phase::Judge {
                op: ConditionalOp { node, ..op },
            },
            Phase::Write { op, step } => Phase::Write {
                op: WriteOp { node, ..op },
                step,
            },
            Phase::Get { key, step, .. } => Phase::Get { key, node, step },
            Phase::List { step, .. } => Phase::List { node, step },
        }
    }
}
