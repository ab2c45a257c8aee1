//! The atomic steps of the system, as the checker, the Explorer and replay name them.

use super::layout::Seq;
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
    /// The client's operation in flight takes its next step.
    Step {
        client: ClientId,
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
    RestartWitness,
    /// The replica receives `key@seq`; with `keep`, the message stays in flight (delivered again).
    Deliver {
        key: Key,
        seq: Seq,
        keep: bool,
    },
}

impl Action {
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
            Action::Step { client: c } => Action::Step { client: client(c) },
            Action::Evict { node: n, key } => Action::Evict { node: node(n), key },
            Action::EvictListing { node: n } => Action::EvictListing { node: node(n) },
            Action::RestartNode { node: n } => Action::RestartNode { node: node(n) },
            other @ (Action::RestartWitness | Action::Deliver { .. }) => other,
        }
    }
}
