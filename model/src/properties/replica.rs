//! The cross-region replica: it lags regardless of mode (S3's replication is asynchronous), but it
//! must never go backwards, and once replication is idle it must equal the source.
//!
//! - **replica-monotonic**: judged on `ReplicaApplied` events by [`holds_monotonic`].
//! - **replica-converges**: `always(quiescent ⇒ converged)` via [`converged`]; stateright's
//!   `eventually` is only checked at terminal states, so convergence is stated as an invariant over
//!   quiescent states instead.
//! - **replica-lag** (A8, sometimes): [`lags`].

use super::catalogue::{JudgedOn, PropertyId};
use super::rule::{version, FindingParts, ReplicaApplied, Rule, StateView};
use crate::history::{Observed, Seq, Version};
use std::fmt;

/// The replica held `before` for a key and now holds `after`.
pub fn holds_monotonic(before: Seq, after: Seq) -> bool {
    after >= before
}

/// Per key, the source's committed version and the replica's version (in whatever width the
/// caller keeps versions). Only meaningful when replication is quiescent (nothing queued, no write
/// between commit and enqueue).
pub fn converged<V: PartialEq>(source: &[V], replica: &[V]) -> bool {
    source == replica
}

/// An acknowledged write that the replica does not reflect yet.
pub fn lags(acked: Observed, replica: Seq) -> bool {
    acked.seq > replica
}

/// replica-monotonic as the monitor applies it: on every `ReplicaApplied`.
pub struct ReplicaMonotonic;

impl Rule for ReplicaMonotonic {
    const PROPERTY: PropertyId = PropertyId::ReplicaMonotonic;
    const JUDGED_ON: JudgedOn = JudgedOn::History;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the replica went back from {} to {} for {key}",
            Version(finding.required.seq),
            Version(finding.got.seq),
            key = finding.key
        )
    }

    fn on_replica(
        applied: &ReplicaApplied,
        found: &mut impl FnMut(PropertyId, Observed, Observed),
    ) {
        if !holds_monotonic(applied.before, applied.after) {
            let (required, got) = (version(applied.before), version(applied.after));
            found(PropertyId::ReplicaMonotonic, required, got);
        }
    }
}

/// replica-converges, judged on the system's state by [`converged`].
pub struct ReplicaConverges;

impl Rule for ReplicaConverges {
    const PROPERTY: PropertyId = PropertyId::ReplicaConverges;
    const JUDGED_ON: JudgedOn = JudgedOn::State;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "replication is idle, but the replica holds {got} of {key} and the source {required}",
            key = finding.key,
            required = finding.required,
            got = finding.got
        )
    }

    fn in_state(state: &impl StateView) -> Option<bool> {
        Some(
            !state.quiescent()
                || state
                    .keys()
                    .all(|k| converged(&[state.persisted(k)], &[state.replica(k)])),
        )
    }
}

/// replica-lag (A8), found on the system's state by [`lags`].
pub struct ReplicaLag;

impl Rule for ReplicaLag {
    const PROPERTY: PropertyId = PropertyId::ReplicaLag;
    const JUDGED_ON: JudgedOn = JudgedOn::State;

    fn describe(finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the replica holds {got} of {key} after {required} was acknowledged",
            key = finding.key,
            required = finding.required,
            got = finding.got
        )
    }

    fn in_state(state: &impl StateView) -> Option<bool> {
        Some(
            state
                .keys()
                .any(|key| lags(state.acked(key), state.replica(key))),
        )
    }
}
