//! The weaker properties (read-after-write, read-your-writes, monotonic-reads, list-after-write)
//! on a value history. Their rules compare versions, so the rules stay where they are defined
//! (witness_model::properties, one Monitor) and this file only supplies versions:
//!
//! - a linearizable key satisfies all three per-key properties (each is implied by linearizability);
//! - otherwise, where real time and compare-and-set chains put the key's writes in one order, the
//!   writes get versions in that order and the key's operations go through `check_history`;
//! - otherwise a violation is reported only when it holds in every order (an A1–A3 or A6 instance
//!   in the key's violating window, whose "older" is fixed by real time), and "order ambiguous"
//!   when it does not.
//!
//! list-after-write is judged only where it is certain: a LIST that began after a write of the key
//! was acknowledged, with every other write of that key finished before the acknowledged one began
//! and none overlapping the LIST, must show (PUT) or omit (DELETE) the key.

use crate::anomaly;
use crate::ops::{Command, History, Operation, Outcome, Reply, Value};
use crate::verdict::Status;
use std::collections::HashMap;
use witness_model::history::{ClientId, Event, Key, Observed, Op, Ret};
use witness_model::properties::{check_history, PropertyId};

/// The per-key properties judged here, in the order they are reported.
pub const PER_KEY: [PropertyId; 3] = [
    PropertyId::ReadAfterWrite,
    PropertyId::ReadYourWrites,
    PropertyId::MonotonicReads,
];

/// One key's status for each of [`PER_KEY`].
pub fn judge_key(
    history: &History,
    ops: &[usize],
    linearizable: bool,
    window: &[usize],
) -> [Status; 3] {
    if linearizable {
        return [Status::Holds; 3];
    }
    if let Some(events) = versioned_events(history, ops) {
        if let Ok(verdict) = check_history(&events) {
            return PER_KEY.map(|p| {
                if verdict.holds(p) {
                    Status::Holds
                } else {
                    Status::Violated
                }
            });
        }
    }
    let mut statuses = [Status::OrderAmbiguous; 3];
    // The window is closed under overlap, so an anomaly among its own writes holds in every order
    // of the whole key: any other write of the value read lies entirely before or after it.
    if let Some(instance) = anomaly::classify(history, window, window) {
        let [a, b] = instance.ops.map(|i| &history.operations[i]);
        if instance.anomaly == PropertyId::NonMonotonicRead {
            statuses[2] = Status::Violated;
        } else {
            statuses[0] = Status::Violated;
            if a.process == b.process {
                statuses[1] = Status::Violated;
            }
        }
    }
    statuses
}

/// The key's operations as versioned events, when its writes fall in one order: every pair of
/// writes is ordered by real time (one finished before the other began) or by a cas chain, each
/// value is written once, and no read of "not found" could come from a DELETE. `None` otherwise.
fn versioned_events(history: &History, ops: &[usize]) -> Option<Vec<Event>> {
    let read_values: Vec<Option<&Value>> = ops
        .iter()
        .filter_map(|&i| match &history.operations[i].outcome {
            Outcome::Ok(Reply::Read(v)) => Some(v.as_ref()),
            _ => None,
        })
        .collect();
    // Writes that took effect: acknowledged ones, and unknown ones some read saw.
    let writes: Vec<usize> = ops
        .iter()
        .copied()
        .filter(|&i| {
            let op = &history.operations[i];
            match (op.written(), &op.outcome) {
                (Some(_), Outcome::Ok(_)) => true,
                (Some(v), Outcome::Info) => v.is_some() && read_values.contains(&v),
                _ => false,
            }
        })
        .collect();
    let deletes = writes
        .iter()
        .any(|&i| history.operations[i].command == Command::Delete);
    if deletes && read_values.contains(&None) {
        return None;
    }
    let mut order = writes.clone();
    order.sort_by_key(|&i| history.operations[i].call);
    let ordered = order.windows(2).all(|w| {
        let (a, b) = (&history.operations[w[0]], &history.operations[w[1]]);
        a.finished().is_some_and(|r| r < b.call) || cas_follows(a, b)
    });
    if !ordered {
        return None;
    }
    let mut version: HashMap<Option<&Value>, u64> = HashMap::new();
    for (n, &i) in order.iter().enumerate() {
        let value = history.operations[i].written().flatten();
        if value.is_some() && version.insert(value, n as u64 + 1).is_some() {
            return None; // written twice: reads do not tell which
        }
    }
    Some(events(history, ops, &order, &version))
}

/// `b` is a successful compare-and-set from the value `a` wrote.
fn cas_follows(a: &Operation, b: &Operation) -> bool {
    match (&b.command, &b.outcome, a.written()) {
        (Command::Cas { expected, .. }, Outcome::Ok(_), Some(Some(v))) => expected == v,
        _ => false,
    }
}

fn events(
    history: &History,
    ops: &[usize],
    order: &[usize],
    version: &HashMap<Option<&Value>, u64>,
) -> Vec<Event> {
    let mut clients: HashMap<&str, u32> = HashMap::new();
    let write_version: HashMap<usize, u64> = order
        .iter()
        .enumerate()
        .map(|(n, &i)| (i, n as u64 + 1))
        .collect();
    let mut timeline: Vec<(usize, Event)> = Vec::new();
    let key = Key(0);
    for &i in ops {
        let op = &history.operations[i];
        let next = clients.len() as u32;
        let client = ClientId(*clients.entry(op.process.as_str()).or_insert(next));
        let (invoke, ret) = match (&op.command, &op.outcome) {
            (Command::Read, Outcome::Ok(Reply::Read(v))) => {
                let seq = match v {
                    None => 0,
                    Some(_) => match version.get(&v.as_ref()) {
                        Some(&s) => s,
                        None => continue, // a value no write wrote: linearizability's finding
                    },
                };
                let observed = Observed {
                    seq,
                    exists: v.is_some(),
                };
                (Op::Get { key }, Some(Ret::Read { observed }))
            }
            _ => match write_version.get(&i) {
                Some(&seq) => {
                    let op_kind = if op.command == Command::Delete {
                        Op::Delete { key }
                    } else {
                        Op::Put { key }
                    };
                    let ret = matches!(op.outcome, Outcome::Ok(_)).then_some(Ret::Ack { seq });
                    (op_kind, ret)
                }
                None => continue,
            },
        };
        timeline.push((op.call, Event::Invoke { client, op: invoke }));
        if let (Some(ret), Some(at)) = (ret, op.ret) {
            timeline.push((at, Event::Return { client, ret }));
        }
    }
    timeline.sort_by_key(|(at, _)| *at);
    timeline.into_iter().map(|(_, e)| e).collect()
}

/// list-after-write over every LIST of the history: `Violated` when a LIST surely contradicts an
/// acknowledged write, otherwise `Holds`; `None` when the history has no LIST.
pub fn list_after_write(history: &History) -> Option<Status> {
    let lists: Vec<&Operation> = history
        .operations
        .iter()
        .filter(|op| matches!(op.outcome, Outcome::Ok(Reply::Listed(_))))
        .collect();
    if lists.is_empty() {
        return None;
    }
    let by_key = history.by_key();
    let violated = lists.iter().any(|list| {
        let Outcome::Ok(Reply::Listed(shown)) = &list.outcome else {
            return false;
        };
        let prefix = &history.keys[list.key];
        by_key.iter().enumerate().any(|(k, ops)| {
            history.keys[k].starts_with(prefix.as_str())
                && surely_wrong(history, ops, list, shown.contains(&history.keys[k]))
        })
    });
    Some(if violated {
        Status::Violated
    } else {
        Status::Holds
    })
}

/// The latest write of the key acknowledged before `list` began is certain (every other write
/// finished before it began, or began after the LIST returned) and the LIST contradicts it.
fn surely_wrong(history: &History, ops: &[usize], list: &Operation, shown: bool) -> bool {
    let writes: Vec<&Operation> = ops
        .iter()
        .map(|&i| &history.operations[i])
        .filter(|op| op.written().is_some())
        .collect();
    writes.iter().any(|w| {
        let acked_before =
            matches!(w.outcome, Outcome::Ok(_)) && w.finished().is_some_and(|r| r < list.call);
        let others_settled = writes.iter().all(|o| {
            std::ptr::eq(*o, *w)
                || o.finished().is_some_and(|r| r < w.call)
                || list.ret.is_some_and(|r| r < o.call)
        });
        acked_before && others_settled && w.written().is_some_and(|v| v.is_some()) != shown
    })
}
