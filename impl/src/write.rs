//! The write path (PUT and DELETE), step by step as in the model:
//!
//! ```text
//! assign seq ─┬ commit ─ notify witness     (witness-after-commit)
//!             ├ notify witness ─ commit     (witness-before-commit)
//!             └ commit+notify, atomically   (witness-with-commit, default)
//! ─ cache update at the node ─ replication enqueue ─ ack
//! ```

use crate::cache::IndexCache;
use crate::config::{Mutant, WitnessOrder};
use crate::entry::{Entry, Location, Seq};
use crate::error::Result;
use crate::replication::Delivery;
use crate::sync::{self, Arc, Point};
use crate::witness::Slot;
use witness_model::system::NodeId;

impl IndexCache {
    /// PUT `key` = `location` through the key's home node. Returns the write's sequence number.
    pub fn put(&self, key: &str, location: Location) -> Result<Seq> {
        self.put_via(self.node_for(key)?, key, location)
    }

    pub fn delete(&self, key: &str) -> Result<Seq> {
        self.delete_via(self.node_for(key)?, key)
    }

    pub fn put_via(&self, node: NodeId, key: &str, location: Location) -> Result<Seq> {
        let (n, p) = (self.node_index(node)?, self.partition_of(key)?);
        Ok(self.write_at(n, p, key, Some(location)))
    }

    pub fn delete_via(&self, node: NodeId, key: &str) -> Result<Seq> {
        let (n, p) = (self.node_index(node)?, self.partition_of(key)?);
        Ok(self.write_at(n, p, key, None))
    }

    /// The write path through node `n` to partition `p`. `sync::pause` marks where each of the
    /// model's steps begins (a no-op outside replay).
    pub(crate) fn write_at(
        &self,
        n: usize,
        p: usize,
        key: &str,
        location: Option<Location>,
    ) -> Seq {
        let strong = self.is_strong();
        let notify =
            strong && !(location.is_none() && self.protocol.is(Mutant::NoWitnessBumpOnDelete));
        // The key's witness slot, looked up before the protocol steps (not itself a step). The
        // node's entry usually holds it: that read stays on the thread's own lane, where the
        // witness table would take a lock every writer shares.
        let slot = strong.then(|| {
            self.nodes[n]
                .slot_of(key)
                .unwrap_or_else(|| self.witness.slot(p, key))
        });
        // Eventual mode keeps no witness, but pauses where the model's witness steps are.
        let notify_slot = slot.as_ref().filter(|_| notify);
        let order = self.protocol.variant.witness_order;
        let entry = if order == WitnessOrder::WithCommit && !sync::driven() {
            self.assign_commit_notify(p, key, location, notify_slot)
        } else {
            let seq = self.persistence.assign_seq(p, key);
            self.commit_steps(p, key, Entry { seq, location }, notify_slot)
        };
        sync::pause(Point::WriteCacheUpdate);
        self.nodes[n].write_update(p, key, entry, slot, self.protocol.variant.repair);
        sync::pause(Point::WriteAck);
        self.replicator.enqueue(Delivery {
            key: key.to_string(),
            seq: entry.seq,
            location,
        });
        entry.seq
    }

    /// The default variant's first two steps (assign seq; commit + notify) in one critical
    /// section of the partition lock: one lock round trip instead of two, and one walk of the
    /// partition's map. Running two consecutive steps of one thread as one removes interleavings
    /// and adds none, so it refines the model; a thread driven by `witness replay` takes them as
    /// two steps (`commit_steps`), as the model does.
    fn assign_commit_notify(
        &self,
        p: usize,
        key: &str,
        location: Option<Location>,
        notify_slot: Option<&Arc<Slot>>,
    ) -> Entry {
        let mut store = self.persistence.write(p);
        let entry = store.assign_and_commit(key, location);
        if let Some(slot) = notify_slot {
            self.witness.notify(slot, entry.seq);
        }
        entry
    }

    /// The steps after the sequence assignment, up to the cache update, in the variant's order.
    fn commit_steps(
        &self,
        p: usize,
        key: &str,
        entry: Entry,
        notify_slot: Option<&Arc<Slot>>,
    ) -> Entry {
        let Entry { seq, location } = entry;
        match self.protocol.variant.witness_order {
            WitnessOrder::AfterCommit => {
                sync::pause(Point::WriteCommit);
                self.persistence.commit(p, key, seq, location);
                sync::pause(Point::WriteNotify);
                if let Some(slot) = notify_slot {
                    self.witness.notify(slot, seq);
                }
            }
            WitnessOrder::BeforeCommit => {
                sync::pause(Point::WriteNotify);
                if let Some(slot) = notify_slot {
                    self.witness.notify(slot, seq);
                }
                sync::pause(Point::WriteCommit);
                self.persistence.commit(p, key, seq, location);
            }
            WitnessOrder::Service => unreachable!("Protocol::validate refuses witness-service"),
            WitnessOrder::WithCommit => {
                sync::pause(Point::WriteCommitAndNotify);
                // One step: readers of persistence (miss fills, reloads) see the commit only
                // together with the witness bump, because both happen under the partition lock.
                let mut store = self.persistence.write(p);
                store.commit(key, entry);
                if let Some(slot) = notify_slot {
                    self.witness.notify(slot, seq);
                }
                drop(store);
            }
        }
        entry
    }
}
