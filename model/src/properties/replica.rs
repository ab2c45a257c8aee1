//! The cross-region replica: it lags regardless of mode (S3's replication is asynchronous), but it
//! must never go backwards, and once replication is idle it must equal the source.
//!
//! - **replica-monotonic**: judged on `ReplicaApplied` events by [`holds_monotonic`].
//! - **replica-converges**: `always(quiescent ⇒ converged)` via [`converged`]; stateright's
//!   `eventually` is only checked at terminal states, so convergence is stated as an invariant over
//!   quiescent states instead.
//! - **replica-lag** (A8, sometimes): [`lags`].

use crate::history::{Observed, Seq};

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
