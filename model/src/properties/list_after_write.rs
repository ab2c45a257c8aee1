//! **list-after-write**: S3's strong LIST. A LIST invoked after an acknowledged PUT of a key shows
//! the key, and after an acknowledged DELETE omits it, unless a later write changed it. Judged per
//! key on the versions the listing reports (A4 omission, A5 ghost).

use super::PropertyId;
use crate::history::Observed;

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
