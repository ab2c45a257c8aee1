//! The consistency properties, each defined once over a history (see [`crate::history`]).
//!
//! The catalogue (`catalogue.rs`) lists every property once, with its rule; one file per property
//! holds its rule. [`Monitor`] feeds a history through every rule one event at a time and keeps
//! only the summary the rules need (per-key floors, per-client last-seen versions), so the same
//! monitor lives inside the model's state, consumes the histories recorded from the
//! implementation, and checks histories that users bring in JSON.
//!
//! This file only declares and re-exports: the modules below depend on each other directly, never
//! back on it.

mod catalogue;
mod finding;
mod growable_store;
mod judge;
pub mod linearizable;
pub mod list_after_write;
mod monitor;
pub mod monotonic_reads;
mod phantom_reads;
pub mod read_after_write;
pub mod read_your_writes;
pub mod replica;
mod rule;
mod rules;
mod set;
mod small_store;
mod store;
mod table;
pub mod witness_safety;

pub(crate) use catalogue::property_catalogue;
pub use catalogue::{Expectation, Guarantee, JudgedOn, PropertyId};
pub use finding::{Finding, HistoryError, Named};
pub use growable_store::GrowableStore;
pub use judge::{check_history, check_history_stream, HistoryChecker, HistoryVerdict, StreamError};
pub use monitor::{HistoryMonitor, Monitor};
pub use rule::StateView;
pub use set::PropertySet;
pub use small_store::SmallStore;
pub use store::{KeySummary, MonitorStore, Pending};
pub use table::catalogue_markdown;
