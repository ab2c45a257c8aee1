//! Starting over from what a durable store kept. `witness serve --data` restarts with persistence
//! holding every committed key and with the witness and the cache nodes empty: the model's
//! witness-restart fault, happening for real, so every key reloads from persistence.

use crate::cache::IndexCache;
use crate::entry::{Entry, Location};
use crate::error::Result;
use crate::replication::Delivery;

impl IndexCache {
    /// Commits each `(key, location)` as a write made before this cache existed, then restarts
    /// the witness, which therefore knows none of them (a fresh witness would otherwise claim
    /// every key is unwritten). Call it before serving: a read that runs concurrently may see a
    /// key missing. Each restored key is also queued for the replica, so that it converges to
    /// persistence as after any write. Returns how many keys were restored.
    pub fn restore(&self, entries: impl IntoIterator<Item = (String, Location)>) -> Result<usize> {
        let mut restored = 0;
        for (key, location) in entries {
            let p = self.partition_of(&key)?;
            let Entry { seq, location } = self
                .persistence
                .write(p)
                .assign_and_commit(&key, Some(location));
            self.replicator.enqueue(Delivery { key, seq, location });
            restored += 1;
        }
        self.witness.restart();
        Ok(restored)
    }
}

#[cfg(all(test, not(loom), not(feature = "shuttle")))]
mod tests {
    use crate::config::{Config, Mode};
    use crate::{IndexCache, Location, NodeId};

    #[test]
    fn restored_keys_are_read_and_listed_through_every_node_and_the_witness_knows_none() {
        let cache = IndexCache::new(Config::new(3, Mode::Strong)).expect("valid");
        let entries = [("a", 7), ("b/c", 9)].map(|(k, l)| (k.to_string(), Location(l)));
        assert_eq!(cache.restore(entries), Ok(2));
        assert_eq!(cache.witness_known("a"), Ok(None), "forgotten, not fresh");
        for node in 0..3 {
            let read = cache.read_via(NodeId(node), "a").expect("valid");
            assert_eq!(read.location, Some(Location(7)));
            let listed = cache.list_via(NodeId(node), "b/").expect("valid");
            assert_eq!(listed.len(), 1, "node {node} lists b/c");
        }
        cache.put("a", Location(8)).expect("valid");
        assert_eq!(cache.read("a").map(|e| e.location), Ok(Some(Location(8))));
        assert!(cache.restore([(String::new(), Location(1))]).is_err());
    }
}
