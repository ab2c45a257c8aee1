//! The probe's recorder: every invocation and completion goes straight into witness-history's
//! own [`Builder`] (the one that also reads history files), stamped with monotonic nanoseconds
//! from the recorder's start, with the endpoint that served it. Faults the nemesis injects go into
//! the same history (as Jepsen records them). `--out` writes it with
//! `witness_history::export::jepsen_json`.

use super::client::Cause;
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;
use witness_history::{Builder, Command, History, Outcome};

/// What a run recorded: the history, and why each indeterminate operation was indeterminate
/// (the history itself only says `info`).
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub history: History,
    pub indeterminate: BTreeMap<Cause, usize>,
}

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
    indeterminate: BTreeMap<Cause, usize>,
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
    /// Records `process`'s invocation of `command` on `key`, sent to `endpoint`, now. The
    /// timestamp is taken under the lock, so the history's order is the real-time order.
    pub fn invoke(&self, process: u64, key: &str, command: Command, endpoint: &str) {
        let node = Some(endpoint.to_string());
        self.with_builder(|state, time| {
            state
                .builder
                .invoke(process.to_string(), key, command, time, node)
        });
    }

    /// Records the completion of `process`'s operation in flight now; `cause` says why an
    /// indeterminate one is.
    pub fn complete(&self, process: u64, outcome: Outcome, cause: Option<&Cause>) {
        self.with_builder(|state, time| {
            if let Some(cause) = cause {
                *state.indeterminate.entry(cause.clone()).or_default() += 1;
            }
            state.builder.complete(&process.to_string(), outcome, time)
        });
    }

    /// Records a fault starting now (`result` = `None`: `value` is its command) or ending now
    /// (`value` is what it reported).
    pub fn nemesis(&self, name: &str, value: String, ends: bool) {
        self.with_builder(|state, time| {
            state.builder.nemesis(name, value, time, ends);
            Ok(())
        });
    }

    fn with_builder(
        &self,
        record: impl FnOnce(&mut State, Option<u64>) -> Result<(), witness_history::ParseError>,
    ) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let time = u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        if let Err(e) = record(&mut state, Some(time)) {
            state.error.get_or_insert_with(|| e.to_string());
        }
    }

    /// The recorded history, or what the workload recorded wrong.
    pub fn into_recorded(self) -> Result<Recorded, String> {
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        match state.error {
            Some(e) => Err(format!("the probe recorded an ill-formed history: {e}")),
            None => Ok(Recorded {
                history: state.builder.finish(),
                indeterminate: state.indeterminate,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use witness_history::Value;

    #[test]
    fn operations_are_recorded_in_real_time_order_with_their_outcomes() {
        let recorder = Recorder::default();
        let cas = Command::Cas {
            expected: Value::Str("0-1".into()),
            new: Value::Str("3-1".into()),
        };
        recorder.invoke(3, "k", cas.clone(), "http://a");
        recorder.invoke(1, "k", Command::Read, "http://b");
        recorder.nemesis("kill", "kill 1".into(), false);
        recorder.complete(3, Outcome::Fail, None);
        recorder.complete(1, Outcome::Info, Some(&Cause::Timeout));
        recorder.nemesis("kill", "exit 0".into(), true);
        let recorded = recorder.into_recorded().expect("well formed");
        assert_eq!(
            recorded.indeterminate,
            BTreeMap::from([(Cause::Timeout, 1)])
        );
        let history = recorded.history;
        assert_eq!(history.keys, vec!["k".to_string()]);
        assert_eq!(history.events, 4);
        let [a, b] = [&history.operations[0], &history.operations[1]];
        assert_eq!(
            (a.process.as_str(), &a.command, &a.outcome),
            ("3", &cas, &Outcome::Fail)
        );
        assert_eq!((a.call, a.ret, a.line), (0, Some(2), 1));
        assert_eq!(b.outcome, Outcome::Info);
        assert_eq!(
            (a.node.as_deref(), b.node.as_deref()),
            (Some("http://a"), Some("http://b"))
        );
        assert!(a.call_time <= b.call_time && b.call_time <= a.ret_time);
        let [fault] = &history.nemesis[..] else {
            panic!("one fault: {:?}", history.nemesis)
        };
        assert_eq!(
            (fault.name.as_str(), fault.command.as_str()),
            ("kill", "kill 1")
        );
        assert_eq!(fault.result.as_deref(), Some("exit 0"));
        assert!(b.call_time <= fault.start && fault.end >= b.ret_time);
    }

    #[test]
    fn a_completion_without_an_invocation_is_reported_not_hidden() {
        let recorder = Recorder::default();
        recorder.complete(2, Outcome::Fail, None);
        let error = recorder.into_recorded().expect_err("ill-formed");
        assert!(error.contains("no operation in flight"), "{error}");
    }
}
