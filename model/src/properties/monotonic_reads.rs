//! **monotonic-reads** (A6 when violated): once a client's GET or LIST returned a version of a
//! key, its later GETs and LISTs never return an older one, even when they land on a different
//! cache node. A LIST counts as a read of every key it covers (omitting a key reads it as never
//! written, so a listing reports tombstones to tell a deletion apart).

use super::catalogue::{JudgedOn, PropertyId};
use super::rule::{version, FindingParts, GetReturned, ListedKey, Rule};
use crate::history::{Observed, Seq, Version};
use std::fmt;

/// `last_seen` is the highest version the client's earlier reads of the key returned (0 if none).
pub fn holds(last_seen: Seq, got: Seq) -> bool {
    got >= last_seen
}

/// The rule as the monitor applies it: on every GET and every key of every LIST, against the
/// client's earlier reads of the key. Every violation is an instance of A6.
pub struct MonotonicReads;

impl Rule for MonotonicReads {
    const PROPERTY: PropertyId = PropertyId::MonotonicReads;
    const JUDGED_ON: JudgedOn = JudgedOn::History;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{who} read {key} as {got} after it had already read {}",
            Version(finding.required.seq),
            who = finding.who,
            key = finding.key,
            got = finding.got
        )
    }

    fn on_get(get: &GetReturned, found: &mut impl FnMut(PropertyId, Observed, Observed)) {
        if !holds(get.last_read, get.got.seq) {
            let last = version(get.last_read);
            found(PropertyId::MonotonicReads, last, get.got);
            found(PropertyId::NonMonotonicRead, last, get.got);
        }
    }

    fn on_listed(entry: &ListedKey, found: &mut impl FnMut(PropertyId, Observed, Observed)) {
        if !holds(entry.last_read, entry.listed.seq) {
            let last = version(entry.last_read);
            found(PropertyId::MonotonicReads, last, entry.listed);
            found(PropertyId::NonMonotonicRead, last, entry.listed);
        }
    }
}
