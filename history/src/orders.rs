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
use std::collections::{HashMap, HashSet};
use witness_model::history::{ClientId, Event, Key, Observed, Op, Ret};

/// Candidates judged per key at most (each is one pass of the shared monitor over the key).
pub const BUDGET: usize = 1000;

/// Keys with more writes than this are enumerated only when their writes fall in one order (the
/// search compares every pair of writes).
const MAX_SEARCHED_WRITES: usize = 200;

/// The writes of a key that took effect, in invocation order, and the tombstones each of its
/// reads of "not found" may have seen.
struct KeyWrites<'h> {
    history: &'h History,
    writes: Vec<usize>,
    /// Reads of "not found", each with the writes (indices into `writes`) that are DELETEs
    /// invoked before it returned: the tombstones it may have seen besides v0.
    absent_reads: Vec<(usize, Vec<usize>)>,
}

impl<'h> KeyWrites<'h> {
    /// `None` when a value is written twice, or when the reads of "not found" alone have more
    /// than [`BUDGET`] ways to pick their tombstones.
    fn new(history: &'h History, ops: &[usize]) -> Option<KeyWrites<'h>> {
        let read = |i: usize| match &history.operations[i].outcome {
            Outcome::Ok(Reply::Read(v)) => Some(v.as_ref()),
            _ => None,
        };
        let read_values: HashSet<Option<&Value>> = ops.iter().filter_map(|&i| read(i)).collect();
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
        let mut values = HashSet::new();
        let unique = writes
            .iter()
            .filter_map(|&i| history.operations[i].written().flatten())
            .all(|v| values.insert(v));
        if !unique {
            return None;
        }
        let mut key = KeyWrites {
            history,
            writes,
            absent_reads: Vec::new(),
        };
        let absent: Vec<usize> = ops
            .iter()
            .copied()
            .filter(|&r| read(r) == Some(None))
            .collect();
        key.absent_reads = key.tombstones_seen(&absent)?;
        Some(key)
    }

    /// For each read, the DELETEs invoked before it returned; `None` when the choices multiply
    /// beyond [`BUDGET`].
    fn tombstones_seen(&self, reads: &[usize]) -> Option<Vec<(usize, Vec<usize>)>> {
        let ops = &self.history.operations;
        // (invocation, index into `writes`), in invocation order.
        let deletes: Vec<(usize, usize)> = (0..self.writes.len())
            .filter(|&w| ops[self.writes[w]].command == Command::Delete)
            .map(|w| (ops[self.writes[w]].call, w))
            .collect();
        let mut choices = 1usize;
        let mut seen = Vec::with_capacity(reads.len());
        for &r in reads {
            let returned = ops[r].ret.unwrap_or(usize::MAX);
            let count = deletes.partition_point(|&(call, _)| call < returned);
            choices = choices.checked_mul(count + 1).filter(|&n| n <= BUDGET)?;
            seen.push((r, deletes[..count].iter().map(|&(_, w)| w).collect()));
        }
        Some(seen)
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
        // `writes` is in invocation order; when each is before the next, that is the only order
        // (both real time and cas chains are transitive), found without the quadratic search.
        if (1..n).all(|w| self.before(w - 1, w)) {
            return Some(vec![(0..n).collect()]);
        }
        if n > MAX_SEARCHED_WRITES {
            return None;
        }
        let successors: Vec<Vec<usize>> = (0..n)
            .map(|a| (0..n).filter(|&b| a != b && self.before(a, b)).collect())
            .collect();
        let mut waiting = vec![0usize; n];
        for &b in successors.iter().flatten() {
            waiting[b] += 1;
        }
        let mut search = Extensions {
            successors,
            waiting,
            placed: vec![false; n],
            order: Vec::with_capacity(n),
            orders: Vec::new(),
            budget,
        };
        search.extend().then_some(search.orders)
    }
}

/// The linear extensions of a partial order, depth first.
struct Extensions {
    successors: Vec<Vec<usize>>,
    /// Predecessors of each write not placed yet.
    waiting: Vec<usize>,
    placed: Vec<bool>,
    order: Vec<usize>,
    orders: Vec<Vec<usize>>,
    budget: usize,
}

impl Extensions {
    /// Places each write whose predecessors are all placed, in turn. False: over budget.
    fn extend(&mut self) -> bool {
        if self.order.len() == self.placed.len() {
            self.orders.push(self.order.clone());
            return self.orders.len() <= self.budget;
        }
        for w in 0..self.placed.len() {
            if self.placed[w] || self.waiting[w] > 0 {
                continue;
            }
            self.placed[w] = true;
            self.order.push(w);
            for i in 0..self.successors[w].len() {
                self.waiting[self.successors[w][i]] -= 1;
            }
            let within = self.extend();
            for i in 0..self.successors[w].len() {
                self.waiting[self.successors[w][i]] += 1;
            }
            self.order.pop();
            self.placed[w] = false;
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
