//! Judging a probe run with the value-based checker (`witness-history`, the same one
//! `witness history FILE` uses) and saying what the verdicts mean in S3's terms.
//!
//! The recorder builds the checker's own `History`, and `--out` writes exactly that history, so
//! `witness history FILE` on the saved file gives the same verdict. Every property verdict is the
//! checker's; this file only chooses which violating window to print first (an instance of one of
//! the anomalies read-after-write's rule finds, A1–A3 in the catalogue, when there is one).

use super::{evidence, ProbeRun};
use std::collections::BTreeMap;
use std::fmt::Write;
use witness_history::{Command, History, HistoryReport, Outcome, Violation};
use witness_model::properties::PropertyId;

/// The checker's report on a probe run, with what the probe's output shows first.
#[derive(Clone, Debug)]
pub struct ProbeJudgement {
    pub report: HistoryReport,
}

impl ProbeJudgement {
    pub fn holds(&self) -> bool {
        self.report.holds()
    }

    /// The checker's HTML timeline of the history, with the violating windows marked.
    pub fn html(&self, history: &History, title: &str) -> String {
        witness_history::html::render(history, &self.report, title)
    }

    /// The shortest violating window that is a read-after-write anomaly (the one a reader of
    /// S3's guarantee wants to see first); the first of the shortest.
    pub fn read_after_write_violation(&self) -> Option<&Violation> {
        self.report
            .violations
            .iter()
            .filter(|v| {
                v.anomaly
                    .is_some_and(|a| a.judged_by() == PropertyId::ReadAfterWrite)
            })
            .min_by_key(|v| v.window.len())
    }
}

/// Judges the run's history.
pub fn judge(history: &History) -> ProbeJudgement {
    ProbeJudgement {
        report: witness_history::judge(history),
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

/// The violations not shown, counted per property in the verdict's order (each violation is one
/// key's window).
fn others_line(verdict: &HistoryReport, shown: &[&Violation]) -> Option<String> {
    let others: Vec<&Violation> = verdict
        .violations
        .iter()
        .filter(|v| !shown.iter().any(|s| std::ptr::eq(*s, *v)))
        .collect();
    if others.is_empty() {
        return None;
    }
    let each: Vec<String> = verdict
        .properties
        .iter()
        .filter_map(|p| {
            let n = others.iter().filter(|v| v.property == p.property).count();
            (n > 0).then(|| format!("{} on {n} key(s)", p.property))
        })
        .collect();
    Some(format!(
        "({} more violating window(s): {}; `witness history` on the saved history (--out) prints them all)",
        others.len(),
        each.join(", ")
    ))
}

/// The window shown for `property` (text and `--json` alike): for read-after-write, the first
/// shortest window that is one of its anomalies (see
/// [`ProbeJudgement::read_after_write_violation`]); otherwise, and failing that, the smallest.
pub fn shown_window(judgement: &ProbeJudgement, property: PropertyId) -> Option<&Violation> {
    let smallest = judgement
        .report
        .violations
        .iter()
        .filter(|v| v.property == property)
        .min_by_key(|v| v.window.len());
    match property {
        PropertyId::ReadAfterWrite => judgement.read_after_write_violation().or(smallest),
        _ => smallest,
    }
}

/// The window shown for each violated property, in the verdict's order.
fn shown(judgement: &ProbeJudgement) -> Vec<&Violation> {
    judgement
        .report
        .properties
        .iter()
        .filter_map(|p| shown_window(judgement, p.property))
        .collect()
}

/// When each step of a window ran (ms from the run's start) and how stale its answer was.
fn times_line(history: &History, v: &Violation) -> String {
    let evidence = evidence::of(history, v);
    let at = |t: Option<f64>| t.map_or("?".to_string(), |t| format!("{t:.1}"));
    let steps: Vec<String> = evidence
        .steps
        .iter()
        .map(|s| {
            let end = s
                .completed_ms
                .map_or("no answer".to_string(), |t| format!("{t:.1}"));
            format!("{}. {}–{end}", s.step, at(s.invoked_ms))
        })
        .collect();
    let stale = evidence
        .staleness_ms
        .map(|ms| format!("; the stale answer came at least {ms:.1} ms after the acknowledgement"))
        .unwrap_or_default();
    format!("  times (ms from the start): {}{stale}\n", steps.join(", "))
}

/// Operations per endpoint, and the nemesis's faults.
fn endpoints_and_faults(run: &ProbeRun, out: &mut String) {
    for endpoint in &run.endpoints {
        let ops: Vec<&Outcome> = run
            .history
            .operations
            .iter()
            .filter(|op| op.node.as_deref() == Some(endpoint.as_str()))
            .map(|op| &op.outcome)
            .collect();
        let unknown = ops.iter().filter(|o| ***o == Outcome::Info).count();
        let _ = writeln!(
            out,
            "  {endpoint}: {} operations, {unknown} indeterminate",
            ops.len()
        );
    }
    let faults = &run.history.nemesis;
    if !faults.is_empty() {
        let _ = writeln!(out, "  nemesis: {} fault(s)", faults.len());
    }
    let secs = |t: Option<u64>| t.map_or("?".to_string(), |t| format!("{:.1}", t as f64 / 1e9));
    for f in faults {
        let result = f.result.as_deref().unwrap_or("still running at the end");
        let _ = writeln!(
            out,
            "    {} s–{} s {}: {} → {result}",
            secs(f.start),
            secs(f.end),
            f.name,
            f.command
        );
    }
}

/// The probe's report: what ran, the verdict per property, and each violated property's smallest
/// window with its times and endpoints. `file_lines`: the history was saved, so the window's
/// lines in that file are worth showing.
pub fn render(
    run: &ProbeRun,
    config: &super::ProbeConfig,
    judgement: &ProbeJudgement,
    file_lines: bool,
) -> String {
    let counts = tally(&run.history);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "probe: {} operations by {} clients on {} keys under {} at {} in {:.1} s",
        run.history.operations.len(),
        config.clients,
        config.keys,
        run.prefix,
        run.endpoints.join(" and "),
        run.elapsed.as_secs_f64()
    );
    if run.endpoints.len() > 1 || !run.history.nemesis.is_empty() {
        endpoints_and_faults(run, &mut out);
    }
    let _ = writeln!(
        out,
        "  conditional writes: {}",
        conditional_line(&run.history, &counts)
    );
    let causes: Vec<String> = run
        .indeterminate
        .iter()
        .map(|(cause, n)| format!("{cause} {n}"))
        .collect();
    let unknown: usize = run.indeterminate.values().sum();
    let _ = writeln!(
        out,
        "  indeterminate (timeout, connection or server error): {unknown}{}",
        if causes.is_empty() {
            String::new()
        } else {
            format!(" ({})", causes.join(", "))
        }
    );
    if !run.faults.is_empty() {
        let _ = writeln!(out, "  faults injected by the server: {}", run.faults.len());
    }
    let _ = writeln!(out, "verdicts:");
    for p in &judgement.report.properties {
        let status = witness_history::text::status_word(p.status);
        let _ = writeln!(out, "  {:<18} {status}", p.property.name());
    }
    let shown = shown(judgement);
    for v in &shown {
        out += &witness_history::text::violation(v, file_lines);
        out += &times_line(&run.history, v);
    }
    for class in evidence::staleness_by_anomaly(&run.history, &judgement.report.violations) {
        let _ = writeln!(
            out,
            "staleness of {}: {} instance(s), up to {:.1} ms after the acknowledged write",
            class.anomaly, class.instances, class.max_ms
        );
    }
    if let Some(line) = others_line(&judgement.report, &shown) {
        let _ = writeln!(out, "{line}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use witness_history::{PropertyVerdict, Status};

    fn violation(property: PropertyId, key: &str) -> Violation {
        Violation {
            property,
            key: key.into(),
            window: vec![0],
            lines: [1, 1],
            steps: vec!["1. client 0 GET k → not found".into()],
            anomaly: None,
            explanation: String::new(),
            shown_by: None,
        }
    }

    fn verdict(violations: Vec<Violation>) -> HistoryReport {
        HistoryReport {
            keys: 2,
            operations: 2,
            properties: [
                PropertyId::Linearizable,
                PropertyId::ReadAfterWrite,
                PropertyId::MonotonicReads,
            ]
            .map(|property| PropertyVerdict {
                property,
                status: Status::Violated,
            })
            .to_vec(),
            per_key: Vec::new(),
            violations,
        }
    }

    #[test]
    fn the_windows_not_shown_are_counted_per_property_not_all_as_linearizability() {
        let v = verdict(vec![
            violation(PropertyId::Linearizable, "a"),
            violation(PropertyId::Linearizable, "b"),
            violation(PropertyId::ReadAfterWrite, "b"),
            violation(PropertyId::MonotonicReads, "c"),
        ]);
        assert_eq!(
            others_line(&v, &[&v.violations[0]]).as_deref(),
            Some("(3 more violating window(s): linearizable on 1 key(s), read-after-write on 1 key(s), monotonic-reads on 1 key(s); `witness history` on the saved history (--out) prints them all)")
        );
        let alone = verdict(vec![violation(PropertyId::Linearizable, "a")]);
        assert_eq!(others_line(&alone, &[&alone.violations[0]]), None);
        let both = [&v.violations[0], &v.violations[2]];
        assert_eq!(
            others_line(&v, &both).as_deref(),
            Some("(2 more violating window(s): linearizable on 1 key(s), monotonic-reads on 1 key(s); `witness history` on the saved history (--out) prints them all)")
        );
    }
}
