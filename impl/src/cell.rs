//! A cached entry that readers load without writing anything (a seqlock), shared by every reader
//! lane's copy of a node shard.
//!
//! Why: a node keeps one copy of each shard's table per reader lane (`node.rs`), so a read hit
//! writes only its own lane's lock word. If each copy also held its own entry, every write of a
//! cached key would have to write-lock every lane and change every copy, moving the other cores'
//! lock words and table lines into the writer's cache and back again on their next read: about
//! four cache-line transfers per write that have nothing to do with the key. With the entry in one
//! cell that every copy points to, changing a key the node holds writes this cell only, under the
//! writer's own lane's *read* lock (which keeps the cell in the table), and the other cores' next
//! read of that key moves this one line, which any design must move.
//!
//! Protocol: a writer takes the cell's mutex, makes `version` odd, decides, stores the entry
//! and makes the version even again. A reader loads the version, the entry and the version again: if both versions are equal
//! and even, no writer changed the entry in between and it is whole, and the reader has written
//! nothing. Otherwise (a writer was busy, which the 5 % writes of a read-heavy mix make rare) it
//! takes the mutex, so that it waits for that writer instead of spinning, and reads the entry
//! under it. No thread ever spins, so loom and shuttle explore the protocol like any other lock
//! (a spin loop needs yields they only approximate), and a reader cannot starve behind a stream
//! of writers. Every access is sequentially consistent, which keeps the argument simple and costs
//! nothing on the read side (an x86 load is the same instruction either way). Loom explores the
//! cell alone below (`loom_tests`, every interleaving) and inside a node in `tests/loom.rs`
//! (`loom_cell_*`).

use crate::entry::{accepts, Entry, Location, Seq};
use crate::sync::{self, AtomicU64, Mutex, Ordering};
use witness_model::system::Repair;

/// What a writer does with the entry it found in the cell (the cell is locked while it decides).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub(crate) enum Change {
    /// Leave the entry as it is (e.g. only-if-newer repair with an older version).
    Keep,
    /// Store the writer's entry.
    Set,
    /// Do nothing here: the caller takes the slower path that holds every lane's lock.
    Abandon,
}

impl Change {
    /// `node.put`'s repair rule ([`accepts`]) as a cell update's decision.
    pub(crate) fn by_repair(repair: Repair, held: &Entry, new: &Entry) -> Change {
        if accepts(repair, Some(held), new) {
            Change::Set
        } else {
            Change::Keep
        }
    }
}

/// Keys up to this many bytes live in the cell itself (S3 keys in the benchmarks are 24 bytes).
const INLINE_KEY: usize = 24;

/// The cell's key. Inline, a read hit compares it on the line it loads for the entry anyway; a
/// key in a box of its own is one more line per hit (criterion, strong hit: 42.7 ns with the key
/// boxed beside the cell, 38–40 ns inline, 33–35 ns before the cells; docs/impl.md).
#[derive(Debug)]
enum CellKey {
    Inline { len: u8, bytes: [u8; INLINE_KEY] },
    Boxed(Box<[u8]>),
}

impl CellKey {
    fn new(key: &str) -> CellKey {
        let key = key.as_bytes();
        match u8::try_from(key.len()) {
            Ok(len) if key.len() <= INLINE_KEY => {
                let mut bytes = [0; INLINE_KEY];
                bytes[..key.len()].copy_from_slice(key);
                CellKey::Inline { len, bytes }
            }
            _ => CellKey::Boxed(key.into()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            CellKey::Inline { len, bytes } => &bytes[..usize::from(*len)],
            CellKey::Boxed(bytes) => bytes,
        }
    }
}

/// One key's entry: `(seq, exists)` packed in one word, the location in another, both guarded by
/// `version`, and the key. One cache line of its own, so that a read hit loads one line for the
/// key and the entry, and a write of one key never moves another key's line.
#[derive(Debug)]
#[repr(align(64))]
pub(crate) struct EntryCell {
    key: CellKey,
    /// Held by a writer for its whole change, and by a reader that found a writer busy.
    writer: Mutex<()>,
    /// Odd while a writer changes the entry.
    version: AtomicU64,
    /// `seq << 1 | exists`.
    seq: AtomicU64,
    /// The location, 0 when the entry does not exist.
    location: AtomicU64,
}

/// The largest sequence number a cell holds (one bit of the word says whether the entry exists).
const MAX_CELL_SEQ: Seq = u64::MAX >> 1;

/// The two words an entry is stored as. Called before the cell is locked: the assertion must not
/// fire while a writer holds the cell, or the cell would stay locked.
fn encode(entry: &Entry) -> (u64, u64) {
    assert!(
        entry.seq <= MAX_CELL_SEQ,
        "sequence {} does not fit a cache cell",
        entry.seq
    );
    match entry.location {
        Some(Location(at)) => (entry.seq << 1 | 1, at),
        None => (entry.seq << 1, 0),
    }
}

fn decode(seq: u64, location: u64) -> Entry {
    Entry {
        seq: seq >> 1,
        location: (seq & 1 == 1).then_some(Location(location)),
    }
}

impl EntryCell {
    pub(crate) fn new(key: &str, entry: &Entry) -> EntryCell {
        let (seq, location) = encode(entry);
        EntryCell {
            key: CellKey::new(key),
            writer: Mutex::new(()),
            version: AtomicU64::new(0),
            seq: AtomicU64::new(seq),
            location: AtomicU64::new(location),
        }
    }

    /// The key's bytes (what the node hashes and compares).
    #[inline]
    pub(crate) fn key(&self) -> &[u8] {
        self.key.as_bytes()
    }

    /// The entry, as some writer left it complete.
    #[inline]
    pub(crate) fn load(&self) -> Entry {
        let before = self.version.load(Ordering::SeqCst);
        if before & 1 == 0 {
            let seq = self.seq.load(Ordering::SeqCst);
            let location = self.location.load(Ordering::SeqCst);
            if self.version.load(Ordering::SeqCst) == before {
                return decode(seq, location);
            }
        }
        self.load_waiting()
    }

    /// [`Self::load`] when a writer was busy: wait for it on the mutex, then read.
    #[cold]
    #[inline(never)]
    fn load_waiting(&self) -> Entry {
        let _writer = sync::lock(&self.writer);
        self.held()
    }

    /// The entry, read by a thread that holds the mutex (no writer can change it meanwhile).
    fn held(&self) -> Entry {
        decode(
            self.seq.load(Ordering::SeqCst),
            self.location.load(Ordering::SeqCst),
        )
    }

    /// Takes the mutex, makes the version odd, lets `decide` see the entry, stores `new` if it
    /// says so, makes the version even. Returns what `decide` said. The version is odd *before*
    /// `decide` runs, so every reader that starts after that moment waits for the writer: the
    /// change is atomic at the moment `decide` looks, whatever else `decide` reads then
    /// (`CacheNode::write_update` reads whether the node holds a listing). Nothing in the
    /// critical section can panic (`decide` compares and loads, and `new` is encoded before the
    /// mutex is taken), so the mutex is never poisoned and the version never left odd.
    pub(crate) fn update(&self, new: &Entry, decide: impl FnOnce(&Entry) -> Change) -> Change {
        let (seq, location) = encode(new);
        let _writer = sync::lock(&self.writer);
        // Both ends are read-modify-writes, not plain stores: loom 0.7 mis-orders a plain store
        // after a read-modify-write of the same atomic (the family of tokio-rs/loom#282), and a
        // later `fetch_or`-style access then read a value from before that store.
        self.version.fetch_add(1, Ordering::SeqCst);
        let change = decide(&self.held());
        if change == Change::Set {
            self.seq.store(seq, Ordering::SeqCst);
            self.location.store(location, Ordering::SeqCst);
        }
        self.version.fetch_add(1, Ordering::SeqCst);
        change
    }
}

#[cfg(all(test, not(loom), not(feature = "shuttle")))]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_through_a_cell() {
        for entry in [
            Entry::NEVER_WRITTEN,
            Entry {
                seq: 3,
                location: None,
            },
            Entry {
                seq: MAX_CELL_SEQ,
                location: Some(Location(u64::MAX)),
            },
            Entry {
                seq: 1,
                location: Some(Location(0)),
            },
        ] {
            assert_eq!(EntryCell::new("k", &entry).load(), entry);
            let cell = EntryCell::new("k", &Entry::NEVER_WRITTEN);
            assert_eq!(cell.update(&entry, |_| Change::Set), Change::Set);
            assert_eq!(cell.load(), entry);
        }
    }

    #[test]
    fn a_cell_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<EntryCell>(), 64);
        assert_eq!(std::mem::align_of::<EntryCell>(), 64);
    }

    #[test]
    fn short_and_long_keys_are_kept_whole() {
        for key in [
            "k",
            "bucket/photos/000123.jpg",
            "bucket/photos/0001234.jpg",
            "é/ü",
            "",
        ] {
            let cell = EntryCell::new(key, &Entry::NEVER_WRITTEN);
            assert_eq!(cell.key(), key.as_bytes());
        }
        assert!(matches!(
            CellKey::new("bucket/photos/000123.jpg"),
            CellKey::Inline { len: 24, .. }
        ));
        assert!(matches!(CellKey::new(&"x".repeat(25)), CellKey::Boxed(_)));
    }

    #[test]
    fn keep_and_abandon_leave_the_entry() {
        let entry = Entry {
            seq: 2,
            location: Some(Location(5)),
        };
        let cell = EntryCell::new("k", &entry);
        let newer = Entry {
            seq: 3,
            location: None,
        };
        let keep = cell.update(&newer, |held| {
            assert_eq!(*held, entry);
            Change::Keep
        });
        assert_eq!(keep, Change::Keep);
        assert_eq!(cell.update(&newer, |_| Change::Abandon), Change::Abandon);
        assert_eq!(cell.load(), entry);
        assert_eq!(
            cell.version.load(Ordering::SeqCst),
            4,
            "even again after each"
        );
    }

    #[test]
    #[should_panic(expected = "does not fit a cache cell")]
    fn a_sequence_beyond_63_bits_is_refused() {
        let cell = EntryCell::new("k", &Entry::NEVER_WRITTEN);
        let huge = Entry {
            seq: MAX_CELL_SEQ + 1,
            location: None,
        };
        let _ = std::panic::catch_unwind(|| cell.update(&huge, |_| Change::Set));
        assert_eq!(
            cell.load(),
            Entry::NEVER_WRITTEN,
            "still unlocked and intact"
        );
        cell.update(&huge, |_| Change::Set);
    }

    /// Readers write nothing and never wait while no writer is busy: that is what keeps a read
    /// hit off the lines other cores' readers use. Here the mutex is held without a writer having
    /// made the version odd, so a reader that reads through the mutex anyway would block.
    #[test]
    fn a_reader_takes_no_lock_while_no_writer_is_busy() {
        let entry = Entry {
            seq: 2,
            location: Some(Location(5)),
        };
        let cell = EntryCell::new("k", &entry);
        let held = sync::lock(&cell.writer);
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| sender.send(cell.load()).expect("receiver waits"));
            let read = receiver.recv_timeout(std::time::Duration::from_secs(10));
            // Let a blocked reader go before asserting, so that the scope can join it.
            drop(held);
            assert_eq!(read, Ok(entry), "the reader waited for the mutex");
        });
    }

    struct StopOnDrop<'a>(&'a std::sync::atomic::AtomicBool);

    impl Drop for StopOnDrop<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }

    /// Two writers and a reader really at once: they start together at a barrier, and the
    /// reader goes on until it has made many reads while a writer was inside its change (the
    /// version odd just before the read), so the test cannot pass by running the threads one
    /// after another. Each writer stores entries whose location is a function of the seq, so a
    /// torn read would pair one writer's seq with another's location.
    #[test]
    fn concurrent_writers_and_readers_see_only_whole_entries() {
        use std::sync::atomic::AtomicBool;
        use std::sync::Barrier;
        use std::time::{Duration, Instant};
        const READS_DURING_WRITES: u64 = 1_000;
        let whole = |seq: u64| Entry {
            seq,
            location: Some(Location(seq * 7)),
        };
        let cell = EntryCell::new("k", &whole(0));
        let (start, stop) = (Barrier::new(3), AtomicBool::new(false));
        let (reads, during_writes) = std::thread::scope(|s| {
            for w in 0..2u64 {
                let (cell, start, stop) = (&cell, &start, &stop);
                s.spawn(move || {
                    start.wait();
                    let mut i = 1u64;
                    while !stop.load(Ordering::Relaxed) {
                        cell.update(&whole(i * 2 + w), |_| Change::Set);
                        i += 1;
                    }
                });
            }
            start.wait();
            // Stops the writers however the reader ends, a failed assertion included: the scope
            // joins them before it lets the panic go on.
            let _stop = StopOnDrop(&stop);
            let deadline = Instant::now() + Duration::from_secs(30);
            let (mut reads, mut during_writes) = (0u64, 0u64);
            while during_writes < READS_DURING_WRITES && Instant::now() < deadline {
                let writer_busy = cell.version.load(Ordering::SeqCst) & 1 == 1;
                let e = cell.load();
                assert_eq!(e, whole(e.seq), "torn read: {e:?}");
                reads += 1;
                during_writes += u64::from(writer_busy);
            }
            (reads, during_writes)
        });
        assert!(
            during_writes >= READS_DURING_WRITES,
            "only {during_writes} of {reads} reads overlapped a write in 30 s"
        );
        eprintln!("{during_writes} of {reads} reads overlapped a write");
    }
}

/// The seqlock alone under loom: every interleaving of its atomic steps, with no preemption bound
/// (the cell is small enough to explore whole). A read must return an entry some write stored,
/// whole, never one write's sequence number with another's location. Tried against three broken
/// cells (a reader that skips the second version load, one that ignores an odd version, a writer
/// that never makes the version odd): both models fail on each of them.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// The entries the models write: the location a function of the sequence number, so a torn
    /// read is one that breaks it.
    fn whole(seq: Seq) -> Entry {
        Entry {
            seq,
            location: Some(Location(100 + seq)),
        }
    }

    fn assert_whole(read: Entry, written: &[Seq]) {
        assert!(
            written.iter().any(|&seq| read == whole(seq)),
            "torn or invented read {read:?}; written: {written:?}"
        );
    }

    fn explore(f: impl Fn() + Send + Sync + 'static) {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = None;
        builder.check(f);
    }

    /// One writer changes the entry twice while a reader reads it twice: each read is whole, and
    /// the second is never older than the first.
    #[test]
    fn loom_a_reader_sees_each_write_whole_and_in_order() {
        explore(|| {
            let cell = Arc::new(EntryCell::new("k", &whole(0)));
            let writer = {
                let cell = Arc::clone(&cell);
                thread::spawn(move || {
                    cell.update(&whole(1), |_| Change::Set);
                    cell.update(&whole(2), |_| Change::Set);
                })
            };
            let first = cell.load();
            let second = cell.load();
            assert_whole(first, &[0, 1, 2]);
            assert_whole(second, &[0, 1, 2]);
            assert!(first.seq <= second.seq, "{first:?} then {second:?}");
            writer.join().expect("writer");
            assert_eq!(cell.load(), whole(2));
        });
    }

    /// Two writers at once and a reader: the read is one of the three entries, whole, and the
    /// writers' changes are serialized (the cell ends with one of them, whole).
    #[test]
    fn loom_two_writers_and_a_reader_see_only_whole_entries() {
        explore(|| {
            let cell = Arc::new(EntryCell::new("k", &whole(0)));
            let writers: Vec<_> = [1, 2]
                .into_iter()
                .map(|seq| {
                    let cell = Arc::clone(&cell);
                    thread::spawn(move || {
                        cell.update(&whole(seq), |_| Change::Set);
                    })
                })
                .collect();
            assert_whole(cell.load(), &[0, 1, 2]);
            for writer in writers {
                writer.join().expect("writer");
            }
            assert_whole(cell.load(), &[1, 2]);
        });
    }
}
