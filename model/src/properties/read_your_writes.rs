//! **read-your-writes**: a client's GET (or a LIST's entry for the key) reflects at least that
//! client's own latest acknowledged write of the key. Weaker than read-after-write, which asks the
//! same for every client's writes; kept separate because a session guarantee is what many designs
//! promise when they cannot promise read-after-write.

use super::catalogue::{JudgedOn, PropertyId};
use super::rule::{version, FindingParts, GetReturned, ListedKey, Rule};
use crate::history::{Observed, Seq, Version};
use std::fmt;

/// `own_floor` is the sequence of the client's latest acknowledged write of the key (0 if none).
pub fn holds(own_floor: Seq, got: Seq) -> bool {
    got >= own_floor
}

/// The rule as the monitor applies it: on every GET and on every key of every LIST.
pub struct ReadYourWrites;

impl Rule for ReadYourWrites {
    const PROPERTY: PropertyId = PropertyId::ReadYourWrites;
    const JUDGED_ON: JudgedOn = JudgedOn::History;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{who} read {key} as {got}, older than its own acknowledged {}",
            Version(finding.required.seq),
            who = finding.who,
            key = finding.key,
            got = finding.got
        )
    }

    fn on_get(get: &GetReturned, found: &mut impl FnMut(PropertyId, Observed, Observed)) {
        if !holds(get.own_write, get.got.seq) {
            found(PropertyId::ReadYourWrites, version(get.own_write), get.got);
        }
    }

    fn on_listed(entry: &ListedKey, found: &mut impl FnMut(PropertyId, Observed, Observed)) {
        if !holds(entry.own_write, entry.listed.seq) {
            found(
                PropertyId::ReadYourWrites,
                version(entry.own_write),
                entry.listed,
            );
        }
    }
}
