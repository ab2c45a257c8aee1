//! Replication as the cache drives it: deliveries taken off the in-flight queue one at a time, in
//! any order and possibly again (the model's delivery step; tests and `witness replay` pick which),
//! or in queue order by the background replicator thread of normal use.

use crate::cache::IndexCache;
use crate::entry::{Entry, Seq};

impl IndexCache {
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
}

#[cfg(all(not(loom), not(feature = "shuttle")))]
pub use background::ReplicatorHandle;

/// The replicator thread of normal use. It drains the queue in order (reordering and duplicates
/// come from the network in real deployments; tests inject them with explicit steps).
#[cfg(all(not(loom), not(feature = "shuttle")))]
mod background {
    use crate::cache::IndexCache;
    use crate::sync;
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
            sync::lock(&self.cache.replicator.control).closed = true;
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
            sync::lock(&self.replicator.control).closed = false;
            let cache = Arc::clone(self);
            let thread = std::thread::spawn(move || {
                while let Some(delivery) = cache.replicator.next_or_wait() {
                    cache.replica.apply(&delivery, cache.recorder.as_ref());
                }
            });
            ReplicatorHandle {
                cache: Arc::clone(self),
                thread: Some(thread),
            }
        }
    }
}
