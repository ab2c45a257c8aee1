//! External agreement: the verdict Porcupine's own test suite asserts for each of its Jepsen etcd
//! histories (tests/data/porcupine/verdicts.txt, read from porcupine_test.go) is the verdict
//! witness reaches.

use std::path::Path;
use std::time::Duration;
use witness_history::{judge, judge_within, parse, Budget, Command, Format, Outcome, Status};
use witness_model::properties::PropertyId;

fn data() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/porcupine"))
}

fn expected() -> Vec<(String, bool)> {
    let text = std::fs::read_to_string(data().join("verdicts.txt")).expect("verdicts.txt");
    text.lines()
        .map(|line| {
            let (file, verdict) = line.split_once(' ').expect("file verdict");
            (file.to_string(), verdict == "linearizable")
        })
        .collect()
}

#[test]
fn every_porcupine_verdict_is_reached() {
    let cases = expected();
    assert_eq!(cases.len(), 102);
    let mut disagreements = Vec::new();
    for (file, linearizable) in &cases {
        let reader = std::fs::File::open(data().join(file)).expect("fixture");
        let history = parse(reader, None).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(history.operations.len() >= 70, "{file} read as too short");
        let verdict = judge(&history);
        if verdict.holds() != *linearizable {
            disagreements.push(file.clone());
        }
    }
    assert!(
        disagreements.is_empty(),
        "verdict differs from Porcupine on {disagreements:?}"
    );
    assert_eq!(cases.iter().filter(|(_, l)| *l).count(), 23);
}

#[test]
fn the_empty_history_is_linearizable() {
    let reader = std::fs::File::open(data().join("etcd_095.log")).expect("fixture");
    let history = parse(reader, None).expect("empty log");
    assert_eq!(history.operations.len(), 0);
    assert!(judge(&history).holds());
}

#[test]
fn the_logs_are_detected_as_jepsen_logs() {
    let text = std::fs::read_to_string(data().join("etcd_000.log")).expect("fixture");
    assert_eq!(Format::detect(&text), Some(Format::JepsenLog));
}

#[test]
fn exporting_to_jepsen_json_keeps_every_operation_and_verdict() {
    for (file, linearizable) in expected().iter().step_by(7) {
        let text = std::fs::read_to_string(data().join(file)).expect("fixture");
        let history = parse(text.as_bytes(), None).expect("log");
        let mut json = Vec::new();
        witness_history::export::jepsen_json(&history, &mut json).expect("export");
        let back = parse(json.as_slice(), None).expect("exported JSON reads back");
        assert_eq!(back.operations.len(), history.operations.len(), "{file}");
        for (a, b) in history.operations.iter().zip(&back.operations) {
            assert_eq!(
                (&a.process, &a.command, &a.outcome, a.call, a.ret),
                (&b.process, &b.command, &b.outcome, b.call, b.ret),
                "{file}"
            );
        }
        assert_eq!(judge(&back).holds(), *linearizable, "{file}");
    }
}

/// Every violation window is closed under real-time overlap: an operation of the key left out is
/// entirely before the window's span (finished before its first completed member began) or
/// entirely after it (invoked after its last completed member returned), so the window's failure
/// does not depend on what happened outside it.
#[test]
fn violation_windows_are_closed_under_overlap() {
    let mut windows = 0;
    for (file, linearizable) in expected() {
        if linearizable {
            continue;
        }
        let text = std::fs::read_to_string(data().join(&file)).expect("fixture");
        let history = parse(text.as_bytes(), None).expect("log");
        // Windows of the weaker properties (`weak::window_of`) are not closed under overlap.
        let linearizability = judge(&history)
            .violations
            .into_iter()
            .filter(|v| v.property == witness_model::properties::PropertyId::Linearizable);
        for violation in linearizability {
            windows += 1;
            let ops = &history.operations;
            let spans: Vec<(usize, usize)> = violation
                .window
                .iter()
                .filter_map(|&i| ops[i].finished().map(|r| (ops[i].call, r)))
                .collect();
            let lo = spans.iter().map(|s| s.0).min().expect("a completed member");
            let hi = spans.iter().map(|s| s.1).max().expect("a completed member");
            for (i, op) in ops.iter().enumerate() {
                // Reads that failed or timed out and writes that failed constrain nothing.
                let inert = match (&op.command, &op.outcome) {
                    (Command::Read, outcome) => !matches!(outcome, Outcome::Ok(_)),
                    (Command::Write(_), Outcome::Fail) => true,
                    _ => false,
                };
                if inert || violation.window.contains(&i) {
                    continue;
                }
                let before = op.finished().is_some_and(|r| r < lo);
                let after = op.call > hi;
                assert!(
                    before || after,
                    "{file}: operation {i} overlaps the window {:?}",
                    violation.window
                );
            }
        }
    }
    assert_eq!(windows, 79);
}

#[test]
fn a_spent_budget_leaves_linearizability_unknown_not_guessed() {
    // etcd_080 needs more than the 4096 configurations the search explores before it first looks
    // at the clock, so a budget already spent stops it there, on any machine.
    let reader = std::fs::File::open(data().join("etcd_080.log")).expect("fixture");
    let history = parse(reader, None).expect("etcd_080");
    let spent = Budget::within(Duration::ZERO);
    let verdict = judge_within(&history, &spent);
    assert_eq!(
        verdict.status(PropertyId::Linearizable),
        Some(Status::Unknown)
    );
    assert!(verdict.holds(), "an unknown is not a violation");
    assert!(verdict.violations.is_empty());
    let undecided: Vec<_> = verdict.undecided().collect();
    assert_eq!(undecided.len(), 1);
    assert_eq!(undecided[0].linearizable, None);
    assert_eq!(undecided[0].explored, Some(4096));
    let full = judge(&history);
    assert_eq!(full.status(PropertyId::Linearizable), Some(Status::Holds));
    assert_eq!(full.undecided().count(), 0);
}

#[test]
fn a_violation_found_within_the_budget_stays_a_violation() {
    // etcd_000 is decided (not linearizable) before the search looks at the clock.
    let reader = std::fs::File::open(data().join("etcd_000.log")).expect("fixture");
    let history = parse(reader, None).expect("etcd_000");
    let verdict = judge_within(&history, &Budget::within(Duration::ZERO));
    assert_eq!(
        verdict.status(PropertyId::Linearizable),
        Some(Status::Violated)
    );
    assert_eq!(verdict, judge(&history));
}
