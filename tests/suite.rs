//! End-to-end tests of `witness suite` (and `witness` alone): rows, comparison with the expected
//! verdicts, JSON, exit codes. The full suite on the default configuration takes minutes, so
//! these use a tiny configuration and the row filters; tests/proof_reports.rs covers the default.

mod common;
use common::{args, run, DEFAULT_STRONG_ROW, RUN_FIELDS, TINY};

/// On the tiny configuration the witness-with-commit rows match the default configuration's
/// expected verdicts (every always-property holds, only the replica lags).
/// `--mutant none` leaves out the mutant rows, which share the default variant.
const MATCHING_ROWS: &[&str] = &[
    "--mode",
    "strong",
    "--variant",
    "witness-with-commit",
    "--mutant",
    "none",
];

#[test]
fn suite_prints_a_row_per_run_and_exits_0_when_all_match() {
    let r = run(&args(&args(&["suite"], TINY), MATCHING_ROWS));
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let rows: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("strong with-commit"))
        .collect();
    assert_eq!(rows.len(), 2, "{}", r.stdout);
    for row in rows {
        assert!(row.contains('✓') && row.contains("found"), "{row}");
        assert!(!row.contains('!'), "no mismatch expected: {row}");
    }
    assert!(r.stdout.contains("RAW"), "header: {}", r.stdout);
    assert!(r
        .stdout
        .contains("every verdict matches the expected one (2 runs"));
    assert!(r
        .stdout
        .contains("note: the expected verdicts are those of --config default"));
}

#[test]
fn witness_alone_runs_the_suite() {
    let r = run(&args(
        &args(TINY, MATCHING_ROWS),
        &["--variant", "repair-if-newer"],
    ));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with("witness suite on default"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("(1 runs"), "{}", r.stdout);
}

#[test]
fn mismatches_are_listed_and_exit_1() {
    // One client cannot read non-monotonically, which the default configuration's eventual rows
    // expect: the suite must say so rather than pass.
    let r = run(&args(
        &[
            "suite",
            "--mutant",
            "none",
            "--mode",
            "eventual",
            "--variant",
            "witness-with-commit",
            "--variant",
            "repair-if-newer",
        ],
        TINY,
    ));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("✓!"),
        "mismatched cell marked: {}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "eventual with-commit if-newer: monotonic-reads expected violated, got holds"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn suite_json_is_an_array_of_check_objects() {
    let r = run(&args(&args(&["suite", "--json"], TINY), MATCHING_ROWS));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let runs = v.as_array().expect("an array");
    assert_eq!(runs.len(), 2);
    for run in runs {
        for field in RUN_FIELDS.iter().chain(&["command", "mismatches"]) {
            assert!(run.get(field).is_some(), "missing {field}");
        }
        assert_eq!(run["mismatches"].as_array().unwrap().len(), 0);
        assert!(run["command"]
            .as_str()
            .unwrap()
            .starts_with("witness check --config default --clients 1 --ops 3 --mode strong"));
    }
}

#[test]
fn suite_stopped_early_exits_3() {
    let r = run(&args(&["suite", "--timeout", "0s"], DEFAULT_STRONG_ROW));
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("(stopped early)"), "{}", r.stdout);
    assert!(r.stdout.contains("1 run(s) stopped early"), "{}", r.stdout);
}
