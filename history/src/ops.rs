//! A register history as recorded by a client harness: operations on string keys with written
//! **values** (no versions), each with its invocation, its outcome and where it sits in real time.
//!
//! Outcomes follow Jepsen: `ok` happened, `fail` definitely took no effect, `info` is unknown (may or
//! may not have taken effect; it stays pending to the end of the history).

use serde::Serialize;
use std::fmt;

/// A written or read value, compared by equality. Porcupine's logs write integers, S3 probes write
/// strings; both are kept as the file wrote them.
#[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize)]
#[serde(untagged)]
pub enum Value {
    Int(i64),
    Str(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// What the client asked for (contract C1's `f` and invocation `value`).
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum Command {
    /// GetObject.
    Read,
    /// PutObject with this body.
    Write(Value),
    /// DeleteObject.
    Delete,
    /// PutObject If-Match: writes `new` only if the current value is `expected`.
    Cas { expected: Value, new: Value },
    /// PutObject If-None-Match: *: writes only if the key does not exist.
    Create(Value),
    /// DeleteObject If-Match: deletes only if the current value is `expected`.
    DeleteIf { expected: Value },
    /// ListObjectsV2 of a prefix (the operation's key).
    List,
}

impl Command {
    /// The name contract C1 uses for `f`.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Read => "read",
            Command::Write(_) => "write",
            Command::Delete => "delete",
            Command::Cas { .. } => "cas",
            Command::Create(_) => "create",
            Command::DeleteIf { .. } => "delete-if",
            Command::List => "list",
        }
    }

    /// Whether the command can change the key's value.
    pub fn is_write(&self) -> bool {
        !matches!(self, Command::Read | Command::List)
    }
}

/// What the client was told.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum Outcome {
    /// The operation happened; for a read, the value it returned (`None` = not found).
    Ok(Reply),
    /// The operation definitely took no effect. For `cas`/`create` this is S3's 412: the
    /// precondition was evaluated against the current value and did not hold.
    Fail,
    /// Unknown (timeout, connection error): pending to the end of the history.
    Info,
}

#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum Reply {
    /// A write, delete, cas or create was acknowledged.
    Done,
    /// A read returned this value (`None` = not found, HTTP 404).
    Read(Option<Value>),
    /// A list returned these keys.
    Listed(Vec<String>),
}

/// One operation: invocation and completion paired.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Operation {
    /// The process as the file wrote it (`3`, `"client-a"`).
    pub process: String,
    /// Index into [`History::keys`]; for a list, its prefix.
    pub key: usize,
    pub command: Command,
    pub outcome: Outcome,
    /// Position of the invocation among the history's events (real-time order).
    pub call: usize,
    /// Position of the completion event; `None` when the history ended first. An `info`
    /// completion has a position too, but the operation stays pending to the end (see
    /// [`Operation::finished`]).
    pub ret: Option<usize>,
    /// The recorder's timestamps (nanoseconds), when the file has them.
    pub call_time: Option<u64>,
    pub ret_time: Option<u64>,
    /// 1-based line of the invocation in the file.
    pub line: usize,
    /// The endpoint that served the operation (Jepsen's `:node`), when the recorder knew it:
    /// `witness probe` spreads operations over several gateways.
    pub node: Option<String>,
}

impl Operation {
    /// An operation invoked at event `call` of a history with one event a line and no
    /// timestamps, its outcome unknown until it returns.
    pub fn invoked(process: String, key: usize, command: Command, call: usize) -> Operation {
        Operation {
            process,
            key,
            command,
            outcome: Outcome::Info,
            call,
            ret: None,
            call_time: None,
            ret_time: None,
            line: call + 1,
            node: None,
        }
    }

    /// Where the operation surely finished taking effect: its completion, unless the outcome is
    /// unknown (`info` or no completion), when it may take effect at any later time.
    pub fn finished(&self) -> Option<usize> {
        match self.outcome {
            Outcome::Info => None,
            _ => self.ret,
        }
    }

    /// What the operation left in its key if it surely or possibly took effect: `Some(None)` for
    /// a DELETE, `None` for a read or a failed write.
    pub fn written(&self) -> Option<Option<&Value>> {
        if self.outcome == Outcome::Fail {
            return None;
        }
        match &self.command {
            Command::Write(v) | Command::Create(v) => Some(Some(v)),
            Command::Cas { new, .. } => Some(Some(new)),
            Command::Delete | Command::DeleteIf { .. } => Some(None),
            Command::Read | Command::List => None,
        }
    }

    /// The operation in the words of the model's traces, e.g. `client 3 PUT k = 4 → ack`.
    pub fn describe(&self, key: &str) -> String {
        let who = format!("client {}", self.process);
        let what = match &self.command {
            Command::Read => format!("GET {key}"),
            Command::Write(v) => format!("PUT {key} = {v}"),
            Command::Delete => format!("DELETE {key}"),
            Command::Cas { expected, new } => format!("PUT {key} = {new} If-Match {expected}"),
            Command::Create(v) => format!("PUT {key} = {v} If-None-Match *"),
            Command::DeleteIf { expected } => format!("DELETE {key} If-Match {expected}"),
            Command::List => format!("LIST {key}*"),
        };
        let result = match (&self.outcome, &self.command) {
            (Outcome::Ok(Reply::Read(Some(v))), _) => v.to_string(),
            (Outcome::Ok(Reply::Read(None)), _) => "absent".to_string(),
            (Outcome::Ok(Reply::Listed(keys)), _) => format!("[{}]", keys.join(", ")),
            (Outcome::Ok(Reply::Done), _) => "ack".to_string(),
            (
                Outcome::Fail,
                Command::Cas { .. } | Command::Create(_) | Command::DeleteIf { .. },
            ) => "412 precondition failed".to_string(),
            (Outcome::Fail, _) => "failed (no effect)".to_string(),
            (Outcome::Info, _) => "unknown (timed out)".to_string(),
        };
        match &self.node {
            Some(node) => format!("{who} {what} → {result} (via {node})"),
            None => format!("{who} {what} → {result}"),
        }
    }
}

/// A whole history: its keys (as written) and its operations in invocation order.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct History {
    /// Key names as the file wrote them. A history without keys (Porcupine's single register)
    /// has one key, named [`History::SINGLE_REGISTER`].
    pub keys: Vec<String>,
    /// Whether the file named its keys (exports then write them back).
    pub keyed: bool,
    pub operations: Vec<Operation>,
    /// Number of events (invocations + completions) read.
    pub events: usize,
    /// Faults injected while the history was recorded, in order (Jepsen's nemesis operations).
    /// They are not register operations: no property judges them, reports show them.
    pub nemesis: Vec<NemesisOp>,
}

/// One fault: Jepsen records it as process `nemesis`, an `:info` invocation and an `:info`
/// completion (the fault's effect on the system is never certain).
#[derive(Clone, Debug, Eq, Hash, PartialEq, Serialize)]
pub struct NemesisOp {
    /// What the fault is called (Jepsen's `f`: `kill`, `restart`, ...).
    pub name: String,
    /// What was run (the invocation's `value`).
    pub command: String,
    /// Nanoseconds from the history's start, as the operations' times.
    pub start: Option<u64>,
    /// `None` when the history ended before the fault completed.
    pub end: Option<u64>,
    /// What the fault reported (the completion's `value`): `ok`, or why it failed.
    pub result: Option<String>,
}

impl History {
    /// The name shown for the one register of a history whose file has no keys.
    pub const SINGLE_REGISTER: &'static str = "register";

    /// The operations of each key, in invocation order (lists excluded: they span keys).
    pub fn by_key(&self) -> Vec<Vec<usize>> {
        let mut per_key = vec![Vec::new(); self.keys.len()];
        for (i, op) in self.operations.iter().enumerate() {
            if op.command != Command::List {
                per_key[op.key].push(i);
            }
        }
        per_key
    }

    /// Distinct processes in order of first appearance.
    pub fn processes(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.operations
            .iter()
            .filter(|op| seen.insert(op.process.as_str()))
            .map(|op| op.process.as_str())
            .collect()
    }
}

/// How one property fared on a history, or on one key of it. Kept with the history's types so the
/// modules that judge (weak, verdict) and print (text, html) depend on it, not on each other.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Holds,
    Violated,
    /// The history does not fix the order of the writes the property needs compared; witness
    /// says so rather than guess one.
    OrderAmbiguous,
    /// The budget ran out before the property was decided (linearizability under `--timeout`):
    /// not a guess either way.
    Unknown,
}
