//! **witness-safety**: the witness may err only towards "stale" (a spurious reload), never towards
//! "fresh". Stated on the witness's table: for every key, what the witness knows is either nothing
//! (after a restart: every entry is stale) or at least the latest acknowledged write; and
//! persistence, the source of truth, still holds at least that write.

use crate::history::{Observed, Seq};

/// `acked`: the latest acknowledged write of the key; `witness`: the version the witness records
/// (`None` = forgotten, answered as stale); `persisted`: the version persistence holds.
pub fn holds(acked: Observed, witness: Option<Seq>, persisted: Seq) -> bool {
    let witness_ok = witness.is_none_or(|known| known >= acked.seq);
    witness_ok && persisted >= acked.seq
}
