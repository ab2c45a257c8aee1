//! How large a model may be, and where each field of a packed `SystemState` lives: bit offsets and
//! widths computed from the configuration, so that every field takes only the bits its
//! configuration needs (a version of a key written at most 4 times takes 3 bits, a node id among
//! 2 nodes 1 bit). The configuration and the state both read the bounds here.
//!
//! The cache nodes' fields and each client's fields are contiguous records, so that symmetry
//! reduction can sort and move whole records. One layout exists per shape of configuration and
//! lives for the whole process (states point at it), so a state is self-describing.

use std::sync::Mutex;

/// The model's version number: a few bits in the packed state, a byte elsewhere. Widened to
/// [`crate::history::Seq`] where the model emits events or reads the monitor.
pub type Seq = u8;

/// The largest sequence number a key can reach; bounds the number of writes a model can issue.
pub const SEQ_MAX: Seq = 15;

/// The sizes a model may have; beyond these the state space is far out of reach anyway, and the
/// bit-packed sets in the state would overflow.
pub const MAX_CLIENTS: u8 = 5;
pub const MAX_CACHE_NODES: u8 = 5;
pub const MAX_KEYS: u8 = 4;
pub const MAX_WITNESS_NODES: u8 = 5;

// A node's deferred faults (one bit per key, the listing, a restart) are read back as a `u8`.
const _: () = assert!(MAX_KEYS + 2 <= u8::BITS as u8);

/// The packed state's fixed size in 64-bit words (the monitor's summary is packed beside it, see
/// `monitor_store.rs`). Configurations whose fields need more bits are rejected by
/// `WitnessCfg::validate`.
pub const WORDS: usize = 4;
pub const CAPACITY_BITS: usize = WORDS * 64;

/// A run of bits: `width` bits starting at bit `at`.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Field {
    pub at: u16,
    pub width: u8,
}

impl Field {
    #[inline]
    fn mask(self) -> u64 {
        if self.width >= 64 {
            u64::MAX
        } else {
            (1u64 << self.width) - 1
        }
    }

    /// The same field moved by `bits`.
    pub fn shifted(self, bits: usize) -> Field {
        Field {
            at: self.at + u16::try_from(bits).unwrap_or(u16::MAX),
            width: self.width,
        }
    }

    #[inline]
    pub fn get(self, words: &[u64]) -> u64 {
        if self.width == 0 {
            return 0;
        }
        let at = usize::from(self.at);
        let (word, shift) = (at / 64, at % 64);
        let mut value = words[word] >> shift;
        if shift + usize::from(self.width) > 64 {
            value |= words[word + 1] << (64 - shift);
        }
        value & self.mask()
    }

    #[inline]
    pub fn set(self, words: &mut [u64], value: u64) {
        if self.width == 0 {
            return;
        }
        // A value too wide for its field would silently corrupt its neighbours, and CI runs the
        // tests in release: so this is checked in every build (one compare per write).
        assert!(value <= self.mask(), "{value} does not fit {self:?}");
        let at = usize::from(self.at);
        let (word, shift) = (at / 64, at % 64);
        let mask = self.mask();
        words[word] = (words[word] & !(mask << shift)) | ((value & mask) << shift);
        if shift + usize::from(self.width) > 64 {
            let high = 64 - shift;
            let rest = mask >> high;
            words[word + 1] = (words[word + 1] & !rest) | ((value >> high) & rest);
        }
    }
}

/// `count` equal fields, `stride` bits apart (a per-key table, or one field of every record).
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Table {
    pub first: Field,
    pub stride: u16,
}

impl Table {
    pub fn at(self, index: usize) -> Field {
        self.first.shifted(index * usize::from(self.stride))
    }
}

/// What a layout depends on.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct Shape {
    pub clients: u8,
    pub nodes: u8,
    pub keys: u8,
    pub ops_per_client: u8,
    pub witness_restarts: u8,
    pub witness_nodes: u8,
    pub witness_slots: u8,
    /// A forgotten slot remembers the highest version notified since (`witness-service`).
    pub witness_floor: bool,
    pub witness_outages: u8,
    pub witness_failovers: u8,
    /// A listing records the partition's committed prefix beside its versions.
    pub listing_seq: bool,
    /// The partition may split in two (`Faults::partition_split`).
    pub partition_split: bool,
    /// Clients may invoke conditional writes (`put-if`, `delete-if`): the monitor keeps their
    /// preconditions and what it learns of each version's kind.
    pub conditional: bool,
}

impl Shape {
    /// The highest version a key can reach: every operation of every client writes it.
    pub fn max_seq(self) -> u64 {
        u64::from(self.clients) * u64::from(self.ops_per_client)
    }

    /// The highest epoch a witness node can reach: every restart and failover hits it.
    pub fn max_epoch(self) -> u64 {
        u64::from(self.witness_restarts) + u64::from(self.witness_failovers)
    }

    /// Bits of one witness node's epoch inside [`PhaseCode::epochs`].
    pub fn epoch_bits(self) -> u8 {
        bits_for(self.max_epoch())
    }

    /// Versions a packed listing holds: one per key, then the committed prefix it records for
    /// each key range (one range, or two when the partition may split).
    pub fn listing_slots(self) -> u8 {
        self.keys + self.recorded_ranges()
    }

    /// Committed prefixes a packed listing records.
    pub fn recorded_ranges(self) -> u8 {
        match (self.listing_seq, self.partition_split) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => 2,
        }
    }
}

/// A field's value as the byte its typed setter stored. Every such field is narrower than a byte,
/// so a wider value means the packed state is corrupt: a bug, never something to saturate.
pub fn byte(raw: u64, what: &str) -> u8 {
    u8::try_from(raw)
        .unwrap_or_else(|_| panic!("corrupt packed state: {what} holds {raw}, wider than a byte"))
}

/// Bits needed to hold every value in `0..=max`.
pub fn bits_for(max: u64) -> u8 {
    u8::try_from(64 - max.leading_zeros()).unwrap_or(64)
}

/// The encoding of a client's phase inside its `phase` field (see `phase_packing.rs`).
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct PhaseCode {
    pub tag: Field,
    pub node: Field,
    pub step: Field,
    pub key: Field,
    /// A write's version, or a GET's entry/loaded version.
    pub seq: Field,
    pub put: Field,
    /// A LIST's listing: one version per key.
    pub listing: Table,
    /// A relearn's fence: each witness node's epoch when persistence was read.
    pub epochs: Field,
    pub width: u8,
}

#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Layout {
    pub shape: Shape,
    pub seq_bits: u8,
    pub persisted: Table,
    pub assigned: Table,
    /// Per key: bit `s - 1` is set iff version `s` was written by a PUT.
    pub puts: Table,
    pub replica: Table,
    /// Witness restarts so far, over every witness node.
    pub restarts: Field,
    pub failovers: Field,
    pub outages: Field,
    /// 0 while the partition is whole; after its split, 1 + the last version the parent had
    /// assigned (where both halves' numbering continues).
    pub split: Field,
    /// Records of the witness nodes.
    pub witness_records: Table,
    /// Within a witness node record: per slot, `witness_table.rs`'s encoding.
    pub witness_slot: Table,
    /// Within a witness node record: restarts and failovers of this node (fences relearns).
    pub witness_epoch: Field,
    /// Within a witness node record: 1 while the node is unreachable.
    pub witness_out: Field,
    /// Bit `i`: a restart or failover of witness node `i` waits for its first reader
    /// (`deferral.rs`).
    pub witness_deferred: Field,
    /// Replication messages in flight: 0 = empty slot, else `key * max_seq + seq`.
    pub queue: Table,
    pub queue_slots: usize,
    /// A replication delivery has happened, so no client starts another operation.
    pub replicating: Field,
    /// Records of the cache nodes.
    pub node_records: Table,
    /// Within a node record: per key 0 = no entry, else the version + 1.
    pub entry: Table,
    pub listed: Field,
    pub listing: Table,
    /// Within a node record: faults waiting for their first reader (`deferral.rs`): bit `k` an
    /// evicted entry of key `k`, bit `keys` the evicted listing, bit `keys + 1` a restart.
    pub deferred: Field,
    /// Records of the clients.
    pub client_records: Table,
    pub remaining: Field,
    pub phase: Field,
    pub phase_code: PhaseCode,
    /// Bits in use.
    pub bits: usize,
}

/// Hands out consecutive runs of bits.
pub(crate) struct Alloc(pub(crate) usize);

impl Alloc {
    pub(crate) fn field(&mut self, width: u8) -> Field {
        let at = u16::try_from(self.0).unwrap_or(u16::MAX);
        self.0 += usize::from(width);
        Field { at, width }
    }

    pub(crate) fn table(&mut self, width: u8, count: u8) -> Table {
        let first = self.field(width);
        self.0 += usize::from(width) * usize::from(count.saturating_sub(1));
        Table {
            first,
            stride: u16::from(width),
        }
    }
}

/// Bits of a phase's step code: room for every step of the longest step enum.
pub const STEP_BITS: u8 = 3;

fn phase_code(shape: Shape, seq_bits: u8) -> PhaseCode {
    let mut a = Alloc(0);
    let tag = a.field(2);
    let node = a.field(bits_for(u64::from(shape.nodes) - 1));
    let step = a.field(STEP_BITS);
    let key = a.field(bits_for(u64::from(shape.keys) - 1));
    let epoch_width = if shape.witness_floor {
        shape.epoch_bits() * shape.witness_nodes
    } else {
        0
    };
    let epochs = a.field(epoch_width);
    let payload = a.0;
    let seq = a.field(seq_bits);
    let put = a.field(1);
    let write_end = a.0;
    a.0 = payload;
    let listing = a.table(seq_bits, shape.listing_slots());
    let width = u8::try_from(a.0.max(write_end)).unwrap_or(u8::MAX);
    PhaseCode {
        epochs,
        tag,
        node,
        step,
        key,
        seq,
        put,
        listing,
        width,
    }
}

/// A field of a record, placed in the state: moved to where the first record of `records` starts.
fn within(field: Field, records: Table) -> Field {
    field.shifted(usize::from(records.first.at))
}

fn within_table(table: Table, records: Table) -> Table {
    Table {
        first: within(table.first, records),
        stride: table.stride,
    }
}

/// One bit per witness node whose restart or failover may wait for its reader (`deferral.rs`).
fn deferred_witness_bits(shape: Shape) -> u8 {
    if shape.witness_restarts > 0 || shape.witness_failovers > 0 {
        shape.witness_nodes
    } else {
        0
    }
}

/// Where a witness node's fields sit within its record.
struct WitnessRecord {
    slot: Table,
    epoch: Field,
    out: Field,
    width: u8,
}

fn witness_record(shape: Shape) -> WitnessRecord {
    let max_seq = shape.max_seq();
    let mut a = Alloc(0);
    // Known(s) is s + 1; forgotten is 0, or with a floor f (witness-service) max_seq + 1 + f.
    let slot_values = if shape.witness_floor {
        2 * max_seq + 1
    } else {
        max_seq + 1
    };
    let slot = a.table(bits_for(slot_values), shape.witness_slots);
    // With one node, its epoch is its restarts + failovers, which the global counts give.
    let own_epoch = if shape.witness_nodes > 1 {
        shape.epoch_bits()
    } else {
        0
    };
    let epoch = a.field(own_epoch);
    let out = a.field(u8::from(shape.witness_outages > 0));
    WitnessRecord {
        slot,
        epoch,
        out,
        width: u8::try_from(a.0).unwrap_or(u8::MAX),
    }
}

impl Layout {
    pub fn new(shape: Shape) -> Layout {
        let max_seq = shape.max_seq();
        let seq_bits = bits_for(max_seq);
        let opt_seq_bits = bits_for(max_seq + 1);
        let mut a = Alloc(0);
        let keys = shape.keys;
        let persisted = a.table(seq_bits, keys);
        let assigned = a.table(seq_bits, keys);
        let puts = a.table(u8::try_from(max_seq).unwrap_or(u8::MAX), keys);
        let replica = a.table(seq_bits, keys);
        let restarts = a.field(bits_for(u64::from(shape.witness_restarts)));
        let failovers = a.field(bits_for(u64::from(shape.witness_failovers)));
        let outages = a.field(bits_for(u64::from(shape.witness_outages)));
        let split = a.field(if shape.partition_split {
            bits_for(max_seq + 1)
        } else {
            0
        });
        let record = witness_record(shape);
        let witness_records = a.table(record.width, shape.witness_nodes);
        let witness_deferred = a.field(deferred_witness_bits(shape));
        let queue_slots = usize::try_from(max_seq).unwrap_or(0);
        let queue_bits = bits_for(u64::from(keys) * max_seq);
        let queue = a.table(queue_bits, u8::try_from(queue_slots).unwrap_or(u8::MAX));
        let replicating = a.field(1);

        let mut node = Alloc(0);
        let entry = node.table(opt_seq_bits, keys);
        let listed = node.field(1);
        let listing = node.table(seq_bits, shape.listing_slots());
        let deferred = node.field(keys + 2);
        let node_records = a.table(u8::try_from(node.0).unwrap_or(u8::MAX), shape.nodes);

        let phase_code = phase_code(shape, seq_bits);
        let mut client = Alloc(0);
        let remaining = client.field(bits_for(u64::from(shape.ops_per_client)));
        let phase = client.field(phase_code.width);
        let client_records = a.table(u8::try_from(client.0).unwrap_or(u8::MAX), shape.clients);
        Layout {
            shape,
            seq_bits,
            persisted,
            assigned,
            puts,
            replica,
            restarts,
            failovers,
            outages,
            split,
            witness_slot: within_table(record.slot, witness_records),
            witness_epoch: within(record.epoch, witness_records),
            witness_out: within(record.out, witness_records),
            witness_records,
            witness_deferred,
            queue,
            queue_slots,
            replicating,
            entry: within_table(entry, node_records),
            listed: within(listed, node_records),
            listing: within_table(listing, node_records),
            deferred: within(deferred, node_records),
            node_records,
            remaining: within(remaining, client_records),
            phase: within(phase, client_records),
            client_records,
            phase_code,
            bits: a.0,
        }
    }

    /// The layout for `shape`, shared by every state of every model of that shape.
    pub fn interned(shape: Shape) -> &'static Layout {
        static LAYOUTS: Mutex<Vec<&'static Layout>> = Mutex::new(Vec::new());
        let mut layouts = LAYOUTS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = layouts.iter().find(|l| l.shape == shape) {
            return found;
        }
        // Bounded: one per shape of configuration a process checks.
        let layout: &'static Layout = Box::leak(Box::new(Layout::new(shape)));
        layouts.push(layout);
        layout
    }

    /// Words that hold any field (the rest stay zero).
    pub fn words(&self) -> usize {
        self.bits.div_ceil(64)
    }

    /// Field `field` (given for node 0 or client 0) of record `index`.
    pub fn in_record(records: Table, field: Field, index: usize) -> Field {
        field.shifted(index * usize::from(records.stride))
    }

    pub fn in_record_table(records: Table, table: Table, index: usize) -> Table {
        Table {
            first: Self::in_record(records, table.first, index),
            stride: table.stride,
        }
    }
}

/// Reads up to 128 bits (a whole record).
#[inline]
pub fn get_wide(words: &[u64], at: usize, width: usize) -> u128 {
    let low = width.min(64);
    let field = |at: usize, width: usize| Field {
        at: u16::try_from(at).unwrap_or(u16::MAX),
        width: u8::try_from(width).unwrap_or(64),
    };
    let mut value = u128::from(field(at, low).get(words));
    if width > 64 {
        value |= u128::from(field(at + 64, width - 64).get(words)) << 64;
    }
    value
}

/// Writes up to 128 bits (a whole record).
#[inline]
pub fn set_wide(words: &mut [u64], at: usize, width: usize, value: u128) {
    let low = width.min(64);
    let field = |at: usize, width: usize| Field {
        at: u16::try_from(at).unwrap_or(u16::MAX),
        width: u8::try_from(width).unwrap_or(64),
    };
    let mask = if low == 64 {
        u64::MAX
    } else {
        (1u64 << low) - 1
    };
    field(at, low).set(words, (value as u64) & mask);
    if width > 64 {
        field(at + 64, width - 64).set(words, (value >> 64) as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_straddling_words_round_trip() {
        let mut words = [0u64; WORDS];
        let f = Field { at: 60, width: 9 };
        f.set(&mut words, 0x1a5);
        assert_eq!(f.get(&words), 0x1a5);
        let g = Field { at: 51, width: 9 };
        g.set(&mut words, 0x0ff);
        assert_eq!(f.get(&words), 0x1a5);
        assert_eq!(g.get(&words), 0x0ff);
        set_wide(&mut words, 100, 90, (1u128 << 89) | 77);
        assert_eq!(get_wide(&words, 100, 90), (1u128 << 89) | 77);
        assert_eq!(bits_for(0), 0);
        assert_eq!(bits_for(4), 3);
        assert_eq!(bits_for(15), 4);
    }
}
