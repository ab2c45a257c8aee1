//! A cache node's cached listings, LIST's side of a node: per partition, every key with its entry
//! (tombstones included), and whether the node may hold any, which every write asks.

use crate::entry::{accepts, Entry};
use crate::poison::{read_clearing, write_clearing};
use crate::sync::{AtomicBool, Ordering, RwLock, RwLockWriteGuard};
use std::collections::BTreeMap;
use witness_model::system::Repair;

/// A partition listing as a node caches it: every key with its entry, tombstones included.
pub type Listing = BTreeMap<String, Entry>;

type Listings = Vec<Option<Listing>>;

fn clear_listings(listings: &mut Listings) {
    listings.as_mut_slice().iter_mut().for_each(|l| *l = None);
}

/// The node's cached listings, and whether it may hold any: a write takes the listings lock
/// only when it may (the lock word is otherwise one more line every write moves between cores).
#[derive(Debug)]
pub(crate) struct CachedListings {
    per_partition: RwLock<Listings>,
    /// Set before a listing is stored, cleared only under the lock once every listing is gone.
    any: AtomicBool,
}

/// Every cached listing of a node, write-locked.
pub(crate) struct ListingsGuard<'a> {
    listings: RwLockWriteGuard<'a, Listings>,
    any: &'a AtomicBool,
}

impl CachedListings {
    pub(crate) fn new(partitions: usize) -> CachedListings {
        CachedListings {
            per_partition: RwLock::new(vec![None; partitions]),
            any: AtomicBool::new(false),
        }
    }

    /// Whether the node may hold a listing; false means it holds none.
    pub(crate) fn may_hold_any(&self) -> bool {
        self.any.load(Ordering::SeqCst)
    }

    pub(crate) fn get(&self, partition: usize) -> Option<Listing> {
        read_clearing(&self.per_partition, clear_listings)[partition].clone()
    }

    /// Stores a listing loaded from persistence. Unconditional repair replaces the cached listing;
    /// only-if-newer merges key by key, keeping whichever version is newer.
    pub(crate) fn store(&self, partition: usize, loaded: &Listing, repair: Repair) {
        let mut listings = write_clearing(&self.per_partition, clear_listings);
        self.any.store(true, Ordering::SeqCst);
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

    /// Write-locks every listing, clearing them first if a panic poisoned the lock.
    pub(crate) fn lock(&self) -> ListingsGuard<'_> {
        ListingsGuard {
            listings: write_clearing(&self.per_partition, clear_listings),
            any: &self.any,
        }
    }

    #[cfg(all(test, not(loom), not(feature = "shuttle")))]
    pub(crate) fn is_poisoned(&self) -> bool {
        self.per_partition.is_poisoned()
    }
}

impl ListingsGuard<'_> {
    /// A write's change to its partition's listing, if the node caches one.
    pub(crate) fn write(&mut self, partition: usize, key: &str, entry: Entry, repair: Repair) {
        if let Some(listing) = self.listings[partition].as_mut() {
            match listing.get_mut(key) {
                Some(held) if accepts(repair, Some(held), &entry) => *held = entry,
                Some(_) => {}
                None => {
                    listing.insert(key.to_string(), entry);
                }
            }
        }
    }

    /// Drops every listing.
    pub(crate) fn clear(&mut self) {
        clear_listings(&mut self.listings);
        self.any.store(false, Ordering::SeqCst);
    }
}
