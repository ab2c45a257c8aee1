//! Typed errors for everything a caller can get wrong. Bad input never panics.

use std::fmt;
use witness_model::system::NodeId;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Error {
    /// Keys are non-empty byte strings; `""` is only meaningful as a LIST prefix.
    EmptyKey,
    /// The key (or LIST prefix) falls into no configured partition.
    OutsidePartitions { key: String },
    /// A `*_via` call named a cache node the cache does not have.
    UnknownNode { node: NodeId, nodes: usize },
    /// A cache layer needs at least one node.
    ZeroNodes,
    /// A node is named by a byte ([`NodeId`], the model's type), so a cache has at most `max`
    /// of them.
    TooManyNodes { nodes: usize, max: usize },
    /// The hot-key spread must be between 1 and the number of nodes.
    InvalidSpread { spread: usize, nodes: usize },
    /// Partitions must be non-empty ranges, sorted, and must not overlap.
    InvalidPartitions(String),
    /// The protocol switch named a protocol this implementation does not run (the witness as a
    /// separate service is the model's `witness-service`; the cache's witness sits in
    /// persistence's critical section).
    UnsupportedProtocol(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyKey => write!(f, "empty key: keys must be at least one byte long"),
            Error::OutsidePartitions { key } => {
                write!(f, "key or prefix {key:?} lies outside every partition")
            }
            Error::UnknownNode { node, nodes } => write!(
                f,
                "unknown {node}: this cache has {nodes} node(s), numbered from 1"
            ),
            Error::ZeroNodes => write!(f, "a cache layer needs at least one cache node (got 0)"),
            Error::TooManyNodes { nodes, max } => {
                write!(
                    f,
                    "a cache layer has at most {max} cache nodes, got {nodes}"
                )
            }
            Error::InvalidSpread { spread, nodes } => write!(
                f,
                "hot-key spread must be between 1 and the number of nodes ({nodes}), got {spread}"
            ),
            Error::InvalidPartitions(why) => write!(f, "invalid partitions: {why}"),
            Error::UnsupportedProtocol(what) => write!(
                f,
                "{what} is not implemented by IndexCache; only the model checks it"
            ),
        }
    }
}

impl std::error::Error for Error {}
