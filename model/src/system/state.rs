//! The state of the whole index tier at one instant, and each client's operation in flight.
//!
//! Values are versions only: a cache entry, a listing slot, the witness's table and persistence all
//! hold per-key sequence numbers. Whether version `s` of a key is a PUT or a DELETE is recorded once,
//! in `puts`, when persistence assigns `s`.

use crate::history::{Key, Observed};
use crate::properties::Monitor;
use smallvec::SmallVec;

/// The model's version number: one byte, because every state holds many. Widened to
/// [`crate::history::Seq`] where the model emits events or reads the monitor.
pub type Seq = u8;

/// The largest sequence number a key can reach; bounds the number of writes a model can issue.
pub const SEQ_MAX: Seq = 15;

/// A table indexed by key (at most `MAX_KEYS` entries, kept inline).
pub type PerKey<T> = SmallVec<[T; 4]>;
/// A table indexed by cache node or client (at most 5, kept inline).
pub type PerMember<T> = SmallVec<[T; 5]>;
use std::fmt;

#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct NodeId(pub u8);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cache node {}", u16::from(self.0) + 1)
    }
}

/// One cache node of the cache layer.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct CacheNode {
    /// Per key: the cached version (a cached miss is a version whose write was a DELETE, or 0), or
    /// `None` when the node holds nothing for the key.
    pub entries: PerKey<Option<Seq>>,
    /// The node's cached listing of the partition `["" .. ∞)`: one version per key.
    pub listing: Option<PerKey<Seq>>,
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
    /// Put the reloaded version back into the node, then answer.
    Repair { loaded: Seq },
}

/// The steps of a LIST after the listing lookup; the same shape as a GET at partition granularity.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum ListStep {
    FillLoad,
    FillStore { loaded: PerKey<Seq> },
    CheckBarrier { listing: PerKey<Seq> },
    Reload,
    Repair { loaded: PerKey<Seq> },
}

#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum Phase {
    Idle,
    Write {
        key: Key,
        node: NodeId,
        seq: Seq,
        put: bool,
        next: WriteStep,
    },
    Get {
        key: Key,
        node: NodeId,
        next: GetStep,
    },
    List {
        node: NodeId,
        next: ListStep,
    },
}

#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct ClientState {
    /// Operations this client may still invoke.
    pub remaining: u8,
    pub phase: Phase,
}

#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct SystemState {
    /// Per key: the version persistence holds (the source of truth).
    pub persisted: PerKey<Seq>,
    /// Per key: the last version persistence assigned.
    pub assigned: PerKey<Seq>,
    /// Per key: bit `s` is set iff version `s` was written by a PUT.
    pub puts: PerKey<u16>,
    /// Per key: the witness's latest known version; `None` after a restart until relearned.
    pub witness: PerKey<Option<Seq>>,
    pub witness_restarts: u8,
    pub nodes: PerMember<CacheNode>,
    /// Per key: the version the cross-region replica holds.
    pub replica: PerKey<Seq>,
    /// Replication deliveries in flight. Kept sorted when deliveries may be reordered (then the
    /// order carries no information); in enqueue order otherwise.
    pub replication: SmallVec<[(Key, Seq); 8]>,
    pub clients: PerMember<ClientState>,
    /// The history so far, summarised by the shared property monitor.
    pub monitor: Monitor,
}

impl SystemState {
    /// What version `seq` of `key` means to a reader.
    pub fn observed(&self, key: Key, seq: Seq) -> Observed {
        let puts = self.puts[key.index()];
        Observed {
            seq: seq.into(),
            exists: puts & (1 << seq) != 0,
        }
    }

    pub fn node(&self, node: NodeId) -> &CacheNode {
        &self.nodes[usize::from(node.0)]
    }

    pub fn witness_of(&self, key: Key) -> Option<Seq> {
        self.witness[key.index()]
    }

    pub fn persisted_of(&self, key: Key) -> Seq {
        self.persisted[key.index()]
    }

    /// No replication in flight and no write in flight (a write in flight may have committed
    /// without enqueueing yet): the replica has been offered every committed version.
    pub fn is_quiescent(&self) -> bool {
        self.replication.is_empty()
            && self
                .clients
                .iter()
                .all(|c| !matches!(c.phase, Phase::Write { .. }))
    }
}
