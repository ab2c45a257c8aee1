//! **read-after-write** (GET): S3's December 2020 promise. A GET invoked after a PUT or DELETE of
//! the key was acknowledged returns that write's version or a later one — to every client, not
//! only the writer. A violation is classified as the anomaly a user would see (A1–A3).

use super::catalogue::{JudgedOn, PropertyId};
use super::rule::{report_violation, FindingParts, GetReturned, Rule};
use crate::history::Observed;
use std::fmt;

/// The rule as the monitor applies it: on every GET, against the floor in force when it began.
pub struct ReadAfterWrite;

impl Rule for ReadAfterWrite {
    const PROPERTY: PropertyId = PropertyId::ReadAfterWrite;
    const JUDGED_ON: JudgedOn = JudgedOn::History;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{who} GET {key} → {got}, but {required} was acknowledged before the GET began",
            who = finding.who,
            key = finding.key,
            required = finding.required,
            got = finding.got
        )
    }

    fn on_get(get: &GetReturned, found: &mut impl FnMut(PropertyId, Observed, Observed)) {
        if let Some(anomaly) = judge(get.acked, get.got) {
            report_violation(
                PropertyId::ReadAfterWrite,
                anomaly,
                get.acked,
                get.got,
                found,
            );
        }
    }
}

/// Judges one GET: `floor` is the latest write of the key acknowledged before the GET was invoked.
/// Returns the anomaly the user saw, or `None` when the GET is allowed.
pub fn judge(floor: Observed, got: Observed) -> Option<PropertyId> {
    if got.seq >= floor.seq {
        return None;
    }
    Some(match (floor.exists, got.exists) {
        (true, false) => PropertyId::NegativeCacheMiss,
        (true, true) => PropertyId::StaleOverwrite,
        (false, true) => PropertyId::ReadAfterDelete,
        // An older tombstone after a newer DELETE: the user sees the right answer ("not found")
        // but the read came from a stale entry; still a version violation, no named anomaly.
        (false, false) => PropertyId::ReadAfterWrite,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn v(seq: u64, exists: bool) -> Observed {
        Observed { seq, exists }
    }

    #[test]
    fn classifies_the_catalogue() {
        assert_eq!(judge(v(1, true), v(1, true)), None);
        assert_eq!(judge(v(1, true), v(2, false)), None);
        assert_eq!(
            judge(v(1, true), v(0, false)),
            Some(PropertyId::NegativeCacheMiss)
        );
        assert_eq!(
            judge(v(2, true), v(1, true)),
            Some(PropertyId::StaleOverwrite)
        );
        assert_eq!(
            judge(v(2, false), v(1, true)),
            Some(PropertyId::ReadAfterDelete)
        );
        assert_eq!(
            judge(v(3, false), v(2, false)),
            Some(PropertyId::ReadAfterWrite)
        );
    }
}
