//! Which node and partition an operation goes to: the ring (`cacheRing.nodeFor` in the seed), the
//! hot-key spread, the key-range partitions, and the validation of a caller's node and key.

use crate::cache::IndexCache;
use crate::error::{Error, Result};
use witness_model::system::NodeId;

/// FNV-1a: a stable hash, so the ring places a key on the same nodes in every process.
fn ring_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Which of a key's spread nodes this thread reads from next: rotating per thread spreads a hot
/// key's reads without a shared counter. loom and shuttle need deterministic executions, and their
/// tests name nodes explicitly, so there the first node is always used.
fn rotation() -> usize {
    #[cfg(all(not(loom), not(feature = "shuttle")))]
    {
        use std::cell::Cell;
        thread_local!(static NEXT: Cell<usize> = const { Cell::new(0) });
        NEXT.with(|n| {
            let v = n.get();
            n.set(v.wrapping_add(1));
            v
        })
    }
    #[cfg(any(loom, feature = "shuttle"))]
    {
        0
    }
}

/// The id of the node at `index`, an index below the node count. `Config::validate` allows at
/// most `MAX_NODES` nodes, one for every `NodeId`, so such an index always fits; one that does
/// not is a bug in this crate, not a caller's mistake.
fn node_id(index: usize) -> NodeId {
    NodeId(u8::try_from(index).expect("a node index below the node count, at most MAX_NODES"))
}

impl IndexCache {
    /// The partition `key` falls in.
    pub(crate) fn partition_of(&self, key: &str) -> Result<usize> {
        if key.is_empty() {
            return Err(Error::EmptyKey);
        }
        if self.whole_keyspace {
            return Ok(0);
        }
        // Partitions are sorted by start: the candidate is the last one starting at or before key.
        let candidate = self
            .partitions
            .partition_point(|p| p.start.as_str() <= key)
            .checked_sub(1);
        match candidate {
            Some(p) if self.partitions[p].contains(key) => Ok(p),
            _ => Err(Error::OutsidePartitions {
                key: key.to_string(),
            }),
        }
    }

    /// The index of a node the caller named, if the cache has it.
    pub(crate) fn node_index(&self, node: NodeId) -> Result<usize> {
        if node.index() < self.nodes.len() {
            Ok(node.index())
        } else {
            Err(Error::UnknownNode {
                node,
                nodes: self.nodes.len(),
            })
        }
    }

    /// Every node of the cache, in ring order.
    pub fn node_ids(&self) -> impl ExactSizeIterator<Item = NodeId> {
        (0..self.nodes.len()).map(node_id)
    }

    /// The node `ring_hash(name)` points to.
    fn ring_node(&self, name: &str) -> NodeId {
        // The modulus is below the node count, a usize, so the cast back cannot truncate.
        node_id((ring_hash(name) % self.nodes.len() as u64) as usize)
    }

    /// The seed's `cacheRing.nodeFor(key)`: the key's home node, where writes go.
    pub fn node_for(&self, key: &str) -> Result<NodeId> {
        self.partition_of(key)?;
        Ok(self.ring_node(key))
    }

    /// The nodes a (hot) key is spread over: its home node and the next `spread - 1` on the ring.
    pub fn nodes_for(&self, key: &str) -> Result<Vec<NodeId>> {
        let home = self.node_for(key)?.index();
        Ok((0..self.spread)
            .map(|i| node_id((home + i) % self.nodes.len()))
            .collect())
    }

    /// The node a GET of `key` goes through: one of its spread nodes, in turn.
    pub(crate) fn read_node(&self, key: &str) -> Result<NodeId> {
        let home = self.node_for(key)?.index();
        Ok(node_id(
            (home + rotation() % self.spread) % self.nodes.len(),
        ))
    }

    /// The node a LIST of `prefix` goes through.
    pub(crate) fn list_node(&self, prefix: &str) -> NodeId {
        self.ring_node(prefix)
    }

    /// The partitions holding some key that starts with `prefix`.
    pub(crate) fn partitions_for_prefix(&self, prefix: &str) -> Result<Vec<usize>> {
        let hit: Vec<usize> = (0..self.partitions.len())
            .filter(|&p| self.partitions[p].overlaps_prefix(prefix))
            .collect();
        if hit.is_empty() {
            return Err(Error::OutsidePartitions {
                key: prefix.to_string(),
            });
        }
        Ok(hit)
    }
}
