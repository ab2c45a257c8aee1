//! LIST, step by step as in the model: per partition the prefix overlaps, the node's cached
//! listing or a scan of persistence stored at the node; in strong mode the partition barrier,
//! and a rescan (teaching the witness the whole partition) and a repair when it calls the
//! listing stale.

use crate::cache::IndexCache;
use crate::config::Mutant;
use crate::error::Result;
use crate::listings::Listing;
use crate::node::CacheNode;
use crate::sync::{self, Point};
use witness_model::system::NodeId;

impl IndexCache {
    /// LIST every key starting with `prefix` (tombstones included: check
    /// [`Entry::exists`](crate::Entry::exists)), through the node the prefix hashes to.
    pub fn list(&self, prefix: &str) -> Result<Listing> {
        self.list_via(self.list_node(prefix), prefix)
    }

    pub fn list_via(&self, node: NodeId, prefix: &str) -> Result<Listing> {
        let n = self.node_index(node)?;
        let partitions = self.partitions_for_prefix(prefix)?;
        Ok(self.list_at(n, &partitions, prefix))
    }

    /// LIST through node `n` over `partitions`, keeping the keys that start with `prefix`.
    pub(crate) fn list_at(&self, n: usize, partitions: &[usize], prefix: &str) -> Listing {
        let node = &self.nodes[n];
        let mut out = Listing::new();
        for &p in partitions {
            let listing = self.partition_listing(node, p);
            out.extend(listing.into_iter().filter(|(k, _)| k.starts_with(prefix)));
        }
        out
    }

    /// Partition `p`'s listing as the node answers it: cached or filled, and in strong mode
    /// checked against the partition barrier and reloaded when stale.
    fn partition_listing(&self, node: &CacheNode, p: usize) -> Listing {
        let repair = self.protocol.variant.repair;
        let barrier = self.is_strong() && !self.protocol.is(Mutant::ListIgnoresWitness);
        let listing = match node.listing(p) {
            Some(listing) => listing,
            None => {
                sync::pause(Point::ListFillLoad);
                let loaded = self.persistence.scan(p);
                sync::pause(Point::ListFillStore);
                node.store_listing(p, &loaded, repair);
                loaded
            }
        };
        if !(barrier && self.listing_is_stale(p, &listing)) {
            return listing;
        }
        sync::pause(Point::ListReload);
        let loaded = {
            let store = sync::read(self.persistence.store(p));
            let loaded = store.scan();
            self.witness.learn_partition(p, &loaded);
            loaded
        };
        sync::pause(Point::ListRepair);
        node.store_listing(p, &loaded, repair);
        loaded
    }

    /// The partition barrier, a step of its own.
    fn listing_is_stale(&self, p: usize, listing: &Listing) -> bool {
        sync::pause(Point::ListCheck);
        self.witness.is_listing_stale(p, listing)
    }
}
