//! The cross-region replica and the replicator that feeds it asynchronously.
//!
//! Writes enqueue a delivery; deliveries reach the replica at least once and in any order (tests
//! pick which one, and may keep it queued to deliver it again). The replica applies
//! last-writer-wins by sequence, so lag is possible but going backwards is not — unless the mutant
//! `replica-applies-out-of-order` is on.

use crate::padded::Padded;
use crate::recorder::Recorder;
use crate::sync::{self, Mutex};
use crate::{Entry, Location, Seq};
use std::collections::{BTreeMap, VecDeque};

/// One replication message: `key@seq` and what the write left there.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Delivery {
    pub key: String,
    pub seq: Seq,
    pub location: Option<Location>,
}

#[derive(Debug, Default)]
pub(crate) struct Queue {
    pub(crate) messages: VecDeque<Delivery>,
    /// Set when the cache is dropped or the replicator stopped: the background thread exits.
    #[cfg_attr(any(loom, feature = "shuttle"), allow(dead_code))]
    pub(crate) closed: bool,
    /// Whether the background thread sleeps on the condition variable. A notify is a futex
    /// syscall even when nobody waits (8 % of a read-heavy workload's time went there), so a
    /// write notifies only a sleeping replicator.
    #[cfg_attr(any(loom, feature = "shuttle"), allow(dead_code))]
    pub(crate) waiting: bool,
}

/// The queue is written by every write; padded so that it shares no line with the cache's
/// read-hot fields (it sits inline in `IndexCache`).
#[derive(Debug)]
pub struct Replicator {
    pub(crate) queue: Padded<Mutex<Queue>>,
    #[cfg(all(not(loom), not(feature = "shuttle")))]
    pub(crate) ready: sync::Condvar,
}

impl Replicator {
    pub(crate) fn new() -> Replicator {
        Replicator {
            queue: Padded(Mutex::new(Queue::default())),
            #[cfg(all(not(loom), not(feature = "shuttle")))]
            ready: sync::Condvar::new(),
        }
    }

    pub(crate) fn enqueue(&self, delivery: Delivery) {
        let mut queue = sync::lock(&self.queue);
        queue.messages.push_back(delivery);
        #[cfg(all(not(loom), not(feature = "shuttle")))]
        if queue.waiting {
            // Under the lock: the replicator cannot start waiting between the check and this.
            self.ready.notify_one();
        }
    }

    pub(crate) fn pending(&self) -> Vec<(String, Seq)> {
        sync::lock(&self.queue)
            .messages
            .iter()
            .map(|d| (d.key.clone(), d.seq))
            .collect()
    }

    /// Takes message `index` off the queue (or copies it, with `keep`, for a duplicate delivery).
    pub(crate) fn take(&self, index: usize, keep: bool) -> Option<Delivery> {
        let mut queue = sync::lock(&self.queue);
        if keep {
            queue.messages.get(index).cloned()
        } else {
            queue.messages.remove(index)
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

#[cfg(all(not(loom), not(feature = "shuttle")))]
pub use background::ReplicatorHandle;

/// The replicator thread of normal use. It drains the queue in order (reordering and duplicates
/// come from the network in real deployments; tests inject them with explicit steps).
#[cfg(all(not(loom), not(feature = "shuttle")))]
mod background {
    use crate::sync;
    use crate::IndexCache;
    use std::sync::Arc;
    use std::thread::JoinHandle;

    /// Stops the replicator thread (after it delivered everything queued) when stopped or dropped.
    #[derive(Debug)]
    pub struct ReplicatorHandle {
        cache: Arc<IndexCache>,
        thread: Option<JoinHandle<()>>,
    }

    impl ReplicatorHandle {
        pub fn stop(mut self) {
            self.shutdown();
        }

        fn shutdown(&mut self) {
            sync::lock(&self.cache.replicator.queue).closed = true;
            self.cache.replicator.ready.notify_all();
            if let Some(thread) = self.thread.take() {
                // A panic in the replicator thread is already reported by the panic hook; the
                // queue it leaves behind is still consistent.
                let _ = thread.join();
            }
        }
    }

    impl Drop for ReplicatorHandle {
        fn drop(&mut self) {
            self.shutdown();
        }
    }

    impl IndexCache {
        /// Starts the background replicator feeding the cross-region replica.
        pub fn spawn_replicator(self: &Arc<Self>) -> ReplicatorHandle {
            sync::lock(&self.replicator.queue).closed = false;
            let cache = Arc::clone(self);
            let thread = std::thread::spawn(move || loop {
                let next = {
                    let mut queue = sync::lock(&cache.replicator.queue);
                    loop {
                        if let Some(delivery) = queue.messages.pop_front() {
                            break Some(delivery);
                        }
                        if queue.closed {
                            break None;
                        }
                        queue.waiting = true;
                        queue = cache
                            .replicator
                            .ready
                            .wait(queue)
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        queue.waiting = false;
                    }
                };
                match next {
                    Some(delivery) => {
                        cache.replica.apply(&delivery, cache.recorder.as_ref());
                    }
                    None => return,
                }
            });
            ReplicatorHandle {
                cache: Arc::clone(self),
                thread: Some(thread),
            }
        }
    }
}
