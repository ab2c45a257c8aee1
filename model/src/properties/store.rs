//! Where a [`Monitor`](super::monitor::Monitor) keeps its summary of a history, and the fixed-size values
//! it keeps there.

use crate::history::{ClientId, Key, Observed, Precondition, Seq};
use std::fmt::Debug;
use std::hash::{Hash, Hasher};

/// What the monitor knows about one key.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub struct KeySummary {
    /// The acknowledged write with the highest version: the floor for read-after-write.
    pub acked: Observed,
    /// The highest version among completed GET/PUT/DELETE of the key: the floor for linearizable.
    pub completed: Seq,
}

impl Default for Observed {
    fn default() -> Self {
        Observed::NEVER_WRITTEN
    }
}

/// A client's operation in flight, with the floors that were in force when it was invoked. A
/// LIST's floors are one per key, so they are kept beside it
/// ([`MonitorStore::list_floor`]) and this value stays fixed-size.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Pending {
    Write {
        key: Key,
        put: bool,
        completed: Seq,
        /// A conditional write's precondition, with what the monitor needs to judge a 412.
        condition: Option<PendingCondition>,
    },
    Get {
        key: Key,
        acked: Observed,
        completed: Seq,
    },
    List,
}

/// A pending conditional write: its precondition, the key's latest acknowledged write when it
/// was invoked, and whether another write of the key overlapped it (`conditional.rs`).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct PendingCondition {
    pub precondition: Precondition,
    pub acked: Observed,
    pub overlapped: bool,
}

/// What the monitor has learnt about one version of a key, for the conditional writes' rules: a
/// write's kind is known only at its acknowledgement, which may come after a create that
/// replaced it.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub struct VersionFacts {
    /// The version is a PUT's (its acknowledgement was seen).
    pub put: bool,
    /// A create acknowledged as the next version required this one absent.
    pub absent_required: bool,
}

/// Version `seq`'s bit in a per-key mask of versions 1..=64 (`None` outside it): how the
/// fixed-size stores keep [`VersionFacts`].
pub fn version_bit(seq: Seq) -> Option<u64> {
    seq.checked_sub(1).filter(|&s| s < 64).map(|s| 1u64 << s)
}

/// The storage behind a [`Monitor`](super::monitor::Monitor): one value per cell, read and written by value.
///
/// Why this shape: the same monitor logic runs over two very different stores.
/// - **Packing.** Inside every model state the monitor must be a few bytes (the model stores
///   millions of states; versions there never exceed 15 and there are a handful of keys and
///   clients), so a store may pack each cell into a few bits of a fixed-width word. Such a store
///   cannot hand out references into itself or hold variable-size values, hence by-value getters
///   and setters at the granularity of one cell, and [`Pending`] without the LIST's per-key floors.
/// - **Growth.** A recorded history has u64 versions, tens of thousands of keys and any number of
///   clients, which no fixed width holds; its store grows as keys and clients appear.
///
/// Cells never written read as their defaults (never written, version 0, nothing pending). Key and
/// client indices are dense from 0: the model's own, or interned in order of first appearance by
/// the history readers (`check_history`, `check_history_stream`), so stores may index vectors.
pub trait MonitorStore: Clone + Debug + Default {
    /// The summary of `key`.
    fn key(&self, key: Key) -> KeySummary;
    fn set_key(&mut self, key: Key, summary: KeySummary);
    /// Keys `0..key_count()` include every key whose summary was ever set or that was noted.
    fn key_count(&self) -> u32;
    /// Counts `key` among the keys from now on (a store of fixed keys already does).
    fn note_key(&mut self, key: Key) {
        if key.0 >= self.key_count() {
            self.set_key(key, KeySummary::default());
        }
    }
    /// Clients `0..client_count()` include every client whose cells were ever set.
    fn client_count(&self) -> u32;

    /// What is known of version `seq` of `key` (`seq >= 1`). A store may keep nothing where no
    /// conditional write can occur (the model's configurations without one): no rule reads the
    /// facts but for a conditional write.
    fn version_facts(&self, key: Key, seq: Seq) -> VersionFacts;
    fn set_version_facts(&mut self, key: Key, seq: Seq, facts: VersionFacts);

    /// The version the replica was last seen to hold for `key`.
    fn replica(&self, key: Key) -> Seq;
    fn set_replica(&mut self, key: Key, seq: Seq);

    /// The client's own latest acknowledged write of the key (read-your-writes).
    fn own_write(&self, client: ClientId, key: Key) -> Seq;
    fn set_own_write(&mut self, client: ClientId, key: Key, seq: Seq);
    /// The highest version the client's GETs of the key have returned (monotonic-reads).
    fn last_read(&self, client: ClientId, key: Key) -> Seq;
    fn set_last_read(&mut self, client: ClientId, key: Key, seq: Seq);

    /// The client's operation in flight.
    fn pending(&self, client: ClientId) -> Option<Pending>;
    /// Setting a LIST (or clearing the pending operation) resets the client's LIST floors.
    fn set_pending(&mut self, client: ClientId, pending: Option<Pending>);
    /// For the client's pending LIST: the latest acknowledged write of `key` when it was invoked.
    fn list_floor(&self, client: ClientId, key: Key) -> Observed;
    fn set_list_floor(&mut self, client: ClientId, key: Key, floor: Observed);

    /// Hashes every cell of one client, for symmetry reduction.
    fn hash_client<H: Hasher>(&self, client: ClientId, hasher: &mut H) {
        let pending = self.pending(client);
        pending.hash(hasher);
        for k in 0..self.key_count() {
            let key = Key(k);
            self.own_write(client, key).hash(hasher);
            self.last_read(client, key).hash(hasher);
            if pending == Some(Pending::List) {
                self.list_floor(client, key).hash(hasher);
            }
        }
    }

    /// Renames clients: client `order[i]` becomes client `i`. For symmetry reduction only.
    fn permute_clients(&mut self, order: &[usize]) {
        let keys: Vec<Key> = (0..self.key_count()).map(Key).collect();
        let client = |i: usize| ClientId(u32::try_from(i).unwrap_or(u32::MAX));
        let cells: Vec<_> = order
            .iter()
            .map(|&from| {
                let from = client(from);
                let per_key: Vec<_> = keys
                    .iter()
                    .map(|&k| {
                        let floor = self.list_floor(from, k);
                        (self.own_write(from, k), self.last_read(from, k), floor)
                    })
                    .collect();
                (self.pending(from), per_key)
            })
            .collect();
        for (to, (pending, per_key)) in cells.into_iter().enumerate() {
            let to = client(to);
            self.set_pending(to, pending);
            for (&k, (own, last, floor)) in keys.iter().zip(per_key) {
                self.set_own_write(to, k, own);
                self.set_last_read(to, k, last);
                if pending == Some(Pending::List) {
                    self.set_list_floor(to, k, floor);
                }
            }
        }
    }
}
