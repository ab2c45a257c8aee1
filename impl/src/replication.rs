//! The cross-region replica and the replicator that feeds it asynchronously.
//!
//! Writes enqueue a delivery; deliveries reach the replica at least once and in any order (tests
//! pick which one, and may keep it queued to deliver it again). The replica applies
//! last-writer-wins by sequence, so lag is possible but going backwards is not — unless the mutant
//! `replica-applies-out-of-order` is on.

use crate::entry::{Entry, Location, Seq};
use crate::padded::Padded;
use crate::recorder::Recorder;
#[cfg(all(not(loom), not(feature = "shuttle")))]
use crate::sync::AtomicBool;
use crate::sync::{self, AtomicU64, Mutex, MutexGuard, Ordering};
use std::collections::{BTreeMap, VecDeque};

/// One replication message: `key@seq` and what the write left there.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Delivery {
    pub key: String,
    pub seq: Seq,
    pub location: Option<Location>,
}

/// A queued message and its place in the order of all enqueues.
#[derive(Debug)]
struct Queued {
    order: u64,
    delivery: Delivery,
}

type Lane = Padded<Mutex<VecDeque<Queued>>>;

/// The background thread's state, std only.
#[cfg(all(not(loom), not(feature = "shuttle")))]
#[derive(Debug, Default)]
pub(crate) struct Control {
    /// Set when the cache is dropped or the replicator stopped: the background thread exits.
    pub(crate) closed: bool,
}

/// The in-flight queue, split into one FIFO per writer lane (`sync::thread_lane`): a write pushes
/// onto its own lane's queue under that lane's lock, so two writers do not move one lock word and
/// one buffer between their cores. A counter taken under the lane's lock orders every enqueue;
/// readers of the queue (`pending`, `take`, the background thread) lock every lane in index order
/// and merge by that order, so the queue reads as one FIFO, as before.
#[derive(Debug)]
pub struct Replicator {
    lanes: Box<[Lane]>,
    next: Padded<AtomicU64>,
    #[cfg(all(not(loom), not(feature = "shuttle")))]
    pub(crate) control: Padded<Mutex<Control>>,
    /// Whether the background thread sleeps (or is about to) on `ready`. A notify is a futex
    /// syscall even when nobody waits (8 % of a read-heavy workload's time went there), so a
    /// write notifies only a sleeping replicator.
    #[cfg(all(not(loom), not(feature = "shuttle")))]
    pub(crate) sleeping: Padded<AtomicBool>,
    #[cfg(all(not(loom), not(feature = "shuttle")))]
    pub(crate) ready: sync::Condvar,
}

impl Replicator {
    pub(crate) fn new() -> Replicator {
        Replicator {
            lanes: (0..sync::lanes())
                .map(|_| Padded(Mutex::new(VecDeque::new())))
                .collect(),
            next: Padded(AtomicU64::new(0)),
            #[cfg(all(not(loom), not(feature = "shuttle")))]
            control: Padded(Mutex::new(Control::default())),
            #[cfg(all(not(loom), not(feature = "shuttle")))]
            sleeping: Padded(AtomicBool::new(false)),
            #[cfg(all(not(loom), not(feature = "shuttle")))]
            ready: sync::Condvar::new(),
        }
    }

    pub(crate) fn enqueue(&self, delivery: Delivery) {
        {
            let mut lane = sync::lock(&self.lanes[sync::thread_lane() & (self.lanes.len() - 1)]);
            let order = self.next.fetch_add(1, Ordering::SeqCst);
            lane.push_back(Queued { order, delivery });
        }
        // The background thread sets `sleeping` before its last look at the lanes: either that
        // look sees this message, or this load sees the flag (both are sequentially consistent).
        #[cfg(all(not(loom), not(feature = "shuttle")))]
        if self.sleeping.load(Ordering::SeqCst) {
            // Under its mutex: the thread holds it from setting the flag until it waits.
            let _control = sync::lock(&self.control);
            self.ready.notify_one();
        }
    }

    /// Every lane, locked in index order.
    fn lock_all(&self) -> Vec<MutexGuard<'_, VecDeque<Queued>>> {
        self.lanes.iter().map(|lane| sync::lock(lane)).collect()
    }

    /// The queued messages in enqueue order, as (lane, position in the lane).
    fn in_order(lanes: &[MutexGuard<'_, VecDeque<Queued>>]) -> Vec<(usize, usize)> {
        let mut all: Vec<(u64, usize, usize)> = lanes
            .iter()
            .enumerate()
            .flat_map(|(l, q)| q.iter().enumerate().map(move |(i, m)| (m.order, l, i)))
            .collect();
        all.sort_unstable();
        all.into_iter().map(|(_, l, i)| (l, i)).collect()
    }

    pub(crate) fn pending(&self) -> Vec<(String, Seq)> {
        let lanes = self.lock_all();
        Self::in_order(&lanes)
            .into_iter()
            .map(|(l, i)| {
                let d = &lanes[l][i].delivery;
                (d.key.clone(), d.seq)
            })
            .collect()
    }

    /// Takes message `index` off the queue (or copies it, with `keep`, for a duplicate delivery).
    pub(crate) fn take(&self, index: usize, keep: bool) -> Option<Delivery> {
        let mut lanes = self.lock_all();
        let (l, i) = if index == 0 {
            // The oldest message is at the front of some lane: no sort for the common case.
            let front = |(l, q): (usize, &MutexGuard<'_, VecDeque<Queued>>)| {
                q.front().map(|m| (m.order, l))
            };
            (lanes.iter().enumerate().filter_map(front).min()?.1, 0)
        } else {
            *Self::in_order(&lanes).get(index)?
        };
        if keep {
            lanes[l].get(i).map(|m| m.delivery.clone())
        } else {
            lanes[l].remove(i).map(|m| m.delivery)
        }
    }

    /// The background thread's next message in queue order, sleeping while there is none;
    /// `None` once closed with nothing left.
    #[cfg(all(not(loom), not(feature = "shuttle")))]
    pub(crate) fn next_or_wait(&self) -> Option<Delivery> {
        loop {
            if let Some(delivery) = self.take(0, false) {
                return Some(delivery);
            }
            let control = sync::lock(&self.control);
            if control.closed {
                drop(control);
                return self.take(0, false);
            }
            self.sleeping.store(true, Ordering::SeqCst);
            if self.lock_all().iter().any(|lane| !lane.is_empty()) {
                self.sleeping.store(false, Ordering::SeqCst);
                continue;
            }
            let control = self
                .ready
                .wait(control)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            self.sleeping.store(false, Ordering::SeqCst);
            drop(control);
        }
    }
}

#[derive(Debug)]
pub struct Replica {
    entries: Padded<Mutex<BTreeMap<String, Entry>>>,
    applies_out_of_order: bool,
}

impl Replica {
    pub(crate) fn new(applies_out_of_order: bool) -> Replica {
        Replica {
            entries: Padded(Mutex::new(BTreeMap::new())),
            applies_out_of_order,
        }
    }

    /// Applies a delivery and records what the replica holds afterwards. The event is recorded
    /// under the replica's lock so the history lists replica versions in the order they happened.
    pub(crate) fn apply(&self, delivery: &Delivery, recorder: Option<&Recorder>) -> Entry {
        let mut entries = sync::lock(&self.entries);
        let held = entries
            .entry(delivery.key.clone())
            .or_insert(Entry::NEVER_WRITTEN);
        if delivery.seq > held.seq || self.applies_out_of_order {
            *held = Entry {
                seq: delivery.seq,
                location: delivery.location,
            };
        }
        let now = *held;
        if let Some(recorder) = recorder {
            recorder.replica_applied(&delivery.key, now.seq);
        }
        now
    }

    /// A read in the other region.
    pub fn read(&self, key: &str) -> Entry {
        sync::lock(&self.entries)
            .get(key)
            .copied()
            .unwrap_or(Entry::NEVER_WRITTEN)
    }

    pub(crate) fn snapshot(&self) -> BTreeMap<String, Entry> {
        sync::lock(&self.entries).clone()
    }
}
