//! `index-cache`: the concurrent index tier of an S3-style object store — a cache layer of several
//! nodes in front of the index + persistence tier, with a witness as the strong read barrier and
//! an asynchronous cross-region replica.
//!
//! The steps and their names mirror the model (`witness_model::system`) and the seed:
//!
//! ```text
//! PUT/DELETE k via node n   assign seq ─┬ commit ─ notify witness     (witness-after-commit)
//!                                      ├ notify witness ─ commit     (witness-before-commit)
//!                                      └ commit+notify, atomically   (witness-with-commit, default)
//!                           ─ cache update at n ─ replication enqueue ─ ack
//! GET k via node n          node.lookup ─ [no entry: persistence.load ─ node.put]
//!                           ─ strong: witness.is_stale ─ [stale: persistence.load (+learn) ─ node.put]
//! LIST prefix via node n    the same per partition, with the node's cached listing and the
//!                           partition barrier
//! ```
//!
//! Where each is: the write path in `write.rs`, the read path in `read.rs`, LIST in `list.rs`,
//! routing (the ring, the partitions) in `routing.rs`, the faults in `faults.rs`, replication
//! delivery in `delivery.rs`, starting from a durable store's keys in `restore.rs`; the cache and
//! its construction in `cache.rs`; a cache node in
//! `node.rs`, its entry cells in `cell.rs` and its cached listings in `listings.rs`.
//!
//! Locks: per cache node one `RwLock` per shard and reader lane, one for its listings and a
//! mutex per entry cell; one per persistence partition, one per witness partition table (never
//! taken by a read hit: a node entry carries its key's witness slot), one per replication queue
//! lane and one for the replica. No lock is global to the read path. Lock order:
//! persistence partition → witness table; node locks, the queue, the replica and the recorder are
//! leaves (replica → recorder).
//!
//! The variant and mutant of the model are selected with [`Builder::protocol`], which only tests
//! use; [`IndexCache::new`] always builds the default variant the model proves correct.

mod cache;
mod cell;
mod client;
pub mod conditional;
pub mod config;
mod delivery;
mod entry;
mod error;
mod faults;
mod inspect;
mod list;
mod listings;
mod node;
mod padded;
pub mod pause;
pub mod persistence;
mod poison;
mod read;
pub mod recorder;
pub mod replication;
mod restore;
mod routing;
mod sync;
pub mod witness;
mod write;

pub use cache::{Builder, IndexCache};
pub use client::Client;
pub use conditional::Precondition;
pub use config::{Config, Mode, Mutant, Partition, Protocol, Repair, Variant, WitnessOrder};
#[cfg(all(not(loom), not(feature = "shuttle")))]
pub use delivery::ReplicatorHandle;
pub use entry::{Entry, Location, Seq};
pub use error::{Error, Result};
pub use listings::Listing;
pub use recorder::{RecordError, Recorder};
pub use replication::{Delivery, Replica};
/// Cache nodes are numbered as in the model, from 0 (displayed from 1).
pub use witness_model::system::NodeId;
