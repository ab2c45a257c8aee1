//! One key's operations compiled for the deciders: values interned to small numbers, outcomes
//! turned into what each operation requires of the register and what it leaves in it.

use crate::ops::{Command, History, Outcome, Reply, Value};
use std::collections::HashMap;

/// A register state: [`ABSENT`], [`ANY`] or an interned value.
pub(crate) type State = u32;

/// The key does not exist (never written, or deleted).
pub(crate) const ABSENT: State = 0;

/// Some value we do not know: the start of a window cut out of the middle of a history. Every
/// operation is allowed from it, so a window that fails from `ANY` fails from every real state.
pub(crate) const ANY: State = u32::MAX;

#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub(crate) enum Effect {
    /// Returned this state.
    Read(State),
    /// PUT (or DELETE, writing [`ABSENT`]).
    Write(State),
    /// Conditional PUT that succeeded: required `expected`, wrote `new`.
    Cas { expected: State, new: State },
    /// Conditional PUT answered 412: the state was not `expected`; nothing written.
    Refused { not: State },
    /// Conditional PUT with unknown outcome: writes `new` if the state was `expected`.
    MaybeCas { expected: State, new: State },
}

impl Effect {
    /// The state after this operation from `state`, or `None` if it cannot happen there.
    pub(crate) fn apply(self, state: State) -> Option<State> {
        match self {
            Effect::Read(v) => (state == v || state == ANY).then_some(v),
            Effect::Write(v) => Some(v),
            Effect::Cas { expected, new } => (state == expected || state == ANY).then_some(new),
            Effect::Refused { not } => (state != not || state == ANY).then_some(state),
            // From ANY either branch may have happened; ANY covers both.
            Effect::MaybeCas { expected, new } if state == expected => Some(new),
            Effect::MaybeCas { .. } => Some(state),
        }
    }
}

/// One operation as the deciders see it.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub(crate) struct Step {
    /// Index into [`History::operations`].
    pub op: usize,
    pub call: usize,
    /// `None`: pending forever (may be linearized anywhere after `call`, or not at all).
    pub ret: Option<usize>,
    pub effect: Effect,
}

/// The steps of one key, in invocation order.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeySteps {
    pub steps: Vec<Step>,
}

impl KeySteps {
    pub(crate) fn compile(history: &History, ops: &[usize]) -> KeySteps {
        let mut ids: HashMap<Value, State> = HashMap::new();
        let mut intern = |v: &Value| -> State {
            let next = ids.len() as State + 1;
            *ids.entry(v.clone()).or_insert(next)
        };
        let mut steps = Vec::with_capacity(ops.len());
        for &index in ops {
            let op = &history.operations[index];
            let effect = match (&op.command, &op.outcome) {
                (Command::Read, Outcome::Ok(Reply::Read(v))) => {
                    Effect::Read(v.as_ref().map_or(ABSENT, &mut intern))
                }
                // A read that failed or timed out constrains nothing; a failed write never happened.
                (Command::Read | Command::List, _) => continue,
                (Command::Write(_) | Command::Delete, Outcome::Fail) => continue,
                (Command::Write(v), _) => Effect::Write(intern(v)),
                (Command::Delete, _) => Effect::Write(ABSENT),
                (Command::Cas { expected, new }, outcome) => {
                    let (expected, new) = (intern(expected), intern(new));
                    conditional(outcome, expected, new)
                }
                (Command::Create(v), outcome) => conditional(outcome, ABSENT, intern(v)),
                (Command::DeleteIf { expected }, outcome) => {
                    conditional(outcome, intern(expected), ABSENT)
                }
            };
            steps.push(Step {
                op: index,
                call: op.call,
                ret: op.finished(),
                effect,
            });
        }
        KeySteps { steps }
    }
}

fn conditional(outcome: &Outcome, expected: State, new: State) -> Effect {
    match outcome {
        Outcome::Ok(_) => Effect::Cas { expected, new },
        // If-None-Match refused means the key existed: "not absent".
        Outcome::Fail => Effect::Refused { not: expected },
        Outcome::Info => Effect::MaybeCas { expected, new },
    }
}
