//! The state of the whole index tier at one instant, and each client's operation in flight.
//!
//! Values are versions only: a cache entry, a listing slot, the witness's table and persistence all
//! hold per-key sequence numbers. Whether version `s` of a key is a PUT or a DELETE is recorded once,
//! when persistence assigns `s`.
//!
//! [`SystemState`] is packed into a few machine words (see [`super::layout`]); its accessors take
//! and return the readable types below ([`Phase`], [`Listing`], ...), which is what the transitions,
//! the narration and the Explorer work with.

use super::layout::{Field, Layout, Shape, Table, WORDS};
use super::monitor_store::PackedStore;
use crate::history::{ClientId, Key, Observed};
use crate::properties::Monitor;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Index, IndexMut};

/// The model's version number: a few bits in the packed state, a byte elsewhere. Widened to
/// [`crate::history::Seq`] where the model emits events or reads the monitor.
pub type Seq = u8;

/// The largest sequence number a key can reach; bounds the number of writes a model can issue.
pub const SEQ_MAX: Seq = 15;

#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct NodeId(pub u8);

impl NodeId {
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cache node {}", u16::from(self.0) + 1)
    }
}

/// One version per key: a cache node's listing of the partition `["" .. ∞)`.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct Listing {
    seqs: [Seq; super::config::MAX_KEYS as usize],
    keys: u8,
}

impl Listing {
    /// Every key at version 0 (never written).
    pub fn empty(keys: u8) -> Listing {
        Listing {
            seqs: [0; super::config::MAX_KEYS as usize],
            keys,
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = Key> {
        (0..u32::from(self.keys)).map(Key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (Key, Seq)> + '_ {
        self.keys().map(|k| (k, self[k]))
    }
}

impl Index<Key> for Listing {
    type Output = Seq;
    fn index(&self, key: Key) -> &Seq {
        &self.seqs[key.index()]
    }
}

impl IndexMut<Key> for Listing {
    fn index_mut(&mut self, key: Key) -> &mut Seq {
        &mut self.seqs[key.index()]
    }
}

/// A PUT or DELETE after persistence assigned its version.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct WriteOp {
    pub key: Key,
    pub node: NodeId,
    pub seq: Seq,
    /// PUT (the key exists afterwards) or DELETE.
    pub put: bool,
}

impl WriteOp {
    pub fn verb(&self) -> &'static str {
        if self.put {
            "PUT"
        } else {
            "DELETE"
        }
    }
}

/// The steps of a PUT or DELETE after persistence assigned its version. Which of the commit and
/// witness steps exist, and in which order, is the variant's `WitnessOrder`.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum WriteStep {
    Commit,
    NotifyWitness,
    CommitAndNotify,
    UpdateCache,
    /// Enqueue for replication and acknowledge. One step: the enqueue commutes with every other
    /// step except the delivery it enables, so splitting it would add states but no behaviour.
    Ack,
}

/// The steps of a GET after the cache lookup.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum GetStep {
    /// The node had no entry: read persistence.
    FillLoad,
    /// Store what persistence returned in the node.
    FillStore { loaded: Seq },
    /// Strong mode: ask the witness whether `entry` is stale.
    CheckWitness { entry: Seq },
    /// The witness said stale: read persistence again.
    Reload,
    /// Put the reloaded version back into the node, then answer.
    Repair { loaded: Seq },
}

/// The steps of a LIST after the listing lookup; the same shape as a GET at partition granularity.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum ListStep {
    FillLoad,
    FillStore { loaded: Listing },
    CheckBarrier { listing: Listing },
    Reload,
    Repair { loaded: Listing },
}

/// A client's operation in flight, and the step it takes next.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Phase {
    Idle,
    Write {
        op: WriteOp,
        step: WriteStep,
    },
    Get {
        key: Key,
        node: NodeId,
        step: GetStep,
    },
    List {
        node: NodeId,
        step: ListStep,
    },
}

impl Phase {
    /// The cache node the operation goes through.
    pub fn node(&self) -> Option<NodeId> {
        match *self {
            Phase::Idle => None,
            Phase::Write { op, .. } => Some(op.node),
            Phase::Get { node, .. } | Phase::List { node, .. } => Some(node),
        }
    }

    /// The version of `key` this operation carries and may still store or answer.
    pub fn version_carried(&self, key: Key) -> Option<Seq> {
        match *self {
            Phase::Idle => None,
            Phase::Write { op, .. } => (op.key == key).then_some(op.seq),
            Phase::Get { key: k, step, .. } => match step {
                GetStep::FillStore { loaded: s }
                | GetStep::CheckWitness { entry: s }
                | GetStep::Repair { loaded: s }
                    if k == key =>
                {
                    Some(s)
                }
                _ => None,
            },
            Phase::List { step, .. } => match step {
                ListStep::FillStore { loaded: l }
                | ListStep::CheckBarrier { listing: l }
                | ListStep::Repair { loaded: l } => Some(l[key]),
                _ => None,
            },
        }
    }

    pub fn with_node(self, node: NodeId) -> Phase {
        match self {
            Phase::Idle => Phase::Idle,
            Phase::Write { op, step } => Phase::Write {
                op: WriteOp { node, ..op },
                step,
            },
            Phase::Get { key, step, .. } => Phase::Get { key, node, step },
            Phase::List { step, .. } => Phase::List { node, step },
        }
    }
}

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

fn seq(raw: u64) -> Seq {
    Seq::try_from(raw).unwrap_or(Seq::MAX)
}

fn id(raw: u64) -> u8 {
    u8::try_from(raw).unwrap_or(u8::MAX)
}

const IDLE: u64 = 0;
const WRITE: u64 = 1;
const GET: u64 = 2;
const LIST: u64 = 3;

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
        Layout::in_record(self.layout.node_records, field, usize::from(node.0))
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
        seq(self.get(Self::per_key(self.layout.persisted, key)))
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
        seq(self.get(Self::per_key(self.layout.assigned, key)))
    }

    /// Persistence assigns the next version of `key` to a PUT or DELETE.
    pub fn assign(&mut self, key: Key, put: bool) -> Seq {
        let next = self.assigned(key) + 1;
        self.set(Self::per_key(self.layout.assigned, key), next.into());
        if put {
            let field = Self::per_key(self.layout.puts, key);
            let bits = self.get(field) | (1 << (u64::from(next) - 1));
            self.set(field, bits);
        }
        next
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

    /// The witness's latest known version; `None` after a restart until relearned.
    pub fn witness(&self, key: Key) -> Option<Seq> {
        match self.get(Self::per_key(self.layout.witness, key)) {
            0 => None,
            known => Some(seq(known - 1)),
        }
    }

    pub fn set_witness(&mut self, key: Key, known: Option<Seq>) {
        let raw = known.map_or(0, |s| u64::from(s) + 1);
        self.set(Self::per_key(self.layout.witness, key), raw);
    }

    pub fn witness_restarts(&self) -> u8 {
        id(self.get(self.layout.restarts))
    }

    pub fn set_witness_restarts(&mut self, restarts: u8) {
        self.set(self.layout.restarts, restarts.into());
    }

    /// The version the cross-region replica holds.
    pub fn replica(&self, key: Key) -> Seq {
        seq(self.get(Self::per_key(self.layout.replica, key)))
    }

    pub fn set_replica(&mut self, key: Key, value: Seq) {
        self.set(Self::per_key(self.layout.replica, key), value.into());
    }

    fn max_seq(&self) -> u64 {
        self.layout.shape.max_seq()
    }

    /// Replication deliveries in flight, in queue order.
    pub fn replication(&self) -> impl Iterator<Item = (Key, Seq)> + '_ {
        (0..self.layout.queue_slots)
            .map(|i| self.get(self.layout.queue.at(i)))
            .take_while(|&code| code != 0)
            .map(|code| {
                let k = (code - 1) / self.max_seq();
                (
                    Key(u32::try_from(k).unwrap_or(u32::MAX)),
                    seq(code - k * self.max_seq()),
                )
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
            held => Some(seq(held - 1)),
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
            listing[key] = seq(self.get(field));
        }
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
    }

    /// The node holds an entry or a listing.
    pub fn node_holds_anything(&self, node: NodeId) -> bool {
        self.listing(node).is_some() || self.keys().any(|k| self.entry(node, k).is_some())
    }

    /// The node's faults waiting for their first reader, as `layout.deferred` encodes them.
    pub fn deferred(&self, node: NodeId) -> u8 {
        id(self.get(self.node_field(self.layout.deferred, node)))
    }

    pub fn set_deferred(&mut self, node: NodeId, bits: u8) {
        self.set(self.node_field(self.layout.deferred, node), bits.into());
    }

    /// A witness restart waits for its first reader.
    pub fn witness_deferred(&self) -> bool {
        self.get(self.layout.witness_deferred) != 0
    }

    pub fn set_witness_deferred(&mut self, deferred: bool) {
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
        id(self.get(self.client_field(self.layout.remaining, client)))
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
        decode_phase(self.layout, raw)
    }

    pub fn set_phase(&mut self, client: ClientId, phase: Phase) {
        let raw = encode_phase(self.layout, &phase);
        self.set(self.client_field(self.layout.phase, client), raw);
    }

    pub fn is_idle(&self, client: ClientId) -> bool {
        self.get(self.client_field(self.layout.phase, client)) == 0
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

fn encode_phase(layout: &Layout, phase: &Phase) -> u64 {
    let code = &layout.phase_code;
    let mut words = [0u64; WORDS];
    let mut put = |field: Field, value: u64| field.set(&mut words, value);
    let (tag, step) = match *phase {
        Phase::Idle => return IDLE,
        Phase::Write { op, step } => {
            put(code.node, op.node.0.into());
            put(code.key, op.key.0.into());
            put(code.seq, op.seq.into());
            put(code.put, op.put.into());
            (WRITE, step as u64)
        }
        Phase::Get { key, node, step } => {
            put(code.node, node.0.into());
            put(code.key, key.0.into());
            let (index, payload) = match step {
                GetStep::FillLoad => (0, 0),
                GetStep::FillStore { loaded } => (1, loaded),
                GetStep::CheckWitness { entry } => (2, entry),
                GetStep::Reload => (3, 0),
                GetStep::Repair { loaded } => (4, loaded),
            };
            put(code.seq, payload.into());
            (GET, index)
        }
        Phase::List { node, step } => {
            put(code.node, node.0.into());
            let (index, payload) = match step {
                ListStep::FillLoad => (0, None),
                ListStep::FillStore { loaded } => (1, Some(loaded)),
                ListStep::CheckBarrier { listing } => (2, Some(listing)),
                ListStep::Reload => (3, None),
                ListStep::Repair { loaded } => (4, Some(loaded)),
            };
            if let Some(listing) = payload {
                for (key, s) in listing.iter() {
                    put(code.listing.at(key.index()), s.into());
                }
            }
            (LIST, index)
        }
    };
    put(code.tag, tag);
    put(code.step, step);
    words[0]
}

const WRITE_STEPS: [WriteStep; 5] = [
    WriteStep::Commit,
    WriteStep::NotifyWitness,
    WriteStep::CommitAndNotify,
    WriteStep::UpdateCache,
    WriteStep::Ack,
];

fn decode_phase(layout: &Layout, raw: u64) -> Phase {
    let code = &layout.phase_code;
    let mut words = [0u64; WORDS];
    words[0] = raw;
    let get = |field: Field| field.get(&words);
    let node = NodeId(id(get(code.node)));
    let key = Key(u32::try_from(get(code.key)).unwrap_or(u32::MAX));
    let step = usize::try_from(get(code.step)).unwrap_or(0);
    let payload = seq(get(code.seq));
    let listing = || {
        let mut listing = Listing::empty(layout.shape.keys);
        for k in 0..u32::from(layout.shape.keys) {
            listing[Key(k)] = seq(get(code.listing.at(Key(k).index())));
        }
        listing
    };
    match get(code.tag) {
        WRITE => Phase::Write {
            op: WriteOp {
                key,
                node,
                seq: payload,
                put: get(code.put) != 0,
            },
            step: WRITE_STEPS[step.min(WRITE_STEPS.len() - 1)],
        },
        GET => Phase::Get {
            key,
            node,
            step: match step {
                0 => GetStep::FillLoad,
                1 => GetStep::FillStore { loaded: payload },
                2 => GetStep::CheckWitness { entry: payload },
                3 => GetStep::Reload,
                _ => GetStep::Repair { loaded: payload },
            },
        },
        LIST => Phase::List {
            node,
            step: match step {
                0 => ListStep::FillLoad,
                1 => ListStep::FillStore { loaded: listing() },
                2 => ListStep::CheckBarrier { listing: listing() },
                3 => ListStep::Reload,
                _ => ListStep::Repair { loaded: listing() },
            },
        },
        _ => Phase::Idle,
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
