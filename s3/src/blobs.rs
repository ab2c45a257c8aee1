//! The object bytes. The index tier (`IndexCache`) maps a key to a [`Location`]; this store maps a
//! location to the bytes written there, in memory or in files under `DIR/blobs/` (one per
//! location, written atomically, see [`crate::files`]). Every PUT gets a fresh location and a
//! location is never reused or rewritten, so whatever location a (possibly stale) cache node
//! hands out names the bytes of exactly one write, or nothing once they are freed.
//!
//! Bytes no committed index entry refers to any more (overwritten, deleted) are freed, but only
//! after [`DEFERRED_FREES`] later frees or [`DEFERRED_BYTES`] bytes: a GET that read the old
//! location just before the overwrite, or an eventual-mode node that still holds it, can then
//! still serve the bytes for a while, and memory and disk stay bounded.

use crate::files;
use index_cache::Location;
use std::collections::{HashMap, VecDeque};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

/// The blob files' directory under the data directory.
pub const DIR: &str = "blobs";

/// How many freed objects keep their bytes until later frees push them out.
pub const DEFERRED_FREES: usize = 64;
/// ... unless they hold more than this many bytes together.
pub const DEFERRED_BYTES: u64 = 64 << 20;

/// What the index does not hold about an object: its size and when its bytes were written.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct Meta {
    pub size: u64,
    pub modified: SystemTime,
}

#[derive(Debug)]
enum Bytes {
    Memory(Mutex<HashMap<Location, bytes::Bytes>>),
    Dir(PathBuf),
}

#[derive(Debug, Default)]
struct Freed {
    queue: VecDeque<(Location, u64)>,
    bytes: u64,
}

#[derive(Debug)]
pub struct Blobs {
    bytes: Bytes,
    meta: Mutex<HashMap<Location, Meta>>,
    next: AtomicU64,
    freed: Mutex<Freed>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every critical section here is one map or queue operation: a panic leaves no half-update.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn not_found() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "no bytes at location")
}

impl Blobs {
    pub fn in_memory() -> Blobs {
        Blobs::new(Bytes::Memory(Mutex::default()), HashMap::new(), 1)
    }

    fn new(bytes: Bytes, meta: HashMap<Location, Meta>, next: u64) -> Blobs {
        Blobs {
            bytes,
            meta: Mutex::new(meta),
            next: AtomicU64::new(next),
            freed: Mutex::default(),
        }
    }

    /// Bytes under `dir/blobs/` (created 0700). `referenced` are the objects the durable index
    /// holds; every other file there is an orphan of a crash (bytes written but never committed,
    /// or freed but not yet deleted) or a temporary file, and is deleted. A symbolic link is
    /// refused. Locations continue above `next_at_least` and above every file found, so a
    /// location handed out before is never handed out again.
    pub fn in_dir(
        dir: &Path,
        referenced: HashMap<Location, Meta>,
        next_at_least: u64,
    ) -> io::Result<Blobs> {
        let root = dir.join(DIR);
        files::private_dir(&root)?;
        let mut highest = 0;
        for entry in std::fs::read_dir(&root)? {
            let entry = entry?;
            let path = entry.path();
            files::refuse_symlink(&path)?;
            let name = entry.file_name();
            let name = name.to_str().unwrap_or_default();
            let location = location_of_file(name);
            if let Some(Location(n)) = location {
                highest = highest.max(n);
            }
            let orphan = location.is_some_and(|l| !referenced.contains_key(&l));
            if orphan || name.ends_with(files::TEMP_SUFFIX) {
                std::fs::remove_file(&path)?;
            }
        }
        files::sync_dir(&root)?;
        let next = next_at_least.max(highest.saturating_add(1));
        Ok(Blobs::new(Bytes::Dir(root), referenced, next))
    }

    /// The lowest location not handed out yet.
    pub fn next(&self) -> u64 {
        self.next.load(Ordering::SeqCst)
    }

    fn allocate(&self) -> io::Result<Location> {
        self.next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_add(1))
            .map(Location)
            .map_err(|_| io::Error::other("every blob location has been used"))
    }

    /// Stores `data` at a fresh location; with a directory, durably (fsynced) before returning.
    /// In memory the bytes are copied, so that `data` (which may be a view into a larger HTTP
    /// buffer) is not kept alive by the store.
    pub fn store(&self, data: &[u8]) -> io::Result<Location> {
        let location = self.allocate()?;
        match &self.bytes {
            Bytes::Memory(map) => {
                lock(map).insert(location, bytes::Bytes::copy_from_slice(data));
            }
            Bytes::Dir(root) => files::write_atomic(root, &file_name(location), data)?,
        }
        let meta = Meta {
            size: data.len() as u64,
            modified: SystemTime::now(),
        };
        lock(&self.meta).insert(location, meta);
        Ok(location)
    }

    pub fn meta(&self, location: Location) -> Option<Meta> {
        lock(&self.meta).get(&location).copied()
    }

    /// The bytes at `location`; `NotFound` once they have been freed.
    pub fn load(&self, location: Location) -> io::Result<bytes::Bytes> {
        match &self.bytes {
            Bytes::Memory(map) => lock(map).get(&location).cloned().ok_or_else(not_found),
            Bytes::Dir(root) => {
                let mut file = files::open_read(&root.join(file_name(location)))?;
                let mut data = Vec::new();
                file.read_to_end(&mut data)?;
                Ok(data.into())
            }
        }
    }

    /// Deletes the bytes of a write that was never committed (a failed precondition), at once:
    /// no index entry ever named them.
    pub fn discard(&self, location: Location) {
        self.remove(location);
    }

    /// No committed index entry names `location` any more: its bytes are deleted after the
    /// frees that came before it (see the module docs).
    pub fn release(&self, location: Location) {
        let size = self.meta(location).map_or(0, |m| m.size);
        let mut freed = lock(&self.freed);
        freed.queue.push_back((location, size));
        freed.bytes += size;
        while freed.queue.len() > DEFERRED_FREES || freed.bytes > DEFERRED_BYTES {
            let Some((oldest, size)) = freed.queue.pop_front() else {
                break;
            };
            freed.bytes -= size;
            self.remove(oldest);
        }
    }

    fn remove(&self, location: Location) {
        lock(&self.meta).remove(&location);
        match &self.bytes {
            Bytes::Memory(map) => {
                lock(map).remove(&location);
            }
            // A failed unlink leaves an orphan the next start deletes; nothing refers to it.
            Bytes::Dir(root) => drop(std::fs::remove_file(root.join(file_name(location)))),
        }
    }
}

fn file_name(location: Location) -> String {
    format!("{:016x}", location.0)
}

fn location_of_file(name: &str) -> Option<Location> {
    let hex = name.len() == 16 && name.bytes().all(|b| b.is_ascii_hexdigit());
    hex.then(|| u64::from_str_radix(name, 16).ok().map(Location))
        .flatten()
}

/// The object's ETag: the location, which is unique per write (a strong ETag; S3 only promises
/// that an ETag changes when the object does).
pub fn etag(location: Location) -> String {
    file_name(location)
}

/// The location an ETag names, if it is one this server handed out.
pub fn location_of(etag: &str) -> Option<Location> {
    location_of_file(etag.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_round_trip_and_reject_foreign_tags() {
        let loc = Location(0xab);
        assert_eq!(location_of(&etag(loc)), Some(loc));
        assert_eq!(location_of(&format!("\"{}\"", etag(loc))), Some(loc));
        assert_eq!(location_of("d41d8cd98f00b204e9800998ecf8427e"), None);
        assert_eq!(location_of("+00000000000000a"), None);
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir.join("blobs"))
            .expect("listed")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_reopened_store_keeps_referenced_bytes_deletes_orphans_and_never_reuses_a_location() {
        let dir = tempfile::tempdir().expect("scratch dir");
        let first = Blobs::in_dir(dir.path(), HashMap::new(), 1).expect("dir");
        let kept = first.store(b"kept").expect("write");
        let orphan = first.store(b"orphan").expect("write");
        std::fs::write(dir.path().join("blobs/0000000000000009.tmp"), b"half").expect("w");
        let meta = first.meta(kept).expect("stored");
        let reopened = Blobs::in_dir(dir.path(), HashMap::from([(kept, meta)]), 1).expect("dir");
        assert_eq!(files_in(dir.path()), [etag(kept)]);
        assert_eq!(reopened.load(kept).expect("kept").as_ref(), b"kept");
        assert_eq!(reopened.meta(kept), Some(meta));
        assert!(reopened.load(orphan).is_err());
        assert!(reopened.store(b"new").expect("write") > orphan);
        let counted = Blobs::in_dir(dir.path(), HashMap::new(), 100).expect("dir");
        assert_eq!(counted.next(), 100, "the durable counter wins when higher");
    }

    #[test]
    fn a_full_location_space_is_an_error_not_a_wrap() {
        let blobs = Blobs::new(Bytes::Memory(Mutex::default()), HashMap::new(), u64::MAX);
        assert!(blobs.store(b"x").is_err());
        assert_eq!(blobs.next(), u64::MAX);
    }

    #[test]
    fn released_bytes_are_deleted_after_later_frees_and_discarded_ones_at_once() {
        let dir = tempfile::tempdir().expect("scratch dir");
        let blobs = Blobs::in_dir(dir.path(), HashMap::new(), 1).expect("dir");
        let discarded = blobs.store(b"412").expect("write");
        blobs.discard(discarded);
        assert!(files_in(dir.path()).is_empty());
        let released: Vec<_> = (0..=DEFERRED_FREES)
            .map(|_| blobs.store(b"old").expect("write"))
            .collect();
        for &location in &released {
            blobs.release(location);
        }
        assert_eq!(files_in(dir.path()).len(), DEFERRED_FREES);
        assert!(blobs.load(released[0]).is_err(), "the oldest is gone");
        assert!(blobs.meta(released[0]).is_none());
        assert_eq!(blobs.load(released[1]).expect("kept").as_ref(), b"old");
    }
}
