//! **list-after-write**: S3's strong LIST. A LIST invoked after an acknowledged PUT of a key shows
//! the key, and after an acknowledged DELETE omits it, unless a later write changed it. Judged per
//! key on the versions the listing reports (A4 omission, A5 ghost).

use super::catalogue::{JudgedOn, PropertyId};
use super::rule::{report_violation, FindingParts, ListedKey, Rule};
use crate::history::Observed;
use std::fmt;

/// The rule as the monitor applies it: on every key of every LIST, against the floors in force
/// when the LIST began.
pub struct ListAfterWrite;

impl Rule for ListAfterWrite {
    const PROPERTY: PropertyId = PropertyId::ListAfterWrite;
    const JUDGED_ON: JudgedOn = JudgedOn::History;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{who} LIST saw {key} as {got}, but {required} was acknowledged before the LIST began",
            who = finding.who,
            key = finding.key,
            required = finding.required,
            got = finding.got
        )
    }

    fn on_listed(entry: &ListedKey, found: &mut impl FnMut(PropertyId, Observed, Observed)) {
        if let Some(anomaly) = judge(entry.acked, entry.listed) {
            report_violation(
                PropertyId::ListAfterWrite,
                anomaly,
                entry.acked,
                entry.listed,
                found,
            );
        }
    }
}

/// Judges one key of one LIST against the latest write of that key acknowledged before the LIST
/// was invoked. Returns the anomaly, or `None` when the listing is allowed for this key.
pub fn judge(floor: Observed, listed: Observed) -> Option<PropertyId> {
    if listed.seq >= floor.seq {
        return None;
    }
    Some(match (floor.exists, listed.exists) {
        (true, false) => PropertyId::ListOmitsPut,
        (false, true) => PropertyId::ListShowsDeleted,
        // Shown at an older version, or omitted via an older tombstone: stale, no named anomaly.
        _ => PropertyId::ListAfterWrite,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omission_and_ghost() {
        let put1 = Observed {
            seq: 1,
            exists: true,
        };
        let del2 = Observed {
            seq: 2,
            exists: false,
        };
        assert_eq!(
            judge(put1, Observed::NEVER_WRITTEN),
            Some(PropertyId::ListOmitsPut)
        );
        assert_eq!(judge(del2, put1), Some(PropertyId::ListShowsDeleted));
        assert_eq!(judge(put1, del2), None);
        assert_eq!(judge(Observed::NEVER_WRITTEN, put1), None);
    }
}
