//! Golden counterexamples: the full numbered trace of every violated or found property of every
//! row of `witness suite` on the default configuration, pinned in tests/golden/suite-default-traces.txt.
//! Other tests pin verdicts, state counts and trace lengths; this one pins the steps themselves, so
//! a change that finds a different shortest counterexample, or words a step differently, shows up
//! here as a diff.
//!
//! After an intended change, regenerate the file with one command and review its diff:
//!
//!     scripts/bless-golden
//!     # the same as: WITNESS_BLESS=1 cargo test --release -p witness --test golden
//!
//! The default suite takes a few seconds in release. The traces do not depend on the number of
//! checker threads: every shortest counterexample is re-derived after the search.

mod common;
use serde_json::Value;

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/suite-default-traces.txt"
);
const BLESS: &str =
    "scripts/bless-golden (or WITNESS_BLESS=1 cargo test --release -p witness --test golden)";

const HEADER: &str = "\
# The shortest counterexample (or example) of every violated or found property of every row of
# `witness suite --config default`: the row's reproducing command, then each property with its
# numbered trace. Written by tests/golden.rs; do not edit by hand.
# Regenerate after an intended change: scripts/bless-golden
";

/// The golden text for the runs of `witness suite --json`.
fn render(runs: &[Value]) -> String {
    let mut out = String::from(HEADER);
    for run in runs {
        let command = run["command"]
            .as_str()
            .expect("every suite row has a command");
        out.push_str(&format!("\n== {command}\n"));
        for property in run["properties"].as_array().expect("properties") {
            let verdict = property["verdict"].as_str().expect("a verdict");
            if verdict != "violated" && verdict != "found" {
                continue;
            }
            let name = property["name"].as_str().expect("a property name");
            out.push_str(&format!("-- {name}: {verdict}\n"));
            for line in property["trace"].as_array().expect("a trace") {
                out.push_str(line.as_str().expect("trace lines are strings"));
                out.push('\n');
            }
        }
    }
    out
}

/// Where `actual` first departs from `expected`: the row and property it is in, and a few lines of
/// each side around it. `None` when they are equal.
fn first_difference(expected: &str, actual: &str) -> Option<String> {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let at = (0..e.len().max(a.len())).find(|&i| e.get(i) != a.get(i))?;
    let above = |prefix: &str| {
        e[..at.min(e.len())]
            .iter()
            .rev()
            .find(|l| l.starts_with(prefix))
            .map_or("(none)", |l| l.trim_start_matches(prefix))
    };
    let side = |lines: &[&str]| {
        let from = at.saturating_sub(2);
        let mut shown: Vec<String> = (from..(at + 6).min(lines.len()))
            .map(|i| {
                format!(
                    "{} {:>5} | {}",
                    if i == at { '>' } else { ' ' },
                    i + 1,
                    lines[i]
                )
            })
            .collect();
        if at >= lines.len() {
            shown.push(format!("> {:>5} | (end of file)", at + 1));
        }
        shown.join("\n")
    };
    Some(format!(
        "first difference at line {} ({} lines checked in, {} now)\n  row:      {}\n  property: {}\n\
         checked in:\n{}\nnow:\n{}",
        at + 1,
        e.len(),
        a.len(),
        above("== "),
        above("-- "),
        side(&e),
        side(&a),
    ))
}

fn blessing() -> bool {
    std::env::var("WITNESS_BLESS").is_ok_and(|v| !v.is_empty() && v != "0")
}

#[test]
fn default_suite_counterexamples_match_the_golden_file() {
    let out = common::run(&["suite", "--config", "default", "--json"]);
    assert!(
        out.code == 0 || out.code == 1,
        "witness suite exited {}: {}",
        out.code,
        out.stderr
    );
    let json = out.json();
    let runs = json
        .as_array()
        .expect("suite --json prints an array of runs");
    assert!(runs.len() > 1, "the suite ran {} rows", runs.len());
    let actual = render(runs);
    assert!(
        actual.contains("\n1. "),
        "no numbered trace at all:\n{actual}"
    );
    if blessing() {
        std::fs::write(GOLDEN, &actual).expect("writing the golden file");
        eprintln!("wrote {GOLDEN}; review it with `git diff tests/golden`");
        return;
    }
    let expected = std::fs::read_to_string(GOLDEN)
        .unwrap_or_else(|e| panic!("cannot read {GOLDEN} ({e}); create it with {BLESS}"));
    if let Some(diff) = first_difference(&expected, &actual) {
        panic!(
            "the default suite's counterexamples differ from tests/golden/suite-default-traces.txt.\n\
             {diff}\n\nIf the change is intended, regenerate the file with {BLESS} and review \
             `git diff tests/golden`."
        );
    }
}

#[test]
fn the_first_difference_names_its_row_and_property() {
    let golden =
        "# header\n\n== witness check --mode strong\n-- linearizable: violated\n1. a\n2. b\n⇒ c\n";
    assert_eq!(first_difference(golden, golden), None);
    let diff = first_difference(golden, &golden.replace("2. b", "2. B")).expect("a difference");
    assert!(
        diff.starts_with("first difference at line 6 (7 lines checked in, 7 now)"),
        "{diff}"
    );
    assert!(
        diff.contains("row:      witness check --mode strong"),
        "{diff}"
    );
    assert!(diff.contains("property: linearizable: violated"), "{diff}");
    assert!(
        diff.contains(">     6 | 2. b") && diff.contains(">     6 | 2. B"),
        "{diff}"
    );
    let shorter = first_difference(golden, "# header\n").expect("a difference");
    assert!(shorter.contains(">     2 | (end of file)"), "{shorter}");
}
