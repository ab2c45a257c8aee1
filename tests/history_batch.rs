//! End-to-end tests of `witness history --timeout` and of many files in one run (`FILE...`,
//! `--list`): the verdict lines, the summary and the exit codes.

mod common;
use common::run;

const PORCUPINE: &str = "history/tests/data/porcupine";

fn porcupine(file: &str) -> String {
    format!("{PORCUPINE}/{file}")
}

// etcd_080 needs more configurations than the search explores before it first looks at the clock
// (4096), so `--timeout 0` stops it there on any machine: the outcome is certain.
const HARD: &str = "etcd_080.log";

#[test]
fn a_spent_budget_gives_unknown_and_exit_3() {
    let hard = porcupine(HARD);
    let r = run(&["history", &hard, "--timeout", "0"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("linearizable         unknown (the budget ran out before it was decided)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("1 of 1 key(s) undecided after 4,096 configurations explored"),
        "{}",
        r.stdout
    );
    let j = run(&["history", &hard, "--timeout", "0", "--json"]);
    assert_eq!(j.code, 3);
    let v = j.json();
    assert_eq!(v["properties"][0]["status"], "unknown");
    assert_eq!(v["per_key"][0]["linearizable"], serde_json::Value::Null);
    assert_eq!(v["per_key"][0]["explored"], 4096);
    assert_eq!(v["undecided"][0], "register");
    // Without a budget the same file is decided.
    let full = run(&["history", &hard]);
    assert_eq!(full.code, 0, "{}{}", full.stdout, full.stderr);
    assert!(full.stdout.contains("linearizable         holds"));
}

#[test]
fn a_violation_outranks_an_unknown() {
    // etcd_000 is found not linearizable within the spent budget: a found violation is certain.
    let r = run(&["history", &porcupine("etcd_000.log"), "--timeout", "0"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("linearizable         VIOLATED"));
    let many = run(&[
        "history",
        &porcupine(HARD),
        &porcupine("etcd_000.log"),
        "--timeout",
        "0",
    ]);
    assert_eq!(many.code, 1, "{}{}", many.stdout, many.stderr);
}

#[test]
fn several_files_give_one_line_each_and_a_summary() {
    let files = [porcupine("etcd_002.log"), porcupine("etcd_000.log")];
    let a1 = "docs/examples/a1-negative-cache-miss.json";
    let r = run(&["history", &files[0], &files[1], a1]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", r.stdout);
    assert_eq!(lines[0], format!("{}: linearizable", files[0]));
    assert_eq!(
        lines[1],
        format!("{}: NOT linearizable (A2 stale-overwrite)", files[1])
    );
    assert_eq!(
        lines[2],
        format!("{a1}: NOT linearizable (A1 negative-cache-miss)")
    );
    assert!(
        lines[3].starts_with(
            "3 file(s): 1 linearizable, 2 NOT linearizable, 0 unknown, 0 unreadable; "
        ),
        "{}",
        lines[3]
    );
    let clean = run(&["history", &files[0], &porcupine("etcd_005.log")]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    let unknown = run(&["history", &files[0], &porcupine(HARD), "--timeout", "0"]);
    assert_eq!(unknown.code, 3, "{}{}", unknown.stdout, unknown.stderr);
    assert!(unknown.stdout.contains(&format!(
        "{}: unknown (budget: 1 key(s) undecided after 4,096 configurations)",
        porcupine(HARD)
    )));
}

#[test]
fn a_list_names_the_files_and_unreadable_ones_give_exit_1_or_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.log");
    let garbage = dir.path().join("garbage.log");
    std::fs::write(&garbage, "not a history\n").expect("write");
    let list = dir.path().join("list.txt");
    let listed = format!(
        "{}\n\n{}\n{}\n",
        porcupine("etcd_002.log"),
        missing.display(),
        garbage.display()
    );
    std::fs::write(&list, listed).expect("write");
    let list = list.to_str().expect("utf-8 path");
    let r = run(&["history", &porcupine("etcd_000.log"), "--list", list]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", r.stdout);
    assert_eq!(
        lines[1],
        format!("{}: linearizable", porcupine("etcd_002.log"))
    );
    let missing = missing.display().to_string();
    assert!(
        lines[2].starts_with(&format!(
            "{missing}: unreadable: cannot read history {missing}"
        )),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with(&format!("{}: unreadable: line 1:", garbage.display())),
        "{}",
        lines[3]
    );
    assert!(lines[4].contains("1 NOT linearizable, 0 unknown, 2 unreadable"));

    // A file that cannot be read is a disk error (exit 1), as for one FILE; only a file that is
    // not a history is bad input (exit 2).
    let missing_only = run(&["history", &porcupine("etcd_002.log"), &missing]);
    assert_eq!(
        missing_only.code, 1,
        "{}{}",
        missing_only.stdout, missing_only.stderr
    );

    let json = run(&["history", "--list", list, "--json"]);
    assert_eq!(json.code, 2);
    let objects: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(objects.len(), 4, "{}", json.stdout);
    assert_eq!(objects[0]["verdict"], "linearizable");
    assert_eq!(objects[1]["verdict"], "unreadable");
    assert_eq!(objects[1]["file"], missing);
    assert_eq!(objects[3]["summary"]["unreadable"], 2);
}

#[test]
fn html_and_to_take_one_file() {
    let (a, b) = (porcupine("etcd_000.log"), porcupine("etcd_002.log"));
    for extra in [["--to", "jepsen-json"], ["--html", "/nonexistent/out.html"]] {
        let r = run(&["history", &a, &b, extra[0], extra[1]]);
        assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("give a single FILE"), "{}", r.stderr);
        assert!(r.stdout.is_empty());
    }
}
