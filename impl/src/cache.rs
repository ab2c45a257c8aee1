//! The [`IndexCache`] itself: what it is built from and how. Its operations are in the files of
//! their paths (`write.rs`, `read.rs`, `list.rs`), routing in `routing.rs`, the faults and the
//! replication steps in `faults.rs` and `delivery.rs`.

use crate::config::{Config, Mode, Mutant, Partition, Protocol};
use crate::error::Result;
use crate::node::CacheNode;
use crate::persistence::Persistence;
use crate::recorder::Recorder;
use crate::replication::{Replica, Replicator};
use crate::witness::Witness;

/// Builds an [`IndexCache`]; the protocol switch and the recorder are for tests.
#[derive(Debug)]
pub struct Builder {
    config: Config,
    protocol: Protocol,
    recorder: Option<Recorder>,
}

impl Builder {
    /// Test-only: run a protocol variant or a seeded bug instead of the default variant.
    pub fn protocol(mut self, protocol: Protocol) -> Builder {
        self.protocol = protocol;
        self
    }

    /// Record every operation made through [`IndexCache::client`] and every replica delivery.
    pub fn recorder(mut self, recorder: Recorder) -> Builder {
        self.recorder = Some(recorder);
        self
    }

    pub fn build(self) -> Result<IndexCache> {
        self.config.validate()?;
        self.protocol.validate()?;
        let partitions = self.config.partitions.len();
        let protocol = self.protocol;
        Ok(IndexCache {
            mode: self.config.mode,
            protocol,
            spread: self.config.spread,
            persistence: Persistence::new(partitions),
            witness: Witness::new(partitions, protocol.is(Mutant::WitnessForgetsOnRestart)),
            nodes: (0..self.config.nodes)
                .map(|_| CacheNode::new(partitions))
                .collect(),
            whole_keyspace: self.config.partitions == [Partition::everything()],
            partitions: self.config.partitions,
            replicator: Replicator::new(),
            replica: Replica::new(protocol.is(Mutant::ReplicaAppliesOutOfOrder)),
            recorder: self.recorder,
        })
    }
}

#[derive(Debug)]
pub struct IndexCache {
    pub(crate) mode: Mode,
    pub(crate) protocol: Protocol,
    pub(crate) spread: usize,
    pub(crate) partitions: Vec<Partition>,
    /// The seed's single partition `["" .. ∞)`: every non-empty key is in partition 0, and the
    /// read path skips the range search.
    pub(crate) whole_keyspace: bool,
    pub(crate) persistence: Persistence,
    pub(crate) witness: Witness,
    /// At most [`MAX_NODES`](crate::config::MAX_NODES) (`Config::validate`), so every index
    /// is a [`NodeId`](witness_model::system::NodeId).
    pub(crate) nodes: Vec<CacheNode>,
    pub(crate) replicator: Replicator,
    pub(crate) replica: Replica,
    pub(crate) recorder: Option<Recorder>,
}

impl IndexCache {
    /// A cache running the default protocol variant, without a recorder.
    pub fn new(config: Config) -> Result<IndexCache> {
        IndexCache::builder(config).build()
    }

    pub fn builder(config: Config) -> Builder {
        Builder {
            config,
            protocol: Protocol::default(),
            recorder: None,
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    pub fn nodes(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn is_strong(&self) -> bool {
        self.mode == Mode::Strong
    }
}
