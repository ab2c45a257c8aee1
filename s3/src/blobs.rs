//! The object bytes. The index tier (`IndexCache`) maps a key to a [`Location`]; this store maps a
//! location to the bytes written there, in memory or in a directory. Every PUT gets a fresh
//! location and a location is never reused or rewritten, so whatever location a (possibly stale)
//! cache node hands out still names the bytes of exactly one write.
//!
//! Bytes of overwritten objects are kept: an eventual-mode node may legitimately serve the old
//! location, and the point of the server is to show that, not to reclaim space.

use index_cache::Location;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

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

#[derive(Debug)]
pub struct Blobs {
    bytes: Bytes,
    meta: Mutex<HashMap<Location, Meta>>,
    next: AtomicU64,
}

impl Blobs {
    pub fn in_memory() -> Blobs {
        Blobs {
            bytes: Bytes::Memory(Mutex::default()),
            meta: Mutex::default(),
            next: AtomicU64::new(1),
        }
    }

    /// Bytes under `dir/blobs/`. Locations continue after the highest file already there, so a
    /// restarted server never overwrites bytes an earlier run wrote.
    pub fn in_dir(dir: &Path) -> std::io::Result<Blobs> {
        let root = dir.join("blobs");
        std::fs::create_dir_all(&root)?;
        let mut highest = 0;
        for entry in std::fs::read_dir(&root)? {
            let name = entry?.file_name();
            if let Some(n) = name.to_str().and_then(|s| u64::from_str_radix(s, 16).ok()) {
                highest = highest.max(n);
            }
        }
        Ok(Blobs {
            bytes: Bytes::Dir(root),
            meta: Mutex::default(),
            next: AtomicU64::new(highest + 1),
        })
    }

    /// Stores `data` at a fresh location.
    pub fn store(&self, data: bytes::Bytes) -> std::io::Result<Location> {
        let location = Location(self.next.fetch_add(1, Ordering::Relaxed));
        let size = data.len() as u64;
        match &self.bytes {
            Bytes::Memory(map) => {
                map.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(location, data);
            }
            Bytes::Dir(root) => std::fs::write(root.join(file_name(location)), &data)?,
        }
        let meta = Meta {
            size,
            modified: SystemTime::now(),
        };
        self.meta
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(location, meta);
        Ok(location)
    }

    pub fn meta(&self, location: Location) -> Option<Meta> {
        let meta = self.meta.lock().unwrap_or_else(PoisonError::into_inner);
        meta.get(&location).copied()
    }

    pub fn load(&self, location: Location) -> std::io::Result<bytes::Bytes> {
        match &self.bytes {
            Bytes::Memory(map) => {
                let map = map.lock().unwrap_or_else(PoisonError::into_inner);
                map.get(&location).cloned().ok_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no bytes at location")
                })
            }
            Bytes::Dir(root) => Ok(std::fs::read(root.join(file_name(location)))?.into()),
        }
    }
}

fn file_name(location: Location) -> String {
    format!("{:016x}", location.0)
}

/// The object's ETag: the location, which is unique per write (a strong ETag; S3 only promises
/// that an ETag changes when the object does).
pub fn etag(location: Location) -> String {
    format!("{:016x}", location.0)
}

/// The location an ETag names, if it is one this server handed out.
pub fn location_of(etag: &str) -> Option<Location> {
    let hex = etag.trim_matches('"');
    (hex.len() == 16)
        .then(|| u64::from_str_radix(hex, 16).ok().map(Location))
        .flatten()
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
    }

    #[test]
    fn a_directory_store_never_reuses_a_location() {
        let dir = tempfile::tempdir().expect("scratch dir");
        let first = Blobs::in_dir(dir.path()).expect("dir");
        let a = first.store("a".into()).expect("write");
        let reopened = Blobs::in_dir(dir.path()).expect("dir");
        let b = reopened.store("b".into()).expect("write");
        assert!(b > a);
        assert_eq!(reopened.load(a).expect("kept").as_ref(), b"a");
    }
}
