//! `witness probe --json`: what ran (operations by kind, by endpoint, indeterminate ones by cause,
//! throughput per second), each property's verdict with its guarantee group and evidence, the
//! staleness of each anomaly class, and the nemesis's faults.

use super::evidence::{self, Evidence, Staleness};
use super::verdict::{self, ProbeJudgement};
use super::{ProbeConfig, ProbeRun};
use serde::Serialize;
use std::collections::BTreeMap;
use witness_history::{History, Outcome, Status};
use witness_model::properties::{Guarantee, PropertyId};

/// Completed operations by outcome.
#[derive(Clone, Debug, Default, Eq, PartialEq, Serialize)]
pub struct Outcomes {
    pub ok: usize,
    pub fail: usize,
    pub info: usize,
}

impl Outcomes {
    fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Ok(_) => self.ok += 1,
            Outcome::Fail => self.fail += 1,
            Outcome::Info => self.info += 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Operations {
    pub total: usize,
    pub by_kind: BTreeMap<&'static str, Outcomes>,
    pub by_endpoint: BTreeMap<String, Outcomes>,
    /// Indeterminate operations by cause (`timeout`, `HTTP 503`, `connection error`, ...).
    pub indeterminate: BTreeMap<String, usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PropertyReport {
    pub property: PropertyId,
    pub verdict: Status,
    pub guarantee: Guarantee,
    /// How many violating windows the checker found (one per key).
    pub windows: usize,
    /// The window shown (the smallest; for read-after-write, its smallest named anomaly), when
    /// violated.
    pub evidence: Option<Evidence>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fault {
    pub name: String,
    pub command: String,
    pub start_ms: Option<f64>,
    pub end_ms: Option<f64>,
    /// `ok`, `failed (exit status: N): <stderr tail>`, or `None` if it never finished.
    pub result: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProbeReport {
    pub endpoints: Vec<String>,
    pub prefix: String,
    pub clients: usize,
    pub keys: usize,
    pub elapsed_s: f64,
    pub holds: bool,
    pub operations: Operations,
    /// Operations completed in each second of the run (the first is second 0).
    pub throughput: Vec<Outcomes>,
    pub properties: Vec<PropertyReport>,
    pub staleness: Vec<Staleness>,
    pub nemesis: Vec<Fault>,
    /// How many faults the embedded server injected (`--faults`).
    pub server_faults: usize,
}

fn operations(run: &ProbeRun) -> Operations {
    let mut by_kind: BTreeMap<&'static str, Outcomes> = BTreeMap::new();
    let mut by_endpoint: BTreeMap<String, Outcomes> = BTreeMap::new();
    for op in run.history.operations.iter() {
        by_kind
            .entry(op.command.name())
            .or_default()
            .add(&op.outcome);
        let endpoint = op.node.clone().unwrap_or_default();
        by_endpoint.entry(endpoint).or_default().add(&op.outcome);
    }
    Operations {
        total: run.history.operations.len(),
        by_kind,
        by_endpoint,
        indeterminate: run
            .indeterminate
            .iter()
            .map(|(cause, n)| (cause.to_string(), *n))
            .collect(),
    }
}

/// Completions per second, by when they came (an operation never answered counts nowhere).
pub fn throughput(history: &History) -> Vec<Outcomes> {
    let mut seconds: Vec<Outcomes> = Vec::new();
    for op in &history.operations {
        let (Some(_), Some(at)) = (op.ret, op.ret_time) else {
            continue;
        };
        let second = usize::try_from(at / 1_000_000_000).unwrap_or(usize::MAX);
        if second >= seconds.len() {
            seconds.resize(second + 1, Outcomes::default());
        }
        seconds[second].add(&op.outcome);
    }
    seconds
}

fn properties(history: &History, judgement: &ProbeJudgement) -> Vec<PropertyReport> {
    let report = &judgement.report;
    report
        .properties
        .iter()
        .map(|p| {
            let windows = report
                .violations
                .iter()
                .filter(|v| v.property == p.property)
                .count();
            PropertyReport {
                property: p.property,
                verdict: p.status,
                guarantee: p.property.guarantee(),
                windows,
                evidence: verdict::shown_window(judgement, p.property)
                    .map(|v| evidence::of(history, v)),
            }
        })
        .collect()
}

fn faults(history: &History) -> Vec<Fault> {
    let ms = |t: Option<u64>| t.map(|n| (n as f64 / 1e3).round() / 1e3);
    history
        .nemesis
        .iter()
        .map(|f| Fault {
            name: f.name.clone(),
            command: f.command.clone(),
            start_ms: ms(f.start),
            end_ms: ms(f.end),
            result: f.result.clone(),
        })
        .collect()
}

/// The report of `run` as `--json` prints it.
pub fn build(run: &ProbeRun, config: &ProbeConfig, judgement: &ProbeJudgement) -> ProbeReport {
    ProbeReport {
        endpoints: run.endpoints.clone(),
        prefix: run.prefix.clone(),
        clients: config.clients,
        keys: config.keys,
        elapsed_s: (run.elapsed.as_secs_f64() * 1e3).round() / 1e3,
        holds: judgement.holds(),
        operations: operations(run),
        throughput: throughput(&run.history),
        properties: properties(&run.history, judgement),
        staleness: evidence::staleness_by_anomaly(&run.history, &judgement.report.violations),
        nemesis: faults(&run.history),
        server_faults: run.faults.len(),
    }
}
