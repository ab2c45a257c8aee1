//! End-to-end tests of `witness suite` (and `witness` alone): rows, comparison with the expected
//! verdicts, JSON, exit codes. The full suite on the default configuration takes minutes, so
//! these use a tiny configuration and the row filters; tests/proof_reports.rs covers the default.

mod common;
use common::{args, run, DEFAULT_STRONG_ROW, RUN_FIELDS, TINY};
use witness_model::properties::PropertyId;

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
    // The columns grouped by guarantee, S3's first, under a line naming the groups.
    assert!(
        r.stdout
            .contains("│ S3 guarantees                             │ stronger    │ protocol          │ anomalies "),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("│ RAW   LAW   RYW   CA    NLU   PJ    RCV   │ MR    LIN   │ RMO   WS    WA    │ A8    A1 "),
        "{}",
        r.stdout
    );
    // Each row in one line after the table, labels padded to one width.
    for label in [
        "strong with-commit unconditional",
        "strong with-commit if-newer",
    ] {
        let summary = r
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("  {label} ")))
            .unwrap_or_else(|| panic!("no summary line for {label}:\n{}", r.stdout));
        assert_eq!(summary.trim_start(), "every property holds");
    }
    assert!(r
        .stdout
        .contains("every verdict matches the expected one (2 runs"));
    assert!(r
        .stdout
        .contains("note: the expected verdicts are those of --config default"));
}

/// The row a reviewer asks about first reads as what it is: S3's promises kept, only the stronger
/// properties refuted (the default configuration: one client cannot refute them).
#[test]
fn after_commit_row_reads_as_keeping_s3_guarantees() {
    let r = run(&[
        "suite",
        "--mode",
        "strong",
        "--variant",
        "witness-after-commit",
        "--variant",
        "repair-if-newer",
        "--mutant",
        "none",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let row = r
        .stdout
        .lines()
        .find(|l| l.starts_with("strong after-commit if-newer") && l.contains('│'))
        .unwrap_or_else(|| panic!("no row:\n{}", r.stdout));
    let groups: Vec<&str> = row.split('│').map(str::trim).collect();
    assert_eq!(groups[1], "✓     ✓     ✓     ✓     ✓     ✓     ✓", "{row}");
    assert_eq!(groups[2], "✗12   ✗12", "{row}");
    assert!(
        r.stdout.contains(
            "\n  strong after-commit if-newer  S3 guarantees hold; monotonic-reads and \
             linearizable violated\n"
        ),
        "{}",
        r.stdout
    );
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
        for p in run["properties"].as_array().unwrap() {
            let name = p["name"].as_str().unwrap();
            let property = PropertyId::from_name(name).unwrap();
            let group = serde_json::to_value(property.guarantee()).unwrap();
            assert_eq!(p["guarantee"], group, "{p}");
        }
        let raw = &run["properties"][0];
        assert_eq!(raw["name"], "read-after-write");
        assert_eq!(raw["guarantee"], "s3");
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
