//! A cache node: `key → entry` (including cached misses, which carry the version they were
//! observed at) and, per partition, a cached listing.
//!
//! The entries are split into shards by key hash, each shard a hash table under its own `RwLock`
//! on its own cache line. A read hit takes one shard's read lock: two readers of different keys
//! usually take different locks, so they do not bounce one lock word between cores (the reason
//! read throughput did not scale from 1 to 2 threads with one lock per node). The key is hashed
//! once (keyed `ahash`, far cheaper than SipHash on short keys, and still seeded per node against
//! hash flooding); the same hash picks the shard and probes the table.
//!
//! A poisoned lock (a thread panicked while updating) is treated as an eviction of everything it
//! guards: the shard, or the listings, is cleared before it serves again, so a half-finished
//! update can never be served. Every lock a panicking update held is poisoned, so everything it
//! may have half-written is cleared. In strong mode that is only belt and braces (the witness
//! would catch a stale entry); in eventual mode it keeps the node from serving what the panicking
//! thread left behind.
//!
//! Lock order: shards in index order, then the listings lock.

use crate::sync::{self, Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use crate::witness::Slot;
use crate::{Entry, Repair};
use hashbrown::HashTable;
use std::collections::BTreeMap;

/// A partition listing as a node caches it: every key with its entry, tombstones included.
pub type Listing = BTreeMap<String, Entry>;

/// Shards per node. Under loom and shuttle two are enough to have keys on different shards and
/// keep the explored schedules small (every lock is a scheduling point).
const SHARDS: usize = if cfg!(any(loom, feature = "shuttle")) {
    2
} else {
    16
};

#[derive(Clone, Debug)]
pub(crate) struct Cached {
    pub(crate) entry: Entry,
    /// The key's witness slot (strong mode), so a read hit checks the witness without a lookup.
    pub(crate) slot: Option<Arc<Slot>>,
}

type Table = HashTable<(Box<str>, Cached)>;

/// One shard, alone on its cache line(s) so that readers of different shards share nothing.
#[derive(Debug)]
#[repr(align(128))]
struct Shard(RwLock<Table>);

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

/// Reads a lock, clearing what it guards first if a panic poisoned it.
fn read_clearing<T>(lock: &RwLock<T>, clear: fn(&mut T)) -> RwLockReadGuard<'_, T> {
    match lock.read() {
        Ok(guard) => guard,
        Err(poisoned) => {
            drop(poisoned);
            // Taking the write lock also waits for readers that got in before the poison.
            drop(write_clearing(lock, clear));
            // Cleared now; even if another panic poisoned it again meanwhile, an empty-or-newer
            // state is safe to serve.
            sync::read(lock)
        }
    }
}

/// Writes a lock, clearing what it guards first if a panic poisoned it.
fn write_clearing<T>(lock: &RwLock<T>, clear: fn(&mut T)) -> RwLockWriteGuard<'_, T> {
    match lock.write() {
        Ok(guard) => guard,
        Err(mut poisoned) => {
            clear(poisoned.get_mut());
            sync::clear_poison(lock);
            poisoned.into_inner()
        }
    }
}

fn clear_table(table: &mut Table) {
    table.clear();
}

type Listings = Vec<Option<Listing>>;

fn clear_listings(listings: &mut Listings) {
    listings.as_mut_slice().iter_mut().for_each(|l| *l = None);
}

#[derive(Debug)]
pub(crate) struct CacheNode {
    hasher: ahash::RandomState,
    shards: Box<[Shard]>,
    listings: RwLock<Listings>,
}

impl CacheNode {
    pub(crate) fn new(partitions: usize) -> CacheNode {
        CacheNode {
            hasher: ahash::RandomState::new(),
            shards: (0..SHARDS)
                .map(|_| Shard(RwLock::new(Table::new())))
                .collect(),
            listings: RwLock::new(vec![None; partitions]),
        }
    }

    fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The table probes with the hash's low bits and tags with its top 7; the shard is picked
    /// with bits in between, so keys of one shard still spread over its table.
    fn shard(&self, hash: u64) -> &RwLock<Table> {
        // A 32-bit value: the cast cannot truncate on the 64-bit targets this runs on.
        &self.shards[(hash >> 32) as u32 as usize % SHARDS].0
    }

    /// `node.lookup(key)`: runs `f` on the cached entry while the shard's read lock is held.
    pub(crate) fn lookup<R>(&self, key: &str, f: impl FnOnce(&Cached) -> R) -> Option<R> {
        let hash = self.hash(key);
        let table = read_clearing(self.shard(hash), clear_table);
        table
            .find(hash, |(k, _)| **k == *key)
            .map(|(_, cached)| f(cached))
    }

    /// `node.put` on one shard's table; allocates the key only for a key the node does not hold.
    fn put_in(&self, table: &mut Table, hash: u64, key: &str, cached: Cached, repair: Repair) {
        match table.find_mut(hash, |(k, _)| **k == *key) {
            Some((_, held)) => {
                if accepts(repair, Some(&held.entry), &cached.entry) {
                    *held = cached;
                }
            }
            None => {
                table.insert_unique(hash, (key.into(), cached), |(k, _)| self.hash(k));
            }
        }
    }

    /// `node.put(key, entry)` (miss fill and repair).
    pub(crate) fn put(&self, key: &str, entry: Entry, slot: Option<Arc<Slot>>, repair: Repair) {
        let hash = self.hash(key);
        let mut table = write_clearing(self.shard(hash), clear_table);
        self.put_in(&mut table, hash, key, Cached { entry, slot }, repair);
    }

    /// A write's cache update: the entry, and the key in the partition listing if one is cached.
    /// Both locks are held together, so no reader sees one updated without the other.
    pub(crate) fn write_update(
        &self,
        partition: usize,
        key: &str,
        entry: Entry,
        slot: Option<Arc<Slot>>,
        repair: Repair,
    ) {
        let hash = self.hash(key);
        let mut table = write_clearing(self.shard(hash), clear_table);
        let mut listings = write_clearing(&self.listings, clear_listings);
        self.put_in(&mut table, hash, key, Cached { entry, slot }, repair);
        if let Some(listing) = listings[partition].as_mut() {
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
        read_clearing(&self.listings, clear_listings)[partition].clone()
    }

    /// Stores a listing loaded from persistence. Unconditional repair replaces the cached listing;
    /// only-if-newer merges key by key, keeping whichever version is newer.
    pub(crate) fn store_listing(&self, partition: usize, loaded: &Listing, repair: Repair) {
        let mut listings = write_clearing(&self.listings, clear_listings);
        let held = &mut listings[partition];
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
        let hash = self.hash(key);
        let mut table = write_clearing(self.shard(hash), clear_table);
        if let Ok(found) = table.find_entry(hash, |(k, _)| **k == *key) {
            found.remove();
        }
    }

    pub(crate) fn evict_listing(&self) {
        clear_listings(&mut write_clearing(&self.listings, clear_listings));
    }

    /// Loses everything at once: every lock is held before anything is cleared, so no reader sees
    /// a half-restarted node.
    pub(crate) fn restart(&self) {
        let mut tables: Vec<_> = self
            .shards
            .iter()
            .map(|s| write_clearing(&s.0, clear_table))
            .collect();
        let mut listings = write_clearing(&self.listings, clear_listings);
        tables.iter_mut().for_each(|t| t.clear());
        clear_listings(&mut listings);
    }

    /// Whether the lock of `key`'s shard, and the listings lock, are poisoned.
    #[cfg(all(test, not(loom), not(feature = "shuttle")))]
    pub(crate) fn poisoned(&self, key: &str) -> (bool, bool) {
        let shard = self.shard(self.hash(key)).is_poisoned();
        (shard, self.listings.is_poisoned())
    }

    /// Panics while holding the write locks a write's cache update holds, poisoning them (tests
    /// of the poison handling).
    #[cfg(all(test, not(loom), not(feature = "shuttle")))]
    pub(crate) fn poison_for_test(&self, key: &str) {
        let hash = self.hash(key);
        let mut table = write_clearing(self.shard(hash), clear_table);
        let _listings = write_clearing(&self.listings, clear_listings);
        let bogus = Cached {
            entry: Entry::NEVER_WRITTEN,
            slot: None,
        };
        self.put_in(&mut table, hash, key, bogus, Repair::Unconditional);
        panic!("injected panic while updating a cache node");
    }
}
