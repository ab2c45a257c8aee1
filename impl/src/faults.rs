//! The faults the protocol must survive, as the model has them: a node drops an entry or its
//! listings, a node restarts empty, the witness restarts with empty memory. (A thread that
//! panics inside a node is one more; `node.rs` clears what it may have half-written.)

use crate::cache::IndexCache;
use crate::error::Result;
use witness_model::system::NodeId;

impl IndexCache {
    /// The node drops its entry for `key`.
    pub fn evict(&self, node: NodeId, key: &str) -> Result<()> {
        let n = self.node_index(node)?;
        self.partition_of(key)?;
        self.nodes[n].evict(key);
        Ok(())
    }

    /// The node drops its cached listings.
    pub fn evict_listing(&self, node: NodeId) -> Result<()> {
        let n = self.node_index(node)?;
        self.nodes[n].evict_listing();
        Ok(())
    }

    /// The node restarts and loses everything it held.
    pub fn restart_node(&self, node: NodeId) -> Result<()> {
        let n = self.node_index(node)?;
        self.nodes[n].restart();
        Ok(())
    }

    /// The witness is replaced with empty memory.
    pub fn restart_witness(&self) {
        self.witness.restart();
    }
}

#[cfg(all(test, not(loom), not(feature = "shuttle")))]
mod tests {
    use crate::cache::IndexCache;
    use crate::config::{Config, Mode};
    use crate::entry::Location;
    use std::sync::Arc;
    use witness_model::system::NodeId;

    /// A thread panics halfway through updating node 1 (after inserting a bogus entry). The node
    /// must not serve what it left behind: it is cleared and refilled from persistence.
    #[test]
    fn a_poisoned_node_is_cleared_before_it_serves_again() {
        for mode in [Mode::Eventual, Mode::Strong] {
            let cache = Arc::new(IndexCache::new(Config::new(2, mode)).expect("valid"));
            cache.put_via(NodeId(0), "k", Location(1)).expect("valid");
            cache.read_via(NodeId(1), "k").expect("valid");
            cache.put_via(NodeId(0), "k", Location(2)).expect("valid");
            let poisoner = Arc::clone(&cache);
            let outcome = std::thread::spawn(move || poisoner.nodes[1].poison_for_test("k")).join();
            assert!(outcome.is_err(), "the injected panic happened");
            assert_eq!(cache.nodes[1].poisoned("k"), (true, true));
            let entry = cache.read_via(NodeId(1), "k").expect("valid");
            assert_eq!(
                (entry.seq, entry.location),
                (2, Some(Location(2))),
                "{mode}: a poisoned node was cleared and refilled from persistence"
            );
            assert_eq!(cache.nodes[1].poisoned("k"), (false, true));
            // The listings are cleared on their next use, and refilled from persistence.
            let listed = cache.list_via(NodeId(1), "").expect("valid");
            assert_eq!(listed.get("k").map(|e| e.seq), Some(2));
            assert_eq!(cache.nodes[1].poisoned("k"), (false, false));
            // The node works normally afterwards.
            cache.put_via(NodeId(1), "k", Location(3)).expect("valid");
            assert_eq!(cache.read_via(NodeId(1), "k").map(|e| e.seq), Ok(3));
        }
    }
}
