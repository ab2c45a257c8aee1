//! **read-your-writes**: a client's GET (or a LIST's entry for the key) reflects at least that
//! client's own latest acknowledged write of the key. Weaker than read-after-write, which asks the
//! same for every client's writes; kept separate because a session guarantee is what many designs
//! promise when they cannot promise read-after-write.

use crate::history::Seq;

/// `own_floor` is the sequence of the client's latest acknowledged write of the key (0 if none).
pub fn holds(own_floor: Seq, got: Seq) -> bool {
    got >= own_floor
}
