//! The atomic steps of the system, as the checker, the Explorer and replay name them.

use super::layout::Seq;
use super::witness_table::{Quorum, WitnessNode};
use crate::history::{ClientId, Key, NodeId, Op};

/// One atomic step of the system.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum Action {
    /// An idle client starts an operation through a cache node (and takes its first step).
    Invoke {
        client: ClientId,
        op: Op,
        node: NodeId,
    },
    /// The client's operation in flight takes its next step. A query of a witness fleet is
    /// answered by the nodes of `quorum` (whichever majority answers first); `None` for every
    /// other step.
    Step {
        client: ClientId,
        quorum: Option<Quorum>,
    },
    Evict {
        node: NodeId,
        key: Key,
    },
    EvictListing {
        node: NodeId,
    },
    RestartNode {
        node: NodeId,
    },
    /// A witness node restarts with empty memory.
    RestartWitness {
        node: WitnessNode,
    },
    /// A witness node fails over to a replica holding a stale snapshot.
    FailOverWitness {
        node: WitnessNode,
    },
    /// Messages to a witness node are lost until it is reachable again.
    WitnessUnreachable {
        node: WitnessNode,
    },
    WitnessReachable {
        node: WitnessNode,
    },
    /// The replica receives `key@seq`; with `keep`, the message stays in flight (delivered again).
    Deliver {
        key: Key,
        seq: Seq,
        keep: bool,
    },
    /// The partition splits: its upper half of keys moves to a new partition.
    SplitPartition,
}

impl Action {
    /// The client whose operation the action starts or advances; `None` for a fault or a
    /// delivery.
    pub fn client(&self) -> Option<ClientId> {
        match *self {
            Action::Invoke { client, .. } | Action::Step { client, .. } => Some(client),
            Action::Evict { .. }
            | Action::EvictListing { .. }
            | Action::RestartNode { .. }
            | Action::RestartWitness { .. }
            | Action::FailOverWitness { .. }
            | Action::WitnessUnreachable { .. }
            | Action::WitnessReachable { .. }
            | Action::Deliver { .. }
            | Action::SplitPartition => None,
        }
    }

    /// The same action with clients and cache nodes renamed.
    pub fn renamed(
        &self,
        client: impl Fn(ClientId) -> ClientId,
        node: impl Fn(NodeId) -> NodeId,
    ) -> Action {
        match self.clone() {
            Action::Invoke {
                client: c,
                op,
                node: n,
            } => Action::Invoke {
                client: client(c),
                op,
                node: node(n),
            },
            Action::Step { client: c, quorum } => Action::Step {
                client: client(c),
                quorum,
            },
            Action::Evict { node: n, key } => Action::Evict { node: node(n), key },
            Action::EvictListing { node: n } => Action::EvictListing { node: node(n) },
            Action::RestartNode { node: n } => Action::RestartNode { node: node(n) },
            other @ (Action::RestartWitness { .. }
            | Action::FailOverWitness { .. }
            | Action::WitnessUnreachable { .. }
            | Action::WitnessReachable { .. }
            | Action::Deliver { .. }
            | Action::SplitPartition) => other,
        }
    }
}
