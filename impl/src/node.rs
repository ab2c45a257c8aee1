//! A cache node: `key → entry` (including cached misses, which carry the version they were
//! observed at) and, per partition, a cached listing.
//!
//! One `RwLock` per node: reads of any keys on one node share it, reads on different nodes never
//! meet. A poisoned node (a thread panicked while updating it) is treated as restarted: it is
//! cleared before it serves anything again, so a half-finished update can never be served. In
//! strong mode that is only belt and braces (the witness would catch a stale entry); in eventual
//! mode it keeps the node from serving whatever the panicking thread left behind.

use crate::sync::{self, Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use crate::witness::Slot;
use crate::{Entry, Repair};
use std::collections::{BTreeMap, HashMap};

/// A partition listing as a node caches it: every key with its entry, tombstones included.
pub type Listing = BTreeMap<String, Entry>;

#[derive(Clone, Debug)]
pub(crate) struct Cached {
    pub(crate) entry: Entry,
    /// The key's witness slot (strong mode), so a read hit checks the witness without a lookup.
    pub(crate) slot: Option<Arc<Slot>>,
}

#[derive(Debug, Default)]
pub(crate) struct NodeState {
    entries: HashMap<String, Cached>,
    listings: Vec<Option<Listing>>,
}

impl NodeState {
    pub(crate) fn entry(&self, key: &str) -> Option<&Cached> {
        self.entries.get(key)
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.listings.iter_mut().for_each(|l| *l = None);
    }
}

/// `node.put(key, entry)`: the seed's unconditional overwrite, or only-if-newer.
fn accepts(repair: Repair, held: Option<&Entry>, new: &Entry) -> bool {
    match repair {
        Repair::Unconditional => true,
        Repair::IfNewer => match held {
            Some(held) => new.seq > held.seq,
            None => true,
        },
    }
}

/// `node.put` on the entry map; allocates the key only for a key the node does not hold yet.
fn put_entry(
    entries: &mut HashMap<String, Cached>,
    key: &str,
    entry: Entry,
    slot: Option<Arc<Slot>>,
    repair: Repair,
) {
    match entries.get_mut(key) {
        Some(held) => {
            if accepts(repair, Some(&held.entry), &entry) {
                *held = Cached { entry, slot };
            }
        }
        None => {
            entries.insert(key.to_string(), Cached { entry, slot });
        }
    }
}

#[derive(Debug)]
pub(crate) struct CacheNode {
    state: RwLock<NodeState>,
}

impl CacheNode {
    pub(crate) fn new(partitions: usize) -> CacheNode {
        CacheNode {
            state: RwLock::new(NodeState {
                entries: HashMap::new(),
                listings: vec![None; partitions],
            }),
        }
    }

    /// Clears a poisoned node and forgets the poison. Takes the write lock, so it also waits for
    /// readers that got in before the poison was noticed.
    fn recover(&self) {
        let mut state = sync::write(&self.state);
        state.clear();
        sync::clear_poison(&self.state);
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, NodeState> {
        match self.state.read() {
            Ok(guard) => guard,
            Err(poisoned) => {
                drop(poisoned);
                self.recover();
                // The state is empty now; even if another panic poisoned it again meanwhile, an
                // empty-or-newer node is safe to serve.
                sync::read(&self.state)
            }
        }
    }

    fn write(&self) -> RwLockWriteGuard<'_, NodeState> {
        match self.state.write() {
            Ok(guard) => guard,
            Err(mut poisoned) => {
                poisoned.get_mut().clear();
                sync::clear_poison(&self.state);
                poisoned.into_inner()
            }
        }
    }

    /// `node.put(key, entry)` (miss fill and repair).
    pub(crate) fn put(&self, key: &str, entry: Entry, slot: Option<Arc<Slot>>, repair: Repair) {
        let mut state = self.write();
        put_entry(&mut state.entries, key, entry, slot, repair);
    }

    /// A write's cache update: the entry, and the key in the partition listing if one is cached.
    pub(crate) fn write_update(
        &self,
        partition: usize,
        key: &str,
        entry: Entry,
        slot: Option<Arc<Slot>>,
        repair: Repair,
    ) {
        let mut state = self.write();
        put_entry(&mut state.entries, key, entry, slot, repair);
        if let Some(listing) = state.listings[partition].as_mut() {
            match listing.get_mut(key) {
                Some(held) if accepts(repair, Some(held), &entry) => *held = entry,
                Some(_) => {}
                None => {
                    listing.insert(key.to_string(), entry);
                }
            }
        }
    }

    pub(crate) fn listing(&self, partition: usize) -> Option<Listing> {
        self.read().listings[partition].clone()
    }

    /// Stores a listing loaded from persistence. Unconditional repair replaces the cached listing;
    /// only-if-newer merges key by key, keeping whichever version is newer.
    pub(crate) fn store_listing(&self, partition: usize, loaded: &Listing, repair: Repair) {
        let mut state = self.write();
        let held = &mut state.listings[partition];
        match (held.as_mut(), repair) {
            (Some(held), Repair::IfNewer) => {
                for (key, entry) in loaded {
                    if accepts(repair, held.get(key), entry) {
                        held.insert(key.clone(), *entry);
                    }
                }
            }
            _ => *held = Some(loaded.clone()),
        }
    }

    pub(crate) fn evict(&self, key: &str) {
        self.write().entries.remove(key);
    }

    pub(crate) fn evict_listing(&self) {
        self.write().listings.iter_mut().for_each(|l| *l = None);
    }

    pub(crate) fn restart(&self) {
        self.write().clear();
    }

    #[cfg(all(test, not(loom), not(feature = "shuttle")))]
    pub(crate) fn state_is_poisoned(&self) -> bool {
        self.state.is_poisoned()
    }

    /// Panics while holding the node's write lock, poisoning it (tests of the poison handling).
    #[cfg(all(test, not(loom), not(feature = "shuttle")))]
    pub(crate) fn poison_for_test(&self, key: &str) {
        let mut state = self.write();
        state.entries.insert(
            key.to_string(),
            Cached {
                entry: Entry::NEVER_WRITTEN,
                slot: None,
            },
        );
        panic!("injected panic while updating a cache node");
    }
}
