//! **witness-answer**: the witness passes an entry as fresh only if it is at least as new as the
//! key's latest acknowledged write. witness-safety judges what the witness holds; this judges what
//! it says, at the step where a read asks it, under every quorum the read may get. The two differ
//! when the answer is not the table: a fleet whose read trusts one node, or a restarted node that
//! answers for what it forgot. Read-after-write sees such an answer only if a client's GET was
//! invoked after the write's acknowledgement; this rule sees it at the query, whoever asks.

use super::catalogue::{JudgedOn, PropertyId};
use super::rule::{FindingParts, Rule, StateView};
use crate::history::{Observed, Seq};
use std::fmt;

/// `acked`: the key's latest acknowledged write; `entry`: the version the witness passes as fresh.
pub fn holds(acked: Observed, entry: Seq) -> bool {
    entry >= acked.seq
}

/// The rule is judged on the state: on every entry the witness would pass now
/// ([`StateView::fresh_answers`]).
pub struct WitnessAnswer;

impl Rule for WitnessAnswer {
    const PROPERTY: PropertyId = PropertyId::WitnessAnswer;
    const JUDGED_ON: JudgedOn = JudgedOn::State;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the witness passes {got} of {key} as fresh after {required} was acknowledged",
            key = finding.key,
            required = finding.required,
            got = finding.got
        )
    }

    fn in_state(state: &impl StateView) -> Option<bool> {
        let mut every_answer_holds = true;
        state.fresh_answers(&mut |key, entry| {
            every_answer_holds &= holds(state.acked(key), entry);
        });
        Some(every_answer_holds)
    }
}
