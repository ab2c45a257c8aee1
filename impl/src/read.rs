//! The read path (GET), the seed's `IndexCache.read(key)`, step by step as in the model:
//!
//! ```text
//! node.lookup ─ [no entry: persistence.load ─ node.put (miss fill)]
//! ─ strong: witness.is_stale ─ [stale: persistence.load (+learn) ─ node.put (repair)] ─ answer
//! ```

use crate::cache::IndexCache;
use crate::config::Mutant;
use crate::entry::Entry;
use crate::error::Result;
use crate::node::CacheNode;
use crate::sync::{self, Arc, Point};
use crate::witness::Slot;
use witness_model::system::NodeId;

/// What `node.lookup` found and, in strong mode, what the witness said of it.
enum Hit {
    /// The node holds no entry for the key: a miss fill follows.
    Miss,
    /// An entry to answer with: eventual mode, or the witness calls it fresh.
    Fresh(Entry),
    /// The witness calls the entry stale: a reload and a repair follow. Carries the key's witness
    /// slot handle when the node kept one with the entry.
    Stale(Option<Arc<Slot>>),
}

impl IndexCache {
    /// The seed's `IndexCache.read(key)`, through one of the nodes the key is spread over.
    pub fn read(&self, key: &str) -> Result<Entry> {
        self.read_via(self.read_node(key)?, key)
    }

    pub fn read_via(&self, node: NodeId, key: &str) -> Result<Entry> {
        let (n, p) = (self.node_index(node)?, self.partition_of(key)?);
        Ok(self.read_at(n, p, key))
    }

    /// The read path through node `n` for a key of partition `p`.
    pub(crate) fn read_at(&self, n: usize, p: usize, key: &str) -> Entry {
        let node = &self.nodes[n];
        match self.lookup_hit(node, p, key) {
            Hit::Fresh(entry) => entry,
            Hit::Stale(slot) => {
                let slot = slot.unwrap_or_else(|| self.witness.slot(p, key));
                self.reload(node, p, key, slot)
            }
            Hit::Miss => self.fill_miss(node, p, key),
        }
    }

    /// Whether a strong read asks the witness about `entry` (the mutant skips cached misses).
    fn checks(&self, entry: &Entry) -> bool {
        entry.exists() || !self.protocol.is(Mutant::SkipWitnessOnMiss)
    }

    /// `witness.isStale(key, entry)` for a cached entry, through its slot handle when it has one.
    fn is_stale_cached(
        &self,
        p: usize,
        key: &str,
        entry: &Entry,
        slot: Option<&Arc<Slot>>,
    ) -> bool {
        self.checks(entry)
            && match slot {
                Some(slot) => self.witness.is_stale_at(slot, entry),
                None => self.witness.is_stale(p, key, entry),
            }
    }

    /// node.lookup(key) and, in strong mode, the witness check of a hit.
    ///
    /// Normally the check runs while the shard's read lock is still held: two atomic loads through
    /// the entry's slot handle, no clone of the handle. That fuses the model's two steps into one,
    /// a refinement of its interleavings (the check reads only the witness, so nothing the lock
    /// excludes could change its answer). A thread driven by `witness replay` takes them as two
    /// steps, as the model does, so that every model interleaving can be replayed.
    fn lookup_hit(&self, node: &CacheNode, p: usize, key: &str) -> Hit {
        let strong = self.is_strong();
        if sync::driven() {
            let Some((entry, slot)) = node.lookup(key, |entry, slot| (entry, slot.cloned())) else {
                return Hit::Miss;
            };
            if !strong {
                return Hit::Fresh(entry);
            }
            sync::pause(Point::GetCheck);
            return if self.is_stale_cached(p, key, &entry, slot.as_ref()) {
                Hit::Stale(slot)
            } else {
                Hit::Fresh(entry)
            };
        }
        node.lookup(key, |entry, slot| {
            if strong && self.is_stale_cached(p, key, &entry, slot) {
                // Only a stale hit needs the handle afterwards.
                Hit::Stale(slot.cloned())
            } else {
                Hit::Fresh(entry)
            }
        })
        .unwrap_or(Hit::Miss)
    }

    /// A miss: persistence.load, then node.put (the miss fill), then in strong mode the witness
    /// check of what was loaded, which a write committed since the load makes stale.
    fn fill_miss(&self, node: &CacheNode, p: usize, key: &str) -> Entry {
        let repair = self.protocol.variant.repair;
        sync::pause(Point::GetFillLoad);
        let loaded = self.persistence.load(p, key);
        sync::pause(Point::GetFillStore);
        if !self.is_strong() {
            node.put(key, loaded, None, repair);
            return loaded;
        }
        let slot = self.witness.slot(p, key);
        node.put(key, loaded, Some(Arc::clone(&slot)), repair);
        sync::pause(Point::GetCheck);
        if !self.checks(&loaded) || !self.witness.is_stale_at(&slot, &loaded) {
            return loaded;
        }
        self.reload(node, p, key, slot)
    }

    /// A stale entry: reload from the source of truth, teaching a forgotten witness in the same
    /// step, then repair the node.
    fn reload(&self, node: &CacheNode, p: usize, key: &str, slot: Arc<Slot>) -> Entry {
        sync::pause(Point::GetReload);
        let reloaded = {
            let store = sync::read(self.persistence.store(p));
            let entry = store.load(key);
            self.witness.learn(&slot, entry.seq);
            entry
        };
        sync::pause(Point::GetRepair);
        node.put(key, reloaded, Some(slot), self.protocol.variant.repair);
        reloaded
    }
}
