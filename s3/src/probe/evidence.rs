//! What a probe shows for a violation, beyond the checker's words: every operation of the window
//! with the endpoint that served it and when (milliseconds from the run's start), and how stale
//! the answer was. The windows themselves, and which anomaly each is, are the checker's
//! (`witness_history::judge`); nothing here judges a property.

use serde::Serialize;
use std::collections::BTreeMap;
use witness_history::{History, Operation, Violation};

/// One operation of a window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// 1-based, as the checker numbers the window's steps.
    pub step: usize,
    /// The operation in the model's words (the checker's step text).
    pub text: String,
    pub endpoint: Option<String>,
    pub invoked_ms: Option<f64>,
    /// When the answer came (`None`: never, the operation is indeterminate).
    pub completed_ms: Option<f64>,
}

/// A violation's evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    pub key: String,
    /// The anomaly's code and name (`A3 read-after-delete`), when the window is an instance of one.
    pub anomaly: Option<String>,
    pub explanation: String,
    pub steps: Vec<Step>,
    /// For a stale answer: how long after the contradicted write was acknowledged the stale
    /// answer was still given (from the acknowledgement to the stale request's start: a lower
    /// bound).
    pub staleness_ms: Option<f64>,
}

fn ms(nanos: Option<u64>) -> Option<f64> {
    // Microsecond precision is all a recorder on one machine can claim.
    nanos.map(|n| (n as f64 / 1e3).round() / 1e3)
}

/// The stale answer `shown_by[1]` came this long after `shown_by[0]`, a write, was acknowledged.
/// `None` when the first is not a write (A6 compares two reads) or a time is missing.
pub fn staleness(history: &History, shown_by: [usize; 2]) -> Option<f64> {
    let [write, stale]: [&Operation; 2] = shown_by.map(|i| &history.operations[i]);
    write.written()?;
    let acked = write.ret_time?;
    let asked = stale.call_time?;
    ms(Some(asked.saturating_sub(acked)))
}

/// `v`'s evidence in `history`.
pub fn of(history: &History, v: &Violation) -> Evidence {
    let steps = v
        .window
        .iter()
        .zip(&v.steps)
        .enumerate()
        .map(|(n, (&i, text))| {
            let op = &history.operations[i];
            Step {
                step: n + 1,
                text: text.clone(),
                endpoint: op.node.clone(),
                invoked_ms: ms(op.call_time),
                completed_ms: ms(op.ret_time.filter(|_| op.finished().is_some())),
            }
        })
        .collect();
    Evidence {
        key: v.key.clone(),
        anomaly: v
            .anomaly
            .map(|a| format!("{} {a}", a.anomaly().unwrap_or_default())),
        explanation: v.explanation.clone(),
        steps,
        staleness_ms: v.shown_by.and_then(|pair| staleness(history, pair)),
    }
}

/// Staleness of one anomaly class over the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Staleness {
    /// `A3 read-after-delete`.
    pub anomaly: String,
    /// Distinct instances (a window reported under several properties counts once).
    pub instances: usize,
    pub max_ms: f64,
    /// Every instance's staleness, in the order found.
    pub ms: Vec<f64>,
}

/// Per anomaly class, the staleness of every distinct instance the checker's windows show.
pub fn staleness_by_anomaly(history: &History, violations: &[Violation]) -> Vec<Staleness> {
    let mut seen = std::collections::HashSet::new();
    let mut by: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for v in violations {
        let (Some(anomaly), Some(pair)) = (v.anomaly, v.shown_by) else {
            continue;
        };
        let Some(stale) = staleness(history, pair) else {
            continue;
        };
        if seen.insert(pair) {
            let name = format!("{} {anomaly}", anomaly.anomaly().unwrap_or_default());
            by.entry(name).or_default().push(stale);
        }
    }
    by.into_iter()
        .map(|(anomaly, ms)| Staleness {
            anomaly,
            instances: ms.len(),
            max_ms: ms.iter().copied().fold(0.0, f64::max),
            ms,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use witness_history::{judge, Builder, Command, Outcome, Reply, Value};

    /// PUT acknowledged at 2 ms via A; a GET via B starting at 7 ms answers "absent".
    fn stale_read() -> History {
        let mut b = Builder::default();
        let at = |ms: u64| Some(ms * 1_000_000);
        let put = Command::Write(Value::Str("v".into()));
        let node = |n: &str| Some(n.to_string());
        b.invoke("0".into(), "k", put, at(1), node("http://a"))
            .expect("invoke");
        b.complete("0", Outcome::Ok(Reply::Done), at(2))
            .expect("complete");
        b.invoke("1".into(), "k", Command::Read, at(7), node("http://b"))
            .expect("invoke");
        b.complete("1", Outcome::Ok(Reply::Read(None)), at(8))
            .expect("complete");
        b.finish()
    }

    #[test]
    fn a_stale_read_names_its_endpoints_times_and_staleness() {
        let history = stale_read();
        let report = judge(&history);
        let v = report
            .violations
            .iter()
            .find(|v| v.anomaly.is_some())
            .expect("a named violation");
        let evidence = of(&history, v);
        assert_eq!(evidence.staleness_ms, Some(5.0));
        assert_eq!(evidence.anomaly.as_deref(), Some("A1 negative-cache-miss"));
        let endpoints: Vec<_> = evidence
            .steps
            .iter()
            .map(|s| s.endpoint.as_deref())
            .collect();
        assert_eq!(endpoints, [Some("http://a"), Some("http://b")]);
        assert_eq!(evidence.steps[1].invoked_ms, Some(7.0));
        assert!(
            evidence.steps[1].text.contains("via http://b"),
            "{:?}",
            evidence.steps
        );
        let classes = staleness_by_anomaly(&history, &report.violations);
        assert_eq!(
            classes.len(),
            1,
            "one instance, whatever reports it: {classes:?}"
        );
        assert_eq!((classes[0].instances, classes[0].max_ms), (1, 5.0));
    }
}
