//! The property monitor's summary inside a packed model state: every cell of
//! [`MonitorStore`] in as few bits as the configuration needs, in three words.
//!
//! Each client's cells (its pending operation with its floors, its own writes, its last reads)
//! form one contiguous record, so symmetry reduction can sort and move clients whole. Unused
//! fields are kept at zero (a cleared pending operation clears its floors), so two summaries that
//! mean the same have the same bits.

use super::layout::{bits_for, byte, get_wide, set_wide, Alloc, Field, Layout, Shape, Table};
use crate::history::{ClientId, Key, Observed, Precondition, Seq};
use crate::properties::{
    version_bit, KeySummary, MonitorStore, Pending, PendingCondition, VersionFacts,
};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

pub const MONITOR_WORDS: usize = 3;
pub const MONITOR_CAPACITY_BITS: usize = MONITOR_WORDS * 64;

const NONE: u64 = 0;
const WRITE: u64 = 1;
const GET: u64 = 2;
const LIST: u64 = 3;

/// Where each cell lives. Fields of the client record are given for client 0.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct MonitorLayout {
    pub shape: Shape,
    acked_seq: Table,
    acked_exists: Table,
    completed: Table,
    replica: Table,
    /// Per key, bit `s - 1`: version `s` is known to be a PUT's; and a create required it
    /// absent. Empty without conditional writes.
    known_puts: Table,
    absent_required: Table,
    pub clients: Table,
    pending: Field,
    pending_key: Field,
    pending_put: Field,
    pending_completed: Field,
    pending_acked_seq: Field,
    pending_acked_exists: Field,
    /// A pending conditional write: 0 for none, 1 for `If-None-Match: *`, 2 for `If-Match` of
    /// the version in `pending_named`; and whether another write overlapped it.
    pending_condition: Field,
    pending_named: Field,
    pending_overlapped: Field,
    list_floor_seq: Table,
    list_floor_exists: Table,
    own_write: Table,
    last_read: Table,
    /// The fields of the pending operation, contiguous: cleared together.
    pending_area: (usize, usize),
    pub bits: usize,
}

impl MonitorLayout {
    pub fn new(shape: Shape) -> MonitorLayout {
        let s = bits_for(shape.max_seq());
        let keys = shape.keys;
        let mut a = Alloc(0);
        let acked_seq = a.table(s, keys);
        let acked_exists = a.table(1, keys);
        let completed = a.table(s, keys);
        let replica = a.table(s, keys);
        let conditional = shape.conditional;
        let facts = if conditional {
            byte(shape.max_seq(), "the versions a key's facts cover")
        } else {
            0
        };
        let known_puts = a.table(facts, keys);
        let absent_required = a.table(facts, keys);
        let mut c = Alloc(0);
        let pending = c.field(2);
        let pending_key = c.field(bits_for(u64::from(keys) - 1));
        let pending_put = c.field(1);
        let pending_completed = c.field(s);
        let pending_acked_seq = c.field(s);
        let pending_acked_exists = c.field(1);
        let pending_condition = c.field(if conditional { 2 } else { 0 });
        let pending_named = c.field(if conditional { s } else { 0 });
        let pending_overlapped = c.field(u8::from(conditional));
        let list_floor_seq = c.table(s, keys);
        let list_floor_exists = c.table(1, keys);
        let pending_end = c.0;
        let own_write = c.table(s, keys);
        let last_read = c.table(s, keys);
        let record = u8::try_from(c.0).unwrap_or(u8::MAX);
        let clients = a.table(record, shape.clients);
        let base = usize::from(clients.first.at);
        let field = |f: Field| f.shifted(base);
        let table = |t: Table| Table {
            first: t.first.shifted(base),
            stride: t.stride,
        };
        MonitorLayout {
            shape,
            acked_seq,
            acked_exists,
            completed,
            replica,
            known_puts,
            absent_required,
            clients,
            pending: field(pending),
            pending_key: field(pending_key),
            pending_put: field(pending_put),
            pending_completed: field(pending_completed),
            pending_acked_seq: field(pending_acked_seq),
            pending_acked_exists: field(pending_acked_exists),
            pending_condition: field(pending_condition),
            pending_named: field(pending_named),
            pending_overlapped: field(pending_overlapped),
            list_floor_seq: table(list_floor_seq),
            list_floor_exists: table(list_floor_exists),
            own_write: table(own_write),
            last_read: table(last_read),
            pending_area: (base, base + pending_end),
            bits: a.0,
        }
    }

    pub fn interned(shape: Shape) -> &'static MonitorLayout {
        static LAYOUTS: Mutex<Vec<&'static MonitorLayout>> = Mutex::new(Vec::new());
        let mut layouts = LAYOUTS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = layouts.iter().find(|l| l.shape == shape) {
            return found;
        }
        // Bounded: one per shape of configuration a process checks.
        let layout: &'static MonitorLayout = Box::leak(Box::new(MonitorLayout::new(shape)));
        layouts.push(layout);
        layout
    }
}

/// The monitor's summary, packed. See the module documentation.
#[derive(Clone)]
pub struct PackedStore {
    layout: &'static MonitorLayout,
    words: [u64; MONITOR_WORDS],
}

impl PackedStore {
    pub fn new(shape: Shape) -> PackedStore {
        PackedStore {
            layout: MonitorLayout::interned(shape),
            words: [0; MONITOR_WORDS],
        }
    }

    /// The words that hold any field (the rest stay zero).
    pub fn packed_words(&self) -> &[u64] {
        &self.words[..self.layout.bits.div_ceil(64)]
    }

    /// The same layout with `words` (as [`PackedStore::packed_words`] returned them) as content.
    pub fn with_packed_words(&self, words: &[u64]) -> PackedStore {
        let mut store = PackedStore {
            layout: self.layout,
            words: [0; MONITOR_WORDS],
        };
        store.words[..words.len()].copy_from_slice(words);
        store
    }

    fn client_field(&self, field: Field, client: ClientId) -> Field {
        Layout::in_record(self.layout.clients, field, client.index())
    }

    fn client_cell(&self, table: Table, client: ClientId, key: Key) -> Field {
        self.client_field(table.at(key.index()), client)
    }

    fn get(&self, field: Field) -> u64 {
        field.get(&self.words)
    }

    fn set(&mut self, field: Field, value: u64) {
        // Versions never exceed the configuration's maximum; one that does is a bug, and
        // `Field::set` panics on it rather than corrupt a neighbouring field or saturate.
        field.set(&mut self.words, value);
    }

    fn observed(&self, seq: Field, exists: Field) -> Observed {
        Observed {
            seq: self.get(seq),
            exists: self.get(exists) != 0,
        }
    }

    fn set_observed(&mut self, seq: Field, exists: Field, value: Observed) {
        self.set(seq, value.seq);
        self.set(exists, u64::from(value.exists));
    }

    /// The bits of client `index`'s record, for ordering clients canonically.
    pub fn client_record(&self, index: usize) -> u128 {
        let records = self.layout.clients;
        let at = usize::from(records.first.at) + index * usize::from(records.stride);
        get_wide(&self.words, at, usize::from(records.stride))
    }

    fn set_client_record(&mut self, index: usize, value: u128) {
        let records = self.layout.clients;
        let at = usize::from(records.first.at) + index * usize::from(records.stride);
        set_wide(&mut self.words, at, usize::from(records.stride), value);
    }

    fn pending_condition(&self, client: ClientId) -> Option<PendingCondition> {
        let l = self.layout;
        let field = |f: Field| self.client_field(f, client);
        let precondition = match self.get(field(l.pending_condition)) {
            0 => return None,
            1 => Precondition::Absent,
            2 => Precondition::Matches(self.get(field(l.pending_named))),
            code => panic!("corrupt packed state: a pending precondition has code {code}"),
        };
        Some(PendingCondition {
            precondition,
            acked: self.observed(field(l.pending_acked_seq), field(l.pending_acked_exists)),
            overlapped: self.get(field(l.pending_overlapped)) != 0,
        })
    }

    fn set_pending_condition(&mut self, client: ClientId, condition: PendingCondition) {
        let l = self.layout;
        let field = |f: Field| Layout::in_record(l.clients, f, client.index());
        let (code, named) = match condition.precondition {
            Precondition::Absent => (1, 0),
            Precondition::Matches(seq) => (2, seq),
        };
        assert!(
            l.pending_condition.width > 0,
            "a conditional write in a configuration without put-if or delete-if"
        );
        self.set(field(l.pending_condition), code);
        self.set(field(l.pending_named), named);
        self.set(field(l.pending_overlapped), u64::from(condition.overlapped));
        let (seq, exists) = (field(l.pending_acked_seq), field(l.pending_acked_exists));
        self.set_observed(seq, exists, condition.acked);
    }

    fn clear_pending(&mut self, client: ClientId) {
        let (start, end) = self.layout.pending_area;
        let offset = client.index() * usize::from(self.layout.clients.stride);
        set_wide(&mut self.words, start + offset, end - start, 0);
    }
}

impl Default for PackedStore {
    /// An empty store for one client and one key written once (the trait asks for a default; the
    /// model always builds its stores with [`PackedStore::new`]).
    fn default() -> Self {
        PackedStore::new(Shape {
            clients: 1,
            nodes: 1,
            keys: 1,
            ops_per_client: 1,
            witness_restarts: 0,
            witness_nodes: 1,
            witness_slots: 1,
            witness_floor: false,
            witness_outages: 0,
            witness_failovers: 0,
            listing_seq: false,
            partition_split: false,
            conditional: false,
        })
    }
}

impl PartialEq for PackedStore {
    fn eq(&self, other: &Self) -> bool {
        self.words == other.words
    }
}

impl Eq for PackedStore {}

impl Hash for PackedStore {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.packed_words().hash(state);
    }
}

impl fmt::Debug for PackedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<Key> = (0..self.key_count()).map(Key).collect();
        let clients: Vec<String> = (0..self.client_count())
            .map(ClientId)
            .map(|c| {
                let per_key = |get: &dyn Fn(Key) -> Seq| keys.iter().map(|&k| get(k)).collect();
                let own: Vec<Seq> = per_key(&|k| self.own_write(c, k));
                let last: Vec<Seq> = per_key(&|k| self.last_read(c, k));
                format!(
                    "{c}: pending {:?}, own writes {own:?}, last reads {last:?}",
                    self.pending(c)
                )
            })
            .collect();
        f.debug_struct("Monitor")
            .field(
                "keys",
                &keys.iter().map(|&k| self.key(k)).collect::<Vec<_>>(),
            )
            .field(
                "replica",
                &keys.iter().map(|&k| self.replica(k)).collect::<Vec<_>>(),
            )
            .field("clients", &clients)
            .finish()
    }
}

impl MonitorStore for PackedStore {
    fn key(&self, key: Key) -> KeySummary {
        let l = self.layout;
        let k = key.index();
        KeySummary {
            acked: self.observed(l.acked_seq.at(k), l.acked_exists.at(k)),
            completed: self.get(l.completed.at(k)),
        }
    }

    fn set_key(&mut self, key: Key, summary: KeySummary) {
        let l = self.layout;
        let k = key.index();
        self.set_observed(l.acked_seq.at(k), l.acked_exists.at(k), summary.acked);
        self.set(l.completed.at(k), summary.completed);
    }

    fn key_count(&self) -> u32 {
        u32::from(self.layout.shape.keys)
    }

    fn note_key(&mut self, key: Key) {
        debug_assert!(
            key.0 < self.key_count(),
            "{key} is outside the model's keys"
        );
    }

    fn client_count(&self) -> u32 {
        u32::from(self.layout.shape.clients)
    }

    fn version_facts(&self, key: Key, seq: Seq) -> VersionFacts {
        let l = self.layout;
        let bit = version_bit(seq).unwrap_or(0);
        let has = |table: Table| self.get(table.at(key.index())) & bit != 0;
        VersionFacts {
            put: has(l.known_puts),
            absent_required: has(l.absent_required),
        }
    }

    fn set_version_facts(&mut self, key: Key, seq: Seq, facts: VersionFacts) {
        let l = self.layout;
        // Versions never pass the shape's maximum (at most `SEQ_MAX`), which the mask holds.
        let Some(bit) = version_bit(seq) else { return };
        for (table, on) in [
            (l.known_puts, facts.put),
            (l.absent_required, facts.absent_required),
        ] {
            // A shape without conditional writes keeps no facts (a zero-width field).
            let field = table.at(key.index());
            if field.width > 0 {
                let mask = self.get(field);
                self.set(field, if on { mask | bit } else { mask & !bit });
            }
        }
    }

    fn replica(&self, key: Key) -> Seq {
        self.get(self.layout.replica.at(key.index()))
    }

    fn set_replica(&mut self, key: Key, seq: Seq) {
        self.set(self.layout.replica.at(key.index()), seq);
    }

    fn own_write(&self, client: ClientId, key: Key) -> Seq {
        self.get(self.client_cell(self.layout.own_write, client, key))
    }

    fn set_own_write(&mut self, client: ClientId, key: Key, seq: Seq) {
        self.set(self.client_cell(self.layout.own_write, client, key), seq);
    }

    fn last_read(&self, client: ClientId, key: Key) -> Seq {
        self.get(self.client_cell(self.layout.last_read, client, key))
    }

    fn set_last_read(&mut self, client: ClientId, key: Key, seq: Seq) {
        self.set(self.client_cell(self.layout.last_read, client, key), seq);
    }

    fn pending(&self, client: ClientId) -> Option<Pending> {
        let l = self.layout;
        let field = |f: Field| self.client_field(f, client);
        let key = self.get(field(l.pending_key));
        let keys = l.shape.keys;
        assert!(
            key < u64::from(keys),
            "corrupt packed state: a pending operation names key {key} of {keys}"
        );
        let key = Key(u32::from(byte(key, "a pending operation's key")));
        let completed = self.get(field(l.pending_completed));
        match self.get(field(l.pending)) {
            WRITE => Some(Pending::Write {
                key,
                put: self.get(field(l.pending_put)) != 0,
                completed,
                condition: self.pending_condition(client),
            }),
            GET => Some(Pending::Get {
                key,
                acked: self.observed(field(l.pending_acked_seq), field(l.pending_acked_exists)),
                completed,
            }),
            LIST => Some(Pending::List),
            NONE => None,
            tag => unreachable!("a pending operation's tag is 2 bits wide, and holds {tag}"),
        }
    }

    fn set_pending(&mut self, client: ClientId, pending: Option<Pending>) {
        let l = self.layout;
        let field = |f: Field| Layout::in_record(l.clients, f, client.index());
        self.clear_pending(client);
        let (tag, key, completed) = match pending {
            None => (NONE, None, 0),
            Some(Pending::Write {
                key,
                put,
                completed,
                condition,
            }) => {
                self.set(field(l.pending_put), u64::from(put));
                if let Some(condition) = condition {
                    self.set_pending_condition(client, condition);
                }
                (WRITE, Some(key), completed)
            }
            Some(Pending::Get {
                key,
                acked,
                completed,
            }) => {
                let (seq, exists) = (field(l.pending_acked_seq), field(l.pending_acked_exists));
                self.set_observed(seq, exists, acked);
                (GET, Some(key), completed)
            }
            Some(Pending::List) => (LIST, None, 0),
        };
        self.set(field(l.pending), tag);
        self.set(field(l.pending_key), key.map_or(0, |k| u64::from(k.0)));
        self.set(field(l.pending_completed), completed);
    }

    fn list_floor(&self, client: ClientId, key: Key) -> Observed {
        let l = self.layout;
        self.observed(
            self.client_cell(l.list_floor_seq, client, key),
            self.client_cell(l.list_floor_exists, client, key),
        )
    }

    fn set_list_floor(&mut self, client: ClientId, key: Key, floor: Observed) {
        let l = self.layout;
        let seq = self.client_cell(l.list_floor_seq, client, key);
        let exists = self.client_cell(l.list_floor_exists, client, key);
        self.set_observed(seq, exists, floor);
    }

    fn hash_client<H: Hasher>(&self, client: ClientId, hasher: &mut H) {
        self.client_record(client.index()).hash(hasher);
    }

    fn permute_clients(&mut self, order: &[usize]) {
        let before = self.clone();
        for (to, &from) in order.iter().enumerate() {
            self.set_client_record(to, before.client_record(from));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::properties::{GrowableStore, Monitor};
    use crate::system::{Action, Mode, Mutant, WitnessCfg};
    use stateright::Model;

    /// The packed store must judge exactly like the growable one used for recorded histories:
    /// random walks through several configurations, comparing after every step.
    #[test]
    fn the_packed_monitor_judges_like_the_growable_one() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let configs = [
            WitnessCfg {
                mode: Mode::Eventual,
                ..WitnessCfg::wide()
            },
            WitnessCfg::large(),
            WitnessCfg {
                mutant: Some(Mutant::WitnessForgetsOnRestart),
                ..WitnessCfg::medium()
            },
        ];
        let mut compared = 0;
        for cfg in configs {
            let model = cfg.into_model().with_symmetry(false);
            for _ in 0..200 {
                let mut state = model.init_state();
                let mut reference = Monitor::with_store(GrowableStore::default());
                for key in state.keys() {
                    let event = crate::history::Event::ReplicaApplied { key, seq: 0 };
                    reference.observe_quietly(&event).expect("well formed");
                }
                loop {
                    let mut actions: Vec<Action> = Vec::new();
                    model.actions(&state, &mut actions);
                    if actions.is_empty() {
                        break;
                    }
                    let pick = usize::try_from(next() % actions.len() as u64).unwrap_or(0);
                    state = model.apply_recording(&state, &actions[pick], &mut |e| {
                        reference.observe_quietly(e).expect("well formed");
                    });
                    assert_eq!(state.monitor.violated(), reference.violated());
                    assert_eq!(state.monitor.found(), reference.found());
                    for key in state.keys() {
                        assert_eq!(state.monitor.acked(key), reference.acked(key));
                        assert_eq!(state.monitor.replica(key), reference.replica(key));
                    }
                    compared += 1;
                }
            }
        }
        assert!(compared > 1000, "{compared}");
    }
}
