//! The monitor store for recorded histories: u64 versions, any number of keys and clients.
//!
//! Keys and clients are dense indices (the history reader interns names in order of first
//! appearance), so per-key and per-client summaries are plain vectors. The per-(client, key) cells
//! are kept only for pairs that occurred, in a hash map, so memory grows with keys + clients +
//! (client, key) pairs touched + the floors of LISTs in flight, never with keys × clients.

use super::store::{KeySummary, MonitorStore, Pending, VersionFacts};
use crate::history::{ClientId, Key, Observed, Seq};
use rustc_hash::FxHashMap;

#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct GrowableStore {
    keys: Vec<KeySummary>,
    replica: Vec<Seq>,
    clients: Vec<GrowableClient>,
    /// `(client << 32) | key` → (own latest acknowledged write, highest version read).
    cells: FxHashMap<u64, (Seq, Seq)>,
    /// What is known of `(key, version)`, kept only where something is.
    facts: FxHashMap<(u32, Seq), VersionFacts>,
}

#[derive(Clone, Debug, Default, Eq, PartialEq)]
struct GrowableClient {
    pending: Option<Pending>,
    /// The pending LIST's floors, by key.
    list_floors: Vec<Observed>,
}

fn index(i: u32) -> usize {
    usize::try_from(i).unwrap_or(usize::MAX)
}

fn cell_id(client: ClientId, key: Key) -> u64 {
    (u64::from(client.0) << 32) | u64::from(key.0)
}

fn slot<T: Default + Clone>(v: &mut Vec<T>, index: usize) -> &mut T {
    if v.len() <= index {
        v.resize(index + 1, T::default());
    }
    &mut v[index]
}

impl GrowableStore {
    fn client_mut(&mut self, client: ClientId) -> &mut GrowableClient {
        slot(&mut self.clients, index(client.0))
    }

    fn cell(&self, client: ClientId, key: Key) -> (Seq, Seq) {
        self.cells
            .get(&cell_id(client, key))
            .copied()
            .unwrap_or_default()
    }
}

impl MonitorStore for GrowableStore {
    fn key(&self, key: Key) -> KeySummary {
        self.keys.get(index(key.0)).copied().unwrap_or_default()
    }

    fn set_key(&mut self, key: Key, summary: KeySummary) {
        *slot(&mut self.keys, index(key.0)) = summary;
    }

    fn key_count(&self) -> u32 {
        u32::try_from(self.keys.len().max(self.replica.len())).unwrap_or(u32::MAX)
    }

    fn client_count(&self) -> u32 {
        u32::try_from(self.clients.len()).unwrap_or(u32::MAX)
    }

    fn version_facts(&self, key: Key, seq: Seq) -> VersionFacts {
        self.facts.get(&(key.0, seq)).copied().unwrap_or_default()
    }

    fn set_version_facts(&mut self, key: Key, seq: Seq, facts: VersionFacts) {
        if facts == VersionFacts::default() {
            self.facts.remove(&(key.0, seq));
        } else {
            self.facts.insert((key.0, seq), facts);
        }
    }

    fn replica(&self, key: Key) -> Seq {
        self.replica.get(index(key.0)).copied().unwrap_or(0)
    }

    fn set_replica(&mut self, key: Key, seq: Seq) {
        *slot(&mut self.replica, index(key.0)) = seq;
    }

    fn own_write(&self, client: ClientId, key: Key) -> Seq {
        self.cell(client, key).0
    }

    fn set_own_write(&mut self, client: ClientId, key: Key, seq: Seq) {
        self.cells.entry(cell_id(client, key)).or_default().0 = seq;
    }

    fn last_read(&self, client: ClientId, key: Key) -> Seq {
        self.cell(client, key).1
    }

    fn set_last_read(&mut self, client: ClientId, key: Key, seq: Seq) {
        self.cells.entry(cell_id(client, key)).or_default().1 = seq;
    }

    fn pending(&self, client: ClientId) -> Option<Pending> {
        self.clients.get(index(client.0))?.pending
    }

    fn set_pending(&mut self, client: ClientId, pending: Option<Pending>) {
        let c = self.client_mut(client);
        c.pending = pending;
        // Dropped, not cleared: a LIST's floors are one per key, too many to keep per client.
        c.list_floors = Vec::new();
    }

    fn list_floor(&self, client: ClientId, key: Key) -> Observed {
        self.clients
            .get(index(client.0))
            .and_then(|c| c.list_floors.get(index(key.0)))
            .copied()
            .unwrap_or_default()
    }

    fn set_list_floor(&mut self, client: ClientId, key: Key, floor: Observed) {
        let c = self.client_mut(client);
        if c.pending == Some(Pending::List) {
            *slot(&mut c.list_floors, index(key.0)) = floor;
        }
    }
}
