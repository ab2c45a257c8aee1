//! The witness: per key, the sequence number of the latest write, so that a strong read can ask
//! `is_stale(key, entry)` without touching persistence.
//!
//! Each key has one [`Slot`], an atomic word packing `(epoch, seq)`. A cache node keeps an `Arc`
//! of the key's slot next to its entry, so the read-hit barrier is two atomic loads (the witness
//! epoch and the slot) with no lock and no hashing: that is how a strong read hit stays within a
//! few percent of an eventual one. Slots are never removed, so a handle never goes stale.
//!
//! A restart ("replaced with empty memory") bumps the epoch: every slot written in an older epoch
//! is *forgotten* and answers stale (the safe floor) until a reload from persistence teaches it
//! again (`learn`, atomic with the load because the caller holds the partition's persistence lock).
//! A notify never revives a forgotten slot: the witness cannot know whether a newer write notified
//! it before the restart, exactly as in the model.
//!
//! The mutant `witness-forgets-on-restart` instead reads a forgotten slot as "known at 0", which
//! answers fresh for every entry.

use crate::entry::{Entry, Seq};
use crate::padded::Padded;
use crate::sync::{self, Arc, AtomicU64, Ordering, RwLock};
use std::collections::BTreeMap;

const SEQ_BITS: u32 = 40;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;
/// The largest sequence number a slot can hold (2^40 - 1 writes of one key).
pub const MAX_SEQ: Seq = SEQ_MASK;
/// Epoch 0 marks a slot created while the witness had forgotten everything.
const UNKNOWN_EPOCH: u64 = 0;
const FIRST_EPOCH: u64 = 1;
const MAX_EPOCH: u64 = (1 << (64 - SEQ_BITS)) - 1;

fn pack(epoch: u64, seq: Seq) -> u64 {
    assert!(seq <= MAX_SEQ, "sequence {seq} does not fit a witness slot");
    (epoch << SEQ_BITS) | seq
}

fn unpack(word: u64) -> (u64, Seq) {
    (word >> SEQ_BITS, word & SEQ_MASK)
}

/// The witness's record of one key.
#[derive(Debug)]
pub struct Slot(AtomicU64);

/// The witness's table for one partition.
#[derive(Debug)]
struct Table {
    /// key → slot, ordered so the partition barrier can walk the partition.
    slots: RwLock<BTreeMap<String, Arc<Slot>>>,
    /// The epoch in which the witness last knew the whole partition: at start, and after a LIST
    /// reload taught it every key. In that epoch a key without a slot is known never written;
    /// in any other epoch it is forgotten like every other key.
    learned_epoch: AtomicU64,
}

/// `epoch` is read by every strong read hit and written only by a restart; each table's lock is
/// taken by writes and misses. Each sits on lines of its own, so no write moves the epoch's line.
#[derive(Debug)]
pub struct Witness {
    epoch: Padded<AtomicU64>,
    partitions: Vec<Padded<Table>>,
    forgets_on_restart: bool,
}

impl Witness {
    pub(crate) fn new(partitions: usize, forgets_on_restart: bool) -> Witness {
        Witness {
            epoch: Padded(AtomicU64::new(FIRST_EPOCH)),
            partitions: (0..partitions)
                .map(|_| {
                    Padded(Table {
                        slots: RwLock::new(BTreeMap::new()),
                        learned_epoch: AtomicU64::new(FIRST_EPOCH),
                    })
                })
                .collect(),
            forgets_on_restart,
        }
    }

    /// What the witness knows about a slot's key: `None` when forgotten.
    fn known_word(&self, word: u64) -> Option<Seq> {
        let current = self.epoch.load(Ordering::SeqCst);
        let (epoch, seq) = unpack(word);
        if epoch == current {
            Some(seq)
        } else if self.forgets_on_restart {
            // Mutant: a forgotten key reads as never written, so every entry looks fresh.
            Some(0)
        } else {
            None
        }
    }

    pub(crate) fn known_at(&self, slot: &Slot) -> Option<Seq> {
        self.known_word(slot.0.load(Ordering::SeqCst))
    }

    /// The key's slot, created on first use: "known, never written" while the witness knows the
    /// whole partition (see [`Table::learned_epoch`]), forgotten otherwise.
    pub(crate) fn slot(&self, partition: usize, key: &str) -> Arc<Slot> {
        let table = &self.partitions[partition];
        if let Some(slot) = sync::read(&table.slots).get(key) {
            return Arc::clone(slot);
        }
        let mut slots = sync::write(&table.slots);
        let slot = slots
            .entry(key.to_string())
            .or_insert_with(|| Arc::new(Slot(AtomicU64::new(self.initial_word(table)))));
        Arc::clone(slot)
    }

    /// A new slot's word. Called under the table's write lock, which `learn_partition` also
    /// holds while it teaches the whole partition, so the two never interleave.
    fn initial_word(&self, table: &Table) -> u64 {
        let current = self.epoch.load(Ordering::SeqCst);
        if table.learned_epoch.load(Ordering::SeqCst) == current {
            pack(current, 0)
        } else {
            pack(UNKNOWN_EPOCH, 0)
        }
    }

    /// `witness.isStale(key, entry)` through the key's slot: stale when the witness knows a newer
    /// write, or has forgotten the key.
    pub(crate) fn is_stale_at(&self, slot: &Slot, entry: &Entry) -> bool {
        match self.known_at(slot) {
            Some(known) => entry.seq < known,
            None => true,
        }
    }

    /// `witness.isStale(key, entry)` by key, for callers without a cached slot handle.
    pub fn is_stale(&self, partition: usize, key: &str, entry: &Entry) -> bool {
        let slot = self.slot(partition, key);
        self.is_stale_at(&slot, entry)
    }

    /// What the witness knows about `key` (`None` = forgotten), for the witness-safety check.
    pub fn known(&self, partition: usize, key: &str) -> Option<Seq> {
        let slot = self.slot(partition, key);
        self.known_at(&slot)
    }

    /// A write of `seq` tells the witness. Raises a known key (max); a forgotten key stays
    /// forgotten (see the module docs).
    pub(crate) fn notify(&self, slot: &Slot, seq: Seq) {
        let mut word = slot.0.load(Ordering::SeqCst);
        loop {
            let current = self.epoch.load(Ordering::SeqCst);
            let next = match self.known_word(word) {
                Some(known) if known >= seq && unpack(word).0 == current => return,
                Some(known) => pack(current, known.max(seq)),
                None => return,
            };
            match slot
                .0
                .compare_exchange(word, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return,
                Err(actual) => word = actual,
            }
        }
    }

    /// A reload from persistence teaches a forgotten key the version it loaded. The caller holds
    /// the partition's persistence lock, so no commit can slip between the load and this.
    pub(crate) fn learn(&self, slot: &Slot, loaded: Seq) {
        let mut word = slot.0.load(Ordering::SeqCst);
        loop {
            if self.known_word(word).is_some() {
                return;
            }
            let next = pack(self.epoch.load(Ordering::SeqCst), loaded);
            match slot
                .0
                .compare_exchange(word, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return,
                Err(actual) => word = actual,
            }
        }
    }

    /// The partition barrier for LIST: the listing is stale if the witness knows any key of the
    /// partition newer than the listing has it (a missing key counts as version 0), or has
    /// forgotten any key — including keys it has no slot for, when it no longer knows the whole
    /// partition.
    pub(crate) fn is_listing_stale(
        &self,
        partition: usize,
        listing: &BTreeMap<String, Entry>,
    ) -> bool {
        let table = &self.partitions[partition];
        let current = self.epoch.load(Ordering::SeqCst);
        if !self.forgets_on_restart && table.learned_epoch.load(Ordering::SeqCst) != current {
            return true;
        }
        let slots = sync::read(&table.slots);
        slots.iter().any(|(key, slot)| match self.known_at(slot) {
            None => true,
            Some(known) => listing.get(key).map_or(0, |e| e.seq) < known,
        })
    }

    /// A LIST reload: teaches every key of the partition what persistence holds, and that keys
    /// without a slot are never written. `loaded` is the scan the caller made under the
    /// persistence lock it still holds, so no commit slips in between.
    pub(crate) fn learn_partition(&self, partition: usize, loaded: &BTreeMap<String, Entry>) {
        let table = &self.partitions[partition];
        let mut slots = sync::write(&table.slots);
        let epoch = self.epoch.load(Ordering::SeqCst);
        for (key, entry) in loaded {
            let slot = slots
                .entry(key.clone())
                .or_insert_with(|| Arc::new(Slot(AtomicU64::new(pack(UNKNOWN_EPOCH, 0)))));
            self.learn(slot, entry.seq);
        }
        for (key, slot) in slots.iter() {
            if !loaded.contains_key(key) {
                self.learn(slot, 0);
            }
        }
        // If the witness restarted meanwhile, `epoch` is already old and the partition stays
        // forgotten: the safe direction.
        table.learned_epoch.store(epoch, Ordering::SeqCst);
    }

    /// The witness is replaced with empty memory: every key is forgotten at once.
    pub fn restart(&self) {
        let previous = self.epoch.fetch_add(1, Ordering::SeqCst);
        assert!(
            previous < MAX_EPOCH,
            "witness restarted more than 2^24 times"
        );
    }
}
