//! The vocabulary of a history: what clients invoked, what they were told, and what the
//! cross-region replica applied.
//!
//! Every property in [`crate::properties`] is a function over a sequence of these events. The
//! model emits them from its steps, the implementation's tests record them from real threads, and
//! the CLI reads them from files. Writes are identified by the per-key sequence number that
//! persistence assigned (`v1`, `v2`, ...), never by payload, so "older" and "newer" are exact.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Per-key write sequence number assigned by persistence. `0` is the state before any write: the
/// key does not exist. Each key has its own counter, so `v2` of `k0` and `v2` of `k1` are unrelated.
/// Wide enough for any recorded history; the model keeps its own narrower type
/// (`system::Seq`) and widens it where it emits events.
pub type Seq = u64;

/// A key, by index: the model's `k0`, `k1`, ..., or the position of a key name in the order a
/// recorded history first mentions it (the reader keeps the names, see
/// `properties::check_history_stream`).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Key(pub u32);

/// A client, by 0-based index (shown counting from 1 in the model's narration).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(pub u32);

/// A cache node, by 0-based index (shown counting from 1). The model packs it into a few bits,
/// and the implementation and the replay name nodes by the same type.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u8);

impl Key {
    /// The key's position in per-key tables.
    pub fn index(self) -> usize {
        // Lossless: the project builds for 64-bit targets only (u32 fits usize from 32 bits up).
        self.0 as usize
    }
}

impl ClientId {
    /// The client's position in per-client tables.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl NodeId {
    /// The node's position in per-node tables.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "k{}", self.0)
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Humans count clients from 1; the index stays 0-based everywhere else.
        write!(f, "client {}", u64::from(self.0) + 1)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cache node {}", u16::from(self.0) + 1)
    }
}

/// What a read observed for one key: the sequence number of the write it reflects and whether that
/// write left the key present (PUT) or absent (DELETE, or never written when `seq == 0`).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Observed {
    pub seq: Seq,
    pub exists: bool,
}

impl Observed {
    /// The key before its first write.
    pub const NEVER_WRITTEN: Observed = Observed {
        seq: 0,
        exists: false,
    };
}

impl fmt::Display for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.exists, self.seq) {
            (true, seq) => write!(f, "v{seq}"),
            (false, 0) => write!(f, "absent"),
            (false, seq) => write!(f, "absent (deleted at v{seq})"),
        }
    }
}

/// A bare version number in words: `v2`, or `absent` for version 0. Traces and findings use one
/// word for a key nobody wrote, whether a read, the witness or persistence shows it, so a reader
/// never has to map `v0` onto `absent`.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Version(pub Seq);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => write!(f, "absent"),
            seq => write!(f, "v{seq}"),
        }
    }
}

/// What a conditional write requires of the key's current version when persistence judges it
/// (S3's `If-None-Match: *` and `If-Match: <etag>`; an ETag names one version).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precondition {
    /// `If-None-Match: *`: the key has no object (never written, or deleted).
    Absent,
    /// `If-Match`: the key's current version is this one (a PUT's).
    Matches(Seq),
}

impl Precondition {
    /// Whether the precondition holds when the key's current version is `current`.
    pub fn holds(self, current: Observed) -> bool {
        match self {
            Precondition::Absent => !current.exists,
            Precondition::Matches(seq) => current.exists && current.seq == seq,
        }
    }
}

impl fmt::Display for Precondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Precondition::Absent => write!(f, "If-None-Match: *"),
            Precondition::Matches(seq) => write!(f, "If-Match: v{seq}"),
        }
    }
}

#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum Op {
    Put {
        key: Key,
    },
    Delete {
        key: Key,
    },
    Get {
        key: Key,
    },
    /// LIST of the one partition `["" .. ∞)`: every key.
    List,
    /// A conditional PUT: judged at persistence, it writes only if `precondition` holds, and is
    /// refused with 412 otherwise.
    PutIf {
        key: Key,
        precondition: Precondition,
    },
    /// A conditional DELETE (`If-Match`): deletes only if the key's current version is `matches`.
    DeleteIf {
        key: Key,
        matches: Seq,
    },
}

impl Op {
    pub fn key(&self) -> Option<Key> {
        match *self {
            Op::Put { key }
            | Op::Delete { key }
            | Op::Get { key }
            | Op::PutIf { key, .. }
            | Op::DeleteIf { key, .. } => Some(key),
            Op::List => None,
        }
    }

    pub fn is_write(&self) -> bool {
        self.write_kind().is_some()
    }

    /// For a write: whether it leaves the key present (a PUT) and the precondition it is
    /// conditional on, if any. `None` for a read.
    pub fn write_kind(&self) -> Option<(bool, Option<Precondition>)> {
        match *self {
            Op::Put { .. } => Some((true, None)),
            Op::Delete { .. } => Some((false, None)),
            Op::PutIf { precondition, .. } => Some((true, Some(precondition))),
            Op::DeleteIf { matches, .. } => Some((false, Some(Precondition::Matches(matches)))),
            Op::Get { .. } | Op::List => None,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Put { key } => write!(f, "PUT {key}"),
            Op::Delete { key } => write!(f, "DELETE {key}"),
            Op::Get { key } => write!(f, "GET {key}"),
            Op::List => write!(f, "LIST"),
            Op::PutIf { key, precondition } => write!(f, "PUT {key} ({precondition})"),
            Op::DeleteIf { key, matches } => write!(f, "DELETE {key} (If-Match: v{matches})"),
        }
    }
}

/// The response a client received.
#[derive(Clone, Debug, Eq, Hash, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "ret")]
pub enum Ret {
    /// PUT or DELETE acknowledged; persistence gave the write this sequence number.
    Ack { seq: Seq },
    /// GET answered.
    Read { observed: Observed },
    /// LIST answered. Each listed key carries the version the listing saw; the index also reports
    /// tombstones (`exists: false`) so that an omission can be told apart from a stale listing. A key
    /// that is not in the vector at all counts as never written.
    Listed { entries: Vec<(Key, Observed)> },
    /// A conditional write was refused (HTTP 412): its precondition did not hold, and it wrote
    /// nothing.
    PreconditionFailed,
}

impl Ret {
    /// The version this listing reports for `key` (never written when absent).
    pub fn listed(entries: &[(Key, Observed)], key: Key) -> Observed {
        entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, o)| *o)
            .unwrap_or(Observed::NEVER_WRITTEN)
    }
}

/// One event of a history, in real-time order.
#[derive(Clone, Debug, Eq, Hash, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum Event {
    Invoke {
        client: ClientId,
        #[serde(flatten)]
        op: Op,
    },
    Return {
        client: ClientId,
        #[serde(flatten)]
        ret: Ret,
    },
    /// The cross-region replica now holds `seq` for `key` (after applying, or ignoring, a delivery).
    ReplicaApplied { key: Key, seq: Seq },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Invoke { client, op } => write!(f, "{client} invokes {op}"),
            Event::Return { client, ret } => match ret {
                Ret::Ack { seq } => write!(f, "{client} ← ack v{seq}"),
                Ret::PreconditionFailed => write!(f, "{client} ← 412 precondition failed"),
                Ret::Read { observed } => write!(f, "{client} ← {observed}"),
                Ret::Listed { entries } => {
                    write!(f, "{client} ← [")?;
                    let mut first = true;
                    for (key, observed) in entries.iter().filter(|(_, o)| o.exists) {
                        if !first {
                            write!(f, ", ")?;
                        }
                        first = false;
                        write!(f, "{key}@{observed}")?;
                    }
                    write!(f, "]")
                }
            },
            Event::ReplicaApplied { key, seq } => write!(f, "replica holds {key}@v{seq}"),
        }
    }
}
