//! End-to-end tests of `witness check`: verdict lines, traces, JSON, and every exit code.

mod common;
use common::{args, run, RUN_FIELDS, TINY};

const ALWAYS: &[&str] = &[
    "read-after-write",
    "list-after-write",
    "read-your-writes",
    "monotonic-reads",
    "linearizable",
    "conditional-atomic",
    "no-lost-update",
    "precondition-justified",
    "replica-monotonic",
    "replica-converges",
    "witness-safety",
    "witness-answer",
];
const ANOMALIES: &[&str] = &[
    "replica-lag",
    "negative-cache-miss",
    "stale-overwrite",
    "read-after-delete",
    "list-omits-put",
    "list-shows-deleted",
    "non-monotonic-read",
    "spurious-precondition-failure",
];
const COVERAGE: &[&str] = &[
    "reload-reached",
    "repair-reached",
    "fence-drops-relearn",
    "query-after-failover",
];
/// The groups `witness check` shows the verdicts in, each under its title: what S3 publishes
/// first, then what is stronger, the protocol's own invariants and the anomalies.
const GROUPED: &[(&str, &[&str])] = &[
    (
        "S3's published guarantees",
        &[
            "read-after-write",
            "list-after-write",
            "read-your-writes",
            "conditional-atomic",
            "no-lost-update",
            "precondition-justified",
            "replica-converges",
        ],
    ),
    (
        "stronger than S3 promises",
        &["monotonic-reads", "linearizable"],
    ),
    (
        "the protocol's own invariants",
        &["replica-monotonic", "witness-safety", "witness-answer"],
    ),
    ("anomalies (reachable or not)", ANOMALIES),
    ("coverage: protocol paths the search reached", COVERAGE),
];

/// The verdict lines of `witness check`'s output, under the group title each sits under.
fn verdict_groups(stdout: &str) -> Vec<(&str, Vec<&str>)> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in stdout.lines() {
        let title = line.strip_suffix(':');
        if let Some(title) = title.filter(|t| GROUPED.iter().any(|(g, _)| g == t)) {
            groups.push((title, Vec::new()));
            continue;
        }
        let first_word = line.strip_prefix("  ").and_then(|l| l.split(' ').next());
        if let (Some(name), Some((_, members))) = (first_word, groups.last_mut()) {
            if [ALWAYS, ANOMALIES, COVERAGE]
                .iter()
                .any(|names| names.contains(&name))
            {
                members.push(name);
            }
        }
    }
    groups
}

fn assert_grouped(stdout: &str) {
    let expected: Vec<(&str, Vec<&str>)> = GROUPED.iter().map(|(g, m)| (*g, m.to_vec())).collect();
    assert_eq!(verdict_groups(stdout), expected, "{stdout}");
}

#[test]
fn strong_default_variant_holds_and_exits_0() {
    let r = run(&args(&["check", "--mode", "strong"], TINY));
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    for name in ALWAYS {
        let line = r
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no line for {name}:\n{}", r.stdout));
        assert!(line.contains("holds (exhaustive, "), "{line}");
    }
    assert!(r.stdout.contains("replica-lag"), "{}", r.stdout);
    assert!(r
        .stdout
        .contains("reproduce: witness check --config default --clients 1 --ops 3 --mode strong"));
    assert!(r.stdout.contains(", complete"), "{}", r.stdout);
    assert!(
        r.stdout.contains("\nsummary: every property holds\n"),
        "{}",
        r.stdout
    );
    assert_grouped(&r.stdout);
}

/// The order a separate witness would use keeps every guarantee S3 publishes; it fails only what
/// AWS does not promise.
#[test]
fn after_commit_keeps_s3_guarantees_and_fails_only_stronger_ones() {
    let r = run(&[
        "check",
        "--mode",
        "strong",
        "--variant",
        "witness-after-commit",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("\nsummary: S3 guarantees hold; monotonic-reads and linearizable violated\n"),
        "{}",
        r.stdout
    );
    assert_grouped(&r.stdout);
    // The counterexamples follow the same order: monotonic-reads's before linearizable's.
    let first = |needle: &str| r.stdout.find(needle).unwrap_or(usize::MAX);
    assert!(
        first("monotonic-reads violated, shortest path")
            < first("linearizable violated, shortest path"),
        "{}",
        r.stdout
    );
}

#[test]
fn json_is_one_object_with_the_documented_fields() {
    let r = run(&args(&["check", "--mode", "strong", "--json"], TINY));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    for field in RUN_FIELDS {
        assert!(v.get(field).is_some(), "missing {field} in {v}");
    }
    assert_eq!(v["mode"], "strong");
    assert_eq!(v["variant"], "witness-service+repair-if-newer");
    assert!(v["mutant"].is_null());
    assert_eq!(v["complete"], true);
    assert_eq!(v["config"]["clients"], 1);
    assert_eq!(v["config"]["ops_per_client"], 3);
    assert!(v["unique_states"].as_u64().unwrap() > 1000);
    assert!(v["total_states"].as_u64() >= v["unique_states"].as_u64());
    // The omission bound of the states the run stored: n(n-1)/2^129 for 128-bit fingerprints.
    assert_storage(&v, 128);
    assert!(
        r.stdout.is_empty() || !r.stdout.contains("stored: nothing"),
        "{}",
        r.stdout
    );
    let props = v["properties"].as_array().unwrap();
    let names: Vec<&str> = props.iter().map(|p| p["name"].as_str().unwrap()).collect();
    let expected: Vec<&str> = ALWAYS
        .iter()
        .chain(ANOMALIES)
        .chain(COVERAGE)
        .copied()
        .collect();
    assert_eq!(names, expected);
    for p in props {
        let expectation = p["expectation"].as_str().unwrap();
        let verdict = p["verdict"].as_str().unwrap();
        match expectation {
            "always" => assert_eq!(verdict, "holds", "{p}"),
            "sometimes" => assert!(["found", "not-found"].contains(&verdict), "{p}"),
            other => panic!("expectation {other}"),
        }
        let trace = p["trace"].as_array().unwrap();
        assert_eq!(trace.is_empty(), verdict != "found", "{p}");
        let name = p["name"].as_str().unwrap();
        let group = GROUPED
            .iter()
            .zip(["s3", "stronger", "protocol", "anomaly", "coverage"])
            .find(|((_, members), _)| members.contains(&name))
            .map(|(_, json)| json)
            .unwrap_or_else(|| panic!("{name} in no group"));
        assert_eq!(p["guarantee"], group, "{p}");
    }
}

/// The run stored `bits`-bit fingerprints, with the birthday bound n(n−1)/2^(bits+1).
fn assert_storage(v: &serde_json::Value, bits: i32) {
    assert_eq!(v["storage"]["fingerprint_bits"], bits, "{v}");
    let n = v["unique_states"].as_f64().unwrap();
    let omission = v["storage"]["omission_probability"].as_f64().unwrap();
    assert!(
        (omission - n * (n - 1.0) / 2f64.powi(bits + 1)).abs() <= omission * 1e-9,
        "{v}"
    );
}

#[test]
fn sixty_four_bit_fingerprints_are_asked_for_and_reported_as_such() {
    let wide = run(&args(&["check", "--mode", "strong", "--json"], TINY));
    let argv = ["check", "--mode", "strong", "--fingerprint-bits", "64"];
    let narrow = run(&args(&[&argv[..], &["--json"]].concat(), TINY));
    assert_eq!(narrow.code, 0, "{}", narrow.stderr);
    let (wide, narrow_json) = (wide.json(), narrow.json());
    assert_storage(&narrow_json, 64);
    // The width changes what is risked, not what is explored.
    assert_eq!(narrow_json["unique_states"], wide["unique_states"]);
    assert_eq!(narrow_json["total_states"], wide["total_states"]);
    let text = run(&args(&argv, TINY));
    assert!(
        text.stdout
            .contains("\nstored: 64-bit fingerprints; omission probability ≤ ")
            && text.stdout.contains("(n(n−1)/2^65)\n"),
        "{}",
        text.stdout
    );
    // The reproducing command keeps the width; DFS stores stateright's 64 bits.
    assert!(
        text.stdout.contains("--fingerprint-bits 64\n"),
        "{}",
        text.stdout
    );
    let dfs = run(&args(
        &["check", "--mode", "strong", "--strategy", "dfs", "--json"],
        TINY,
    ));
    assert_storage(&dfs.json(), 64);
}

#[test]
fn a_mutant_is_caught_with_a_numbered_shortest_trace_and_exits_1() {
    let r = run(&args(
        &["check", "--mutant", "skip-witness-on-miss", "--json"],
        TINY,
    ));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["mutant"], "skip-witness-on-miss");
    let raw = v["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "read-after-write")
        .unwrap();
    assert_eq!(raw["verdict"], "violated");
    let trace: Vec<&str> = raw["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let (last, steps) = trace.split_last().unwrap();
    assert!(last.starts_with("⇒ read-after-write"), "{last}");
    for (i, step) in steps.iter().enumerate() {
        assert!(step.starts_with(&format!("{}. ", i + 1)), "{step}");
    }
    assert!(
        steps.iter().any(|s| s.contains("GET k0")),
        "trace in the system's words: {trace:?}"
    );

    let human = run(&args(&["check", "--mutant", "skip-witness-on-miss"], TINY));
    assert_eq!(human.code, 1);
    assert!(human.stdout.contains("VIOLATED ("), "{}", human.stdout);
    assert!(
        human
            .stdout
            .contains("read-after-write violated, shortest path"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("  1. client 1 "), "{}", human.stdout);
}

#[test]
fn eventual_mode_finds_anomalies_and_exits_1() {
    let r = run(&args(&["check", "--mode", "eventual"], TINY));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let line = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("stale-overwrite"))
        .unwrap();
    assert!(line.contains("found ("), "{line}");
    assert!(r
        .stdout
        .contains("negative-cache-miss found, shortest path"));
    assert!(
        r.stdout.contains(
            "\nsummary: S3 guarantees violated: read-after-write, list-after-write and \
             read-your-writes; linearizable violated\n"
        ),
        "{}",
        r.stdout
    );
    assert_grouped(&r.stdout);
}

#[test]
fn variants_are_named_per_axis() {
    let r = run(&args(
        &[
            "check",
            "--mode",
            "strong",
            "--variant",
            "witness-after-commit",
            "--variant",
            "repair-unconditional",
            "--json",
        ],
        TINY,
    ));
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert_eq!(
        r.json()["variant"],
        "witness-after-commit+repair-unconditional"
    );
}

#[test]
fn a_timeout_stops_early_with_unknown_verdicts_and_exits_3() {
    let r = run(&[
        "check",
        "--mode",
        "strong",
        "--timeout",
        "0s",
        "--threads",
        "1",
    ]);
    assert_eq!(r.code, 3, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("unknown (stopped early)"), "{}", r.stdout);
    assert!(r.stdout.contains("STOPPED EARLY (timeout)"), "{}", r.stdout);
    let j = run(&["check", "--mode", "strong", "--timeout", "0s", "--json"]);
    assert_eq!(j.code, 3);
    let v = j.json();
    assert_eq!(v["complete"], false);
    assert_eq!(v["stopped_by"]["reason"], "timeout");
    assert!(v["properties"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["verdict"] == "unknown"));
}

#[test]
fn a_bfs_over_its_memory_budget_stops_early_and_says_why() {
    let r = run(&["check", "--mode", "strong", "--max-memory", "2M"]);
    assert_eq!(r.code, 3, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("STOPPED EARLY (out of memory: the search held"),
        "{}",
        r.stdout
    );
    let j = run(&["check", "--mode", "strong", "--max-memory", "2M", "--json"]);
    assert_eq!(j.json()["stopped_by"]["reason"], "memory");
    for (size, message) in [
        ("lots", "not a size"),
        ("1.5G", "not a whole number"),
        ("0", "more than 0"),
        ("99999999999T", "out of range"),
    ] {
        let bad = run(&["check", "--max-memory", size]);
        assert_eq!(bad.code, 2, "{size}");
        assert!(bad.stderr.contains(message), "{size}: {}", bad.stderr);
        bad.assert_no_panic();
    }
}

#[test]
fn other_strategies_run() {
    let dfs = run(&args(
        &[
            "check",
            "--mode",
            "strong",
            "--strategy",
            "dfs",
            "--no-symmetry",
        ],
        TINY,
    ));
    assert_eq!(dfs.code, 0, "{}{}", dfs.stdout, dfs.stderr);
    // Simulation samples paths until its timeout: never complete, so exit 3 when nothing failed.
    let sim = run(&args(
        &[
            "check",
            "--mode",
            "strong",
            "--strategy",
            "simulation",
            "--timeout",
            "1s",
        ],
        TINY,
    ));
    assert_eq!(sim.code, 3, "{}{}", sim.stdout, sim.stderr);
    sim.assert_no_panic();
    let endless = run(&args(&["check", "--strategy", "simulation"], TINY));
    assert_eq!(endless.code, 2, "{}{}", endless.stdout, endless.stderr);
    assert!(endless.stderr.contains("--timeout"), "{}", endless.stderr);
}

#[test]
fn check_without_a_mode_proves_strong_then_shows_the_eventual_anomalies() {
    let r = run(&["check", "--config", "small", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let runs = r.json();
    let runs = runs.as_array().expect("one object per mode");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["mode"], "strong");
    assert_eq!(runs[1]["mode"], "eventual");
    for p in runs[1]["properties"].as_array().unwrap() {
        // Eventual mode shows every anomaly of a read and never asks the witness, so it covers
        // no path; `small` has no conditional write, so no spurious 412.
        match p["guarantee"].as_str() {
            Some("anomaly") if p["name"] == "spurious-precondition-failure" => {
                assert_eq!(p["verdict"], "not-found", "{p}")
            }
            Some("anomaly") => assert_eq!(p["verdict"], "found", "{p}"),
            Some("coverage") => assert_eq!(p["verdict"], "not-found", "{p}"),
            _ => {}
        }
    }
    // A configuration too small to show the anomalies fails the demonstration.
    let tiny = run(&args(&["check"], TINY));
    assert_eq!(tiny.code, 1, "{}{}", tiny.stdout, tiny.stderr);
    assert!(
        tiny.stderr.contains("did not show the anomalies"),
        "{}",
        tiny.stderr
    );
}

/// The main job does not fail on a named configuration for what it cannot reach: `large` gives
/// each client one operation, so no client reads twice; the output says so under the verdicts.
#[test]
fn the_main_job_passes_on_large_and_names_what_it_cannot_reach() {
    let r = run(&["check", "--config", "large"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout
            .matches("not reachable on this configuration")
            .count(),
        2,
        "one block per mode: {}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "read-your-writes, monotonic-reads, non-monotonic-read: each needs one client"
        ),
        "{}",
        r.stdout
    );
    // The default configuration reaches everything but conditional writes, which its mix
    // lacks: one line, in each mode's block, says so.
    let default = run(&["check"]);
    assert_eq!(default.code, 0, "{}", default.stderr);
    let unreached: Vec<&str> = default
        .stdout
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains(": ") && l.contains("conditional-atomic"))
        .collect();
    assert_eq!(
        unreached,
        ["  conditional-atomic, no-lost-update, precondition-justified, spurious-precondition-failure: the operation mix has no conditional write (put-if, delete-if)"; 2],
        "{}",
        default.stdout
    );
}

#[test]
fn a_far_too_large_configuration_warns_before_starting() {
    let r = run(&[
        "check",
        "--mode",
        "strong",
        "--clients",
        "5",
        "--ops",
        "3",
        "--timeout",
        "0s",
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let first = r.stderr.lines().next().unwrap_or_default();
    assert!(first.starts_with("warning: "), "{}", r.stderr);
    assert!(first.contains("may take long"), "{first}");
    let large = run(&[
        "check",
        "--mode",
        "strong",
        "--config",
        "large",
        "--timeout",
        "0s",
    ]);
    assert!(!large.stderr.contains("warning"), "{}", large.stderr);
    let fine = run(&args(&["check", "--mode", "strong"], TINY));
    assert!(!fine.stderr.contains("warning"), "{}", fine.stderr);
}

/// A file that cannot be written is not a bad flag: exit 1, one line naming the path.
#[test]
fn disk_errors_name_the_path_and_exit_1() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let under_a_file = file.path().join("reports");
    let under_a_file = under_a_file.to_str().unwrap();
    let missing = file.path().join("missing.jsonl");
    let missing = missing.to_str().unwrap();
    let cases: &[(&[&str], String)] = &[
        (
            &["report", "--out", under_a_file],
            format!("error: cannot create --out {under_a_file}: "),
        ),
        (
            &["history", missing],
            format!("error: cannot read history {missing}: "),
        ),
    ];
    for (argv, start) in cases {
        let r = run(argv);
        assert_eq!(r.code, 1, "{argv:?}: {}", r.stderr);
        r.assert_no_panic();
        assert!(
            r.stderr.starts_with(start.as_str()),
            "{argv:?}: {}",
            r.stderr
        );
        assert_eq!(r.stderr.lines().count(), 1, "{argv:?}: {}", r.stderr);
    }
}

/// Our own validation: one line, naming the problem, exit 2.
#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["check", "--clients", "0"], "clients must be at least 1"),
        (
            &["check", "--cache-nodes", "0"],
            "cache nodes must be at least 1",
        ),
        (&["check", "--ops", "0"], "operations per client"),
        (&["check", "--keys", "9"], "keys must be at most"),
        (
            &["check", "--clients", "5", "--ops", "200"],
            "sequence type",
        ),
        (&["check", "--threads", "0"], "--threads must be at least 1"),
        (
            &["check", "--strategy", "dfs", "--max-memory", "1G"],
            "--max-memory bounds the BFS",
        ),
        (&["suite", "--threads", "0"], "--threads must be at least 1"),
        (
            &["check", "--strategy", "dfs", "--fingerprint-bits", "128"],
            "stateright's DFS stores 64-bit fingerprints",
        ),
        (
            &[
                "check",
                "--strategy",
                "simulation",
                "--timeout",
                "1s",
                "--fingerprint-bits",
                "64",
            ],
            "a simulation stores no states",
        ),
        (
            &[
                "check",
                "--mode",
                "eventual",
                "--mutant",
                "skip-witness-on-miss",
            ],
            "--mode strong",
        ),
        (&["check", "--op-mix", ""], ""),
        (
            &[
                "suite",
                "--mode",
                "eventual",
                "--mutant",
                "skip-witness-on-miss",
            ],
            "no suite row",
        ),
        (&["explore", "--addr", "not-an-address"], "invalid --addr"),
        (&["explore", "--clients", "0"], "clients must be at least 1"),
    ];
    for (argv, needle) in cases {
        let r = run(argv);
        assert_eq!(
            r.code, 2,
            "{argv:?}: stdout {} stderr {}",
            r.stdout, r.stderr
        );
        r.assert_no_panic();
        assert!(
            r.stdout.is_empty(),
            "{argv:?} printed to stdout: {}",
            r.stdout
        );
        assert!(r.stderr.starts_with("error: "), "{argv:?}: {}", r.stderr);
        if !needle.is_empty() {
            assert_eq!(r.stderr.lines().count(), 1, "{argv:?}: {}", r.stderr);
            assert!(r.stderr.contains(needle), "{argv:?}: {}", r.stderr);
        }
    }
}

/// clap's own usage errors: they name the argument and list what is accepted; also exit 2.
#[test]
fn unknown_names_exit_2_and_list_the_choices() {
    let cases: &[(&[&str], &str)] = &[
        (&["check", "--mode", "bogus"], "eventual, strong"),
        (&["check", "--variant", "nope"], "witness-after-commit"),
        (&["check", "--mutant", "nope"], "skip-witness-on-miss"),
        (&["check", "--strategy", "sideways"], "simulation"),
        (
            &["check", "--config", "huge"],
            "default, medium, large, wide",
        ),
        (&["check", "--op-mix", "put,teleport"], "list"),
        (&["check", "--clients", "300"], "--clients"),
        (&["check", "--timeout", "soon"], "not a duration"),
        (&["check", "--fingerprint-bits", "96"], "64, 128"),
        (&["suite", "--fingerprint-bits", "32"], "64, 128"),
        (
            &["report", "--out", "x", "--fingerprint-bits", "x"],
            "64, 128",
        ),
        (&["frobnicate"], "frobnicate"),
    ];
    for (argv, needle) in cases {
        let r = run(argv);
        assert_eq!(r.code, 2, "{argv:?}: {}", r.stderr);
        r.assert_no_panic();
        assert!(r.stderr.starts_with("error: "), "{argv:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{argv:?}: {}", r.stderr);
    }
}

#[test]
fn ctrl_c_prints_what_was_explored_and_exits_3() {
    let child = common::witness()
        // `medium` takes far longer than the 1.5 s this test waits.
        .args(["check", "--config", "medium", "--threads", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stdout.contains("STOPPED EARLY (Ctrl-C)"), "{stdout}");
    assert!(stdout.contains("unknown (stopped early)"), "{stdout}");
    assert!(stderr.contains("interrupted"), "{stderr}");
}

#[test]
fn help_and_version() {
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    for cmd in ["check", "suite", "explore", "report"] {
        assert!(r.stdout.contains(cmd), "{}", r.stdout);
    }
    let v = run(&["--version"]);
    assert_eq!(v.code, 0);
    assert!(v.stdout.starts_with("witness "), "{}", v.stdout);
}

/// JSON carries what a verdict is no evidence for, as the text output prints it under the
/// verdicts: linearizable's write half on every run, and a whole property a configuration cannot
/// exercise.
#[test]
fn json_limits_name_what_cannot_fail_and_what_cannot_be_reached() {
    let r = run(&[
        "check",
        "--mode",
        "strong",
        "--clients",
        "2",
        "--ops",
        "1",
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let limits = v["limits"].as_array().unwrap();
    let limit_of = |property: &str, part: &str| {
        limits
            .iter()
            .find(|l| l["property"] == property && l["part"].as_str().unwrap().contains(part))
    };
    let write_half = limit_of("linearizable", "write half").expect("linearizable's write half");
    assert!(write_half["why"].as_str().unwrap().contains("next version"));
    let ryw = limit_of("read-your-writes", "all").expect("read-your-writes with one op each");
    assert!(ryw["why"]
        .as_str()
        .unwrap()
        .contains("each client issues one"));
    assert!(limit_of("read-after-write", "").is_none(), "{limits:?}");
}
