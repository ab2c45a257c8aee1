//! The search against brute force on small compare-and-set histories with timed-out operations:
//! the search linearizes those lazily (only right before an operation that depends on them) and
//! reads shrinking's prefixes off its own failure, so it is checked here against the plain
//! definition: some order of the operations that respects real time, in which every completed
//! operation and any of the timed-out ones (each at most once) act on one register as they said.

use proptest::prelude::*;
use witness_history::linearize::{linearizable_by, Method};
use witness_history::{judge, Command, History, Operation, Outcome, Reply, Value};

/// One operation as drawn: (command 0-2, outcome 0-2, a value, another value, start, length).
type Drawn = (u8, u8, u8, u8, u8, u8);

fn history(drawn: &[Drawn]) -> History {
    let mut history = History {
        keys: vec!["k".into()],
        keyed: true,
        ..History::default()
    };
    let value = |v: u8| Value::Int(i64::from(v % 3));
    for (i, &(command, outcome, a, b, start, length)) in drawn.iter().enumerate() {
        let command = match command % 3 {
            0 => Command::Read,
            1 => Command::Write(value(a)),
            _ => Command::Cas {
                expected: value(a),
                new: value(b),
            },
        };
        let outcome = match (&command, outcome % 3) {
            // A read returns a value or nothing; the value `a`, or not found when `b` says so.
            (Command::Read, _) => Outcome::Ok(Reply::Read((b % 4 != 0).then(|| value(a)))),
            (_, 0) => Outcome::Ok(Reply::Done),
            (Command::Cas { .. }, 1) => Outcome::Fail,
            _ => Outcome::Info,
        };
        // Distinct positions: each tick has room for every operation's call and return.
        let at = |tick: usize, end: usize| tick * 2 * drawn.len() + 2 * i + end;
        let (start, length) = (usize::from(start % 12), usize::from(length % 6) + 1);
        let mut op = Operation::invoked(i.to_string(), 0, command, at(start, 0));
        op.outcome = outcome;
        op.ret = Some(at(start + length, 1));
        history.operations.push(op);
    }
    history.operations.sort_by_key(|op| op.call);
    history.events = 2 * drawn.len();
    history
}

/// What `op` leaves in the register from `state`, or `None` if it cannot act there. A timed-out
/// CAS acts like a successful or a refused one, whichever the state allows.
fn apply(op: &Operation, state: &Option<Value>) -> Option<Option<Value>> {
    match (&op.command, &op.outcome) {
        (Command::Read, Outcome::Ok(Reply::Read(v))) => (v == state).then(|| state.clone()),
        (Command::Write(v), _) => Some(Some(v.clone())),
        (Command::Cas { expected, new }, Outcome::Ok(_)) => {
            (state.as_ref() == Some(expected)).then(|| Some(new.clone()))
        }
        (Command::Cas { expected, .. }, Outcome::Fail) => {
            (state.as_ref() != Some(expected)).then(|| state.clone())
        }
        (Command::Cas { expected, new }, _) if state.as_ref() == Some(expected) => {
            Some(Some(new.clone()))
        }
        _ => Some(state.clone()),
    }
}

/// Depth first over every order: an operation may come next once every operation that finished
/// before it was invoked is placed; timed-out ones may also never come.
fn brute(ops: &[Operation], placed: &mut Vec<bool>, state: Option<Value>) -> bool {
    let done = |i: usize| placed[i] || ops[i].finished().is_none();
    if (0..ops.len()).all(done) {
        return true;
    }
    for i in 0..ops.len() {
        let ready =
            (0..ops.len()).all(|j| placed[j] || ops[j].finished().is_none_or(|r| r > ops[i].call));
        if placed[i] || !ready {
            continue;
        }
        if let Some(next) = apply(&ops[i], &state) {
            placed[i] = true;
            let found = brute(ops, placed, next);
            placed[i] = false;
            if found {
                return true;
            }
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn the_search_decides_as_brute_force(
        drawn in prop::collection::vec(any::<Drawn>(), 1..8),
    ) {
        let history = history(&drawn);
        let all: Vec<usize> = (0..history.operations.len()).collect();
        let expected = brute(&history.operations, &mut vec![false; all.len()], None);
        prop_assert_eq!(linearizable_by(&history, &all, Method::Search), Some(expected));
        // Judging (search, then shrinking a violation) reaches the same verdict.
        prop_assert_eq!(judge(&history).holds(), expected);
    }
}
