//! Which properties of the catalogue a value history is judged on, and how. A value history has
//! no versions, no replica and no witness, so each property is judged its own way or not at all;
//! [`coverage`] says which for every property, so a new property cannot be left out unnoticed.

use witness_model::properties::PropertyId;

/// How witness-history judges a property on a value history.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Coverage {
    /// Per key, by searching for a linearization (`linearize/`).
    Searched,
    /// Per key, by the model's own rule over every version order the history allows (`weak.rs`).
    EveryOrder,
    /// Over the LISTs, where the write a LIST must reflect is certain (`weak.rs`).
    Lists,
    /// An anomaly, named after a violating window it is an instance of (`anomaly.rs`).
    NamedInWindow,
    /// Over the refused conditional writes that no other write overlapped (`refusals.rs`):
    /// precondition-justified, and A9, the refusal each of its violations shows.
    Refusals,
    /// Not judged: it needs the system's state (the witness, the paths the protocol took), a
    /// replica, or what a listing reports of a key it omits (a version), none of which a value
    /// history records; or, for conditional-atomic and no-lost-update, the version a write
    /// replaced (a value history shows their violations as linearizability's, judging `cas`,
    /// `create` and `delete-if` as a compare-and-set register).
    NotJudged,
}

pub const fn coverage(property: PropertyId) -> Coverage {
    use PropertyId::*;
    match property {
        Linearizable => Coverage::Searched,
        ReadAfterWrite | ReadYourWrites | MonotonicReads => Coverage::EveryOrder,
        ListAfterWrite => Coverage::Lists,
        NegativeCacheMiss | StaleOverwrite | ReadAfterDelete | NonMonotonicRead => {
            Coverage::NamedInWindow
        }
        ReplicaMonotonic | ReplicaConverges | WitnessSafety | WitnessAnswer | ReplicaLag
        | ListOmitsPut | ListShowsDeleted | ReloadReached | RepairReached | FenceDropsRelearn
        | QueryAfterFailover | ConditionalAtomic | NoLostUpdate => Coverage::NotJudged,
        PreconditionJustified | SpuriousPreconditionFailure => Coverage::Refusals,
    }
}

/// How many properties are covered `how`.
pub const fn count(how: Coverage) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < PropertyId::ALL.len() {
        if coverage(PropertyId::ALL[i]) as u8 == how as u8 {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The properties covered `how`, in the catalogue's order; `N` is [`count`]`(how)`.
pub const fn covered<const N: usize>(how: Coverage) -> [PropertyId; N] {
    let mut out = [PropertyId::Linearizable; N];
    let (mut i, mut n) = (0, 0);
    while i < PropertyId::ALL.len() {
        if coverage(PropertyId::ALL[i]) as u8 == how as u8 {
            out[n] = PropertyId::ALL[i];
            n += 1;
        }
        i += 1;
    }
    assert!(n == N, "N must be count(how)");
    out
}

/// The anomalies a violating window can be named after, by their codes: "A1, A2, A3, A6".
pub fn named_codes() -> String {
    PropertyId::ALL
        .iter()
        .filter(|p| coverage(**p) == Coverage::NamedInWindow)
        .filter_map(|p| p.anomaly())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use witness_model::properties::JudgedOn;

    #[test]
    fn what_needs_the_systems_state_is_never_judged_on_values() {
        for &p in PropertyId::ALL {
            if p.judged_on() == JudgedOn::State {
                assert_eq!(coverage(p), Coverage::NotJudged, "{p}");
            }
            if coverage(p) == Coverage::NamedInWindow {
                assert!(p.anomaly().is_some(), "{p} is no anomaly");
            }
        }
        assert_eq!(named_codes(), "A1, A2, A3, A6");
    }
}
