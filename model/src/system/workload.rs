//! What clients may do and what the environment may do to them: the operation mix and the faults
//! a configuration allows.

use crate::named::named_enum;
use serde::{Deserialize, Serialize};

/// Which operations clients may invoke.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize, Deserialize)]
pub struct OpMix {
    pub put: bool,
    pub delete: bool,
    pub get: bool,
    pub list: bool,
    /// Conditional PUTs (`If-None-Match: *`, and `If-Match` of the version committed when the
    /// client invokes it: the newest version it could have read).
    #[serde(default)]
    pub put_if: bool,
    /// Conditional DELETEs (`If-Match` of the version committed at invocation).
    #[serde(default)]
    pub delete_if: bool,
}

impl OpMix {
    /// Every unconditional operation: the mix of `default`.
    pub const PLAIN: OpMix = OpMix {
        put: true,
        delete: true,
        get: true,
        list: true,
        put_if: false,
        delete_if: false,
    };

    /// The mix that allows exactly `ops`.
    pub fn of(ops: &[OpName]) -> OpMix {
        let has = |op| ops.contains(&op);
        OpMix {
            put: has(OpName::Put),
            delete: has(OpName::Delete),
            get: has(OpName::Get),
            list: has(OpName::List),
            put_if: has(OpName::PutIf),
            delete_if: has(OpName::DeleteIf),
        }
    }

    pub fn allows(self, op: OpName) -> bool {
        match op {
            OpName::Put => self.put,
            OpName::Delete => self.delete,
            OpName::Get => self.get,
            OpName::List => self.list,
            OpName::PutIf => self.put_if,
            OpName::DeleteIf => self.delete_if,
        }
    }

    /// The mix has a conditional write.
    pub fn conditional(self) -> bool {
        self.put_if || self.delete_if
    }

    /// The allowed operations, in [`OpName::ALL`]'s order.
    pub fn names(self) -> Vec<OpName> {
        OpName::ALL
            .iter()
            .copied()
            .filter(|&op| self.allows(op))
            .collect()
    }
}

named_enum!(
    /// An operation of [`OpMix`], as `--op-mix` names it.
    OpName, "operation" {
        Put => "put",
        Delete => "delete",
        Get => "get",
        List => "list",
        PutIf => "put-if",
        DeleteIf => "delete-if",
    }
);

/// Environment faults the checker may inject at any point.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize, Deserialize)]
pub struct Faults {
    /// A cache node drops one key's entry (or its cached listing).
    pub eviction: bool,
    /// A cache node restarts and loses everything it held.
    pub node_restart: bool,
    /// How many times the witness may restart with empty memory (in eventual mode the witness is kept but never consulted, so a restart changes no answer).
    pub witness_restarts: u8,
    /// Replication deliveries may arrive in any order (otherwise oldest-enqueued first).
    pub replication_reorder: bool,
    /// A replication delivery may be delivered again (at-least-once).
    pub replication_duplicates: bool,
    /// How many times a witness node may become unreachable (and later reachable again). While a
    /// node is out, messages to it are lost: a read that cannot reach a majority treats its entry
    /// as stale, and a notify or relearn waits for a majority.
    #[serde(default)]
    pub witness_outages: u8,
    /// How many times a witness node may fail over to a replacement that holds a stale snapshot
    /// of its table.
    #[serde(default)]
    pub witness_failovers: u8,
    /// The partition may split once, at any time: its upper half of keys moves to a new
    /// partition (`partition_seq.rs`).
    #[serde(default)]
    pub partition_split: bool,
}

impl Faults {
    pub const NONE: Faults = Faults {
        eviction: false,
        node_restart: false,
        witness_restarts: 0,
        replication_reorder: false,
        replication_duplicates: false,
        witness_outages: 0,
        witness_failovers: 0,
        partition_split: false,
    };
}
