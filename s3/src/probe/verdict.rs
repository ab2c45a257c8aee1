//! Judging a probe run with the value-based checker (`witness-history`, the same one
//! `witness history FILE` uses) and saying what the verdicts mean in S3's terms.
//!
//! The recorder builds the checker's own `History`, and `--out` writes exactly that history, so
//! `witness history FILE` on the saved file gives the same verdict. Every property verdict is the
//! checker's; this file only chooses which violating window to print first (one of
//! read-after-write's anomalies, A1–A3, when there is one).

use super::ProbeRun;
use std::collections::BTreeMap;
use std::fmt::Write;
use witness_history::{Command, History, Outcome, Status, Verdict, Violation};
use witness_model::properties::PropertyId;

/// The anomalies that are read-after-write violations: their windows are shown first.
const READ_AFTER_WRITE_ANOMALIES: [PropertyId; 3] = [
    PropertyId::NegativeCacheMiss,
    PropertyId::StaleOverwrite,
    PropertyId::ReadAfterDelete,
];

#[derive(Clone, Debug)]
pub struct Judgement {
    pub verdict: Verdict,
}

impl Judgement {
    pub fn holds(&self) -> bool {
        self.verdict.holds()
    }

    /// The checker's HTML timeline of the history, with the violating windows marked.
    pub fn html(&self, history: &History, title: &str) -> String {
        witness_history::html::render(history, &self.verdict, title)
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

/// Judges the run's history.
pub fn judge(history: &History) -> Judgement {
    Judgement {
        verdict: witness_history::judge(history),
    }
}

/// Completions per operation (contract C1's `f`) and outcome.
fn tally(history: &History) -> BTreeMap<(&'static str, &'static str), usize> {
    let mut counts = BTreeMap::new();
    for op in history.operations.iter().filter(|op| op.ret.is_some()) {
        let outcome = match op.outcome {
            Outcome::Ok(_) => "ok",
            Outcome::Fail => "fail",
            Outcome::Info => "info",
        };
        *counts.entry((op.command.name(), outcome)).or_default() += 1;
    }
    counts
}

/// What the run says about conditional writes: exercised, or apparently unsupported.
fn conditional_line(history: &History, counts: &BTreeMap<(&str, &str), usize>) -> String {
    let count = |f: &str, o: &str| counts.get(&(f, o)).copied().unwrap_or(0);
    let summary = format!(
        "create (If-None-Match: *) {} ok, {} failed 412, {} unknown; cas (If-Match) {} ok, {} failed 412, {} unknown",
        count("create", "ok"),
        count("create", "fail"),
        count("create", "info"),
        count("cas", "ok"),
        count("cas", "fail"),
        count("cas", "info"),
    );
    let conditional = history.operations.iter().any(|op| {
        op.ret.is_some() && matches!(op.command, Command::Cas { .. } | Command::Create(_))
    });
    let decided = ["create", "cas"]
        .iter()
        .map(|f| count(f, "ok") + count(f, "fail"))
        .sum::<usize>();
    if conditional && decided == 0 {
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
    let ops = run.history.operations.len();
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
