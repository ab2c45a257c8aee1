//! The probe's recorder: every invocation and completion goes straight into witness-history's
//! own [`Builder`] (the one that also reads history files), stamped with monotonic nanoseconds
//! from the recorder's start. `--out` writes it with `witness_history::export::jepsen_json`.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;
use witness_history::{Builder, Command, History, Outcome};

#[derive(Debug)]
pub struct Recorder {
    start: Instant,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    builder: Builder,
    /// The first event the builder refused: a bug in the workload, reported, not hidden.
    error: Option<String>,
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder {
            start: Instant::now(),
            state: Mutex::default(),
        }
    }
}

impl Recorder {
    /// Records `process`'s invocation of `command` on `key` now. The timestamp is taken under the
    /// lock, so the history's order is the real-time order.
    pub fn invoke(&self, process: u64, key: &str, command: Command) {
        self.with_builder(|builder, time| builder.invoke(process.to_string(), key, command, time));
    }

    /// Records the completion of `process`'s operation in flight now.
    pub fn complete(&self, process: u64, outcome: Outcome) {
        self.with_builder(|builder, time| builder.complete(&process.to_string(), outcome, time));
    }

    fn with_builder(
        &self,
        record: impl FnOnce(&mut Builder, Option<u64>) -> Result<(), witness_history::ParseError>,
    ) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let time = u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        if let Err(e) = record(&mut state.builder, Some(time)) {
            state.error.get_or_insert_with(|| e.to_string());
        }
    }

    /// The recorded history, or what the workload recorded wrong.
    pub fn into_history(self) -> Result<History, String> {
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        match state.error {
            Some(e) => Err(format!("the probe recorded an ill-formed history: {e}")),
            None => Ok(state.builder.finish()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use witness_history::{Reply, Value};

    #[test]
    fn operations_are_recorded_in_real_time_order_with_their_outcomes() {
        let recorder = Recorder::default();
        let cas = Command::Cas {
            expected: Value::Str("0-1".into()),
            new: Value::Str("3-1".into()),
        };
        recorder.invoke(3, "k", cas.clone());
        recorder.invoke(1, "k", Command::Read);
        recorder.complete(3, Outcome::Fail);
        recorder.complete(1, Outcome::Ok(Reply::Read(None)));
        let history = recorder.into_history().expect("well formed");
        assert_eq!(history.keys, vec!["k".to_string()]);
        assert_eq!(history.events, 4);
        let [a, b] = [&history.operations[0], &history.operations[1]];
        assert_eq!(
            (a.process.as_str(), &a.command, &a.outcome),
            ("3", &cas, &Outcome::Fail)
        );
        assert_eq!((a.call, a.ret, a.line), (0, Some(2), 1));
        assert_eq!(b.outcome, Outcome::Ok(Reply::Read(None)));
        assert!(a.call_time <= b.call_time && b.call_time <= a.ret_time);
    }

    #[test]
    fn a_completion_without_an_invocation_is_reported_not_hidden() {
        let recorder = Recorder::default();
        recorder.complete(2, Outcome::Fail);
        let error = recorder.into_history().expect_err("ill-formed");
        assert!(error.contains("no operation in flight"), "{error}");
    }
}
