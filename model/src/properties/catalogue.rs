//! [`PropertyId`] and what the catalogue's rows say of each property (`property_catalogue!`, in
//! `mod.rs` beside the rule files it names): name, column, anomaly code, guarantee group,
//! expectation and summary. Everything else that differs from one property to the next is asked of
//! the property's rule (`rules.rs`).

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
    /// A sometimes-property that a proof must find: a path of the protocol (a reload, a fenced
    /// relearn) that the proof shows it explored.
    Coverage,
}

impl Guarantee {
    pub const ALL: [Guarantee; 5] = [
        Guarantee::S3,
        Guarantee::Stronger,
        Guarantee::Protocol,
        Guarantee::Anomaly,
        Guarantee::Coverage,
    ];

    pub const fn title(self) -> &'static str {
        match self {
            Guarantee::S3 => "S3's published guarantees",
            Guarantee::Stronger => "stronger than S3 promises",
            Guarantee::Protocol => "the protocol's own invariants",
            Guarantee::Anomaly => "anomalies (reachable or not)",
            Guarantee::Coverage => "coverage: protocol paths the search reached",
        }
    }

    /// The group in a few words, for a column header as narrow as two of the suite's cells and
    /// for the one-line summary of a run.
    pub const fn short_title(self) -> &'static str {
        match self {
            Guarantee::S3 => "S3 guarantees",
            Guarantee::Stronger => "stronger",
            Guarantee::Protocol => "protocol",
            Guarantee::Anomaly => "anomalies",
            Guarantee::Coverage => "coverage",
        }
    }

    /// The group's properties, in the catalogue's order.
    pub fn properties(self) -> impl Iterator<Item = PropertyId> {
        PropertyId::ALL
            .iter()
            .copied()
            .filter(move |p| p.guarantee() == self)
    }
}

/// What a property is judged on. A history shows only what clients and the replica saw, so the
/// properties of the witness, of persistence and of an idle replica need the system's state.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JudgedOn {
    /// The history alone, by the [`Monitor`](super::monitor::Monitor): in the model, on recorded histories
    /// and on users' histories alike.
    History,
    /// The system's state: the model's, or an implementation's as its tests read it.
    State,
}

macro_rules! property_ids {
    ($( $variant:ident => $name:literal, $column:literal, $code:expr, $guarantee:ident, $expectation:ident, $rule_file:ident::$rule:ident, $summary:literal; )*) => {
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

            /// The file under `model/src/properties/` that holds the property's rule (for an
            /// anomaly, the rule that finds it).
            pub const fn rule_file(self) -> &'static str {
                match self { $( PropertyId::$variant => concat!(stringify!($rule_file), ".rs"), )* }
            }
        }
    };
}

// `property_catalogue!` is in scope by text: mod.rs defines it before declaring this module.
property_catalogue!(property_ids);

impl PropertyId {
    /// Whether an implementation's tests and replay can judge this property. witness-answer needs
    /// the entry a read waiting on the witness holds, which IndexCache's pause points do not
    /// expose, and the coverage paths are the model's own; both are judged on the model only.
    pub fn judged_on_implementations(self) -> bool {
        self != PropertyId::WitnessAnswer && self.guarantee() != Guarantee::Coverage
    }

    pub fn from_name(name: &str) -> Option<PropertyId> {
        PropertyId::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// Every property, group by group in [`Guarantee::ALL`]'s order and in the catalogue's order
    /// within a group: the order in which results are shown.
    pub fn by_guarantee() -> impl Iterator<Item = PropertyId> {
        Guarantee::ALL.into_iter().flat_map(Guarantee::properties)
    }

    pub fn always() -> impl Iterator<Item = PropertyId> {
        PropertyId::ALL
            .iter()
            .copied()
            .filter(|p| p.expectation() == Expectation::Always)
    }

    /// The anomalies (the sometimes-properties but coverage), in [`PropertyId::ALL`]'s order.
    pub const ANOMALIES: &'static [PropertyId] = &ANOMALIES;

    pub fn sometimes() -> impl Iterator<Item = PropertyId> {
        PropertyId::ALL
            .iter()
            .copied()
            .filter(|p| p.expectation() == Expectation::Sometimes)
    }
}

const fn is_anomaly(p: PropertyId) -> bool {
    matches!(p.guarantee(), Guarantee::Anomaly)
}

const ANOMALY_COUNT: usize = {
    let mut count = 0;
    let mut i = 0;
    while i < PropertyId::ALL.len() {
        if is_anomaly(PropertyId::ALL[i]) {
            count += 1;
        }
        i += 1;
    }
    count
};

const ANOMALIES: [PropertyId; ANOMALY_COUNT] = {
    let mut out = [PropertyId::ReplicaLag; ANOMALY_COUNT];
    let (mut i, mut n) = (0, 0);
    while i < PropertyId::ALL.len() {
        if is_anomaly(PropertyId::ALL[i]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_serialize_as_written() {
        for p in PropertyId::ALL {
            assert_eq!(PropertyId::from_name(p.name()), Some(*p));
            let json = serde_json::to_string(p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.name()));
        }
    }

    #[test]
    fn sometimes_properties_are_anomalies_or_coverage_and_anomalies_carry_their_code() {
        for &p in PropertyId::ALL {
            let anomaly = p.guarantee() == Guarantee::Anomaly;
            let sometimes = anomaly || p.guarantee() == Guarantee::Coverage;
            assert_eq!(sometimes, p.expectation() == Expectation::Sometimes, "{p}");
            assert_eq!(anomaly, p.anomaly().is_some(), "{p}");
            if let Some(code) = p.anomaly() {
                assert_eq!(p.column(), code, "{p}");
                assert!(p.summary().starts_with(&format!("{code}: ")), "{p}");
            }
            assert!(p.column().len() <= 4, "{p}");
        }
    }

    #[test]
    fn grouping_lists_every_property_once_s3_first() {
        let grouped: Vec<PropertyId> = PropertyId::by_guarantee().collect();
        let mut sorted = grouped.clone();
        sorted.sort();
        assert_eq!(sorted, PropertyId::ALL);
        let s3: Vec<&str> = Guarantee::S3.properties().map(PropertyId::name).collect();
        assert_eq!(
            s3,
            [
                "read-after-write",
                "list-after-write",
                "read-your-writes",
                "conditional-atomic",
                "no-lost-update",
                "precondition-justified",
                "replica-converges"
            ]
        );
        assert_eq!(grouped[..7], Guarantee::S3.properties().collect::<Vec<_>>());
        let json: Vec<String> = Guarantee::ALL
            .iter()
            .map(|g| serde_json::to_string(g).unwrap())
            .collect();
        assert_eq!(
            json,
            [
                r#""s3""#,
                r#""stronger""#,
                r#""protocol""#,
                r#""anomaly""#,
                r#""coverage""#
            ]
        );
        assert_eq!(
            PropertyId::ANOMALIES,
            Guarantee::Anomaly.properties().collect::<Vec<_>>()
        );
    }
}
