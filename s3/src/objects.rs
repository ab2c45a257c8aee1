//! The objects and buckets of `witness serve`, and each write's way to its acknowledgement.
//!
//! A PUT: the bytes are stored (with `--data`, fsynced in their own file) at a fresh location;
//! then, holding the key's write lock, the precondition is judged against persistence's committed
//! entry, the durable index commits (fsynced), and only then does the write go through the
//! `IndexCache`'s write path, which makes it visible to readers; the old location's bytes are
//! released after. So every write a reader can see, and every write the server acknowledges, is
//! already durable, and a crash loses only writes that were never acknowledged.
//!
//! The key's write lock (one of [`STRIPES`] mutexes, by hash) makes the durable index and the
//! `IndexCache` receive a key's writes in the same order, and makes the committed entry read
//! under it the key's latest write, which is what a precondition and the release of the old
//! bytes are judged against. It orders writes of one key only; reads never take it.

use crate::blobs::{Blobs, Meta};
use crate::durable::{self, Durable, Stored};
use crate::files;
use index_cache::{Entry, IndexCache, Location, Precondition};
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

/// Write-lock stripes: enough that unrelated keys rarely share one.
pub const STRIPES: usize = 1024;

/// How often a read retries when the location it was handed has just been freed.
const READ_TRIES: usize = 3;

#[derive(Debug)]
pub enum Error {
    Io(io::Error),
    Cache(index_cache::Error),
    /// The read kept meeting locations whose bytes were freed: a cache node holds an entry older
    /// than the freed-bytes window (eventual mode), or writes of the key outran the reads.
    Reclaimed,
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(e)
    }
}

impl From<index_cache::Error> for Error {
    fn from(e: index_cache::Error) -> Error {
        Error::Cache(e)
    }
}

/// An object as a read found it.
#[derive(Clone, Debug)]
pub struct Found {
    pub location: Location,
    pub meta: Meta,
    /// The bytes, when asked for.
    pub bytes: Option<bytes::Bytes>,
}

pub struct Objects {
    cache: Arc<IndexCache>,
    blobs: Blobs,
    durable: Option<Durable>,
    buckets: Mutex<BTreeMap<String, SystemTime>>,
    stripes: Vec<Mutex<()>>,
    hasher: std::collections::hash_map::RandomState,
}

impl std::fmt::Debug for Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Objects").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded maps change in single operations, so a panic leaves nothing half-written.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Blob files with no index beside them come from a server that kept its index in memory
/// (before `index.redb`), or from another tool: nothing names them, so a start would delete them
/// all as orphans. Refused instead, so that nobody loses files by pointing `--data` at them.
fn refuse_blobs_without_index(dir: &Path) -> io::Result<()> {
    if dir.join(durable::FILE).exists() {
        return Ok(());
    }
    let blobs = dir.join(crate::blobs::DIR);
    let found = match std::fs::read_dir(&blobs) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    };
    if found {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} holds files but there is no {} beside it (an older witness serve kept its index \
                 in memory); move them away or choose another directory",
                blobs.display(),
                durable::FILE
            ),
        ));
    }
    Ok(())
}

impl Objects {
    fn new(cache: Arc<IndexCache>, blobs: Blobs, durable: Option<Durable>) -> Objects {
        Objects {
            cache,
            blobs,
            durable,
            buckets: Mutex::default(),
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
            hasher: Default::default(),
        }
    }

    /// Everything in memory: lost when the process ends.
    pub fn in_memory(cache: Arc<IndexCache>) -> Objects {
        Objects::new(cache, Blobs::in_memory(), None)
    }

    /// Everything under `dir`: the durable index is loaded into the (new, empty) `cache`'s
    /// persistence, blobs no committed entry names are deleted, and the location counter is
    /// raised past every location ever handed out.
    pub fn open(cache: Arc<IndexCache>, dir: &Path) -> io::Result<Objects> {
        files::private_dir(dir)?;
        // Before anything is opened or deleted: a planted link refuses the whole directory.
        files::refuse_symlinks_in(dir)?;
        files::refuse_symlinks_in(&dir.join(crate::blobs::DIR))?;
        refuse_blobs_without_index(dir)?;
        let durable = Durable::open(dir)?;
        let loaded = durable.load()?;
        let referenced: HashMap<Location, Meta> = loaded
            .objects
            .iter()
            .map(|(_, stored)| (Location(stored.location), stored.meta()))
            .collect();
        let blobs = Blobs::in_dir(dir, referenced, loaded.next_location)?;
        durable.reserve(blobs.next())?;
        let entries = loaded
            .objects
            .into_iter()
            .map(|(key, stored)| (key, Location(stored.location)));
        cache
            .restore(entries)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        let objects = Objects::new(cache, blobs, Some(durable));
        lock(&objects.buckets).extend(loaded.buckets);
        Ok(objects)
    }

    pub fn cache(&self) -> &Arc<IndexCache> {
        &self.cache
    }

    pub fn has_bucket(&self, name: &str) -> bool {
        lock(&self.buckets).contains_key(name)
    }

    pub fn buckets(&self) -> Vec<(String, SystemTime)> {
        let buckets = lock(&self.buckets);
        buckets.iter().map(|(n, t)| (n.clone(), *t)).collect()
    }

    /// Creates the bucket durably; `false` if it exists already.
    pub fn create_bucket(&self, name: &str) -> io::Result<bool> {
        let mut buckets = lock(&self.buckets);
        if buckets.contains_key(name) {
            return Ok(false);
        }
        let created = SystemTime::now();
        if let Some(durable) = &self.durable {
            durable.create_bucket(name, created)?;
        }
        buckets.insert(name.to_string(), created);
        Ok(true)
    }

    fn write_lock(&self, key: &str) -> MutexGuard<'_, ()> {
        let stripe = self.hasher.hash_one(key) as usize % STRIPES;
        lock(&self.stripes[stripe])
    }

    /// PUT: durable, then visible (see the module docs). `None` when the precondition failed;
    /// the bytes are deleted before returning then.
    pub fn put(
        &self,
        key: &str,
        data: &[u8],
        precondition: Option<Precondition>,
    ) -> Result<Option<Location>, Error> {
        let location = self.blobs.store(data)?;
        let guard = self.write_lock(key);
        let current = match self.cache.persisted(key) {
            Ok(current) => current,
            Err(e) => {
                self.blobs.discard(location);
                return Err(e.into());
            }
        };
        if precondition.is_some_and(|p| !p.holds(&current)) {
            self.blobs.discard(location);
            return Ok(None);
        }
        if let Some(durable) = &self.durable {
            let meta = self
                .blobs
                .meta(location)
                .ok_or_else(|| io::Error::other("the bytes just stored have no metadata"))?;
            let stored = Stored {
                location: location.0,
                size: meta.size,
                modified_ns: durable::nanos(meta.modified),
            };
            // On failure the bytes stay: the commit may have reached the disk, and if it did not
            // the next start deletes them as an orphan.
            durable.put(key, &stored)?;
        }
        self.cache.put(key, location)?;
        drop(guard);
        self.release(current);
        Ok(Some(location))
    }

    /// DELETE: durable, then visible, like [`Objects::put`].
    pub fn delete(&self, key: &str) -> Result<(), Error> {
        let guard = self.write_lock(key);
        let current = self.cache.persisted(key)?;
        if let Some(durable) = &self.durable {
            durable.delete(key)?;
        }
        self.cache.delete(key)?;
        drop(guard);
        self.release(current);
        Ok(())
    }

    fn release(&self, replaced: Entry) {
        if let Some(location) = replaced.location {
            self.blobs.release(location);
        }
    }

    /// The object `key` names now, as this request's cache node sees it (`IndexCache::read`),
    /// with its bytes if `with_bytes`. A location freed meanwhile is read again.
    pub fn read(&self, key: &str, with_bytes: bool) -> Result<Option<Found>, Error> {
        for _ in 0..READ_TRIES {
            let Some(location) = self.cache.read(key)?.location else {
                return Ok(None);
            };
            let Some(meta) = self.blobs.meta(location) else {
                continue;
            };
            let bytes = match with_bytes.then(|| self.blobs.load(location)) {
                Some(Err(e)) if e.kind() == io::ErrorKind::NotFound => continue,
                Some(loaded) => Some(loaded?),
                None => None,
            };
            return Ok(Some(Found {
                location,
                meta,
                bytes,
            }));
        }
        Err(Error::Reclaimed)
    }

    /// What is known of the bytes at `location` (`None` once freed).
    pub fn meta(&self, location: Location) -> Option<Meta> {
        self.blobs.meta(location)
    }
}
