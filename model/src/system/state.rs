//! The state of the whole index tier at one instant, packed into a few machine words.
//!
//! Values are versions only: a cache entry, a listing slot, the witness's table and persistence all
//! hold per-key sequence numbers. Whether version `s` of a key is a PUT or a DELETE is recorded once,
//! when persistence assigns `s`.
//!
//! [`SystemState`]'s fields live where [`super::layout`] puts them; its accessors take and return
//! the readable types of [`super::phase`] ([`Phase`], [`Listing`]), which is what the transitions,
//! the narration and the Explorer work with. A field holding a value no setter stores is a corrupt
//! state, and its accessor panics.

use super::layout::{byte, Field, Layout, Seq, Shape, Table, WORDS};
use super::monitor_store::PackedStore;
use super::phase::{Listing, Phase};
use super::phase_packing::{decode, encode, IDLE};
use crate::history::{ClientId, Key, NodeId, Observed};
use crate::properties::Monitor;
use std::fmt;
use std::hash::{Hash, Hasher};

mod witness;

/// The packed state. Every field is reached through a typed accessor.
#[derive(Clone)]
pub struct SystemState {
    layout: &'static Layout,
    words: [u64; WORDS],
    /// The history so far, summarised by the shared property monitor.
    pub monitor: Monitor<PackedStore>,
}

impl PartialEq for SystemState {
    fn eq(&self, other: &Self) -> bool {
        self.words == other.words && self.monitor == other.monitor
    }
}

impl Eq for SystemState {}

impl Hash for SystemState {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.words[..self.layout.words()].hash(state);
        self.monitor.hash(state);
    }
}

/// The replication queue unpacked, on the stack for every configuration that fits a test or a
/// proof (each enqueue and delivery rewrites it).
type ReplicationQueue = smallvec::SmallVec<[(Key, Seq); 16]>;

impl SystemState {
    /// Every field zero: no writes, nothing cached, the witness knows v0 of nothing yet (callers
    /// set what their initial state needs).
    pub fn zeroed(shape: Shape) -> SystemState {
        SystemState {
            layout: Layout::interned(shape),
            words: [0; WORDS],
            monitor: Monitor::with_store(PackedStore::new(shape)),
        }
    }

    pub fn layout(&self) -> &'static Layout {
        self.layout
    }

    pub(crate) fn words(&self) -> &[u64; WORDS] {
        &self.words
    }

    pub(crate) fn words_mut(&mut self) -> &mut [u64; WORDS] {
        &mut self.words
    }

    #[inline]
    fn get(&self, field: Field) -> u64 {
        field.get(&self.words)
    }

    #[inline]
    fn set(&mut self, field: Field, value: u64) {
        field.set(&mut self.words, value);
    }

    fn per_key(table: Table, key: Key) -> Field {
        table.at(key.index())
    }

    fn node_field(&self, field: Field, node: NodeId) -> Field {
        Layout::in_record(self.layout.node_records, field, node.index())
    }

    fn client_field(&self, field: Field, client: ClientId) -> Field {
        Layout::in_record(self.layout.client_records, field, client.index())
    }

    pub fn keys(&self) -> impl Iterator<Item = Key> {
        (0..u32::from(self.layout.shape.keys)).map(Key)
    }

    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> {
        (0..self.layout.shape.nodes).map(NodeId)
    }

    pub fn client_ids(&self) -> impl Iterator<Item = ClientId> {
        (0..u32::from(self.layout.shape.clients)).map(ClientId)
    }

    /// The version persistence holds (the source of truth).
    pub fn persisted(&self, key: Key) -> Seq {
        self.version(self.get(Self::per_key(self.layout.persisted, key)))
    }

    pub fn set_persisted(&mut self, key: Key, value: Seq) {
        self.set(Self::per_key(self.layout.persisted, key), value.into());
    }

    /// Every key's persisted version, as a listing.
    pub fn persisted_listing(&self) -> Listing {
        let mut listing = Listing::empty(self.layout.shape.keys);
        for key in self.keys() {
            listing[key] = self.persisted(key);
        }
        listing
    }

    /// The last version persistence assigned.
    pub fn assigned(&self, key: Key) -> Seq {
        self.version(self.get(Self::per_key(self.layout.assigned, key)))
    }

    /// Persistence assigns version `next` of `key` to a PUT or DELETE: the key's next, or its
    /// partition's (`partition_seq.rs`), above every version of the key.
    pub fn assign(&mut self, key: Key, next: Seq, put: bool) {
        assert!(
            next > self.assigned(key),
            "v{next} of {key} is not above its last version"
        );
        self.set(Self::per_key(self.layout.assigned, key), next.into());
        if put {
            let field = Self::per_key(self.layout.puts, key);
            let bits = self.get(field) | (1 << (u64::from(next) - 1));
            self.set(field, bits);
        }
    }

    /// What version `seq` of `key` means to a reader.
    pub fn observed(&self, key: Key, seq: Seq) -> Observed {
        let puts = self.get(Self::per_key(self.layout.puts, key));
        let exists = seq > 0 && puts & (1 << (u64::from(seq) - 1)) != 0;
        Observed {
            seq: seq.into(),
            exists,
        }
    }

    /// Versions of `key` a reader may still be shown, as a bitmask (bit `s - 1` for version `s`):
    /// the persisted one, those cache nodes hold, and those an operation in flight carries.
    fn versions_in_use(&self, key: Key) -> u64 {
        let bit = |s: Seq| if s > 0 { 1u64 << (u64::from(s) - 1) } else { 0 };
        let mut mask = bit(self.persisted(key));
        for node in self.node_ids() {
            mask |= self.entry(node, key).map_or(0, bit);
            mask |= self.listing(node).map_or(0, |listing| bit(listing[key]));
        }
        for client in self.client_ids() {
            mask |= self.phase(client).version_carried(key).map_or(0, bit);
        }
        mask
    }

    /// Forgets whether versions no reader can be shown any more were PUTs or DELETEs, so that
    /// states which differ only there are one state. What a version meant is read only when it
    /// is answered (`observed`), and an answer always comes from a version in use.
    pub fn forget_unused_versions(&mut self) {
        for key in self.keys() {
            let field = Self::per_key(self.layout.puts, key);
            let puts = self.get(field);
            if puts != 0 {
                self.set(field, puts & self.versions_in_use(key));
            }
        }
    }

    /// After the partition's split, the parent's last version (where both halves' numbering
    /// continues); `None` while the partition is whole.
    pub fn split_base(&self) -> Option<Seq> {
        match self.get(self.layout.split) {
            0 => None,
            raw => Some(self.version(raw - 1)),
        }
    }

    pub fn set_split_base(&mut self, base: Seq) {
        assert!(
            self.layout.shape.partition_split,
            "this shape has no partition split"
        );
        self.set(self.layout.split, u64::from(base) + 1);
    }

    /// The version the cross-region replica holds.
    pub fn replica(&self, key: Key) -> Seq {
        self.version(self.get(Self::per_key(self.layout.replica, key)))
    }

    pub fn set_replica(&mut self, key: Key, value: Seq) {
        self.set(Self::per_key(self.layout.replica, key), value.into());
    }

    fn max_seq(&self) -> u64 {
        self.layout.shape.max_seq()
    }

    /// A version a field holds; one above the highest a key can reach was never stored.
    fn version(&self, raw: u64) -> Seq {
        assert!(
            raw <= self.max_seq(),
            "corrupt packed state: v{raw} is above v{}",
            self.max_seq()
        );
        byte(raw, "a version")
    }

    /// Replication deliveries in flight, in queue order.
    pub fn replication(&self) -> impl Iterator<Item = (Key, Seq)> + '_ {
        (0..self.layout.queue_slots)
            .map(|i| self.get(self.layout.queue.at(i)))
            .take_while(|&code| code != 0)
            .map(|code| {
                let k = (code - 1) / self.max_seq();
                let keys = self.layout.shape.keys;
                assert!(
                    k < u64::from(keys),
                    "corrupt packed state: replication message {code} names key {k} of {keys}"
                );
                let key = Key(u32::from(byte(k, "a replication message's key")));
                (key, self.version(code - k * self.max_seq()))
            })
    }

    pub fn replication_len(&self) -> usize {
        self.replication().count()
    }

    /// Enqueues `key@seq`; with `sorted`, the queue is kept in (key, version) order, which is how
    /// a set of messages that may be delivered in any order is stored canonically.
    pub fn enqueue_replication(&mut self, key: Key, value: Seq, sorted: bool) {
        let mut queue: ReplicationQueue = self.replication().collect();
        queue.push((key, value));
        if sorted {
            queue.sort_unstable();
        }
        self.store_replication(&queue);
    }

    /// Removes the message at `index` of the queue.
    pub fn dequeue_replication(&mut self, index: usize) {
        let mut queue: ReplicationQueue = self.replication().collect();
        queue.remove(index);
        self.store_replication(&queue);
    }

    fn store_replication(&mut self, queue: &[(Key, Seq)]) {
        for i in 0..self.layout.queue_slots {
            let code = queue
                .get(i)
                .map_or(0, |&(k, s)| u64::from(k.0) * self.max_seq() + u64::from(s));
            self.set(self.layout.queue.at(i), code);
        }
    }

    /// The node's entry for `key`: a version (a cached miss is a version whose write was a DELETE,
    /// or 0), or `None` when the node holds nothing for the key.
    pub fn entry(&self, node: NodeId, key: Key) -> Option<Seq> {
        let field = self.node_field(Self::per_key(self.layout.entry, key), node);
        match self.get(field) {
            0 => None,
            held => Some(self.version(held - 1)),
        }
    }

    pub fn set_entry(&mut self, node: NodeId, key: Key, entry: Option<Seq>) {
        let field = self.node_field(Self::per_key(self.layout.entry, key), node);
        self.set(field, entry.map_or(0, |s| u64::from(s) + 1));
    }

    /// The node's cached listing of the partition, if it holds one.
    pub fn listing(&self, node: NodeId) -> Option<Listing> {
        if self.get(self.node_field(self.layout.listed, node)) == 0 {
            return None;
        }
        let mut listing = Listing::empty(self.layout.shape.keys);
        for key in self.keys() {
            let field = self.node_field(Self::per_key(self.layout.listing, key), node);
            listing[key] = self.version(self.get(field));
        }
        let (keys, ranges) = (self.layout.shape.keys, self.layout.shape.recorded_ranges());
        let packed: smallvec::SmallVec<[Seq; 2]> = (keys..keys + ranges)
            .map(|slot| {
                let field = self.node_field(self.layout.listing.at(usize::from(slot)), node);
                self.version(self.get(field))
            })
            .collect();
        listing.unpack_recorded(&packed);
        Some(listing)
    }

    pub fn set_listing(&mut self, node: NodeId, listing: Option<Listing>) {
        self.set(
            self.node_field(self.layout.listed, node),
            u64::from(listing.is_some()),
        );
        for key in self.keys() {
            let field = self.node_field(Self::per_key(self.layout.listing, key), node);
            self.set(field, listing.map_or(0, |l| u64::from(l[key])));
        }
        let keys = usize::from(self.layout.shape.keys);
        let ranges = self.layout.shape.recorded_ranges();
        let none = [0; 2];
        let packed = listing
            .as_ref()
            .map_or(&none[..usize::from(ranges)], |l| l.packed_recorded(ranges));
        for (i, &prefix) in packed.iter().enumerate() {
            let field = self.node_field(self.layout.listing.at(keys + i), node);
            self.set(field, prefix.into());
        }
    }

    /// The node holds an entry or a listing.
    pub fn node_holds_anything(&self, node: NodeId) -> bool {
        self.listing(node).is_some() || self.keys().any(|k| self.entry(node, k).is_some())
    }

    /// The node's faults waiting for their first reader, as `layout.deferred` encodes them.
    pub fn deferred(&self, node: NodeId) -> u8 {
        byte(
            self.get(self.node_field(self.layout.deferred, node)),
            "a node's deferred faults",
        )
    }

    pub fn set_deferred(&mut self, node: NodeId, bits: u8) {
        self.set(self.node_field(self.layout.deferred, node), bits.into());
    }

    /// The witness nodes whose restart or failover waits for its first reader, bit `i` for
    /// node `i`.
    pub fn witness_deferred(&self) -> u8 {
        byte(
            self.get(self.layout.witness_deferred),
            "the deferred witness faults",
        )
    }

    pub fn set_witness_deferred(&mut self, deferred: u8) {
        self.set(self.layout.witness_deferred, deferred.into());
    }

    /// A replication delivery has happened (see `Reduction::DeliveriesLast`).
    pub fn replicating(&self) -> bool {
        self.get(self.layout.replicating) != 0
    }

    pub fn set_replicating(&mut self, replicating: bool) {
        self.set(self.layout.replicating, replicating.into());
    }

    /// Operations the client may still invoke.
    pub fn remaining(&self, client: ClientId) -> u8 {
        byte(
            self.get(self.client_field(self.layout.remaining, client)),
            "a client's remaining operations",
        )
    }

    pub fn set_remaining(&mut self, client: ClientId, remaining: u8) {
        self.set(
            self.client_field(self.layout.remaining, client),
            remaining.into(),
        );
    }

    pub fn phase(&self, client: ClientId) -> Phase {
        let raw = self.get(self.client_field(self.layout.phase, client));
        // Most clients are idle at any instant, and this runs for every client on every step.
        if raw == IDLE {
            return Phase::Idle;
        }
        decode(self.layout, raw)
    }

    pub fn set_phase(&mut self, client: ClientId, phase: Phase) {
        let raw = encode(self.layout, &phase);
        self.set(self.client_field(self.layout.phase, client), raw);
    }

    pub fn is_idle(&self, client: ClientId) -> bool {
        self.get(self.client_field(self.layout.phase, client)) == IDLE
    }

    /// No replication in flight and no write in flight (a write in flight may have committed
    /// without enqueueing yet): the replica has been offered every committed version.
    pub fn is_quiescent(&self) -> bool {
        self.replication_len() == 0
            && self
                .client_ids()
                .all(|c| !matches!(self.phase(c), Phase::Write { .. }))
    }
}

/// The readable form, for the Explorer and debugging.
impl fmt::Debug for SystemState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per_key = |value: &dyn Fn(Key) -> String| -> Vec<String> {
            self.keys().map(|k| format!("{k}: {}", value(k))).collect()
        };
        let nodes: Vec<String> = self
            .node_ids()
            .map(|n| {
                let entries = per_key(&|k| {
                    self.entry(n, k)
                        .map_or("-".to_string(), |s| self.observed(k, s).to_string())
                });
                let listing = self.listing(n).map_or("none".to_string(), |l| {
                    format!("{:?}", l.iter().map(|(_, s)| s).collect::<Vec<_>>())
                });
                format!("{n}: entries {entries:?}, listing {listing}")
            })
            .collect();
        let clients: Vec<String> = self
            .client_ids()
            .map(|c| {
                format!(
                    "{c}: {} operation(s) left, {:?}",
                    self.remaining(c),
                    self.phase(c)
                )
            })
            .collect();
        f.debug_struct("SystemState")
            .field("persisted", &per_key(&|k| self.persisted(k).to_string()))
            .field("assigned", &per_key(&|k| self.assigned(k).to_string()))
            .field(
                "witness",
                &per_key(&|k| {
                    self.witness(k)
                        .map_or("forgotten".into(), |s| s.to_string())
                }),
            )
            .field("witness_restarts", &self.witness_restarts())
            .field("replica", &per_key(&|k| self.replica(k).to_string()))
            .field("replication", &self.replication().collect::<Vec<_>>())
            .field("nodes", &nodes)
            .field("clients", &clients)
            .field("monitor", &self.monitor)
            .finish()
    }
}
