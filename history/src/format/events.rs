//! The shape every text format reduces to: Jepsen's operation maps, one event at a time, paired
//! into [`Operation`]s by process.

use super::ParseError;
use crate::ops::{Command, History, Operation, Outcome, Reply, Value};
use std::collections::HashMap;

/// A value as a Jepsen map holds it, before its meaning is known.
#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    Nil,
    Int(i64),
    Str(String),
    /// An EDN keyword or a JSON string used as one (`:timed-out`).
    Keyword(String),
    Bool(bool),
    List(Vec<Raw>),
    /// Anything else (maps, floats): kept only to say what was found.
    Other(String),
}

impl Raw {
    fn describe(&self) -> String {
        match self {
            Raw::Nil => "nil".into(),
            Raw::Int(i) => i.to_string(),
            Raw::Str(s) => format!("{s:?}"),
            Raw::Keyword(k) => format!(":{k}"),
            Raw::Bool(b) => b.to_string(),
            Raw::List(items) => format!("a list of {}", items.len()),
            Raw::Other(s) => s.clone(),
        }
    }

    fn scalar(&self) -> Option<Value> {
        match self {
            Raw::Int(i) => Some(Value::Int(*i)),
            Raw::Str(s) => Some(Value::Str(s.clone())),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Kind {
    Invoke,
    Ok,
    Fail,
    Info,
}

impl Kind {
    pub fn from_name(name: &str) -> Option<Kind> {
        match name {
            "invoke" => Some(Kind::Invoke),
            "ok" => Some(Kind::Ok),
            "fail" => Some(Kind::Fail),
            "info" => Some(Kind::Info),
            _ => None,
        }
    }
}

/// One line's worth of a Jepsen history.
#[derive(Clone, Debug, PartialEq)]
pub struct RawEvent {
    pub kind: Kind,
    pub f: String,
    pub process: String,
    pub key: Option<String>,
    pub value: Raw,
    pub time: Option<u64>,
    pub line: usize,
}

/// Pairs invocations with completions by process.
#[derive(Debug, Default)]
pub struct Builder {
    history: History,
    key_ids: HashMap<String, usize>,
    /// Process → index of its operation in flight.
    open: HashMap<String, usize>,
}

/// Jepsen's fault injector logs its own operations in the same history; they are not register
/// operations.
const NEMESIS: &str = "nemesis";

impl Builder {
    pub fn push(&mut self, event: RawEvent) -> Result<(), ParseError> {
        if event.process == NEMESIS {
            return Ok(());
        }
        let position = self.history.events;
        self.history.events += 1;
        match event.kind {
            Kind::Invoke => self.invoke(event, position),
            _ => self.complete(event, position),
        }
    }

    fn key_id(&mut self, key: Option<&str>) -> usize {
        let name = match key {
            Some(k) => {
                self.history.keyed = true;
                k
            }
            None => History::SINGLE_REGISTER,
        };
        if let Some(&id) = self.key_ids.get(name) {
            return id;
        }
        let id = self.history.keys.len();
        self.history.keys.push(name.to_string());
        self.key_ids.insert(name.to_string(), id);
        id
    }

    fn invoke(&mut self, event: RawEvent, position: usize) -> Result<(), ParseError> {
        let line = event.line;
        let command = command(&event)?;
        if self.open.contains_key(&event.process) {
            return Err(ParseError::at(
                line,
                format!("a completion for process {} first", event.process),
                "a second invocation while its operation is in flight",
            ));
        }
        let key = self.key_id(event.key.as_deref());
        self.open
            .insert(event.process.clone(), self.history.operations.len());
        self.history.operations.push(Operation {
            process: event.process,
            key,
            command,
            outcome: Outcome::Info,
            call: position,
            ret: None,
            call_time: event.time,
            ret_time: None,
            line,
        });
        Ok(())
    }

    fn complete(&mut self, event: RawEvent, position: usize) -> Result<(), ParseError> {
        let line = event.line;
        let Some(index) = self.open.remove(&event.process) else {
            return Err(ParseError::at(
                line,
                format!("an invocation by process {} before", event.process),
                "a completion with no operation in flight",
            ));
        };
        let key_name = event.key.as_deref().unwrap_or(History::SINGLE_REGISTER);
        let op = &mut self.history.operations[index];
        if op.command.name() != event.f
            || (event.key.is_some() && self.history.keys[op.key] != key_name)
        {
            return Err(ParseError::at(
                line,
                format!(
                    "the completion of process {}'s :{} of {} (invoked on line {})",
                    event.process,
                    op.command.name(),
                    self.history.keys[op.key],
                    op.line
                ),
                format!(":{} of {key_name}", event.f),
            ));
        }
        op.outcome = match event.kind {
            Kind::Ok => Outcome::Ok(reply(&op.command, &event.value, line)?),
            Kind::Fail => Outcome::Fail,
            Kind::Info | Kind::Invoke => Outcome::Info,
        };
        op.ret = Some(position);
        op.ret_time = event.time;
        Ok(())
    }

    /// Operations still in flight at the end are pending forever, like `info`.
    pub fn finish(self) -> History {
        self.history
    }
}

fn command(event: &RawEvent) -> Result<Command, ParseError> {
    let scalar = |what: &str| {
        event
            .value
            .scalar()
            .ok_or_else(|| ParseError::at(event.line, what.to_string(), event.value.describe()))
    };
    Ok(match event.f.as_str() {
        "read" => Command::Read,
        "write" => Command::Write(scalar(
            "the value a :write writes (an integer or a string)",
        )?),
        "delete" => Command::Delete,
        "create" => Command::Create(scalar(
            "the value a :create writes (an integer or a string)",
        )?),
        "cas" => match &event.value {
            Raw::List(pair) if pair.len() == 2 => match (pair[0].scalar(), pair[1].scalar()) {
                (Some(expected), Some(new)) => Command::Cas { expected, new },
                _ => return Err(cas_error(event)),
            },
            _ => return Err(cas_error(event)),
        },
        "list" => Command::List,
        other => {
            return Err(ParseError::at(
                event.line,
                "f = read, write, delete, cas, create or list",
                format!("f = {other}"),
            ))
        }
    })
}

fn cas_error(event: &RawEvent) -> ParseError {
    ParseError::at(
        event.line,
        "a :cas value [expected new]",
        event.value.describe(),
    )
}

fn reply(command: &Command, value: &Raw, line: usize) -> Result<Reply, ParseError> {
    Ok(match command {
        Command::Read => match value {
            Raw::Nil => Reply::Read(None),
            other => Reply::Read(Some(other.scalar().ok_or_else(|| {
                ParseError::at(
                    line,
                    "the value a :read returned (an integer, a string or nil)",
                    other.describe(),
                )
            })?)),
        },
        Command::List => match value {
            Raw::List(items) => Reply::Listed(
                items
                    .iter()
                    .map(|item| match item {
                        Raw::Str(s) => Ok(s.clone()),
                        other => Err(ParseError::at(
                            line,
                            "a :list result of key strings",
                            other.describe(),
                        )),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            other => {
                return Err(ParseError::at(
                    line,
                    "a :list result (an array of keys)",
                    other.describe(),
                ))
            }
        },
        _ => Reply::Done,
    })
}
