//! Judging a probe run with the value-based checker (`witness-history`) and saying what the
//! verdicts mean in S3's terms.
//!
//! The history is judged exactly as saved: it is written as contract-C1 JSON lines and parsed back
//! by the checker's own reader, so `witness history FILE` on the saved file gives the same
//! verdict. Every property verdict is the checker's; this file only chooses which violating window
//! to print first (one of read-after-write's anomalies, A1–A3, when there is one).

use super::history::{to_json_lines, Event, Type, F};
use super::ProbeRun;
use std::collections::BTreeMap;
use std::fmt::Write;
use witness_history::{Format, Status, Verdict, Violation};
use witness_model::properties::PropertyId;

/// The anomalies that are read-after-write violations: their windows are shown first.
const READ_AFTER_WRITE_ANOMALIES: [PropertyId; 3] = [
    PropertyId::NegativeCacheMiss,
    PropertyId::StaleOverwrite,
    PropertyId::ReadAfterDelete,
];

#[derive(Clone, Debug)]
pub struct Judgement {
    /// The history as the checker read it back.
    pub history: witness_history::History,
    pub verdict: Verdict,
}

impl Judgement {
    pub fn holds(&self) -> bool {
        self.verdict.holds()
    }

    /// The checker's HTML timeline of the history, with the violating windows marked.
    pub fn html(&self, title: &str) -> String {
        witness_history::html::render(&self.history, &self.verdict, title)
    }

    /// The first violating window that is a read-after-write anomaly (the one a reader of S3's
    /// guarantee wants to see first).
    pub fn read_after_write_violation(&self) -> Option<&Violation> {
        self.verdict.violations.iter().find(|v| {
            v.anomaly
                .is_some_and(|a| READ_AFTER_WRITE_ANOMALIES.contains(&a))
        })
    }
}

/// Judges the run's history. An error here is a bug in the recorder (it writes what the checker
/// reads), reported rather than hidden.
pub fn judge(events: &[Event]) -> Result<Judgement, String> {
    let text = to_json_lines(events);
    let history = witness_history::parse_str(&text, Format::JepsenJson)
        .map_err(|e| format!("the recorded history does not parse: {e}"))?;
    let verdict = witness_history::judge(&history);
    Ok(Judgement { history, verdict })
}

/// Completions per operation and outcome.
fn tally(events: &[Event]) -> BTreeMap<(String, &'static str), usize> {
    let mut counts = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind != Type::Invoke) {
        let outcome = match e.kind {
            Type::Ok => "ok",
            Type::Fail => "fail",
            _ => "info",
        };
        *counts
            .entry((format!("{:?}", e.f).to_lowercase(), outcome))
            .or_default() += 1;
    }
    counts
}

/// What the run says about conditional writes: exercised, or apparently unsupported.
fn conditional_line(events: &[Event], counts: &BTreeMap<(String, &'static str), usize>) -> String {
    let count = |f: &str, o: &'static str| counts.get(&(f.to_string(), o)).copied().unwrap_or(0);
    let summary = format!(
        "create (If-None-Match: *) {} ok, {} failed 412, {} unknown; cas (If-Match) {} ok, {} failed 412, {} unknown",
        count("create", "ok"),
        count("create", "fail"),
        count("create", "info"),
        count("cas", "ok"),
        count("cas", "fail"),
        count("cas", "info"),
    );
    let conditional = |f: F| events.iter().any(|e| e.f == f && e.kind != Type::Invoke);
    let decided = ["create", "cas"]
        .iter()
        .map(|f| count(f, "ok") + count(f, "fail"))
        .sum::<usize>();
    if (conditional(F::Create) || conditional(F::Cas)) && decided == 0 {
        format!("{summary}\n  WARNING: no conditional PUT got an answer: this endpoint does not seem to support conditional writes")
    } else {
        summary
    }
}

/// Each judged property as the checker decided it.
fn property_lines(judgement: &Judgement) -> Vec<(&'static str, &'static str)> {
    judgement
        .verdict
        .properties
        .iter()
        .map(|p| {
            let status = match p.status {
                Status::Holds => "holds",
                Status::Violated => "VIOLATED",
                Status::OrderAmbiguous => {
                    "order ambiguous (the history does not fix the writes' order)"
                }
            };
            (p.property.name(), status)
        })
        .collect()
}

/// The probe's report: what ran, the verdict per property, and the smallest violating window.
pub fn render(run: &ProbeRun, config: &super::ProbeConfig, judgement: &Judgement) -> String {
    let counts = tally(&run.history);
    let mut out = String::new();
    let ops = run
        .history
        .iter()
        .filter(|e| e.kind == Type::Invoke)
        .count();
    let unknown: usize = counts
        .iter()
        .filter(|((_, o), _)| *o == "info")
        .map(|(_, n)| n)
        .sum();
    let _ = writeln!(
        out,
        "probe: {ops} operations by {} clients on {} keys under {} at {} in {:.1} s",
        config.clients,
        config.keys,
        run.prefix,
        run.endpoint,
        run.elapsed.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "  conditional writes: {}",
        conditional_line(&run.history, &counts)
    );
    let _ = writeln!(
        out,
        "  indeterminate (timeout, connection or server error): {unknown}"
    );
    if !run.faults.is_empty() {
        let _ = writeln!(out, "  faults injected by the server: {}", run.faults.len());
    }
    let _ = writeln!(out, "verdicts:");
    for (name, status) in property_lines(judgement) {
        let _ = writeln!(out, "  {name:<18} {status}");
    }
    if let Some(v) = judgement
        .read_after_write_violation()
        .or(judgement.verdict.violations.first())
    {
        let _ = writeln!(
            out,
            "smallest violating window on {} (history lines {}-{}):",
            v.key, v.lines[0], v.lines[1]
        );
        for step in &v.steps {
            let _ = writeln!(out, "  {step}");
        }
        let _ = writeln!(out, "{}", v.explanation);
        let more = judgement.verdict.violations.len() - 1;
        if more > 0 {
            let _ = writeln!(out, "({more} more key(s) violate linearizability)");
        }
    }
    out
}
