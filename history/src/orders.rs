//! The version orders one key's value history allows, each as the project's versioned events, so
//! the weaker properties are judged by their one definition (`witness_model::properties`) in
//! every order instead of a guessed one.
//!
//! A candidate is an order of the key's writes that took effect (acknowledged ones, and unknown
//! ones some read saw) that keeps real time (a write that finished before another began comes
//! first) and compare-and-set chains (a successful cas comes after the write of the value it
//! expected), together with, for each read of "not found", the tombstone it saw: never written
//! (v0) or one of the DELETEs invoked before the read returned. Enumeration stops at [`BUDGET`]
//! candidates; a key with more, or with a value written twice (a read would not say which write
//! it saw), is not enumerated.

use crate::ops::{Command, History, Operation, Outcome, Reply, Value};
use std::collections::HashMap;
use witness_model::history::{ClientId, Event, Key, Observed, Op, Ret};

/// Candidates judged per key at most (each is one pass of the shared monitor over the key).
pub const BUDGET: usize = 1000;

/// The writes of a key that took effect, in invocation order, and its reads of "not found".
struct KeyWrites<'h> {
    history: &'h History,
    writes: Vec<usize>,
    /// Reads of "not found", each with the writes (indices into `writes`) that are DELETEs
    /// invoked before it returned: the tombstones it may have seen besides v0.
    absent_reads: Vec<(usize, Vec<usize>)>,
}

impl<'h> KeyWrites<'h> {
    /// `None` when a value is written twice.
    fn new(history: &'h History, ops: &[usize]) -> Option<KeyWrites<'h>> {
        let read = |i: usize| match &history.operations[i].outcome {
            Outcome::Ok(Reply::Read(v)) => Some(v.as_ref()),
            _ => None,
        };
        let read_values: Vec<Option<&Value>> = ops.iter().filter_map(|&i| read(i)).collect();
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
        let mut values: Vec<&Value> = writes
            .iter()
            .filter_map(|&i| history.operations[i].written().flatten())
            .collect();
        let written = values.len();
        values.sort();
        values.dedup();
        if values.len() < written {
            return None;
        }
        let absent_reads = ops
            .iter()
            .copied()
            .filter(|&r| read(r) == Some(None))
            .map(|r| {
                let returned = history.operations[r].ret.unwrap_or(usize::MAX);
                let deletes = (0..writes.len())
                    .filter(|&w| {
                        let op = &history.operations[writes[w]];
                        op.command == Command::Delete && op.call < returned
                    })
                    .collect();
                (r, deletes)
            })
            .collect();
        Some(KeyWrites {
            history,
            writes,
            absent_reads,
        })
    }

    /// Write `a` must come before write `b` (indices into `writes`).
    fn before(&self, a: usize, b: usize) -> bool {
        let (a, b) = (
            &self.history.operations[self.writes[a]],
            &self.history.operations[self.writes[b]],
        );
        a.finished().is_some_and(|r| r < b.call) || cas_follows(a, b)
    }

    /// Every order of the writes that keeps [`KeyWrites::before`]; `None` beyond `budget`.
    fn orders(&self, budget: usize) -> Option<Vec<Vec<usize>>> {
        let n = self.writes.len();
        let mut orders = Vec::new();
        let mut placed = vec![false; n];
        let mut order = Vec::with_capacity(n);
        self.extend(&mut order, &mut placed, &mut orders, budget)
            .then_some(orders)
    }

    /// Depth-first: place each write whose predecessors are all placed. False: over budget.
    fn extend(
        &self,
        order: &mut Vec<usize>,
        placed: &mut [bool],
        orders: &mut Vec<Vec<usize>>,
        budget: usize,
    ) -> bool {
        if order.len() == placed.len() {
            orders.push(order.clone());
            return orders.len() <= budget;
        }
        for w in 0..placed.len() {
            let ready = !placed[w] && (0..placed.len()).all(|p| placed[p] || !self.before(p, w));
            if !ready {
                continue;
            }
            placed[w] = true;
            order.push(w);
            let within = self.extend(order, placed, orders, budget);
            order.pop();
            placed[w] = false;
            if !within {
                return false;
            }
        }
        true
    }
}

/// `b` is a successful compare-and-set from the value `a` wrote.
fn cas_follows(a: &Operation, b: &Operation) -> bool {
    match (&b.command, &b.outcome, a.written()) {
        (Command::Cas { expected, .. }, Outcome::Ok(_), Some(Some(v))) => expected == v,
        _ => false,
    }
}

/// Calls `judge` with every candidate's versioned events (see the module documentation) and
/// returns how many there were; `None` when the key's candidates cannot be enumerated.
pub fn for_each_candidate(
    history: &History,
    ops: &[usize],
    mut judge: impl FnMut(&[Event]),
) -> Option<usize> {
    let key = KeyWrites::new(history, ops)?;
    let orders = key.orders(BUDGET)?;
    let choices: usize = key
        .absent_reads
        .iter()
        .try_fold(1usize, |n, (_, d)| n.checked_mul(d.len() + 1))?;
    let total = orders.len().checked_mul(choices)?;
    if total > BUDGET {
        return None;
    }
    for order in &orders {
        // version[w] for write w (index into `writes`): its position in the order, from 1.
        let mut version = vec![0u64; order.len()];
        for (n, &w) in order.iter().enumerate() {
            version[w] = n as u64 + 1;
        }
        for choice in 0..choices {
            let tombstones = tombstones(&key, &version, choice);
            judge(&events(&key, ops, &version, &tombstones));
        }
    }
    Some(total)
}

/// The `choice`-th assignment of a tombstone version to each read of "not found" (mixed radix).
fn tombstones(key: &KeyWrites, version: &[u64], mut choice: usize) -> HashMap<usize, u64> {
    let mut seen = HashMap::new();
    for (read, deletes) in &key.absent_reads {
        let radix = deletes.len() + 1;
        let pick = choice % radix;
        choice /= radix;
        let seq = if pick == 0 {
            0
        } else {
            version[deletes[pick - 1]]
        };
        seen.insert(*read, seq);
    }
    seen
}

/// The key's operations as versioned events in real-time order. A read of a value no write of
/// the candidate wrote is left out (linearizability reports it).
fn events(
    key: &KeyWrites,
    ops: &[usize],
    version: &[u64],
    tombstones: &HashMap<usize, u64>,
) -> Vec<Event> {
    let history = key.history;
    let write_version: HashMap<usize, u64> = key
        .writes
        .iter()
        .zip(version)
        .map(|(&i, &v)| (i, v))
        .collect();
    let value_version: HashMap<&Value, u64> = key
        .writes
        .iter()
        .zip(version)
        .filter_map(|(&i, &v)| Some((history.operations[i].written().flatten()?, v)))
        .collect();
    let mut clients: HashMap<&str, u32> = HashMap::new();
    let mut timeline: Vec<(usize, Event)> = Vec::new();
    let k = Key(0);
    for &i in ops {
        let op = &history.operations[i];
        let next = clients.len() as u32;
        let client = ClientId(*clients.entry(op.process.as_str()).or_insert(next));
        let (invoke, ret) = match (&op.command, &op.outcome) {
            (Command::Read, Outcome::Ok(Reply::Read(v))) => {
                let seq = match v {
                    None => tombstones.get(&i).copied().unwrap_or(0),
                    Some(value) => match value_version.get(value) {
                        Some(&s) => s,
                        None => continue,
                    },
                };
                let observed = Observed {
                    seq,
                    exists: v.is_some(),
                };
                (Op::Get { key: k }, Some(Ret::Read { observed }))
            }
            _ => match write_version.get(&i) {
                Some(&seq) => {
                    let write = if op.command == Command::Delete {
                        Op::Delete { key: k }
                    } else {
                        Op::Put { key: k }
                    };
                    let ret = matches!(op.outcome, Outcome::Ok(_)).then_some(Ret::Ack { seq });
                    (write, ret)
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
