//! The proof reports checked into docs/proofs/ must still be what the code produces: same rows,
//! same state counts, same verdicts, same shortest-counterexample lengths (timings and the commit
//! are ignored). When the model changes on purpose, regenerate them:
//!
//!     witness report --out docs/proofs --force
//!
//! Re-running every row of the default configuration takes minutes, so by default this test
//! re-runs the cheapest rows only; `WITNESS_PROOFS=all cargo test --release --test proof_reports`
//! (or the ignored test `every_checked_in_run_still_reproduces`) re-runs all of them.

mod common;
use serde_json::Value;
use witness_model::properties::PropertyId;

const REPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/proofs/suite-default");

fn checked_in() -> (Value, String) {
    let json = std::fs::read_to_string(format!("{REPORT}.json"))
        .expect("docs/proofs/suite-default.json is checked in");
    let md = std::fs::read_to_string(format!("{REPORT}.md"))
        .expect("docs/proofs/suite-default.md is checked in");
    (serde_json::from_str(&json).expect("the report is JSON"), md)
}

fn runs(report: &Value) -> &Vec<Value> {
    report["runs"].as_array().expect("runs")
}

/// What must not change without regenerating: identity, counts, verdicts, trace lengths.
fn facts(run: &Value) -> Value {
    let properties: Vec<Value> = run["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            serde_json::json!({
                "name": p["name"],
                "verdict": p["verdict"],
                // The shortest path's length, not its wording: a trace's other lines (what is
                // left in flight, the finding) change with how steps are told, not with the model.
                "trace_steps": p["trace"].as_array().map_or(0, |lines| {
                    lines
                        .iter()
                        .filter(|l| l.as_str().is_some_and(|l| l.starts_with(|c: char| c.is_ascii_digit())))
                        .count()
                }),
            })
        })
        .collect();
    serde_json::json!({
        "mode": run["mode"],
        "variant": run["variant"],
        "mutant": run["mutant"],
        "config": run["config"],
        "complete": run["complete"],
        "unique_states": run["unique_states"],
        "total_states": run["total_states"],
        // Not max_depth: with several checker threads the BFS is not level by level, so the
        // deepest path it happens to record varies between runs.
        "properties": properties,
    })
}

fn rerun(run: &Value) -> Value {
    let command = run["command"].as_str().expect("a reproducing command");
    let argv: Vec<&str> = command
        .strip_prefix("witness ")
        .expect("the command starts with witness")
        .split(' ')
        .chain(["--json"])
        .collect();
    let out = common::run(&argv);
    assert!(
        out.code == 0 || out.code == 1,
        "{command} exited {}: {}",
        out.code,
        out.stderr
    );
    out.json()
}

fn assert_reproduces(selected: &[&Value]) {
    let mut stale = Vec::new();
    for run in selected {
        let now = rerun(run);
        if facts(&now) != facts(run) {
            stale.push(format!(
                "{}\n  checked in: {}\n  now:        {}",
                run["command"],
                facts(run),
                facts(&now)
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/proofs/suite-default.* no longer match the code; regenerate with \
         `witness report --out docs/proofs --force`:\n{}",
        stale.join("\n")
    );
}

#[test]
fn checked_in_report_is_complete_consistent_and_as_expected() {
    let (report, md) = checked_in();
    assert_eq!(report["configuration"], "default");
    assert_eq!(report["customized"], false);
    assert_eq!(report["complete"], true, "every run finished");
    assert_eq!(report["all_match"], true, "{}", report["mismatches"]);
    assert_eq!(report["versions"]["stateright"], "0.30.2");
    assert_eq!(
        report["command"],
        "witness report --out docs/proofs --config default"
    );
    // The Markdown twin tells the same runs.
    for run in runs(&report) {
        let command = run["command"].as_str().unwrap();
        assert!(
            md.contains(&format!("- Reproduce: `{command}`")),
            "{command}"
        );
        assert!(run["mismatches"].as_array().unwrap().is_empty());
        for p in run["properties"].as_array().unwrap() {
            let property = PropertyId::from_name(p["name"].as_str().unwrap()).unwrap();
            let group = serde_json::to_value(property.guarantee()).unwrap();
            assert_eq!(p["guarantee"], group, "{command}: {p}");
        }
    }
    // Each row in one line, by guarantee group, in the summary table and in the run's section.
    for (label, summary) in [
        ("strong with-commit if-newer", "every property holds"),
        (
            "strong after-commit if-newer",
            "S3 guarantees hold; monotonic-reads and linearizable violated",
        ),
        (
            "eventual with-commit if-newer",
            "S3 guarantees violated: read-after-write, list-after-write and read-your-writes; \
             monotonic-reads and linearizable violated",
        ),
    ] {
        let row = md
            .lines()
            .find(|l| l.starts_with(&format!("| {label} |")))
            .unwrap_or_else(|| panic!("no summary row for {label}"));
        assert!(row.ends_with(&format!(" | {summary} |")), "{row}");
        let section = md
            .split(&format!("\n### {label}\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("no section for {label}"));
        assert!(
            section.contains(&format!("\n- In short: {summary}\n")),
            "{label}"
        );
    }
    assert!(md.contains(
        "| run | RAW | LAW | RYW | CA | NLU | PJ | RCV | MR | LIN | RMO | WS | WA | A8 | A1 | A2 | A3 | A4 | A5 | A6 | A9 | RLD | RPR | FNC | QFO |"
    ));
    assert!(md.contains("| **S3's published guarantees** | | |\n| `read-after-write` |"));
}

/// The suite's rows now (every mode × variant × mutant, on the default configuration) are the
/// rows checked in. A zero timeout makes every row stop at once: only identities are compared.
#[test]
fn checked_in_report_has_every_current_suite_row() {
    let (report, _) = checked_in();
    let now = common::run(&["suite", "--timeout", "0s", "--threads", "1", "--json"]);
    assert!(now.code == 1 || now.code == 3, "{}", now.stderr);
    let identity = |run: &Value| {
        serde_json::json!([
            run["mode"],
            run["variant"],
            run["mutant"],
            run["config"],
            run["command"]
        ])
    };
    let current: Vec<Value> = now
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(identity)
        .collect();
    let recorded: Vec<Value> = runs(&report).iter().map(identity).collect();
    assert_eq!(
        recorded, current,
        "the suite's rows changed; regenerate with `witness report --out docs/proofs --force`"
    );
}

/// The cheapest rows (fewest states), re-run with their recorded commands.
#[test]
fn cheapest_checked_in_runs_still_reproduce() {
    let (report, _) = checked_in();
    let mut all: Vec<&Value> = runs(&report).iter().collect();
    if std::env::var("WITNESS_PROOFS").as_deref() != Ok("all") {
        all.sort_by_key(|r| r["unique_states"].as_u64());
        all.truncate(2);
    }
    assert_reproduces(&all);
}

#[test]
#[ignore = "re-runs the whole default-configuration suite (minutes)"]
fn every_checked_in_run_still_reproduces() {
    let (report, _) = checked_in();
    let all: Vec<&Value> = runs(&report).iter().collect();
    assert_reproduces(&all);
}
