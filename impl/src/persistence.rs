//! The index + persistence tier: the source of truth, key → location with a per-key sequence.
//!
//! One ordered map per partition, each under its own lock, so LIST over a partition is a range scan
//! and writes to different partitions never contend. Sequence numbers are assigned per key
//! (`assign_seq` = last assigned + 1) and a commit is last-writer-wins by sequence, so a slow,
//! older write never replaces a newer one.

use crate::entry::{Entry, Location, Seq};
use crate::padded::Padded;
use crate::sync::{self, RwLock, RwLockWriteGuard};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, Default)]
struct Record {
    /// The last sequence number handed out for the key.
    assigned: Seq,
    /// The committed entry; `seq == 0` means nothing is committed yet.
    committed: Entry,
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    records: BTreeMap<String, Record>,
}

impl Store {
    /// Last-writer-wins by sequence. Returns the entry persistence holds afterwards.
    pub(crate) fn commit(&mut self, key: &str, entry: Entry) -> Entry {
        assert!(entry.seq > 0, "sequence 0 is the never-written state");
        let record = self.record(key);
        assert!(
            entry.seq <= record.assigned,
            "commit of an unassigned sequence"
        );
        if entry.seq > record.committed.seq {
            record.committed = entry;
        }
        record.committed
    }

    /// Hands out the key's next sequence number.
    pub(crate) fn assign(&mut self, key: &str) -> Seq {
        Self::next_seq(self.record(key))
    }

    fn next_seq(record: &mut Record) -> Seq {
        record.assigned = record
            .assigned
            .checked_add(1)
            .expect("a key's sequence cannot reach u64::MAX");
        record.assigned
    }

    /// Assigns the key's next sequence number and commits it at once (nothing can be newer).
    pub(crate) fn assign_and_commit(&mut self, key: &str, location: Option<Location>) -> Entry {
        let record = self.record(key);
        let seq = Self::next_seq(record);
        record.committed = Entry { seq, location };
        record.committed
    }

    /// Whether a write of `key` holds a sequence number but has not committed yet.
    pub(crate) fn in_flight(&self, key: &str) -> bool {
        self.records
            .get(key)
            .is_some_and(|r| r.assigned > r.committed.seq)
    }

    /// The key's record, allocating the key only on its first write.
    fn record(&mut self, key: &str) -> &mut Record {
        if !self.records.contains_key(key) {
            self.records.insert(key.to_string(), Record::default());
        }
        self.records.get_mut(key).expect("inserted above")
    }

    pub(crate) fn load(&self, key: &str) -> Entry {
        self.records
            .get(key)
            .map_or(Entry::NEVER_WRITTEN, |r| r.committed)
    }

    /// Every committed key of the partition (tombstones included), in key order.
    pub(crate) fn scan(&self) -> BTreeMap<String, Entry> {
        self.records
            .iter()
            .filter(|(_, r)| r.committed.seq > 0)
            .map(|(k, r)| (k.clone(), r.committed))
            .collect()
    }
}

/// Each partition's lock on lines of its own: every write takes it, and it must not share a line
/// with what read hits touch (allocated next to it at build time).
#[derive(Debug)]
pub struct Persistence {
    partitions: Vec<Padded<RwLock<Store>>>,
}

impl Persistence {
    pub(crate) fn new(partitions: usize) -> Persistence {
        Persistence {
            partitions: (0..partitions)
                .map(|_| Padded(RwLock::new(Store::default())))
                .collect(),
        }
    }

    /// The partition's store. A panic never leaves a store half-updated (every mutation is one
    /// map operation), so a poisoned lock still guards the truth and is used as is.
    pub(crate) fn store(&self, partition: usize) -> &RwLock<Store> {
        &self.partitions[partition]
    }

    pub(crate) fn write(&self, partition: usize) -> RwLockWriteGuard<'_, Store> {
        sync::write(self.store(partition))
    }

    /// Hands out the next sequence number of `key`.
    pub(crate) fn assign_seq(&self, partition: usize, key: &str) -> Seq {
        self.write(partition).assign(key)
    }

    pub(crate) fn commit(&self, partition: usize, key: &str, seq: Seq, location: Option<Location>) {
        self.write(partition).commit(key, Entry { seq, location });
    }

    /// `persistence.load(key)`: the committed entry, or the never-written entry.
    pub fn load(&self, partition: usize, key: &str) -> Entry {
        sync::read(self.store(partition)).load(key)
    }

    pub(crate) fn scan(&self, partition: usize) -> BTreeMap<String, Entry> {
        sync::read(self.store(partition)).scan()
    }
}
