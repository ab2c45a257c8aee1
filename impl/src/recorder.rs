//! Records the history of a run in the model's vocabulary so the shared property checkers
//! (`witness_model::properties::check_history`) can judge it. Test and audit tooling: production
//! caches are built without a recorder and pay nothing for it.
//!
//! Keys are interned to history `Key`s in order of first appearance (or up front with
//! [`Recorder::with_keys`]); versions are recorded as they are (u64), so a stress run can record
//! millions of operations on any number of keys.

use crate::entry::Seq;
use crate::sync::{self, Mutex};
use std::collections::HashMap;
use std::fmt;
use witness_model::history::{ClientId, Event, Key, Observed, Op, Ret};

#[derive(Debug, Default)]
struct State {
    events: Vec<Event>,
    keys: Vec<String>,
    ids: HashMap<String, Key>,
    overflow: Option<RecordError>,
}

#[derive(Debug, Default)]
pub struct Recorder {
    state: Mutex<State>,
}

/// The recorded run cannot be expressed as a history.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum RecordError {
    TooManyKeys,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::TooManyKeys => write!(f, "a history can name at most 2^32 keys"),
        }
    }
}

impl std::error::Error for RecordError {}

/// What a recorded operation was, before it is interned.
pub(crate) enum RecOp<'a> {
    Put(&'a str),
    Delete(&'a str),
    Get(&'a str),
    List,
}

/// What a recorded operation returned.
pub(crate) enum RecRet<'a> {
    Ack(Seq),
    Read(Seq, bool),
    Listed(Vec<(&'a str, Seq, bool)>),
}

impl State {
    fn key(&mut self, name: &str) -> Key {
        if let Some(&key) = self.ids.get(name) {
            return key;
        }
        match u32::try_from(self.keys.len()) {
            Ok(id) => {
                self.keys.push(name.to_string());
                self.ids.insert(name.to_string(), Key(id));
                Key(id)
            }
            Err(_) => {
                self.overflow.get_or_insert(RecordError::TooManyKeys);
                Key(u32::MAX)
            }
        }
    }
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// A recorder whose keys `names[i]` are `Key(i)` in the history.
    pub fn with_keys<S: AsRef<str>>(names: &[S]) -> Recorder {
        let recorder = Recorder::new();
        {
            let mut state = sync::lock(&recorder.state);
            for name in names {
                state.key(name.as_ref());
            }
        }
        recorder
    }

    /// The model key a cache key is recorded as.
    pub fn key(&self, name: &str) -> Key {
        sync::lock(&self.state).key(name)
    }

    /// The cache key behind a model key, if the history has named it.
    pub fn name(&self, key: Key) -> Option<String> {
        sync::lock(&self.state).keys.get(key.index()).cloned()
    }

    pub(crate) fn invoke(&self, client: ClientId, op: RecOp<'_>) {
        let mut state = sync::lock(&self.state);
        let op = match op {
            RecOp::Put(k) => Op::Put { key: state.key(k) },
            RecOp::Delete(k) => Op::Delete { key: state.key(k) },
            RecOp::Get(k) => Op::Get { key: state.key(k) },
            RecOp::List => Op::List,
        };
        state.events.push(Event::Invoke { client, op });
    }

    pub(crate) fn ret(&self, client: ClientId, ret: RecRet<'_>) {
        let mut state = sync::lock(&self.state);
        let ret = match ret {
            RecRet::Ack(seq) => Ret::Ack { seq },
            RecRet::Read(seq, exists) => Ret::Read {
                observed: Observed { seq, exists },
            },
            RecRet::Listed(entries) => {
                let mut listed = Vec::with_capacity(entries.len());
                for (k, seq, exists) in entries {
                    let key = state.key(k);
                    listed.push((key, Observed { seq, exists }));
                }
                Ret::Listed { entries: listed }
            }
        };
        state.events.push(Event::Return { client, ret });
    }

    pub(crate) fn replica_applied(&self, name: &str, seq: Seq) {
        let mut state = sync::lock(&self.state);
        let key = state.key(name);
        state.events.push(Event::ReplicaApplied { key, seq });
    }

    /// The history so far, or why it cannot be judged.
    pub fn history(&self) -> Result<Vec<Event>, RecordError> {
        let state = sync::lock(&self.state);
        match &state.overflow {
            Some(e) => Err(e.clone()),
            None => Ok(state.events.clone()),
        }
    }
}
