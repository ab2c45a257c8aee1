//! The probe's recorder: every invocation and completion as a Jepsen operation map, one JSON
//! object per line (contract C1), with monotonic nanoseconds from the recorder's start.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

#[derive(Clone, Copy, Debug, Deserialize, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Type {
    Invoke,
    Ok,
    Fail,
    Info,
}

/// The S3 operation (contract C1's `f`).
#[derive(Clone, Copy, Debug, Deserialize, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum F {
    /// GetObject
    Read,
    /// PutObject
    Write,
    /// DeleteObject
    Delete,
    /// PutObject If-Match
    Cas,
    /// PutObject If-None-Match: *
    Create,
    /// ListObjectsV2, all pages
    List,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: Type,
    pub f: F,
    pub process: u64,
    pub time: u64,
    pub key: String,
    pub value: Value,
}

#[derive(Debug)]
pub struct Recorder {
    start: Instant,
    events: Mutex<Vec<Event>>,
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder {
            start: Instant::now(),
            events: Mutex::default(),
        }
    }
}

impl Recorder {
    /// Records an event now. The timestamp is taken under the lock, so the file's order is the
    /// real-time order.
    pub fn record(&self, kind: Type, f: F, process: u64, key: &str, value: Value) {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let time = u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        events.push(Event {
            kind,
            f,
            process,
            time,
            key: key.to_string(),
            value,
        });
    }

    pub fn into_events(self) -> Vec<Event> {
        self.events
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The history as JSON lines.
pub fn to_json_lines(events: &[Event]) -> String {
    events
        .iter()
        .filter_map(|e| serde_json::to_string(e).ok())
        .map(|line| line + "\n")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_contract_c1_json_lines() {
        let recorder = Recorder::default();
        recorder.record(Type::Invoke, F::Cas, 3, "k", serde_json::json!(["a", "b"]));
        recorder.record(Type::Fail, F::Cas, 3, "k", serde_json::json!(["a", "b"]));
        let events = recorder.into_events();
        assert!(events[0].time <= events[1].time);
        let text = to_json_lines(&events);
        let first: Value =
            serde_json::from_str(text.lines().next().expect("a line")).expect("json");
        assert_eq!(first["type"], "invoke");
        assert_eq!(first["f"], "cas");
        assert_eq!(first["process"], 3);
        assert_eq!(first["key"], "k");
        assert_eq!(first["value"], serde_json::json!(["a", "b"]));
        assert_eq!(text.lines().count(), 2);
    }
}
