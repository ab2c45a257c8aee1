//! **witness-safety**: the witness may err only towards "stale" (a spurious reload), never towards
//! "fresh". Stated on the witness's table: for every key, what the witness knows is either nothing
//! (after a restart: every entry is stale) or at least the latest acknowledged write; and
//! persistence, the source of truth, still holds at least that write. With a fleet of witness
//! nodes, "what the witness knows" is what every majority guarantees: the smallest answer some
//! majority can give (`SystemState::witness`), so the rule holds only if no majority can pass an
//! entry older than an acknowledged write.

use super::catalogue::{JudgedOn, PropertyId};
use super::rule::{FindingParts, Rule, StateView};
use crate::history::{Observed, Seq};
use std::fmt;

/// `acked`: the latest acknowledged write of the key; `witness`: the version the witness records
/// (`None` = forgotten, answered as stale); `persisted`: the version persistence holds.
pub fn holds(acked: Observed, witness: Option<Seq>, persisted: Seq) -> bool {
    let witness_ok = witness.is_none_or(|known| known >= acked.seq);
    witness_ok && persisted >= acked.seq
}

/// The rule is judged on the system's state (the witness's table and persistence), by [`holds`].
pub struct WitnessSafety;

impl Rule for WitnessSafety {
    const PROPERTY: PropertyId = PropertyId::WitnessSafety;
    const JUDGED_ON: JudgedOn = JudgedOn::State;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the witness or persistence holds {got} of {key}, older than the acknowledged {required}", key = finding.key, required = finding.required, got = finding.got)
    }

    fn in_state(state: &impl StateView) -> Option<bool> {
        Some(
            state
                .keys()
                .all(|key| holds(state.acked(key), state.witness(key), state.persisted(key))),
        )
    }
}
