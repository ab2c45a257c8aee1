//! The consistency properties, each defined once over a history (see [`crate::history`]).
//!
//! The catalogue below lists every property once, with its rule; one file per property holds its
//! rule (`replica.rs` holds the replica's three). [`Monitor`] feeds a history through every rule
//! one event at a time and keeps only the summary the rules need (per-key floors, per-client
//! last-seen versions), so the same monitor lives inside the model's state, consumes the histories
//! recorded from the implementation, and checks histories that users bring in JSON.
//!
//! This file holds the catalogue's rows and declares and re-exports the modules, which depend on
//! each other directly and never import from it: they read the rows by expanding
//! `property_catalogue!`, which is in their scope because it is defined before them.

/// The property catalogue, written once: hands every property's row to the macro `$apply`
/// (`catalogue.rs` to define [`PropertyId`]; `rules.rs` to ask each property's rule how it is
/// judged and how its findings read; the model to build its stateright properties, which need one
/// closure a property). A row is
///
/// `Variant => "name", "column", anomaly code, Guarantee, Expectation, rule_file::Rule, "summary";`
///
/// where `rule_file::Rule` is the type implementing `Rule` (`rule.rs`) in the property's rule file,
/// declared below; an anomaly names the rule of the always-property that finds it.
macro_rules! property_catalogue {
    ($apply:ident) => {
        $apply! {
            ReadAfterWrite => "read-after-write", "RAW", None, S3, Always,
                read_after_write::ReadAfterWrite,
                "a GET invoked after a PUT/DELETE of the key was acknowledged returns that write or a later one";
            ListAfterWrite => "list-after-write", "LAW", None, S3, Always,
                list_after_write::ListAfterWrite,
                "a LIST invoked after an acknowledged PUT (DELETE) shows (omits) the key unless a later write changed it";
            ReadYourWrites => "read-your-writes", "RYW", None, S3, Always,
                read_your_writes::ReadYourWrites,
                "a client's GET or LIST reflects that client's own acknowledged writes";
            MonotonicReads => "monotonic-reads", "MR", None, Stronger, Always,
                monotonic_reads::MonotonicReads,
                "a client's successive reads of a key (GETs, and LISTs covering it) never go back to an older version";
            Linearizable => "linearizable", "LIN", None, Stronger, Always,
                linearizable::Linearizable,
                "GET/PUT/DELETE of each key are linearizable in persistence's version order (stronger than S3 promises)";
            ConditionalAtomic => "conditional-atomic", "CA", None, S3, Always,
                conditional::ConditionalAtomic,
                "a create (If-None-Match: *) succeeds only if the key is absent: of two concurrent creates at most one succeeds";
            NoLostUpdate => "no-lost-update", "NLU", None, S3, Always,
                conditional::NoLostUpdate,
                "an If-Match PUT or DELETE that succeeds replaces exactly the version it named, never a later one";
            PreconditionJustified => "precondition-justified", "PJ", None, S3, Always,
                conditional::PreconditionJustified,
                "a 412 is justified by some version of the key current during the request";
            ReplicaMonotonic => "replica-monotonic", "RMO", None, Protocol, Always,
                replica::ReplicaMonotonic,
                "the cross-region replica never replaces a key's version with an older one";
            ReplicaConverges => "replica-converges", "RCV", None, S3, Always,
                replica::ReplicaConverges,
                "once no replication and no write is in flight, the replica equals the source";
            WitnessSafety => "witness-safety", "WS", None, Protocol, Always,
                witness_safety::WitnessSafety,
                "the witness never knows a key as older than its latest acknowledged write, and persistence never loses one";
            WitnessAnswer => "witness-answer", "WA", None, Protocol, Always,
                witness_answer::WitnessAnswer,
                "the witness answers \"fresh\" only for an entry at least as new as the key's latest acknowledged write, at every query a read can make";
            ReplicaLag => "replica-lag", "A8", Some("A8"), Anomaly, Sometimes,
                replica::ReplicaLag,
                "A8: a write is acknowledged in-region while the replica still holds an older version";
            NegativeCacheMiss => "negative-cache-miss", "A1", Some("A1"), Anomaly, Sometimes,
                read_after_write::ReadAfterWrite,
                "A1: GET → not found after a PUT of the key was acknowledged";
            StaleOverwrite => "stale-overwrite", "A2", Some("A2"), Anomaly, Sometimes,
                read_after_write::ReadAfterWrite,
                "A2: GET → an older version after an overwrite was acknowledged";
            ReadAfterDelete => "read-after-delete", "A3", Some("A3"), Anomaly, Sometimes,
                read_after_write::ReadAfterWrite,
                "A3: GET → a version after a DELETE of the key was acknowledged";
            ListOmitsPut => "list-omits-put", "A4", Some("A4"), Anomaly, Sometimes,
                list_after_write::ListAfterWrite,
                "A4: LIST misses a key whose PUT was acknowledged";
            ListShowsDeleted => "list-shows-deleted", "A5", Some("A5"), Anomaly, Sometimes,
                list_after_write::ListAfterWrite,
                "A5: LIST shows a key whose DELETE was acknowledged";
            NonMonotonicRead => "non-monotonic-read", "A6", Some("A6"), Anomaly, Sometimes,
                monotonic_reads::MonotonicReads,
                "A6: a client reads a version, then an older one";
            SpuriousPreconditionFailure => "spurious-precondition-failure", "A9", Some("A9"), Anomaly, Sometimes,
                conditional::PreconditionJustified,
                "A9: a conditional write is refused with 412 although the key held, for the whole request, a version its precondition accepts";
            ReloadReached => "reload-reached", "RLD", None, Coverage, Sometimes,
                coverage::ReloadReached,
                "a read found its entry stale and reloads it from persistence";
            RepairReached => "repair-reached", "RPR", None, Coverage, Sometimes,
                coverage::RepairReached,
                "a reloaded version is put back into a cache node";
            FenceDropsRelearn => "fence-drops-relearn", "FNC", None, Coverage, Sometimes,
                coverage::FenceDropsRelearn,
                "a relearn reaches a witness node whose epoch moved since the load, and is dropped";
            QueryAfterFailover => "query-after-failover", "QFO", None, Coverage, Sometimes,
                coverage::QueryAfterFailover,
                "a read asks the witness after a witness node failed over to a stale replica";
        }
    };
}
pub(crate) use property_catalogue;

mod catalogue;
pub mod conditional;
pub mod coverage;
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
pub mod witness_answer;
pub mod witness_safety;

pub use catalogue::{Expectation, Guarantee, JudgedOn, PropertyId};
pub use finding::{Finding, HistoryError, Named};
pub use growable_store::GrowableStore;
pub use judge::{check_history, check_history_stream, HistoryChecker, HistoryVerdict, StreamError};
pub use monitor::{HistoryMonitor, Monitor};
pub use rule::{Reached, StateView};
pub use set::PropertySet;
pub use small_store::SmallStore;
pub use store::{version_bit, KeySummary, MonitorStore, Pending, PendingCondition, VersionFacts};
pub use table::catalogue_markdown;
