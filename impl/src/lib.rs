//! `index-cache`: the concurrent index tier of an S3-style object store — a cache layer of several
//! nodes in front of the index + persistence tier, with a witness as the strong read barrier and
//! an asynchronous cross-region replica.
//!
//! The steps and their names mirror the model (`witness_model::system`) and the seed:
//!
//! ```text
//! PUT/DELETE k via node n   assign seq ─┬ commit ─ notify witness     (witness-after-commit)
//!                                      ├ notify witness ─ commit     (witness-before-commit)
//!                                      └ commit+notify, atomically   (witness-with-commit, default)
//!                           ─ cache update at n ─ replication enqueue ─ ack
//! GET k via node n          node.lookup ─ [no entry: persistence.load ─ node.put]
//!                           ─ strong: witness.is_stale ─ [stale: persistence.load (+learn) ─ node.put]
//! LIST prefix via node n    the same per partition, with the node's cached listing and the
//!                           partition barrier
//! ```
//!
//! Locks: one `RwLock` per cache node, one per persistence partition, one per witness partition
//! table (never taken by a read hit: a node entry carries its key's witness slot), one for the
//! replication queue and one for the replica. No lock is global to the read path. Lock order:
//! persistence partition → witness table; node locks, the queue, the replica and the recorder are
//! leaves (replica → recorder).
//!
//! The variant and mutant of the model are selected with [`Builder::protocol`], which only tests
//! use; [`IndexCache::new`] always builds the default variant the model proves correct.

mod cell;
pub mod conditional;
pub mod config;
mod error;
mod node;
mod padded;
pub mod pause;
pub mod persistence;
pub mod recorder;
pub mod replication;
mod sync;
pub mod witness;

pub use conditional::Precondition;
pub use config::{Config, Mode, Mutant, Partition, Protocol, Repair, Variant, WitnessOrder};
pub use error::Error;
pub use node::Listing;
pub use recorder::{RecordError, Recorder};
#[cfg(all(not(loom), not(feature = "shuttle")))]
pub use replication::ReplicatorHandle;
pub use replication::{Delivery, Replica};

use node::CacheNode;
use persistence::Persistence;
use recorder::{RecOp, RecRet};
use replication::Replicator;
use std::fmt;
use sync::Point;
use witness::Witness;
use witness_model::history::ClientId;

/// A cached entry's witness slot handle, if the node kept one.
type SlotRef = Option<sync::Arc<witness::Slot>>;

/// A key's write sequence number, assigned by persistence; 0 means never written.
pub type Seq = u64;

/// A pointer to an object's bytes (the bytes themselves are out of scope).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Location(pub u64);

/// What the index holds for a key: the version and, unless the version is a DELETE (or the key was
/// never written), the location.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub struct Entry {
    pub seq: Seq,
    pub location: Option<Location>,
}

impl Entry {
    pub const NEVER_WRITTEN: Entry = Entry {
        seq: 0,
        location: None,
    };

    pub fn exists(&self) -> bool {
        self.location.is_some()
    }
}

/// A cache node, numbered from 0 (displayed from 1, as in the model's narration).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct NodeId(pub usize);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cache node {}", self.0.saturating_add(1))
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Builds an [`IndexCache`]; the protocol switch and the recorder are for tests.
#[derive(Debug)]
pub struct Builder {
    config: Config,
    protocol: Protocol,
    recorder: Option<Recorder>,
}

impl Builder {
    /// Test-only: run a protocol variant or a seeded bug instead of the default variant.
    pub fn protocol(mut self, protocol: Protocol) -> Builder {
        self.protocol = protocol;
        self
    }

    /// Record every operation made through [`IndexCache::client`] and every replica delivery.
    pub fn recorder(mut self, recorder: Recorder) -> Builder {
        self.recorder = Some(recorder);
        self
    }

    pub fn build(self) -> Result<IndexCache> {
        self.config.validate()?;
        let partitions = self.config.partitions.len();
        let protocol = self.protocol;
        Ok(IndexCache {
            mode: self.config.mode,
            protocol,
            spread: self.config.spread,
            persistence: Persistence::new(partitions),
            witness: Witness::new(partitions, protocol.is(Mutant::WitnessForgetsOnRestart)),
            nodes: (0..self.config.nodes)
                .map(|_| CacheNode::new(partitions))
                .collect(),
            whole_keyspace: self.config.partitions == [Partition::everything()],
            partitions: self.config.partitions,
            replicator: Replicator::new(),
            replica: Replica::new(protocol.is(Mutant::ReplicaAppliesOutOfOrder)),
            recorder: self.recorder,
        })
    }
}

#[derive(Debug)]
pub struct IndexCache {
    mode: Mode,
    protocol: Protocol,
    spread: usize,
    partitions: Vec<Partition>,
    /// The seed's single partition `["" .. ∞)`: every non-empty key is in partition 0, and the
    /// read path skips the range search.
    whole_keyspace: bool,
    persistence: Persistence,
    witness: Witness,
    nodes: Vec<CacheNode>,
    replicator: Replicator,
    replica: Replica,
    recorder: Option<Recorder>,
}

/// FNV-1a: a stable hash, so the ring places a key on the same nodes in every process.
fn ring_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Which of a key's spread nodes this thread reads from next: rotating per thread spreads a hot
/// key's reads without a shared counter. loom and shuttle need deterministic executions, and their
/// tests name nodes explicitly, so there the first node is always used.
fn rotation() -> usize {
    #[cfg(all(not(loom), not(feature = "shuttle")))]
    {
        use std::cell::Cell;
        thread_local!(static NEXT: Cell<usize> = const { Cell::new(0) });
        NEXT.with(|n| {
            let v = n.get();
            n.set(v.wrapping_add(1));
            v
        })
    }
    #[cfg(any(loom, feature = "shuttle"))]
    {
        0
    }
}

impl IndexCache {
    /// A cache running the default protocol variant, without a recorder.
    pub fn new(config: Config) -> Result<IndexCache> {
        IndexCache::builder(config).build()
    }

    pub fn builder(config: Config) -> Builder {
        Builder {
            config,
            protocol: Protocol::default(),
            recorder: None,
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    pub fn nodes(&self) -> usize {
        self.nodes.len()
    }

    // ---- routing and validation -------------------------------------------------------------

    fn partition_of(&self, key: &str) -> Result<usize> {
        if key.is_empty() {
            return Err(Error::EmptyKey);
        }
        if self.whole_keyspace {
            return Ok(0);
        }
        // Partitions are sorted by start: the candidate is the last one starting at or before key.
        let candidate = self
            .partitions
            .partition_point(|p| p.start.as_str() <= key)
            .checked_sub(1);
        match candidate {
            Some(p) if self.partitions[p].contains(key) => Ok(p),
            _ => Err(Error::OutsidePartitions {
                key: key.to_string(),
            }),
        }
    }

    fn node_index(&self, node: NodeId) -> Result<usize> {
        if node.0 < self.nodes.len() {
            Ok(node.0)
        } else {
            Err(Error::UnknownNode {
                node,
                nodes: self.nodes.len(),
            })
        }
    }

    /// The seed's `cacheRing.nodeFor(key)`: the key's home node, where writes go.
    pub fn node_for(&self, key: &str) -> Result<NodeId> {
        self.partition_of(key)?;
        let nodes = self.nodes.len() as u64;
        // The modulus is below `nodes`, which is a usize, so the cast back cannot truncate.
        Ok(NodeId((ring_hash(key) % nodes) as usize))
    }

    /// The nodes a (hot) key is spread over: its home node and the next `spread - 1` on the ring.
    pub fn nodes_for(&self, key: &str) -> Result<Vec<NodeId>> {
        let home = self.node_for(key)?.0;
        Ok((0..self.spread)
            .map(|i| NodeId((home + i) % self.nodes.len()))
            .collect())
    }

    fn read_node(&self, key: &str) -> Result<NodeId> {
        let home = self.node_for(key)?.0;
        Ok(NodeId((home + rotation() % self.spread) % self.nodes.len()))
    }

    fn partitions_for_prefix(&self, prefix: &str) -> Result<Vec<usize>> {
        let hit: Vec<usize> = (0..self.partitions.len())
            .filter(|&p| self.partitions[p].overlaps_prefix(prefix))
            .collect();
        if hit.is_empty() {
            return Err(Error::OutsidePartitions {
                key: prefix.to_string(),
            });
        }
        Ok(hit)
    }

    // ---- operations -------------------------------------------------------------------------

    /// PUT `key` = `location` through the key's home node. Returns the write's sequence number.
    pub fn put(&self, key: &str, location: Location) -> Result<Seq> {
        self.put_via(self.node_for(key)?, key, location)
    }

    pub fn delete(&self, key: &str) -> Result<Seq> {
        self.delete_via(self.node_for(key)?, key)
    }

    /// The seed's `IndexCache.read(key)`, through one of the nodes the key is spread over.
    pub fn read(&self, key: &str) -> Result<Entry> {
        self.read_via(self.read_node(key)?, key)
    }

    /// LIST every key starting with `prefix` (tombstones included: check [`Entry::exists`]),
    /// through the node the prefix hashes to.
    pub fn list(&self, prefix: &str) -> Result<Listing> {
        let node = NodeId((ring_hash(prefix) % self.nodes.len() as u64) as usize);
        self.list_via(node, prefix)
    }

    pub fn put_via(&self, node: NodeId, key: &str, location: Location) -> Result<Seq> {
        let (n, p) = (self.node_index(node)?, self.partition_of(key)?);
        Ok(self.write_at(n, p, key, Some(location)))
    }

    pub fn delete_via(&self, node: NodeId, key: &str) -> Result<Seq> {
        let (n, p) = (self.node_index(node)?, self.partition_of(key)?);
        Ok(self.write_at(n, p, key, None))
    }

    pub fn read_via(&self, node: NodeId, key: &str) -> Result<Entry> {
        let (n, p) = (self.node_index(node)?, self.partition_of(key)?);
        Ok(self.read_at(n, p, key))
    }

    pub fn list_via(&self, node: NodeId, prefix: &str) -> Result<Listing> {
        let n = self.node_index(node)?;
        let partitions = self.partitions_for_prefix(prefix)?;
        Ok(self.list_at(n, &partitions, prefix))
    }

    fn is_strong(&self) -> bool {
        self.mode == Mode::Strong
    }

    /// The write path, step by step as in the model. `sync::pause` marks where each of the
    /// model's steps begins (a no-op outside replay).
    fn write_at(&self, n: usize, p: usize, key: &str, location: Option<Location>) -> Seq {
        let strong = self.is_strong();
        let notify =
            strong && !(location.is_none() && self.protocol.is(Mutant::NoWitnessBumpOnDelete));
        // The key's witness slot, looked up before the protocol steps (not itself a step). The
        // node's entry usually holds it: that read stays on the thread's own lane, where the
        // witness table would take a lock every writer shares.
        let slot = strong.then(|| {
            self.nodes[n]
                .slot_of(key)
                .unwrap_or_else(|| self.witness.slot(p, key))
        });
        // Eventual mode keeps no witness, but pauses where the model's witness steps are.
        let notify_slot = slot.as_ref().filter(|_| notify);
        let order = self.protocol.variant.witness_order;
        let entry = if order == WitnessOrder::WithCommit && !sync::driven() {
            self.assign_commit_notify(p, key, location, notify_slot)
        } else {
            let seq = self.persistence.assign_seq(p, key);
            self.commit_steps(p, key, Entry { seq, location }, notify_slot)
        };
        sync::pause(Point::WriteCacheUpdate);
        self.nodes[n].write_update(p, key, entry, slot, self.protocol.variant.repair);
        sync::pause(Point::WriteAck);
        self.replicator.enqueue(Delivery {
            key: key.to_string(),
            seq: entry.seq,
            location,
        });
        entry.seq
    }

    /// The default variant's first two steps (assign seq; commit + notify) in one critical
    /// section of the partition lock: one lock round trip instead of two, and one walk of the
    /// partition's map. Running two consecutive steps of one thread as one removes interleavings
    /// and adds none, so it refines the model; a thread driven by `witness replay` takes them as
    /// two steps (`commit_steps`), as the model does.
    fn assign_commit_notify(
        &self,
        p: usize,
        key: &str,
        location: Option<Location>,
        notify_slot: Option<&sync::Arc<witness::Slot>>,
    ) -> Entry {
        let mut store = self.persistence.write(p);
        let entry = store.assign_and_commit(key, location);
        if let Some(slot) = notify_slot {
            self.witness.notify(slot, entry.seq);
        }
        entry
    }

    /// The steps after the sequence assignment, up to the cache update, in the variant's order.
    fn commit_steps(
        &self,
        p: usize,
        key: &str,
        entry: Entry,
        notify_slot: Option<&sync::Arc<witness::Slot>>,
    ) -> Entry {
        let Entry { seq, location } = entry;
        match self.protocol.variant.witness_order {
            WitnessOrder::AfterCommit => {
                sync::pause(Point::WriteCommit);
                self.persistence.commit(p, key, seq, location);
                sync::pause(Point::WriteNotify);
                if let Some(slot) = notify_slot {
                    self.witness.notify(slot, seq);
                }
            }
            WitnessOrder::BeforeCommit => {
                sync::pause(Point::WriteNotify);
                if let Some(slot) = notify_slot {
                    self.witness.notify(slot, seq);
                }
                sync::pause(Point::WriteCommit);
                self.persistence.commit(p, key, seq, location);
            }
            WitnessOrder::WithCommit => {
                sync::pause(Point::WriteCommitAndNotify);
                // One step: readers of persistence (miss fills, reloads) see the commit only
                // together with the witness bump, because both happen under the partition lock.
                let mut store = self.persistence.write(p);
                store.commit(key, entry);
                if let Some(slot) = notify_slot {
                    self.witness.notify(slot, seq);
                }
                drop(store);
            }
        }
        entry
    }

    /// Whether a strong read asks the witness about `entry` (the mutant skips cached misses).
    fn checks(&self, entry: &Entry) -> bool {
        entry.exists() || !self.protocol.is(Mutant::SkipWitnessOnMiss)
    }

    /// `witness.isStale(key, entry)` for a cached entry, through its slot handle when it has one.
    fn is_stale_cached(
        &self,
        p: usize,
        key: &str,
        entry: &Entry,
        slot: Option<&sync::Arc<witness::Slot>>,
    ) -> bool {
        self.checks(entry)
            && match slot {
                Some(slot) => self.witness.is_stale_at(slot, entry),
                None => self.witness.is_stale(p, key, entry),
            }
    }

    /// node.lookup(key) and, in strong mode, the witness check of a hit. Returns the entry, and the
    /// slot handle when the witness calls it stale.
    ///
    /// Normally the check runs while the shard's read lock is still held: two atomic loads through
    /// the entry's slot handle, no clone of the handle. That fuses the model's two steps into one,
    /// a refinement of its interleavings (the check reads only the witness, so nothing the lock
    /// excludes could change its answer). A thread driven by `witness replay` takes them as two
    /// steps, as the model does, so that every model interleaving can be replayed.
    fn lookup_hit(
        &self,
        node: &CacheNode,
        p: usize,
        key: &str,
    ) -> Option<(Entry, Option<SlotRef>)> {
        let strong = self.is_strong();
        if sync::driven() {
            let (entry, slot) = node.lookup(key, |entry, slot| (entry, slot.cloned()))?;
            if !strong {
                return Some((entry, None));
            }
            sync::pause(Point::GetCheck);
            let stale = self.is_stale_cached(p, key, &entry, slot.as_ref());
            return Some((entry, stale.then_some(slot)));
        }
        node.lookup(key, |entry, slot| {
            let stale = strong && self.is_stale_cached(p, key, &entry, slot);
            // Only a stale hit needs the handle afterwards.
            (entry, stale.then(|| slot.cloned()))
        })
    }

    /// The seed's read path.
    fn read_at(&self, n: usize, p: usize, key: &str) -> Entry {
        let node = &self.nodes[n];
        let repair = self.protocol.variant.repair;
        let strong = self.is_strong();
        let slot = match self.lookup_hit(node, p, key) {
            Some((entry, None)) => return entry,
            Some((_, Some(slot))) => slot.unwrap_or_else(|| self.witness.slot(p, key)),
            None => {
                // Miss: persistence.load, then node.put (the miss fill).
                sync::pause(Point::GetFillLoad);
                let loaded = self.persistence.load(p, key);
                sync::pause(Point::GetFillStore);
                if !strong {
                    node.put(key, loaded, None, repair);
                    return loaded;
                }
                let slot = self.witness.slot(p, key);
                node.put(key, loaded, Some(sync::Arc::clone(&slot)), repair);
                sync::pause(Point::GetCheck);
                if !self.checks(&loaded) || !self.witness.is_stale_at(&slot, &loaded) {
                    return loaded;
                }
                slot
            }
        };
        // Stale: reload from the source of truth, teaching a forgotten witness in the same step.
        sync::pause(Point::GetReload);
        let reloaded = {
            let store = sync::read(self.persistence.store(p));
            let entry = store.load(key);
            self.witness.learn(&slot, entry.seq);
            entry
        };
        sync::pause(Point::GetRepair);
        node.put(key, reloaded, Some(slot), repair);
        reloaded
    }

    fn list_at(&self, n: usize, partitions: &[usize], prefix: &str) -> Listing {
        let node = &self.nodes[n];
        let repair = self.protocol.variant.repair;
        let barrier = self.is_strong() && !self.protocol.is(Mutant::ListIgnoresWitness);
        let mut out = Listing::new();
        for &p in partitions {
            let listing = match node.listing(p) {
                Some(listing) => listing,
                None => {
                    sync::pause(Point::ListFillLoad);
                    let loaded = self.persistence.scan(p);
                    sync::pause(Point::ListFillStore);
                    node.store_listing(p, &loaded, repair);
                    loaded
                }
            };
            let listing = if barrier && self.listing_is_stale(p, &listing) {
                sync::pause(Point::ListReload);
                let loaded = {
                    let store = sync::read(self.persistence.store(p));
                    let loaded = store.scan();
                    self.witness.learn_partition(p, &loaded);
                    loaded
                };
                sync::pause(Point::ListRepair);
                node.store_listing(p, &loaded, repair);
                loaded
            } else {
                listing
            };
            out.extend(listing.into_iter().filter(|(k, _)| k.starts_with(prefix)));
        }
        out
    }

    /// The partition barrier, a step of its own.
    fn listing_is_stale(&self, p: usize, listing: &Listing) -> bool {
        sync::pause(Point::ListCheck);
        self.witness.is_listing_stale(p, listing)
    }

    // ---- faults -----------------------------------------------------------------------------

    /// The node drops its entry for `key`.
    pub fn evict(&self, node: NodeId, key: &str) -> Result<()> {
        let n = self.node_index(node)?;
        self.partition_of(key)?;
        self.nodes[n].evict(key);
        Ok(())
    }

    /// The node drops its cached listings.
    pub fn evict_listing(&self, node: NodeId) -> Result<()> {
        let n = self.node_index(node)?;
        self.nodes[n].evict_listing();
        Ok(())
    }

    /// The node restarts and loses everything it held.
    pub fn restart_node(&self, node: NodeId) -> Result<()> {
        let n = self.node_index(node)?;
        self.nodes[n].restart();
        Ok(())
    }

    /// The witness is replaced with empty memory.
    pub fn restart_witness(&self) {
        self.witness.restart();
    }

    // ---- replication ------------------------------------------------------------------------

    /// Replication messages in flight, in queue order.
    pub fn pending_replication(&self) -> Vec<(String, Seq)> {
        self.replicator.pending()
    }

    /// Delivers in-flight message `index` to the replica (out of order if `index > 0`); with
    /// `keep`, the message stays queued and will be delivered again. Returns what the replica
    /// holds for the key afterwards, or `None` if there is no such message.
    pub fn deliver_replication(&self, index: usize, keep: bool) -> Option<Entry> {
        let delivery = self.replicator.take(index, keep)?;
        Some(self.replica.apply(&delivery, self.recorder.as_ref()))
    }

    /// Delivers every in-flight message in queue order.
    pub fn drain_replication(&self) -> usize {
        let mut delivered = 0;
        while self.deliver_replication(0, false).is_some() {
            delivered += 1;
        }
        delivered
    }

    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Whether the replica equals the source for every key, judged with the shared
    /// `witness_model::properties::replica::converged` on the committed versions.
    pub fn replica_converged(&self) -> bool {
        let replica = self.replica.snapshot();
        (0..self.partitions.len()).all(|p| {
            let source = self.persistence.scan(p);
            let keys: Vec<&String> = source.keys().collect();
            let source_seqs: Vec<Seq> = keys.iter().map(|k| source[*k].seq).collect();
            let replica_seqs: Vec<Seq> = keys
                .iter()
                .map(|k| replica.get(*k).map_or(0, |e| e.seq))
                .collect();
            witness_model::properties::replica::converged(&source_seqs, &replica_seqs)
        })
    }

    // ---- inspection (checks and tools) ------------------------------------------------------

    /// What persistence holds for `key`.
    pub fn persisted(&self, key: &str) -> Result<Entry> {
        let p = self.partition_of(key)?;
        Ok(self.persistence.load(p, key))
    }

    /// What the witness knows about `key`: `None` when it has forgotten it.
    pub fn witness_known(&self, key: &str) -> Result<Option<Seq>> {
        let p = self.partition_of(key)?;
        Ok(self.witness.known(p, key))
    }

    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }

    /// A client whose operations are recorded (when the cache has a recorder) for the property
    /// checkers.
    pub fn client(&self, id: ClientId) -> Client<'_> {
        Client { cache: self, id }
    }
}

/// Operations of one client, recorded as `Invoke` before their first step and `Return` after their
/// last. Input is validated before the `Invoke`, so a rejected call leaves no trace in the history.
#[derive(Clone, Copy, Debug)]
pub struct Client<'c> {
    cache: &'c IndexCache,
    id: ClientId,
}

impl Client<'_> {
    pub fn id(&self) -> ClientId {
        self.id
    }

    pub fn put(&self, node: NodeId, key: &str, location: Location) -> Result<Seq> {
        self.write(node, key, Some(location))
    }

    pub fn delete(&self, node: NodeId, key: &str) -> Result<Seq> {
        self.write(node, key, None)
    }

    fn write(&self, node: NodeId, key: &str, location: Option<Location>) -> Result<Seq> {
        let cache = self.cache;
        let (n, p) = (cache.node_index(node)?, cache.partition_of(key)?);
        let rec = cache.recorder.as_ref();
        if let Some(r) = rec {
            let op = match location {
                Some(_) => RecOp::Put(key),
                None => RecOp::Delete(key),
            };
            r.invoke(self.id, op);
        }
        let seq = cache.write_at(n, p, key, location);
        if let Some(r) = rec {
            r.ret(self.id, RecRet::Ack(seq));
        }
        Ok(seq)
    }

    pub fn read(&self, node: NodeId, key: &str) -> Result<Entry> {
        let cache = self.cache;
        let (n, p) = (cache.node_index(node)?, cache.partition_of(key)?);
        let rec = cache.recorder.as_ref();
        if let Some(r) = rec {
            r.invoke(self.id, RecOp::Get(key));
        }
        let entry = cache.read_at(n, p, key);
        if let Some(r) = rec {
            r.ret(self.id, RecRet::Read(entry.seq, entry.exists()));
        }
        Ok(entry)
    }

    /// LIST of every key (the model's LIST of the whole keyspace).
    pub fn list(&self, node: NodeId) -> Result<Listing> {
        let cache = self.cache;
        let n = cache.node_index(node)?;
        let partitions = cache.partitions_for_prefix("")?;
        let rec = cache.recorder.as_ref();
        if let Some(r) = rec {
            r.invoke(self.id, RecOp::List);
        }
        let listing = cache.list_at(n, &partitions, "");
        if let Some(r) = rec {
            let entries = listing
                .iter()
                .map(|(k, e)| (k.as_str(), e.seq, e.exists()))
                .collect();
            r.ret(self.id, RecRet::Listed(entries));
        }
        Ok(listing)
    }
}

#[cfg(all(test, not(loom), not(feature = "shuttle")))]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A thread panics halfway through updating node 1 (after inserting a bogus entry). The node
    /// must not serve what it left behind: it is cleared and refilled from persistence.
    #[test]
    fn a_poisoned_node_is_cleared_before_it_serves_again() {
        for mode in [Mode::Eventual, Mode::Strong] {
            let cache = Arc::new(IndexCache::new(Config::new(2, mode)).expect("valid"));
            cache.put_via(NodeId(0), "k", Location(1)).expect("valid");
            cache.read_via(NodeId(1), "k").expect("valid");
            cache.put_via(NodeId(0), "k", Location(2)).expect("valid");
            let poisoner = Arc::clone(&cache);
            let outcome = std::thread::spawn(move || poisoner.nodes[1].poison_for_test("k")).join();
            assert!(outcome.is_err(), "the injected panic happened");
            assert_eq!(cache.nodes[1].poisoned("k"), (true, true));
            let entry = cache.read_via(NodeId(1), "k").expect("valid");
            assert_eq!(
                (entry.seq, entry.location),
                (2, Some(Location(2))),
                "{mode}: a poisoned node was cleared and refilled from persistence"
            );
            assert_eq!(cache.nodes[1].poisoned("k"), (false, true));
            // The listings are cleared on their next use, and refilled from persistence.
            let listed = cache.list_via(NodeId(1), "").expect("valid");
            assert_eq!(listed.get("k").map(|e| e.seq), Some(2));
            assert_eq!(cache.nodes[1].poisoned("k"), (false, false));
            // The node works normally afterwards.
            cache.put_via(NodeId(1), "k", Location(3)).expect("valid");
            assert_eq!(cache.read_via(NodeId(1), "k").map(|e| e.seq), Ok(3));
        }
    }
}
