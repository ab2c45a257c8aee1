//! A run's verdicts in one line, by guarantee group: first whether S3's published guarantees hold,
//! which is what a design review asks, then what fails beyond them. `witness check`, the suite,
//! the report and docs/verdicts.md all say it with [`guarantee_summary`], so a row reads the same
//! wherever it is shown.

use super::report::{CheckReport, Verdict};
use crate::properties::{Guarantee, PropertyId};

impl CheckReport {
    /// The run in one line ([`guarantee_summary`] of its verdicts).
    pub fn guarantee_summary(&self) -> String {
        guarantee_summary(|p| self.verdict(p))
    }
}

/// "every property holds"; "S3 guarantees hold; monotonic-reads and linearizable violated";
/// "S3 guarantees violated: read-after-write and read-your-writes; witness-safety violated".
///
/// Only the always-properties speak: an anomaly found is either allowed (the replica lags) or the
/// example of a violation the sentence already names. The groups beyond S3's are named only
/// where something in them fails or is undecided (`Unknown`, a run stopped early).
pub fn guarantee_summary(verdict: impl Fn(PropertyId) -> Verdict) -> String {
    let with = |group: Guarantee, wanted: Verdict| -> Vec<&'static str> {
        group
            .properties()
            .filter(|&p| verdict(p) == wanted)
            .map(PropertyId::name)
            .collect()
    };
    if PropertyId::always().all(|p| verdict(p) == Verdict::Holds) {
        return "every property holds".to_string();
    }
    if PropertyId::always().all(|p| verdict(p) == Verdict::Unknown) {
        return "every property undecided (stopped early)".to_string();
    }
    let s3 = Guarantee::S3.short_title();
    let (violated, undecided) = (
        with(Guarantee::S3, Verdict::Violated),
        with(Guarantee::S3, Verdict::Unknown),
    );
    let mut parts = match (violated.is_empty(), undecided.is_empty()) {
        (true, true) => vec![format!("{s3} hold")],
        (true, false) => vec![format!("{s3} undecided: {}", and_list(&undecided))],
        (false, true) => vec![format!("{s3} violated: {}", and_list(&violated))],
        (false, false) => vec![
            format!("{s3} violated: {}", and_list(&violated)),
            format!("{} undecided", and_list(&undecided)),
        ],
    };
    for group in [Guarantee::Stronger, Guarantee::Protocol] {
        for (wanted, word) in [
            (Verdict::Violated, "violated"),
            (Verdict::Unknown, "undecided"),
        ] {
            let names = with(group, wanted);
            if !names.is_empty() {
                parts.push(format!("{} {word}", and_list(&names)));
            }
        }
    }
    parts.join("; ")
}

/// "a", "a and b", "a, b and c".
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [only] => only.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PropertyId::*;

    /// The verdict of every always-property: `violated` are violated, `unknown` undecided, the
    /// rest hold.
    fn summary(violated: &[PropertyId], unknown: &[PropertyId]) -> String {
        guarantee_summary(|p| {
            if violated.contains(&p) {
                Verdict::Violated
            } else if unknown.contains(&p) {
                Verdict::Unknown
            } else if p.guarantee() == Guarantee::Anomaly {
                Verdict::Found
            } else {
                Verdict::Holds
            }
        })
    }

    #[test]
    fn the_sentence_puts_s3_first_and_names_what_fails_beyond_it() {
        assert_eq!(summary(&[], &[]), "every property holds");
        assert_eq!(
            summary(&[MonotonicReads, Linearizable], &[]),
            "S3 guarantees hold; monotonic-reads and linearizable violated"
        );
        assert_eq!(
            summary(
                &[
                    ReadAfterWrite,
                    ListAfterWrite,
                    ReadYourWrites,
                    Linearizable,
                    WitnessSafety
                ],
                &[]
            ),
            "S3 guarantees violated: read-after-write, list-after-write and read-your-writes; \
             linearizable violated; witness-safety violated"
        );
        assert_eq!(
            summary(&[ReplicaMonotonic, ReplicaConverges], &[]),
            "S3 guarantees violated: replica-converges; replica-monotonic violated"
        );
    }

    #[test]
    fn undecided_properties_are_named_as_such() {
        let always: Vec<PropertyId> = PropertyId::always().collect();
        assert_eq!(
            summary(&[], &always),
            "every property undecided (stopped early)"
        );
        assert_eq!(
            summary(&[ReadAfterWrite], &[ListAfterWrite, Linearizable]),
            "S3 guarantees violated: read-after-write; list-after-write undecided; linearizable \
             undecided"
        );
        assert_eq!(
            summary(&[], &[ReplicaConverges]),
            "S3 guarantees undecided: replica-converges"
        );
    }
}
