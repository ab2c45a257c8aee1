//! Names a linearizability violation after the S3 anomaly it is an instance of (A1 negative-cache
//! miss, A2 stale overwrite, A3 read after delete, A6 non-monotonic read), with the operations
//! that show it. Without versions, "older" means: every write of the older value was acknowledged
//! before the newer write began.

use crate::ops::{Command, History, Operation, Outcome, Reply, Value};
use witness_model::history::Observed;
use witness_model::properties::{read_after_write, PropertyId};

/// An anomaly and the two operations that show it (earlier first).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Instance {
    pub anomaly: PropertyId,
    pub ops: [usize; 2],
}

fn read_value(op: &Operation) -> Option<Option<&Value>> {
    match (&op.command, &op.outcome) {
        (Command::Read, Outcome::Ok(Reply::Read(v))) => Some(v.as_ref()),
        _ => None,
    }
}

/// `a` was acknowledged before `b` was invoked.
fn before(a: &Operation, b: &Operation) -> bool {
    a.finished().is_some_and(|r| r < b.call) && matches!(a.outcome, Outcome::Ok(_))
}

/// Every operation of the key that may have written `value` finished before `op` began.
fn all_writes_before(
    history: &History,
    key_ops: &[usize],
    value: Option<&Value>,
    op: &Operation,
) -> bool {
    key_ops
        .iter()
        .map(|&i| &history.operations[i])
        .all(|w| w.written() != Some(value) || w.finished().is_some_and(|r| r < op.call))
}

/// The first anomaly among `window` (operation indices of one key); `key_ops` are all of that
/// key's operations, to decide which value is older.
pub fn classify(history: &History, key_ops: &[usize], window: &[usize]) -> Option<Instance> {
    let ops = |i: usize| &history.operations[i];
    for &r in window {
        let Some(got) = read_value(ops(r)) else {
            continue;
        };
        for &w in window {
            let Some(wrote) = ops(w).written() else {
                continue;
            };
            if !before(ops(w), ops(r)) || wrote == got {
                continue;
            }
            // `got` is older than `wrote` only if every write of `got` finished before `w` began.
            if !all_writes_before(history, key_ops, got, ops(w)) {
                continue;
            }
            // The model's rule names the anomaly; `got` is older, so it stands one version below.
            let floor = Observed {
                seq: 1,
                exists: wrote.is_some(),
            };
            let seen = Observed {
                seq: 0,
                exists: got.is_some(),
            };
            let anomaly = match read_after_write::judge(floor, seen) {
                Some(PropertyId::ReadAfterWrite) | None => continue, // tombstone after tombstone
                Some(named) => named,
            };
            return Some(Instance {
                anomaly,
                ops: [w, r],
            });
        }
    }
    non_monotonic(history, key_ops, window)
}

/// A6: one process reads a value, then (after that read returned) a value whose writes all
/// finished before any write of the first began.
fn non_monotonic(history: &History, key_ops: &[usize], window: &[usize]) -> Option<Instance> {
    let ops = |i: usize| &history.operations[i];
    for &first in window {
        let Some(Some(newer)) = read_value(ops(first)) else {
            continue;
        };
        for &second in window {
            let (a, b) = (ops(first), ops(second));
            let Some(older) = read_value(b) else { continue };
            if a.process != b.process || !before(a, b) || older == Some(newer) {
                continue;
            }
            let newer_writes: Vec<&Operation> = key_ops
                .iter()
                .map(|&i| ops(i))
                .filter(|w| w.written() == Some(Some(newer)))
                .collect();
            let older_first = !newer_writes.is_empty()
                && newer_writes
                    .iter()
                    .all(|w| all_writes_before(history, key_ops, older, w));
            if older_first {
                return Some(Instance {
                    anomaly: PropertyId::NonMonotonicRead,
                    ops: [first, second],
                });
            }
        }
    }
    None
}
