//! Judging recorded histories with the model crate's shared checkers (never a second copy of a
//! property): `check_history` for every history property, `witness_safety::holds` on the final
//! witness and persistence state, and `replica::converged` once replication is drained.
#![allow(dead_code)]

use index_cache::{IndexCache, Mode};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use witness_model::history::{Event, Key};
use witness_model::properties::{check_history, witness_safety, HistoryMonitor, PropertyId};

/// One execution's recorded history and what the model crate's checkers concluded about it.
#[derive(Debug, Default)]
pub struct CheckedHistory {
    pub violated: BTreeSet<PropertyId>,
    pub anomalies: BTreeSet<PropertyId>,
    pub history: Vec<Event>,
    pub findings: Vec<String>,
}

impl CheckedHistory {
    pub fn is_clean(&self) -> bool {
        self.violated.is_empty()
    }

    /// The history and what went wrong, numbered, for a failure message.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        for (i, event) in self.history.iter().enumerate() {
            let _ = writeln!(out, "  {:>3}. {event}", i + 1);
        }
        for finding in &self.findings {
            let _ = writeln!(out, "  ✗ {finding}");
        }
        out
    }
}

/// Judges the cache's recorded history and its final witness/persistence state. Call it when no
/// operation is in flight.
pub fn judge(cache: &IndexCache) -> CheckedHistory {
    let recorder = cache
        .recorder()
        .expect("tests build caches with a recorder");
    let history = match recorder.history() {
        Ok(h) => h,
        Err(e) => panic!("history cannot be judged: {e}"),
    };
    let verdict = match check_history(&history) {
        Ok(v) => v,
        Err(e) => panic!("malformed history: {e}"),
    };
    let mut checked = CheckedHistory {
        violated: verdict.violated.iter().copied().collect(),
        anomalies: verdict.anomalies.iter().copied().collect(),
        findings: verdict.findings.iter().map(|f| f.to_string()).collect(),
        history,
    };
    if cache.mode() == Mode::Strong {
        let mut monitor = HistoryMonitor::default();
        for event in &checked.history {
            monitor
                .observe_quietly(event)
                .expect("check_history accepted it");
        }
        for id in 0.. {
            let key = Key(id);
            let Some(name) = recorder.name(key) else {
                break;
            };
            let known = cache.witness_known(&name).expect("recorded keys are valid");
            let persisted = cache.persisted(&name).expect("valid key").seq;
            let acked = monitor.acked(key);
            if !witness_safety::holds(acked, known, persisted) {
                checked.violated.insert(PropertyId::WitnessSafety);
                checked.findings.push(format!(
                    "witness-safety: {key} acknowledged {acked}, witness knows {known:?}, persistence holds v{persisted}"
                ));
            }
        }
    }
    checked
}

/// Drains replication (in queue order), then judges the history and, with the shared
/// `replica::converged`, whether the replica equals the source.
pub fn judge_drained(cache: &IndexCache) -> CheckedHistory {
    cache.drain_replication();
    let mut checked = judge(cache);
    if !cache.replica_converged() {
        checked.violated.insert(PropertyId::ReplicaConverges);
        checked
            .findings
            .push("replica-converges: replication drained but the replica differs".into());
    }
    checked
}
