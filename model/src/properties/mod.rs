//! The consistency properties, each defined once over a history (see [`crate::history`]).
//!
//! One file per property holds its rule. [`Monitor`] feeds a history through every rule one event
//! at a time and keeps only the summary the rules need (per-key floors, per-client last-seen
//! versions), so the same monitor lives inside the model's state, consumes the histories recorded
//! from the implementation, and checks histories that users bring in JSON.

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
mod small_store;
mod store;
pub mod witness_safety;

pub use finding::{Finding, HistoryError, Named};
pub use growable_store::GrowableStore;
pub use judge::{check_history, check_history_stream, HistoryChecker, HistoryVerdict, StreamError};
pub use monitor::{HistoryMonitor, Monitor};
pub use small_store::SmallStore;
pub use store::{KeySummary, MonitorStore, Pending};

use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether a property must hold in every reachable state or must be reachable at least once.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expectation {
    Always,
    Sometimes,
}

/// Whom a property speaks for: what S3 publishes, what is stronger than that, the protocol's own
/// invariants, or an anomaly (a reachable example of a broken guarantee).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Guarantee {
    /// Published by AWS for S3 (strong read-after-write, LIST, per-client views, replication
    /// catching up).
    S3,
    /// Stronger than anything AWS promises for S3 (monotonic reads, linearizability).
    Stronger,
    /// An invariant of this protocol's own parts (the witness, the replica), not a client-visible
    /// promise.
    Protocol,
    /// A sometimes-property: an anomaly of the catalogue (A1–A8), found or not.
    Anomaly,
}

impl Guarantee {
    pub const fn title(self) -> &'static str {
        match self {
            Guarantee::S3 => "S3's published guarantees",
            Guarantee::Stronger => "stronger than S3 promises",
            Guarantee::Protocol => "the protocol's own invariants",
            Guarantee::Anomaly => "anomalies (reachable or not)",
        }
    }
}

macro_rules! properties {
    ($( $variant:ident => $name:literal, $column:literal, $code:expr, $guarantee:ident, $expectation:ident, $summary:literal; )*) => {
        /// Every property the project checks, under the one name used by the model, the tests, the
        /// CLI, the JSON output and the docs.
        #[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum PropertyId { $( $variant, )* }

        impl PropertyId {
            pub const ALL: &'static [PropertyId] = &[ $( PropertyId::$variant, )* ];

            pub const fn name(self) -> &'static str {
                match self { $( PropertyId::$variant => $name, )* }
            }

            pub const fn expectation(self) -> Expectation {
                match self { $( PropertyId::$variant => Expectation::$expectation, )* }
            }

            /// One sentence for tables and `--help`.
            pub const fn summary(self) -> &'static str {
                match self { $( PropertyId::$variant => $summary, )* }
            }

            /// The property's column in the suite's table (at most 4 characters).
            pub const fn column(self) -> &'static str {
                match self { $( PropertyId::$variant => $column, )* }
            }

            /// The anomaly of the catalogue (A1–A8) this property is, where it is one.
            pub const fn anomaly(self) -> Option<&'static str> {
                match self { $( PropertyId::$variant => $code, )* }
            }

            pub const fn guarantee(self) -> Guarantee {
                match self { $( PropertyId::$variant => Guarantee::$guarantee, )* }
            }
        }
    };
}

/// The property catalogue, written once: hands every property's `Variant => "name", "column",
/// anomaly code, Guarantee, Expectation, "summary";` to the macro `$apply` (here to define [`PropertyId`]; the model uses it to build
/// its stateright properties, which need one closure a property).
macro_rules! property_catalogue {
    ($apply:ident) => {
        $apply! {
            ReadAfterWrite => "read-after-write", "RAW", None, S3, Always,
                "a GET invoked after a PUT/DELETE of the key was acknowledged returns that write or a later one";
            ListAfterWrite => "list-after-write", "LAW", None, S3, Always,
                "a LIST invoked after an acknowledged PUT (DELETE) shows (omits) the key unless a later write changed it";
            ReadYourWrites => "read-your-writes", "RYW", None, S3, Always,
                "a client's GET or LIST reflects that client's own acknowledged writes";
            MonotonicReads => "monotonic-reads", "MR", None, Stronger, Always,
                "a client's successive GETs of a key never go back to an older version";
            Linearizable => "linearizable", "LIN", None, Stronger, Always,
                "GET/PUT/DELETE of each key are linearizable in persistence's version order (stronger than S3 promises)";
            ReplicaMonotonic => "replica-monotonic", "RMO", None, Protocol, Always,
                "the cross-region replica never replaces a key's version with an older one";
            ReplicaConverges => "replica-converges", "RCV", None, S3, Always,
                "once no replication and no write is in flight, the replica equals the source";
            WitnessSafety => "witness-safety", "WS", None, Protocol, Always,
                "the witness never knows a key as older than its latest acknowledged write, and persistence never loses one";
            ReplicaLag => "replica-lag", "A8", Some("A8"), Anomaly, Sometimes,
                "A8: a write is acknowledged in-region while the replica still holds an older version";
            NegativeCacheMiss => "negative-cache-miss", "A1", Some("A1"), Anomaly, Sometimes,
                "A1: GET → not found after a PUT of the key was acknowledged";
            StaleOverwrite => "stale-overwrite", "A2", Some("A2"), Anomaly, Sometimes,
                "A2: GET → an older version after an overwrite was acknowledged";
            ReadAfterDelete => "read-after-delete", "A3", Some("A3"), Anomaly, Sometimes,
                "A3: GET → a version after a DELETE of the key was acknowledged";
            ListOmitsPut => "list-omits-put", "A4", Some("A4"), Anomaly, Sometimes,
                "A4: LIST misses a key whose PUT was acknowledged";
            ListShowsDeleted => "list-shows-deleted", "A5", Some("A5"), Anomaly, Sometimes,
                "A5: LIST shows a key whose DELETE was acknowledged";
            NonMonotonicRead => "non-monotonic-read", "A6", Some("A6"), Anomaly, Sometimes,
                "A6: a client reads a version, then an older one";
        }
    };
}
pub(crate) use property_catalogue;

property_catalogue!(properties);

impl PropertyId {
    pub fn from_name(name: &str) -> Option<PropertyId> {
        PropertyId::ALL.iter().copied().find(|p| p.name() == name)
    }

    pub fn always() -> impl Iterator<Item = PropertyId> {
        PropertyId::ALL
            .iter()
            .copied()
            .filter(|p| p.expectation() == Expectation::Always)
    }

    /// The sometimes-properties (the anomalies), in [`PropertyId::ALL`]'s order.
    pub const SOMETIMES: &'static [PropertyId] = &SOMETIMES;

    pub fn sometimes() -> impl Iterator<Item = PropertyId> {
        PropertyId::ALL
            .iter()
            .copied()
            .filter(|p| p.expectation() == Expectation::Sometimes)
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

const fn is_sometimes(p: PropertyId) -> bool {
    matches!(p.expectation(), Expectation::Sometimes)
}

const SOMETIMES_COUNT: usize = {
    let mut count = 0;
    let mut i = 0;
    while i < PropertyId::ALL.len() {
        if is_sometimes(PropertyId::ALL[i]) {
            count += 1;
        }
        i += 1;
    }
    count
};

const SOMETIMES: [PropertyId; SOMETIMES_COUNT] = {
    let mut out = [PropertyId::ReplicaLag; SOMETIMES_COUNT];
    let (mut i, mut n) = (0, 0);
    while i < PropertyId::ALL.len() {
        if is_sometimes(PropertyId::ALL[i]) {
            out[n] = PropertyId::ALL[i];
            n += 1;
        }
        i += 1;
    }
    out
};

impl fmt::Display for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of properties in one word, cheap to keep in every model state.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub struct PropertySet(u16);

// One bit per property: a property past the 16th must widen the set (and the packed state).
const _: () = assert!(PropertyId::ALL.len() <= u16::BITS as usize);

impl PropertySet {
    pub const EMPTY: PropertySet = PropertySet(0);

    pub fn insert(&mut self, property: PropertyId) {
        self.0 |= property.bit();
    }

    pub fn contains(self, property: PropertyId) -> bool {
        self.0 & property.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The set as one word, for states packed into words (and back with [`PropertySet::from_bits`]).
    pub fn bits(self) -> u16 {
        self.0
    }

    pub fn from_bits(bits: u16) -> PropertySet {
        PropertySet(bits)
    }

    pub fn iter(self) -> impl Iterator<Item = PropertyId> {
        PropertyId::ALL
            .iter()
            .copied()
            .filter(move |p| self.contains(*p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_fit_the_bitset() {
        assert!(PropertyId::ALL.len() <= 16);
        for p in PropertyId::ALL {
            assert_eq!(PropertyId::from_name(p.name()), Some(*p));
            let json = serde_json::to_string(p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.name()));
        }
        assert_eq!(PropertyId::always().count(), 8);
        assert_eq!(PropertyId::sometimes().count(), 7);
    }
}
