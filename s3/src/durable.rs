//! The persistence of record of `witness serve --data DIR`: buckets, every key's object (its
//! location, size and modification time) and the highest location ever handed out, in a redb
//! database at `DIR/index.redb`. Each change is one write transaction committed with
//! `Durability::Immediate` (fsynced before `commit` returns), and the server answers a write
//! only after that; writes that arrive together share a transaction ([`crate::group_commit`]).
//!
//! redb because it is a single-file, pure-Rust B-tree with ACID transactions, crash recovery
//! (copy-on-write pages, checksummed roots), an exclusive file lock (a second server on the same
//! directory is refused) and no background threads or compaction to tune; fjall, the other
//! candidate, is an LSM tree with a journal, faster on write-heavy bulk loads but with more moving
//! parts than a key → location table that is read once at start needs.
//!
//! Deleted keys are removed rather than kept as tombstones: after a restart the in-memory index
//! starts again from sequence 1 with an empty witness, so a tombstone would carry nothing.

use crate::blobs::Meta;
use crate::files;
use crate::group_commit::Group;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// `bucket/key` → the object, as JSON (a record a later field can be added to).
const OBJECTS: TableDefinition<&str, &[u8]> = TableDefinition::new("objects");
/// Bucket name → creation time (nanoseconds since the epoch).
const BUCKETS: TableDefinition<&str, u64> = TableDefinition::new("buckets");
/// Counters; `next_location` is above every location any committed object ever had.
const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters");
const NEXT_LOCATION: &str = "next_location";

/// The database file under the data directory.
pub const FILE: &str = "index.redb";

/// What the index keeps of an object besides its key.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    pub location: u64,
    pub size: u64,
    pub modified_ns: u64,
}

impl Stored {
    pub fn meta(&self) -> Meta {
        Meta {
            size: self.size,
            modified: SystemTime::UNIX_EPOCH + Duration::from_nanos(self.modified_ns),
        }
    }
}

/// Nanoseconds since the epoch, saturating (a clock before 1970 reads as the epoch).
pub fn nanos(t: SystemTime) -> u64 {
    let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
}

/// Everything the database holds, read once at start.
#[derive(Debug, Default)]
pub struct Loaded {
    pub buckets: Vec<(String, SystemTime)>,
    pub objects: Vec<(String, Stored)>,
    pub next_location: u64,
}

/// One write, as the group commit queues it.
#[derive(Debug)]
enum Change {
    /// Key, JSON record, and the location counter's floor after it.
    Put(String, Vec<u8>, u64),
    Delete(String),
    /// Name and creation time (nanoseconds).
    Bucket(String, u64),
}

#[derive(Debug)]
pub struct Durable {
    db: Database,
    group: Group<Change>,
}

fn db_error(e: impl Into<redb::Error>) -> io::Error {
    io::Error::other(e.into())
}

fn corrupt(key: &str, e: serde_json::Error) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the index's record of {key:?} is unreadable: {e}"),
    )
}

impl Durable {
    /// Opens (or creates, 0600) `dir/index.redb`; `dir` must already be the server's private
    /// directory. Fails if another process has it open.
    pub fn open(dir: &Path) -> io::Result<Durable> {
        let path = dir.join(FILE);
        files::refuse_symlink(&path)?;
        // Created here so that it is 0600 and not a link; redb initializes an empty file.
        drop(files::open_private(&path)?);
        let db = Database::create(&path).map_err(db_error)?;
        let txn = db.begin_write().map_err(db_error)?;
        // Every table exists from the first start on, so that reads never meet a missing one.
        txn.open_table(OBJECTS).map_err(db_error)?;
        txn.open_table(BUCKETS).map_err(db_error)?;
        txn.open_table(COUNTERS).map_err(db_error)?;
        txn.commit().map_err(db_error)?;
        Ok(Durable {
            db,
            group: Group::default(),
        })
    }

    pub fn load(&self) -> io::Result<Loaded> {
        let txn = self.db.begin_read().map_err(db_error)?;
        let mut loaded = Loaded::default();
        for row in txn
            .open_table(BUCKETS)
            .map_err(db_error)?
            .iter()
            .map_err(db_error)?
        {
            let (name, created) = row.map_err(db_error)?;
            let created = SystemTime::UNIX_EPOCH + Duration::from_nanos(created.value());
            loaded.buckets.push((name.value().to_string(), created));
        }
        for row in txn
            .open_table(OBJECTS)
            .map_err(db_error)?
            .iter()
            .map_err(db_error)?
        {
            let (key, record) = row.map_err(db_error)?;
            let key = key.value().to_string();
            let stored = serde_json::from_slice(record.value()).map_err(|e| corrupt(&key, e))?;
            loaded.objects.push((key, stored));
        }
        let counters = txn.open_table(COUNTERS).map_err(db_error)?;
        loaded.next_location = counters
            .get(NEXT_LOCATION)
            .map_err(db_error)?
            .map_or(1, |v| v.value());
        Ok(loaded)
    }

    /// Records that every location below `next` may have been handed out.
    pub fn reserve(&self, next: u64) -> io::Result<()> {
        let txn = self.db.begin_write().map_err(db_error)?;
        Self::raise_next(&txn, next)?;
        txn.commit().map_err(db_error)
    }

    fn raise_next(txn: &redb::WriteTransaction, next: u64) -> io::Result<()> {
        let mut counters = txn.open_table(COUNTERS).map_err(db_error)?;
        let current = counters
            .get(NEXT_LOCATION)
            .map_err(db_error)?
            .map_or(1, |v| v.value());
        if next > current {
            counters.insert(NEXT_LOCATION, next).map_err(db_error)?;
        }
        Ok(())
    }

    /// Commits `key` → `stored` durably.
    pub fn put(&self, key: &str, stored: &Stored) -> io::Result<()> {
        let record = serde_json::to_vec(stored).map_err(io::Error::other)?;
        let next = stored.location.saturating_add(1);
        self.submit(Change::Put(key.to_string(), record, next))
    }

    /// Removes `key` durably.
    pub fn delete(&self, key: &str) -> io::Result<()> {
        self.submit(Change::Delete(key.to_string()))
    }

    pub fn create_bucket(&self, name: &str, created: SystemTime) -> io::Result<()> {
        self.submit(Change::Bucket(name.to_string(), nanos(created)))
    }

    fn submit(&self, change: Change) -> io::Result<()> {
        self.group.submit(change, |batch| self.apply(batch))
    }

    /// One write transaction for a batch of changes, fsynced by `commit`.
    fn apply(&self, batch: &[Change]) -> io::Result<()> {
        let txn = self.db.begin_write().map_err(db_error)?;
        let mut next = 0;
        {
            let mut objects = txn.open_table(OBJECTS).map_err(db_error)?;
            let mut buckets = txn.open_table(BUCKETS).map_err(db_error)?;
            for change in batch {
                match change {
                    Change::Put(key, record, above) => {
                        objects
                            .insert(key.as_str(), record.as_slice())
                            .map_err(db_error)?;
                        next = next.max(*above);
                    }
                    Change::Delete(key) => {
                        objects.remove(key.as_str()).map_err(db_error)?;
                    }
                    Change::Bucket(name, created) => {
                        buckets.insert(name.as_str(), created).map_err(db_error)?;
                    }
                }
            }
        }
        Self::raise_next(&txn, next)?;
        txn.commit().map_err(db_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_committed_is_loaded_after_reopening_and_the_counter_never_goes_down() {
        let dir = tempfile::tempdir().expect("scratch dir");
        let created = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let a = Stored {
            location: 5,
            size: 3,
            modified_ns: 42,
        };
        {
            let durable = Durable::open(dir.path()).expect("opened");
            assert!(
                Durable::open(dir.path()).is_err(),
                "a second opener is refused"
            );
            durable.create_bucket("b", created).expect("committed");
            durable.put("b/a", &a).expect("committed");
            durable
                .put("b/gone", &Stored { location: 9, ..a })
                .expect("committed");
            durable.delete("b/gone").expect("committed");
            durable.delete("b/never").expect("nothing to do");
            durable
                .reserve(3)
                .expect("a lower reservation changes nothing");
        }
        let loaded = Durable::open(dir.path())
            .expect("reopened")
            .load()
            .expect("loaded");
        assert_eq!(loaded.buckets, [("b".to_string(), created)]);
        assert_eq!(loaded.objects, [("b/a".to_string(), a)]);
        assert_eq!(
            loaded.next_location, 10,
            "above the deleted object's location too"
        );
        assert_eq!(a.meta().size, 3);
    }
}
