//! **monotonic-reads** (A6 when violated): once a client's GET of a key returned a version, its
//! later GETs of that key never return an older one — even when they land on a different cache
//! node.

use crate::history::Seq;

/// `last_seen` is the version the client's previous GET of the key returned (0 if none).
pub fn holds(last_seen: Seq, got: Seq) -> bool {
    got >= last_seen
}
