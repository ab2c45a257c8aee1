//! The weaker properties (read-after-write, read-your-writes, monotonic-reads, list-after-write)
//! on a value history. Their rules compare versions, so the rules stay where they are defined
//! (witness_model::properties, one Monitor) and this file only supplies versions:
//!
//! - a linearizable key satisfies all three per-key properties (each is implied by linearizability);
//! - otherwise the key's operations go through `check_history` once for every version order the
//!   history allows (`orders`): a property violated in every order is violated, one violated in
//!   none holds, and one violated in some orders only is "order ambiguous";
//! - a key with too many orders, or a value written twice, reports a violation only when it holds
//!   in every order for another reason (an A1–A3 or A6 instance in the key's violating window,
//!   whose "older" is fixed by real time), and "order ambiguous" otherwise.
//!
//! A violated property comes with a window: the operations that break it in every order of their
//! own writes (the shortest such prefix of the key's operations, then its latest start).
//!
//! list-after-write is judged only where it is certain: a LIST that began after a write of the key
//! was acknowledged, with every other write of that key finished before the acknowledged one began
//! and none overlapping the LIST, must show (PUT) or omit (DELETE) the key.

use crate::anomaly;
use crate::coverage::{count, covered, Coverage};
use crate::ops::{History, Operation, Outcome, Reply, Status, Value};
use crate::orders;
use std::collections::HashSet;
use witness_model::properties::{check_history, PropertyId};

/// How many properties are judged here per key.
pub const PER_KEY_COUNT: usize = count(Coverage::EveryOrder);

/// The per-key properties judged here (read-after-write, read-your-writes, monotonic-reads), in
/// the catalogue's order, which is the order they are reported in.
pub const PER_KEY: [PropertyId; PER_KEY_COUNT] = covered(Coverage::EveryOrder);

/// How one of [`PER_KEY`] fared on one key; a violation carries the operations that show it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct KeyStatus {
    pub status: Status,
    pub window: Option<Vec<usize>>,
}

impl KeyStatus {
    fn of(status: Status) -> KeyStatus {
        KeyStatus {
            status,
            window: None,
        }
    }
}

/// One key's status for each of [`PER_KEY`]. `window` is the key's smallest non-linearizable
/// window (empty when it is linearizable).
pub fn judge_key(
    history: &History,
    ops: &[usize],
    linearizable: bool,
    window: &[usize],
) -> [KeyStatus; PER_KEY_COUNT] {
    if linearizable {
        return std::array::from_fn(|_| KeyStatus::of(Status::Holds));
    }
    if let Some(statuses) = in_every_order(history, ops) {
        return std::array::from_fn(|n| KeyStatus {
            status: statuses[n],
            window: (statuses[n] == Status::Violated).then(|| window_of(history, ops, window, n)),
        });
    }
    let mut statuses: [KeyStatus; PER_KEY_COUNT] =
        std::array::from_fn(|_| KeyStatus::of(Status::OrderAmbiguous));
    // The window is closed under overlap, so an anomaly among its own writes holds in every order
    // of the whole key: any other write of the value read lies entirely before or after it.
    if let Some(instance) = anomaly::classify(history, window, window) {
        let [a, b] = instance.ops.map(|i| &history.operations[i]);
        let violated = KeyStatus {
            status: Status::Violated,
            window: Some(window.to_vec()),
        };
        // The anomaly breaks the property whose rule names it; a stale read of the reader's own
        // write breaks read-your-writes too.
        let finder = instance.anomaly.judged_by();
        let own = finder == PropertyId::ReadAfterWrite && a.process == b.process;
        for (status, property) in statuses.iter_mut().zip(PER_KEY) {
            if property == finder || (own && property == PropertyId::ReadYourWrites) {
                *status = violated.clone();
            }
        }
    }
    statuses
}

/// Each of [`PER_KEY`] over every version order of `ops` (see `orders`): violated in all,
/// in none (holds) or in some (ambiguous). `None` when the orders are not enumerated.
fn in_every_order(history: &History, ops: &[usize]) -> Option<[Status; PER_KEY_COUNT]> {
    let mut violated = [0usize; PER_KEY_COUNT];
    let mut malformed = false;
    let total = orders::for_each_candidate(history, ops, |events| match check_history(events) {
        Ok(verdict) => {
            for (count, property) in violated.iter_mut().zip(PER_KEY) {
                *count += usize::from(!verdict.holds(property));
            }
        }
        // Not a sequential history (a process reused after an unknown outcome): no versions.
        Err(_) => malformed = true,
    })?;
    if malformed {
        return None;
    }
    Some(violated.map(|n| match n {
        0 => Status::Holds,
        n if n == total => Status::Violated,
        _ => Status::OrderAmbiguous,
    }))
}

/// Re-judgements spent on dropping unneeded operations from a window, at most.
const TIGHTEN_CHECKS: usize = 2000;

/// The operations that break `PER_KEY[n]` in every order (`ops` as a whole does), without the
/// operations they do not need. The search starts from the key's non-linearizable window `near`
/// with the writes of the values its reads returned, which usually shows it; otherwise from the
/// shortest prefix of `ops` that does, at its latest start.
fn window_of(history: &History, ops: &[usize], near: &[usize], n: usize) -> Vec<usize> {
    let violated =
        |sub: &[usize]| in_every_order(history, sub).is_some_and(|s| s[n] == Status::Violated);
    let seed = with_writes_read(history, ops, near);
    if !seed.is_empty() && violated(&seed) {
        return tighten(seed, violated);
    }
    // Invariant: ops[..end] is violated.
    let (mut lo, mut end) = (1, ops.len());
    while lo < end {
        let mid = (lo + end) / 2;
        if violated(&ops[..mid]) {
            end = mid;
        } else {
            lo = mid + 1;
        }
    }
    // Invariant: ops[start..end] is violated.
    let (mut start, mut hi) = (0, end.saturating_sub(1));
    while start < hi {
        let mid = (start + hi).div_ceil(2);
        if violated(&ops[mid..end]) {
            start = mid;
        } else {
            hi = mid - 1;
        }
    }
    tighten(ops[start..end].to_vec(), violated)
}

/// `near` and the writes among `ops` of every value a read in `near` returned, in `ops`' order.
fn with_writes_read(history: &History, ops: &[usize], near: &[usize]) -> Vec<usize> {
    let members: HashSet<usize> = near.iter().copied().collect();
    let read: HashSet<&Value> = near
        .iter()
        .filter_map(|&i| match &history.operations[i].outcome {
            Outcome::Ok(Reply::Read(Some(v))) => Some(v),
            _ => None,
        })
        .collect();
    ops.iter()
        .copied()
        .filter(|i| {
            members.contains(i)
                || history.operations[*i]
                    .written()
                    .flatten()
                    .is_some_and(|v| read.contains(v))
        })
        .collect()
}

/// Drops the operations `window` does not need, in halving chunks then one at a time (each
/// removal kept only if the rest is still violated), within [`TIGHTEN_CHECKS`] re-judgements.
fn tighten(mut window: Vec<usize>, violated: impl Fn(&[usize]) -> bool) -> Vec<usize> {
    let mut checks = 0;
    let mut chunk = window.len() / 2;
    while chunk >= 1 && checks < TIGHTEN_CHECKS {
        let mut at = 0;
        while at < window.len() && checks < TIGHTEN_CHECKS {
            let end = (at + chunk).min(window.len());
            let without = [&window[..at], &window[end..]].concat();
            checks += 1;
            if !without.is_empty() && violated(&without) {
                window = without;
            } else {
                at = end;
            }
        }
        chunk /= 2;
    }
    window
}

/// A LIST that surely contradicts an acknowledged write of one key: the evidence of a
/// list-after-write violation.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct ListWitness {
    /// The key (an index into `History::keys`).
    pub key: usize,
    /// The acknowledged write (or DELETE) the LIST contradicts.
    pub write: usize,
    /// The LIST.
    pub list: usize,
}

/// list-after-write over every LIST of the history: for each key, the first LIST (in invocation
/// order) that surely contradicts an acknowledged write of it; `None` when the history has no
/// LIST. The property is violated when the list is not empty.
pub fn list_after_write(history: &History) -> Option<Vec<ListWitness>> {
    let lists: Vec<usize> = (0..history.operations.len())
        .filter(|&i| matches!(history.operations[i].outcome, Outcome::Ok(Reply::Listed(_))))
        .collect();
    if lists.is_empty() {
        return None;
    }
    let mut witnesses = Vec::new();
    for (k, ops) in history.by_key().iter().enumerate() {
        let found = lists.iter().find_map(|&l| {
            let list = &history.operations[l];
            let Outcome::Ok(Reply::Listed(shown)) = &list.outcome else {
                return None;
            };
            if !history.keys[k].starts_with(history.keys[list.key].as_str()) {
                return None;
            }
            let write = surely_wrong(history, ops, list, shown.contains(&history.keys[k]))?;
            Some(ListWitness {
                key: k,
                write,
                list: l,
            })
        });
        witnesses.extend(found);
    }
    Some(witnesses)
}

/// The latest write of the key acknowledged before `list` began, when it is certain (every other
/// write finished before it began, or began after the LIST returned) and the LIST contradicts it.
fn surely_wrong(history: &History, ops: &[usize], list: &Operation, shown: bool) -> Option<usize> {
    let writes: Vec<usize> = ops
        .iter()
        .copied()
        .filter(|&i| history.operations[i].written().is_some())
        .collect();
    writes.iter().copied().find(|&wi| {
        let w = &history.operations[wi];
        let acked_before =
            matches!(w.outcome, Outcome::Ok(_)) && w.finished().is_some_and(|r| r < list.call);
        let others_settled = writes.iter().all(|&oi| {
            let o = &history.operations[oi];
            oi == wi
                || o.finished().is_some_and(|r| r < w.call)
                || list.ret.is_some_and(|r| r < o.call)
        });
        acked_before && others_settled && w.written().is_some_and(|v| v.is_some()) != shown
    })
}
