//! A cache node: `key → entry` (including cached misses, which carry the version they were
//! observed at) and, per partition, a cached listing.
//!
//! The entries are split into shards by key hash. Each shard keeps one copy of its hash table per
//! *reader lane*, each copy under its own `RwLock` on its own cache line; a thread reads through
//! the lane [`sync::thread_lane`] gives it. Why: taking a read lock writes the lock word, and when
//! two cores read keys of the same shard that word moves between their caches on about every
//! second read, however many shards there are (measured: a shared `RwLock<HashMap>` read by 2
//! threads ran at 0.5-1.0x the speed of 1 thread). With a lane per thread a read hit writes only
//! lines its own core keeps.
//!
//! The copies hold the same keys, and every key's entry is one [`EntryCell`] they all point to
//! (a seqlock, `cell.rs`). Changing the entry of a key the node holds — most writes, repairs and
//! fills — locks that cell under the writer's own lane's *read* lock: no other lane's lock or
//! table line moves. Changing which keys the node holds (a first fill, an eviction, a restart), or
//! a write while the node caches a listing, takes every lane's write lock in lane order and
//! changes every copy, so the copies stay equal and the change is atomic for every reader. The key
//! is hashed once (keyed `ahash`, far cheaper than SipHash on short keys, and still seeded per
//! node against hash flooding); the same hash picks the shard and probes the table.
//!
//! A poisoned lock (a thread panicked while updating) clears the shard, or the listings, before
//! they serve again (`poison.rs`). Every lock a panicking update held is poisoned, so everything it
//! may have half-written is cleared. A cell is never left half-written: nothing inside its critical
//! section can panic. The listings are in `listings.rs`.
//!
//! Lock order: shards in index order, within a shard lanes in index order, then the listings lock,
//! then a cell (a lane read lock, then a cell, on the in-place path).

use crate::cell::{Change, EntryCell};
use crate::entry::Entry;
use crate::listings::{CachedListings, Listing};
use crate::padded::Padded;
use crate::poison::write_clearing;
use crate::sync::{self, Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use crate::witness::Slot;
use hashbrown::HashTable;
use witness_model::system::Repair;

/// Shards per node. Under loom and shuttle two are enough to have keys on different shards and
/// keep the explored schedules small (every lock is a scheduling point).
const SHARDS: usize = if cfg!(any(loom, feature = "shuttle")) {
    2
} else {
    16
};

/// What a fill, repair or write stores at a node.
#[derive(Clone, Debug)]
struct Cached {
    entry: Entry,
    /// The key's witness slot (strong mode), so a read hit checks the witness without a lookup.
    slot: Option<Arc<Slot>>,
}

/// A key as one lane's copy of a shard holds it: its cell (key and entry) and its witness slot.
/// The slot handle sits here, not in the cell, so that a read hit's two loads that another core's
/// write may have moved (the cell and the witness slot) both start from this line, which only
/// changes with the key set, and can overlap.
#[derive(Debug)]
struct Held {
    cell: Arc<EntryCell>,
    slot: Option<Arc<Slot>>,
}

impl Held {
    fn is(&self, key: &str) -> bool {
        self.cell.key() == key.as_bytes()
    }
}

type Table = HashTable<Held>;

/// One lane's copy of a shard, alone on its cache lines so that readers of different lanes share
/// nothing.
type Lane = Padded<RwLock<Table>>;

/// Every lane of one shard, write-locked: a change made through it reaches every copy at once.
struct ShardGuard<'a>(Vec<RwLockWriteGuard<'a, Table>>);

/// The node: `hasher`, `lanes` and `tables` are read by every read hit, the listings are written
/// by every write, so they live on separate lines and the node starts a line of its own.
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct CacheNode {
    hasher: ahash::RandomState,
    /// A power of two (`sync::lanes`).
    lanes: usize,
    /// Shard `s`'s copy for lane `l` is `tables[s * lanes + l]`.
    tables: Box<[Lane]>,
    listings: Padded<CachedListings>,
}

/// Seeded per node in production, against hash flooding by chosen keys. Under loom and shuttle
/// the seeds are fixed: `RandomState::new` seeds every call differently, so each execution's
/// fresh cache could put a key in another shard, and take other locks, than the execution before
/// it; loom and a replayed shuttle schedule both need every execution to take the same locks.
fn node_hasher() -> ahash::RandomState {
    if cfg!(any(loom, feature = "shuttle")) {
        fixed_hasher()
    } else {
        ahash::RandomState::new()
    }
}

fn fixed_hasher() -> ahash::RandomState {
    ahash::RandomState::with_seeds(1, 2, 3, 4)
}

impl CacheNode {
    pub(crate) fn new(partitions: usize) -> CacheNode {
        let lanes = sync::lanes();
        CacheNode {
            hasher: node_hasher(),
            lanes,
            tables: (0..SHARDS * lanes)
                .map(|_| Padded(RwLock::new(Table::new())))
                .collect(),
            listings: Padded(CachedListings::new(partitions)),
        }
    }

    /// Hashes the key's bytes (a cell keeps bytes, so the table can rehash from the cell).
    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The table probes with the hash's low bits and tags with its top 7; the shard is picked
    /// with bits in between, so keys of one shard still spread over its table.
    fn shard(hash: u64) -> usize {
        // A 32-bit value: the cast cannot truncate on the 64-bit targets this runs on.
        (hash >> 32) as u32 as usize % SHARDS
    }

    fn lanes_of(&self, shard: usize) -> &[Lane] {
        &self.tables[shard * self.lanes..(shard + 1) * self.lanes]
    }

    /// Write-locks every lane of the shard `hash` falls in, clearing poisoned ones.
    fn write_shard(&self, hash: u64) -> ShardGuard<'_> {
        ShardGuard(
            self.lanes_of(Self::shard(hash))
                .iter()
                .map(|lane| write_clearing(lane, Table::clear))
                .collect(),
        )
    }

    /// The calling thread's copy of the shard `hash` falls in, read-locked. A poisoned lane means
    /// a change panicked while it held every lane of the shard: all of them are cleared first.
    #[inline]
    fn read_lane(&self, hash: u64) -> RwLockReadGuard<'_, Table> {
        let index = Self::shard(hash) * self.lanes + (sync::thread_lane() & (self.lanes - 1));
        let lane = &self.tables[index];
        match lane.read() {
            Ok(guard) => guard,
            Err(poisoned) => {
                drop(poisoned);
                self.clear_shard_of(hash, lane)
            }
        }
    }

    /// The poisoned path of [`Self::read_lane`], kept out of line so that the read hit stays
    /// inlined (measured: 24 instructions a hit).
    #[cold]
    #[inline(never)]
    fn clear_shard_of<'a>(&'a self, hash: u64, lane: &'a Lane) -> RwLockReadGuard<'a, Table> {
        drop(self.write_shard(hash));
        // Cleared now; even if another panic poisoned it again meanwhile, an empty-or-newer
        // state is safe to serve.
        sync::read(lane)
    }

    /// `node.lookup(key)`: runs `f` on the cached entry and its slot handle while the lane's
    /// read lock is held.
    #[inline]
    pub(crate) fn lookup<R>(
        &self,
        key: &str,
        f: impl FnOnce(Entry, Option<&Arc<Slot>>) -> R,
    ) -> Option<R> {
        let hash = self.hash(key.as_bytes());
        let table = self.read_lane(hash);
        table
            .find(hash, |held| held.is(key))
            .map(|held| f(held.cell.load(), held.slot.as_ref()))
    }

    /// The witness slot handle the node keeps with `key`'s entry, if it holds one. Does not
    /// load the entry: the writer asking is about to change it, and reading the line first
    /// would move it twice.
    pub(crate) fn slot_of(&self, key: &str) -> Option<Arc<Slot>> {
        let hash = self.hash(key.as_bytes());
        let table = self.read_lane(hash);
        table
            .find(hash, |held| held.is(key))
            .and_then(|held| held.slot.clone())
    }

    /// Changes the entry of a key the node holds in place: its cell, under the calling thread's
    /// lane's read lock (which keeps the key in the table). False when the node does not hold
    /// the key, when the held entry still lacks the slot handle `slot` would give it, or when
    /// `decide` abandons: then the caller takes the path that write-locks the shard.
    fn update_in_place(
        &self,
        hash: u64,
        key: &str,
        new: &Entry,
        slot: Option<&Arc<Slot>>,
        decide: impl FnOnce(&Entry) -> Change,
    ) -> bool {
        let table = self.read_lane(hash);
        match table.find(hash, |held| held.is(key)) {
            Some(held) if held.slot.is_some() || slot.is_none() => {
                held.cell.update(new, decide) != Change::Abandon
            }
            _ => false,
        }
    }

    /// `node.put` on every copy of one shard, whose locks the caller holds: the shared cell of a
    /// held key (adopting the slot handle if it had none), or a new cell for every copy. A held
    /// key keeps its slot handle: a key has one witness slot for good.
    fn put_in(
        &self,
        shard: &mut ShardGuard<'_>,
        hash: u64,
        key: &str,
        new: Cached,
        repair: Repair,
    ) {
        let Cached { entry, slot } = new;
        let held = shard
            .0
            .first()
            .and_then(|table| table.find(hash, |held| held.is(key)))
            .map(|held| (Arc::clone(&held.cell), held.slot.is_none()));
        match held {
            Some((cell, slotless)) => {
                let change = cell.update(&entry, |held| Change::by_repair(repair, held, &entry));
                if change == Change::Set && slotless && slot.is_some() {
                    for table in shard.0.iter_mut() {
                        if let Some(held) = table.find_mut(hash, |held| held.is(key)) {
                            held.slot.clone_from(&slot);
                        }
                    }
                }
            }
            None => {
                let cell = Arc::new(EntryCell::new(key, &entry));
                for table in shard.0.iter_mut() {
                    let held = Held {
                        cell: Arc::clone(&cell),
                        slot: slot.clone(),
                    };
                    table.insert_unique(hash, held, |held| self.hash(held.cell.key()));
                }
            }
        }
    }

    /// `node.put(key, entry)` (miss fill and repair): in place when the node holds the key.
    pub(crate) fn put(&self, key: &str, entry: Entry, slot: Option<Arc<Slot>>, repair: Repair) {
        let hash = self.hash(key.as_bytes());
        let decide = |held: &Entry| Change::by_repair(repair, held, &entry);
        if self.update_in_place(hash, key, &entry, slot.as_ref(), decide) {
            return;
        }
        let mut shard = self.write_shard(hash);
        self.put_in(&mut shard, hash, key, Cached { entry, slot }, repair);
    }

    /// A write's cache update: the entry, and the key in the partition listing if one is cached.
    /// Both locks are held together, so no reader sees one updated without the other. When the
    /// node holds no listing the listings lock is skipped: the update is then atomic at the
    /// moment `may_hold_any` says no (the entry's readers wait until it is done: for the cell, whose
    /// version is odd before it is asked, on the in-place path; for the shard's locks
    /// otherwise), and a listing stored concurrently becomes visible only after that moment, as
    /// if stored after this update, an order the model has too.
    pub(crate) fn write_update(
        &self,
        partition: usize,
        key: &str,
        entry: Entry,
        slot: Option<Arc<Slot>>,
        repair: Repair,
    ) {
        let hash = self.hash(key.as_bytes());
        let in_place = |held: &Entry| {
            if self.listings.may_hold_any() {
                Change::Abandon
            } else {
                Change::by_repair(repair, held, &entry)
            }
        };
        if self.update_in_place(hash, key, &entry, slot.as_ref(), in_place) {
            return;
        }
        let mut shard = self.write_shard(hash);
        if !self.listings.may_hold_any() {
            self.put_in(&mut shard, hash, key, Cached { entry, slot }, repair);
            return;
        }
        let mut listings = self.listings.lock();
        self.put_in(&mut shard, hash, key, Cached { entry, slot }, repair);
        listings.write(partition, key, entry, repair);
    }

    pub(crate) fn listing(&self, partition: usize) -> Option<Listing> {
        self.listings.get(partition)
    }

    /// Stores a listing loaded from persistence (`CachedListings::store`).
    pub(crate) fn store_listing(&self, partition: usize, loaded: &Listing, repair: Repair) {
        self.listings.store(partition, loaded, repair);
    }

    pub(crate) fn evict(&self, key: &str) {
        let hash = self.hash(key.as_bytes());
        for table in self.write_shard(hash).0.iter_mut() {
            if let Ok(found) = table.find_entry(hash, |held| held.is(key)) {
                found.remove();
            }
        }
    }

    pub(crate) fn evict_listing(&self) {
        self.listings.lock().clear();
    }

    /// Loses everything at once: every lock is held before anything is cleared, so no reader sees
    /// a half-restarted node.
    pub(crate) fn restart(&self) {
        let mut tables: Vec<_> = self
            .tables
            .iter()
            .map(|lane| write_clearing(lane, Table::clear))
            .collect();
        let mut listings = self.listings.lock();
        tables.iter_mut().for_each(|t| t.clear());
        listings.clear();
    }

    /// Whether any lane lock of `key`'s shard, and the listings lock, are poisoned.
    #[cfg(all(test, not(loom), not(feature = "shuttle")))]
    pub(crate) fn poisoned(&self, key: &str) -> (bool, bool) {
        let lanes = self.lanes_of(Self::shard(self.hash(key.as_bytes())));
        let shard = lanes.iter().any(|lane| lane.is_poisoned());
        (shard, self.listings.is_poisoned())
    }

    /// Panics while holding the write locks a write's cache update holds, poisoning them (tests
    /// of the poison handling).
    #[cfg(all(test, not(loom), not(feature = "shuttle")))]
    pub(crate) fn poison_for_test(&self, key: &str) {
        let hash = self.hash(key.as_bytes());
        let mut shard = self.write_shard(hash);
        let _listings = self.listings.lock();
        let bogus = Cached {
            entry: Entry::NEVER_WRITTEN,
            slot: None,
        };
        self.put_in(&mut shard, hash, key, bogus, Repair::Unconditional);
        panic!("injected panic while updating a cache node");
    }
}

#[cfg(all(test, not(loom), not(feature = "shuttle")))]
mod tests {
    use super::*;
    use crate::entry::{Location, Seq};

    fn at(seq: Seq) -> Entry {
        Entry {
            seq,
            location: Some(Location(seq)),
        }
    }

    fn cached(node: &CacheNode, key: &str) -> Option<Entry> {
        node.lookup(key, |entry, _| entry)
    }

    /// `node.put` and the listing store under both repairs: only-if-newer never replaces a newer
    /// entry with an older one (a slow fill after a write), unconditional replaces it (the seed).
    #[test]
    fn repair_if_newer_keeps_the_newer_entry_and_unconditional_replaces_it() {
        let node = CacheNode::new(1);
        node.put("k", at(2), None, Repair::IfNewer);
        node.put("k", at(1), None, Repair::IfNewer);
        assert_eq!(cached(&node, "k"), Some(at(2)));
        node.put("k", at(3), None, Repair::IfNewer);
        assert_eq!(cached(&node, "k"), Some(at(3)));
        node.put("k", at(1), None, Repair::Unconditional);
        assert_eq!(cached(&node, "k"), Some(at(1)));

        let listing = |seq| Listing::from([("k".to_string(), at(seq))]);
        node.store_listing(0, &listing(2), Repair::IfNewer);
        node.store_listing(0, &listing(1), Repair::IfNewer);
        assert_eq!(node.listing(0), Some(listing(2)));
        node.store_listing(0, &listing(1), Repair::Unconditional);
        assert_eq!(node.listing(0), Some(listing(1)));

        // A write's cache update while the node holds a listing changes both under one lock:
        // an older write arriving late changes neither under only-if-newer.
        node.write_update(0, "k", at(4), None, Repair::IfNewer);
        node.write_update(0, "k", at(3), None, Repair::IfNewer);
        assert_eq!(cached(&node, "k"), Some(at(4)));
        assert_eq!(node.listing(0), Some(listing(4)));
        node.write_update(0, "k", at(3), None, Repair::Unconditional);
        assert_eq!(cached(&node, "k"), Some(at(3)));
        assert_eq!(node.listing(0), Some(listing(3)));
    }

    /// A write asks the node for the key's witness slot before anything else; a node that holds
    /// the key answers from its own lane, so the write takes no witness-table lock.
    #[test]
    fn a_held_key_gives_its_slot_handle() {
        let witness = crate::witness::Witness::new(1, false);
        let slot = witness.slot(0, "k");
        let node = CacheNode::new(1);
        assert!(node.slot_of("k").is_none());
        node.put("k", at(1), Some(Arc::clone(&slot)), Repair::IfNewer);
        let given = node.slot_of("k").expect("the node holds k with its slot");
        assert!(Arc::ptr_eq(&given, &slot));
        // An entry stored without the handle adopts it from the next write that brings it.
        node.put("j", at(1), None, Repair::IfNewer);
        assert!(node.slot_of("j").is_none());
        let slot_j = witness.slot(0, "j");
        node.put("j", at(2), Some(Arc::clone(&slot_j)), Repair::IfNewer);
        let given = node.slot_of("j").expect("adopted");
        assert!(Arc::ptr_eq(&given, &slot_j));
        assert_eq!(cached(&node, "j"), Some(at(2)));
    }

    /// A change to the entry of a key the node holds goes through the key's cell under the
    /// writer's own lane's read lock: it waits for no reader of any lane (the write-locked path
    /// would wait for the reader below, which holds its lane's read lock until let go).
    #[test]
    fn a_change_to_a_held_key_waits_for_no_reader() {
        use std::sync::mpsc::channel;
        use std::time::Duration;
        let node = &CacheNode::new(1);
        node.put("k", at(1), None, Repair::IfNewer);
        let (reading, reader_holds_its_lane) = channel();
        let (let_go, reader_let_go) = channel::<()>();
        let (changed, change_done) = channel();
        std::thread::scope(|s| {
            s.spawn(move || {
                node.lookup("k", |_, _| {
                    reading.send(()).expect("test waits");
                    reader_let_go.recv().expect("test lets go");
                })
            });
            reader_holds_its_lane.recv().expect("reader started");
            s.spawn(move || {
                node.put("k", at(2), None, Repair::IfNewer);
                changed.send(()).expect("test waits");
            });
            let done = change_done.recv_timeout(Duration::from_secs(10));
            let_go.send(()).expect("reader waits");
            assert!(done.is_ok(), "the change waited for a reader");
        });
        assert_eq!(cached(node, "k"), Some(at(2)));
    }

    /// Keys spread over the shards, so that readers of different keys take different lock
    /// words (a hash or shard choice that put every key in one shard would still answer right).
    #[test]
    fn keys_spread_over_the_shards() {
        let node = CacheNode::new(1);
        let shards: std::collections::BTreeSet<usize> = (0..256)
            .map(|i| CacheNode::shard(node.hash(format!("key-{i}").as_bytes())))
            .collect();
        assert_eq!(
            shards.len(),
            SHARDS,
            "256 keys left shards empty: {shards:?}"
        );
    }

    /// The loom and shuttle harnesses use k0 and k1; with their two shards and fixed seeds those
    /// keys must fall in different shards, or no harness would see two shards at once. (`SHARDS`
    /// is a multiple of 2 here, so the shard's parity is the shard under loom.)
    #[test]
    fn the_harness_keys_fall_in_different_shards_of_two() {
        let hasher = fixed_hasher();
        let shard_of_two = |key: &str| CacheNode::shard(hasher.hash_one(key.as_bytes())) % 2;
        assert_ne!(shard_of_two("k0"), shard_of_two("k1"));
    }
}
