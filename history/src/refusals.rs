//! **precondition-justified** on a value history: a conditional write refused with 412 (`fail`
//! of a `cas`, `create` or `delete-if`) must be justified by some value the key held during the
//! request. The property is the model's (witness_model::properties, `conditional.rs`); here its
//! decider works on values, which carry no versions:
//!
//! - a refusal that another write of the key overlapped (in flight at its invocation, invoked
//!   before its response, or never answered) may have met that write's value: justified;
//! - otherwise the key held, for the whole request, one of the values of the writes that
//!   finished before it and that no write finished between them and it overwrote (or absent,
//!   if no write finished before it). If every one of them meets the precondition, nothing
//!   justifies the 412: a spurious precondition failure (A9).
//!
//! As in the model, every violation reported is real, and a refusal that overlapped a write is
//! never judged. Like the linearizability search, it takes a key to be absent before the
//! history's first write of it: a history recorded on keys that already held objects (an
//! imported one, or a probe's prefix reused on a bucket) would have a create refused before any
//! write called spurious. The model's decider over versions is `conditional.rs` in
//! witness_model::properties: keep the two in step.

use crate::ops::{Command, History, Outcome, Status, Value};

/// Whether a value the key may hold meets the refused operation's precondition.
fn meets(command: &Command, current: Option<&Value>) -> bool {
    match command {
        Command::Create(_) => current.is_none(),
        Command::Cas { expected, .. } | Command::DeleteIf { expected } => current == Some(expected),
        Command::Read | Command::Write(_) | Command::Delete | Command::List => false,
    }
}

fn is_conditional(command: &Command) -> bool {
    matches!(
        command,
        Command::Cas { .. } | Command::Create(_) | Command::DeleteIf { .. }
    )
}

/// The writes of `ops` that may hold the key when `refused` is invoked, if none overlaps it:
/// those finished before it and not overwritten by a write that began after they finished and
/// finished before it. `None` when a write overlaps the refusal.
fn current_writes(history: &History, ops: &[usize], refused: usize) -> Option<Vec<usize>> {
    let r = &history.operations[refused];
    let writes: Vec<usize> = ops
        .iter()
        .copied()
        .filter(|&i| i != refused && history.operations[i].written().is_some())
        .collect();
    let finished_before = |i: usize| {
        let w = &history.operations[i];
        w.outcome != Outcome::Info && w.ret.is_some_and(|ret| ret < r.call)
    };
    let starts_after_response =
        |i: usize| history.operations[i].call > r.finished().unwrap_or(usize::MAX);
    if writes
        .iter()
        .any(|&i| !finished_before(i) && !starts_after_response(i))
    {
        return None;
    }
    let before: Vec<usize> = writes.into_iter().filter(|&i| finished_before(i)).collect();
    // A write is overwritten when another of them began after it finished: when the latest
    // invocation among them comes after its response. One pass, not a pair of loops: a probe's
    // key has thousands of writes.
    let latest_call = before.iter().map(|&j| history.operations[j].call).max();
    let current = |i: usize| {
        let ret = history.operations[i].ret.unwrap_or(usize::MAX);
        latest_call.is_none_or(|call| call <= ret)
    };
    Some(before.iter().copied().filter(|&i| current(i)).collect())
}

/// The refusal's verdict: `Some(window)` for a spurious 412 (the writes that may hold the key,
/// then the refusal), `None` when it is justified or overlapped.
fn spurious(history: &History, ops: &[usize], refused: usize) -> Option<Vec<usize>> {
    let command = &history.operations[refused].command;
    let current = current_writes(history, ops, refused)?;
    let all_meet = if current.is_empty() {
        meets(command, None)
    } else {
        current.iter().all(|&i| {
            let left = history.operations[i].written().flatten();
            meets(command, left)
        })
    };
    all_meet.then(|| {
        let mut window = current;
        window.push(refused);
        window
    })
}

/// A spurious 412 on one key: the writes that fix what the key held, then the refusal.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Spurious {
    pub key: usize,
    pub window: Vec<usize>,
}

impl Spurious {
    /// Why nothing justifies the refusal, in one paragraph.
    pub fn explanation(&self, key: &str) -> String {
        let last = self.window.len();
        let writes = match last - 1 {
            0 => "absent: no write came before it".to_string(),
            1 => "what step 1 left".to_string(),
            n => format!("what steps 1–{n} left"),
        };
        format!(
            "step {last} was refused with 412, but no other write of {key} overlapped it, and \
             every value {key} may have held for the whole request ({writes}) meets its \
             precondition: nothing justifies the refusal"
        )
    }
}

/// precondition-justified over every key, with each spurious 412; `None` when the history
/// refuses no conditional write (the property is then not reported).
pub fn judge(history: &History) -> Option<(Status, Vec<Spurious>)> {
    let mut refusals = 0;
    let mut spurious_ones = Vec::new();
    for (key, ops) in history.by_key().iter().enumerate() {
        for &i in ops.iter() {
            let op = &history.operations[i];
            if op.outcome != Outcome::Fail || !is_conditional(&op.command) {
                continue;
            }
            refusals += 1;
            if let Some(window) = spurious(history, ops, i) {
                spurious_ones.push(Spurious { key, window });
            }
        }
    }
    let status = if spurious_ones.is_empty() {
        Status::Holds
    } else {
        Status::Violated
    };
    (refusals > 0).then_some((status, spurious_ones))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{Operation, Reply};

    /// One key; each operation `(process, command, outcome, call, ret)`.
    fn history(ops: Vec<(&str, Command, Outcome, usize, Option<usize>)>) -> History {
        let mut h = History {
            keys: vec!["k".into()],
            keyed: true,
            ..History::default()
        };
        for (process, command, outcome, call, ret) in ops {
            let mut op = Operation::invoked(process.into(), 0, command, call);
            op.outcome = outcome;
            op.ret = ret;
            h.operations.push(op);
            h.events = h.events.max(ret.unwrap_or(call) + 1);
        }
        h
    }

    fn v(s: &str) -> Value {
        Value::Str(s.into())
    }

    #[test]
    fn an_if_match_refused_against_the_value_it_named_is_spurious() {
        let ok = Outcome::Ok(Reply::Done);
        let h = history(vec![
            ("a", Command::Write(v("x")), ok.clone(), 0, Some(1)),
            (
                "b",
                Command::Cas {
                    expected: v("x"),
                    new: v("y"),
                },
                Outcome::Fail,
                2,
                Some(3),
            ),
        ]);
        let (status, spurious) = judge(&h).expect("a refusal");
        assert_eq!(status, Status::Violated);
        assert_eq!(
            spurious,
            [Spurious {
                key: 0,
                window: vec![0, 1]
            }]
        );
        assert!(spurious[0]
            .explanation("k")
            .starts_with("step 2 was refused"));
    }

    #[test]
    fn a_refusal_another_write_overlapped_or_another_value_justifies_holds() {
        let ok = Outcome::Ok(Reply::Done);
        let cas = || Command::Cas {
            expected: v("x"),
            new: v("y"),
        };
        let overlapped = history(vec![
            ("a", Command::Write(v("x")), ok.clone(), 0, Some(1)),
            ("c", Command::Write(v("z")), ok.clone(), 2, Some(4)),
            ("b", cas(), Outcome::Fail, 3, Some(5)),
        ]);
        assert_eq!(judge(&overlapped).map(|j| j.0), Some(Status::Holds));
        let overwritten = history(vec![
            ("a", Command::Write(v("x")), ok.clone(), 0, Some(1)),
            ("c", Command::Write(v("z")), ok.clone(), 2, Some(3)),
            ("b", cas(), Outcome::Fail, 4, Some(5)),
        ]);
        assert_eq!(judge(&overwritten).map(|j| j.0), Some(Status::Holds));
        // Two writes that overlapped each other: either may be current, and z justifies it.
        let racing = history(vec![
            ("a", Command::Write(v("x")), ok.clone(), 0, Some(2)),
            ("c", Command::Write(v("z")), ok.clone(), 1, Some(3)),
            ("b", cas(), Outcome::Fail, 4, Some(5)),
        ]);
        assert_eq!(judge(&racing).map(|j| j.0), Some(Status::Holds));
        // A create refused before any write: the key was absent, so the 412 is spurious.
        let first = history(vec![(
            "b",
            Command::Create(v("y")),
            Outcome::Fail,
            0,
            Some(1),
        )]);
        assert_eq!(judge(&first).map(|j| j.0), Some(Status::Violated));
        // No refusal: nothing to report.
        let none = history(vec![("a", Command::Write(v("x")), ok, 0, Some(1))]);
        assert!(judge(&none).is_none());
    }
}
