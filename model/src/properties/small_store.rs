//! A monitor store for short histories of the model's sizes: short inline tables of byte-wide
//! versions, grown on first write of a cell. It was the model's store until states were packed
//! into words (the model now keeps `system/monitor_store.rs`'s packed store); it remains the
//! default of `Monitor::new()`, which the replay and the implementation's API tests use on the
//! short histories they record, and the monitor's tests hold it to the growable store's results.
//!
//! Versions above 255 saturate: its users replay histories of the model's sizes, which never
//! issue more than `system::state::SEQ_MAX` writes of a key.

use super::store::{
    version_bit, KeySummary, MonitorStore, Pending, PendingCondition, VersionFacts,
};
use crate::history::{ClientId, Key, Observed, Seq};
use smallvec::SmallVec;
use std::hash::{Hash, Hasher};

/// Inline for the sizes a model has.
type Table<T> = SmallVec<[T; 5]>;

#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct SmallStore {
    keys: Table<SmallKey>,
    clients: Table<SmallClient>,
    replica: Table<u8>,
}

#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
struct SmallObserved {
    seq: u8,
    exists: bool,
}

#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
struct SmallKey {
    acked: SmallObserved,
    completed: u8,
    /// Bit `s - 1`: version `s` is known to be a PUT's (versions above 64 are not kept).
    puts: u64,
    /// Bit `s - 1`: a create required version `s` absent.
    absent_required: u64,
}

#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
struct SmallClient {
    pending: Option<SmallPending>,
    own_writes: Table<u8>,
    last_read: Table<u8>,
}

#[derive(Clone, Debug, Eq, Hash, PartialEq)]
enum SmallPending {
    Write {
        key: u8,
        put: bool,
        completed: u8,
        condition: Option<PendingCondition>,
    },
    Get {
        key: u8,
        acked: SmallObserved,
        completed: u8,
    },
    List {
        acked: Table<SmallObserved>,
    },
}

fn narrow(seq: Seq) -> u8 {
    u8::try_from(seq).unwrap_or(u8::MAX)
}

fn narrow_observed(o: Observed) -> SmallObserved {
    SmallObserved {
        seq: narrow(o.seq),
        exists: o.exists,
    }
}

fn widen_observed(o: SmallObserved) -> Observed {
    Observed {
        seq: Seq::from(o.seq),
        exists: o.exists,
    }
}

fn index(i: u32) -> usize {
    usize::try_from(i).unwrap_or(usize::MAX)
}

fn narrow_key(key: Key) -> u8 {
    u8::try_from(key.0).unwrap_or(u8::MAX)
}

fn slot<T: Default + Clone>(v: &mut Table<T>, index: usize) -> &mut T {
    if v.len() <= index {
        v.resize(index + 1, T::default());
    }
    &mut v[index]
}

fn get<T: Default + Copy>(v: &Table<T>, i: u32) -> T {
    v.get(index(i)).copied().unwrap_or_default()
}

impl SmallStore {
    fn client(&self, client: ClientId) -> Option<&SmallClient> {
        self.clients.get(index(client.0))
    }

    fn client_mut(&mut self, client: ClientId) -> &mut SmallClient {
        slot(&mut self.clients, index(client.0))
    }
}

impl MonitorStore for SmallStore {
    fn key(&self, key: Key) -> KeySummary {
        let k = get(&self.keys, key.0);
        KeySummary {
            acked: widen_observed(k.acked),
            completed: Seq::from(k.completed),
        }
    }

    fn set_key(&mut self, key: Key, summary: KeySummary) {
        let k = slot(&mut self.keys, index(key.0));
        k.acked = narrow_observed(summary.acked);
        k.completed = narrow(summary.completed);
    }

    fn version_facts(&self, key: Key, seq: Seq) -> VersionFacts {
        let k = get(&self.keys, key.0);
        let has = |mask: u64| version_bit(seq).is_some_and(|bit| mask & bit != 0);
        VersionFacts {
            put: has(k.puts),
            absent_required: has(k.absent_required),
        }
    }

    fn set_version_facts(&mut self, key: Key, seq: Seq, facts: VersionFacts) {
        let Some(bit) = version_bit(seq) else { return };
        let k = slot(&mut self.keys, index(key.0));
        let set = |mask: &mut u64, on: bool| *mask = if on { *mask | bit } else { *mask & !bit };
        set(&mut k.puts, facts.put);
        set(&mut k.absent_required, facts.absent_required);
    }

    fn key_count(&self) -> u32 {
        u32::try_from(self.keys.len()).unwrap_or(u32::MAX)
    }

    fn client_count(&self) -> u32 {
        u32::try_from(self.clients.len()).unwrap_or(u32::MAX)
    }

    fn replica(&self, key: Key) -> Seq {
        Seq::from(get(&self.replica, key.0))
    }

    fn set_replica(&mut self, key: Key, seq: Seq) {
        *slot(&mut self.replica, index(key.0)) = narrow(seq);
    }

    fn own_write(&self, client: ClientId, key: Key) -> Seq {
        self.client(client)
            .map_or(0, |c| Seq::from(get(&c.own_writes, key.0)))
    }

    fn set_own_write(&mut self, client: ClientId, key: Key, seq: Seq) {
        *slot(&mut self.client_mut(client).own_writes, index(key.0)) = narrow(seq);
    }

    fn last_read(&self, client: ClientId, key: Key) -> Seq {
        self.client(client)
            .map_or(0, |c| Seq::from(get(&c.last_read, key.0)))
    }

    fn set_last_read(&mut self, client: ClientId, key: Key, seq: Seq) {
        let c = self.client_mut(client);
        // The layout this store preserves grew the own-writes table wherever a GET returned.
        slot(&mut c.own_writes, index(key.0));
        *slot(&mut c.last_read, index(key.0)) = narrow(seq);
    }

    fn pending(&self, client: ClientId) -> Option<Pending> {
        let pending = self.client(client)?.pending.as_ref()?;
        Some(match *pending {
            SmallPending::Write {
                key,
                put,
                completed,
                condition,
            } => Pending::Write {
                key: Key(u32::from(key)),
                put,
                completed: Seq::from(completed),
                condition,
            },
            SmallPending::Get {
                key,
                acked,
                completed,
            } => Pending::Get {
                key: Key(u32::from(key)),
                acked: widen_observed(acked),
                completed: Seq::from(completed),
            },
            SmallPending::List { .. } => Pending::List,
        })
    }

    fn set_pending(&mut self, client: ClientId, pending: Option<Pending>) {
        self.client_mut(client).pending = pending.map(|p| match p {
            Pending::Write {
                key,
                put,
                completed,
                condition,
            } => SmallPending::Write {
                key: narrow_key(key),
                put,
                completed: narrow(completed),
                condition,
            },
            Pending::Get {
                key,
                acked,
                completed,
            } => SmallPending::Get {
                key: narrow_key(key),
                acked: narrow_observed(acked),
                completed: narrow(completed),
            },
            Pending::List => SmallPending::List {
                acked: Table::new(),
            },
        });
    }

    fn list_floor(&self, client: ClientId, key: Key) -> Observed {
        match self.client(client).and_then(|c| c.pending.as_ref()) {
            Some(SmallPending::List { acked }) => widen_observed(get(acked, key.0)),
            _ => Observed::NEVER_WRITTEN,
        }
    }

    fn set_list_floor(&mut self, client: ClientId, key: Key, floor: Observed) {
        if let Some(SmallPending::List { acked }) = &mut self.client_mut(client).pending {
            *slot(acked, index(key.0)) = narrow_observed(floor);
        }
    }

    fn hash_client<H: Hasher>(&self, client: ClientId, hasher: &mut H) {
        self.client(client).hash(hasher);
    }

    fn permute_clients(&mut self, order: &[usize]) {
        if self.clients.len() < order.len() {
            self.clients.resize(order.len(), SmallClient::default());
        }
        let renamed = order.iter().map(|&i| self.clients[i].clone()).collect();
        self.clients = renamed;
    }
}
