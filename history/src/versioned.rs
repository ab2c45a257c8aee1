//! The project's own versioned events (witness_model::history) as a value history, for
//! conversion (`--to jepsen-json`) and timelines. A PUT acknowledged with version `s` becomes a
//! write of the value `"v<s>"`; a read of version `s` reads `"v<s>"` (or not found). Verdicts on
//! versioned histories come from the model's monitor, which knows the versions; this view is only
//! for tools that need values.

use crate::ops::{Command, History, Operation, Outcome, Reply, Value};
use std::collections::HashMap;
use witness_model::history::{Event, Op, Precondition, Ret};
use witness_model::names::{Name, Names};

fn version(seq: impl std::fmt::Display) -> Value {
    Value::Str(format!("v{seq}"))
}

/// What an invocation asks for. A write's value is its version, known only once it is
/// acknowledged: until then it is a placeholder no read can return.
fn invoked_command(op: &Op, position: usize) -> Command {
    let unacknowledged = Value::Str(format!("unacknowledged-{position}"));
    match *op {
        Op::Put { .. } => Command::Write(unacknowledged),
        Op::Delete { .. } => Command::Delete,
        Op::Get { .. } => Command::Read,
        Op::List => Command::List,
        Op::PutIf {
            precondition: Precondition::Absent,
            ..
        } => Command::Create(unacknowledged),
        Op::PutIf {
            precondition: Precondition::Matches(named),
            ..
        } => Command::Cas {
            expected: version(named),
            new: unacknowledged,
        },
        Op::DeleteIf { matches, .. } => Command::DeleteIf {
            expected: version(matches),
        },
    }
}

/// An acknowledged write now writes its version.
fn acknowledged(command: &mut Command, seq: u64) {
    match command {
        Command::Write(value) | Command::Create(value) | Command::Cas { new: value, .. } => {
            *value = version(seq)
        }
        Command::Delete | Command::DeleteIf { .. } | Command::Read | Command::List => {}
    }
}

/// Converts a well-formed versioned history (every return has its invocation). Keys and clients
/// are named as in `names` (as the file wrote them; `Names::default()` for index-only histories,
/// whose keys then read `k0`, `k1`, ...).
pub fn from_events(events: &[Event], names: &Names) -> History {
    let process = |c: witness_model::history::ClientId| match names.client_name(c) {
        Name::Int(n) => n.to_string(),
        Name::Str(s) => s,
    };
    let key_label = |k: witness_model::history::Key| names.key(k).to_string();
    let mut history = History {
        keyed: true,
        ..History::default()
    };
    let mut key_ids: HashMap<String, usize> = HashMap::new();
    let mut open: HashMap<String, usize> = HashMap::new();
    for (position, event) in events.iter().enumerate() {
        history.events += 1;
        match event {
            Event::Invoke { client, op } => {
                let process = process(*client);
                let key_name = op.key().map_or(String::new(), key_label);
                let next = key_ids.len();
                let key = *key_ids.entry(key_name.clone()).or_insert(next);
                if key == history.keys.len() {
                    history.keys.push(key_name);
                }
                let command = invoked_command(op, position);
                open.insert(process.clone(), history.operations.len());
                history
                    .operations
                    .push(Operation::invoked(process, key, command, position));
            }
            Event::Return { client, ret } => {
                let Some(index) = open.remove(&process(*client)) else {
                    continue;
                };
                let op = &mut history.operations[index];
                op.ret = Some(position);
                op.outcome = match ret {
                    Ret::PreconditionFailed => Outcome::Fail,
                    Ret::Ack { seq } => {
                        acknowledged(&mut op.command, *seq);
                        Outcome::Ok(Reply::Done)
                    }
                    Ret::Read { observed } => {
                        Outcome::Ok(Reply::Read(observed.exists.then(|| version(observed.seq))))
                    }
                    Ret::Listed { entries } => Outcome::Ok(Reply::Listed(
                        entries
                            .iter()
                            .filter(|(_, o)| o.exists)
                            .map(|(k, _)| key_label(*k))
                            .collect(),
                    )),
                };
            }
            Event::ReplicaApplied { .. } => {}
        }
    }
    history
}
