//! The shape every text format reduces to: Jepsen's operation maps, one event at a time, paired
//! into [`Operation`]s by process.

use super::ParseError;
use crate::ops::{Command, History, NemesisOp, Operation, Outcome, Reply, Value};
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

/// Pairs invocations with completions by process: the one place a [`History`] is assembled,
/// whether from a file's lines (`push`) or from a live recorder (`invoke` and `complete`, as
/// `witness probe` records).
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
    /// One event as a file wrote it.
    pub fn push(&mut self, event: RawEvent) -> Result<(), ParseError> {
        if event.process == NEMESIS {
            self.nemesis_event(event);
            return Ok(());
        }
        match event.kind {
            Kind::Invoke => {
                let command = command(&event)?;
                let key = event.key.as_deref();
                self.invoke_at(event.process, key, command, event.time, event.line)
            }
            _ => self.complete_raw(event),
        }
    }

    /// Records an invocation as the next event (its line is its position: one event a line, as
    /// `export::jepsen_json` writes it back), served by `node` when the recorder knows it.
    pub fn invoke(
        &mut self,
        process: String,
        key: &str,
        command: Command,
        time: Option<u64>,
        node: Option<String>,
    ) -> Result<(), ParseError> {
        let line = self.history.events + 1;
        self.invoke_at(process, Some(key), command, time, line)?;
        if let Some(op) = self.history.operations.last_mut() {
            op.node = node;
        }
        Ok(())
    }

    /// Records a fault starting (`end` = `None`) or a fault's completion. A completion closes the
    /// latest fault of its name still open; one with none open is recorded as a fault of its own.
    pub fn nemesis(&mut self, name: &str, value: String, time: Option<u64>, end: bool) {
        let faults = &mut self.history.nemesis;
        let open = faults
            .iter_mut()
            .rev()
            .find(|f| f.name == name && f.result.is_none());
        match (end, open) {
            (true, Some(fault)) => {
                fault.end = time;
                fault.result = Some(value);
            }
            (true, None) => faults.push(NemesisOp {
                name: name.to_string(),
                command: String::new(),
                start: time,
                end: time,
                result: Some(value),
            }),
            (false, _) => faults.push(NemesisOp {
                name: name.to_string(),
                command: value,
                start: time,
                end: None,
                result: None,
            }),
        }
    }

    /// A nemesis line of a file: its value as text, whatever its type (faults are not judged).
    fn nemesis_event(&mut self, event: RawEvent) {
        let value = match &event.value {
            Raw::Str(s) | Raw::Keyword(s) => s.clone(),
            other => other.describe(),
        };
        // Jepsen writes both halves of a fault as `:info`: the nemesis is one process, so an
        // event completes the fault it has open, if any, and starts one otherwise.
        let open = self
            .history
            .nemesis
            .last()
            .is_some_and(|f| f.result.is_none());
        let end = event.kind != Kind::Invoke && open;
        self.nemesis(&event.f, value, event.time, end);
    }

    /// Records the completion of `process`'s operation in flight as the next event. A reply must
    /// fit the command (a read's value for a read, keys for a list, `Done` otherwise).
    pub fn complete(
        &mut self,
        process: &str,
        outcome: Outcome,
        time: Option<u64>,
    ) -> Result<(), ParseError> {
        let line = self.history.events + 1;
        let index = self.in_flight(process, line)?;
        let command = &self.history.operations[index].command;
        if let Outcome::Ok(reply) = &outcome {
            if !fits(command, reply) {
                return Err(ParseError::at(
                    line,
                    format!("a reply to a :{}", command.name()),
                    format!("{reply:?}"),
                ));
            }
        }
        self.close(process, outcome, time);
        Ok(())
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

    fn invoke_at(
        &mut self,
        process: String,
        key: Option<&str>,
        command: Command,
        time: Option<u64>,
        line: usize,
    ) -> Result<(), ParseError> {
        if self.open.contains_key(&process) {
            return Err(ParseError::at(
                line,
                format!("a completion for process {process} first"),
                "a second invocation while its operation is in flight",
            ));
        }
        let key = self.key_id(key);
        let position = self.history.events;
        self.history.events += 1;
        self.open
            .insert(process.clone(), self.history.operations.len());
        self.history.operations.push(Operation {
            process,
            key,
            command,
            outcome: Outcome::Info,
            call: position,
            ret: None,
            call_time: time,
            ret_time: None,
            line,
            node: None,
        });
        Ok(())
    }

    /// The operation `process` has in flight.
    fn in_flight(&self, process: &str, line: usize) -> Result<usize, ParseError> {
        self.open.get(process).copied().ok_or_else(|| {
            ParseError::at(
                line,
                format!("an invocation by process {process} before"),
                "a completion with no operation in flight",
            )
        })
    }

    fn complete_raw(&mut self, event: RawEvent) -> Result<(), ParseError> {
        let line = event.line;
        let index = self.in_flight(&event.process, line)?;
        let key_name = event.key.as_deref().unwrap_or(History::SINGLE_REGISTER);
        let op = &self.history.operations[index];
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
        let outcome = match event.kind {
            Kind::Ok => Outcome::Ok(reply(&op.command, &event.value, line)?),
            Kind::Fail => Outcome::Fail,
            Kind::Info | Kind::Invoke => Outcome::Info,
        };
        self.close(&event.process, outcome, event.time);
        Ok(())
    }

    /// Completes `process`'s operation in flight (the caller checked there is one).
    fn close(&mut self, process: &str, outcome: Outcome, time: Option<u64>) {
        let position = self.history.events;
        self.history.events += 1;
        if let Some(index) = self.open.remove(process) {
            let op = &mut self.history.operations[index];
            op.outcome = outcome;
            op.ret = Some(position);
            op.ret_time = time;
        }
    }

    /// Operations still in flight at the end are pending forever, like `info`.
    pub fn finish(self) -> History {
        self.history
    }
}

/// Whether `reply` is an answer `command` can get.
fn fits(command: &Command, reply: &Reply) -> bool {
    match reply {
        Reply::Read(_) => *command == Command::Read,
        Reply::Listed(_) => *command == Command::List,
        Reply::Done => command.is_write(),
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
        "delete-if" => Command::DeleteIf {
            expected: scalar("the value a :delete-if requires (an integer or a string)")?,
        },
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
                "f = read, write, delete, cas, create, delete-if or list",
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
