//! The check only a whole history allows (reported under **linearizable**): every version a GET
//! or LIST reports must be one that some write of that key produced, with that write's presence,
//! or `v0` (never written). Writes still in flight at the end have unknown versions, so a read of
//! an unknown version of a key with such a write is not judged.
//!
//! Memory does not grow with the history. Per key it keeps the acknowledged versions that a read
//! could still report without breaking a floor: versions below the key's acknowledged floor, and
//! below the floor of every GET of the key in flight, are dropped, because a GET or LIST that
//! reports one is already a read-after-write or list-after-write violation (its floor is at least
//! that high), so only the wrong-presence detail of an already violating read is lost. While a
//! LIST is in flight nothing is dropped (a LIST's floors cover every key). Reads of a version
//! whose write is not acknowledged yet wait for it; they are few unless the history is broken.

use super::catalogue::PropertyId;
use super::finding::Finding;
use super::store::Pending;
use crate::history::{ClientId, Key, Observed, Op, Ret, Seq};
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// A read whose version no acknowledged write has produced yet.
#[derive(Clone, Copy, Debug)]
struct UnmatchedRead {
    index: usize,
    client: ClientId,
    got: Observed,
}

#[derive(Clone, Debug, Default)]
struct KeyVersions {
    /// Acknowledged versions and whether each was a PUT, sorted by version.
    written: VecDeque<(Seq, bool)>,
    /// Versions below this were dropped (see the module documentation).
    dropped_below: Seq,
    /// The read-after-write floor of each GET of the key in flight.
    get_floors: Vec<Seq>,
}

#[derive(Debug, Default)]
pub(super) struct PhantomReads {
    keys: Vec<KeyVersions>,
    lists_in_flight: usize,
    /// Reads waiting for the write of their version to be acknowledged.
    waiting: FxHashMap<(Key, Seq), Vec<UnmatchedRead>>,
    found: Vec<Finding>,
}

impl PhantomReads {
    fn key(&mut self, key: Key) -> &mut KeyVersions {
        let i = key.index();
        if self.keys.len() <= i {
            self.keys.resize(i + 1, KeyVersions::default());
        }
        &mut self.keys[i]
    }

    /// `op` was invoked; `acked` is its key's acknowledged floor at that moment.
    pub(super) fn invoked(&mut self, op: Op, acked: Option<Observed>) {
        match (op, acked) {
            (Op::Get { key }, Some(acked)) => self.key(key).get_floors.push(acked.seq),
            (Op::List, _) => self.lists_in_flight += 1,
            _ => {}
        }
    }

    /// `pending` returned `ret`; `acked` gives a key's acknowledged floor after the return.
    pub(super) fn returned(
        &mut self,
        index: usize,
        client: ClientId,
        pending: Pending,
        ret: &Ret,
        acked: impl Fn(Key) -> Observed,
    ) {
        match (pending, ret) {
            (Pending::Write { key, put, .. }, Ret::Ack { seq }) => {
                let versions = &mut self.key(key).written;
                let at = versions.partition_point(|&(s, _)| s < *seq);
                versions.insert(at, (*seq, put));
                for read in self.waiting.remove(&(key, *seq)).unwrap_or_default() {
                    self.judge(read, key, put);
                }
                self.drop_old(key, acked(key).seq);
            }
            (Pending::Get { key, acked, .. }, Ret::Read { observed }) => {
                let floors = &mut self.key(key).get_floors;
                if let Some(at) = floors.iter().position(|&f| f == acked.seq) {
                    floors.swap_remove(at);
                }
                self.read(index, client, key, *observed);
            }
            (Pending::List, Ret::Listed { entries }) => {
                self.lists_in_flight = self.lists_in_flight.saturating_sub(1);
                for &(key, observed) in entries {
                    self.read(index, client, key, observed);
                }
            }
            _ => {}
        }
    }

    fn drop_old(&mut self, key: Key, acked: Seq) {
        if self.lists_in_flight > 0 {
            return;
        }
        let versions = self.key(key);
        let below = versions.get_floors.iter().copied().fold(acked, Seq::min);
        while versions.written.front().is_some_and(|&(s, _)| s < below) {
            versions.written.pop_front();
        }
        versions.dropped_below = versions.dropped_below.max(below);
    }

    fn read(&mut self, index: usize, client: ClientId, key: Key, got: Observed) {
        let read = UnmatchedRead { index, client, got };
        if got.seq == 0 {
            if got.exists {
                self.found.push(phantom(read, key, Observed::NEVER_WRITTEN));
            }
            return;
        }
        let versions = self.key(key);
        if got.seq < versions.dropped_below {
            return;
        }
        let known = versions
            .written
            .binary_search_by_key(&got.seq, |&(s, _)| s)
            .ok()
            .map(|at| versions.written[at].1);
        match known {
            Some(put) => self.judge(read, key, put),
            None => self.waiting.entry((key, got.seq)).or_default().push(read),
        }
    }

    fn judge(&mut self, read: UnmatchedRead, key: Key, put: bool) {
        if put != read.got.exists {
            let required = Observed {
                seq: read.got.seq,
                exists: put,
            };
            self.found.push(phantom(read, key, required));
        }
    }

    /// The findings in history order; reads still waiting are phantoms unless a write of their
    /// key is in flight (its version is unknown).
    pub(super) fn finish(mut self, in_flight: &[Key]) -> Vec<Finding> {
        for ((key, _), reads) in std::mem::take(&mut self.waiting) {
            if !in_flight.contains(&key) {
                for read in reads {
                    self.found.push(phantom(read, key, read.got));
                }
            }
        }
        self.found.sort_by_key(|f| (f.event_index, f.key));
        self.found
    }
}

fn phantom(read: UnmatchedRead, key: Key, required: Observed) -> Finding {
    Finding {
        found_by: PropertyId::Linearizable,
        property: PropertyId::Linearizable,
        event_index: read.index,
        client: Some(read.client),
        key,
        required,
        got: read.got,
    }
}
