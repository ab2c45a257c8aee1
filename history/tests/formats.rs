//! The readers: every format gives the same history, bad lines are located, nothing panics.

use proptest::prelude::*;
use witness_history::{judge, parse_str, Command, Format, History, Outcome, Reply, Value};
use witness_model::properties::PropertyId;

/// One history in every format: a write, a timed-out write, a cas refused with 412 and a read.
const LOG: &str = "INFO  jepsen.util - 0\t:invoke\t:write\t1
INFO  jepsen.util - 1\t:invoke\t:write\t2
INFO  jepsen.util - 0\t:ok\t:write\t1
INFO  jepsen.util - 1\t:info\t:write\t2
INFO  jepsen.util - 0\t:invoke\t:cas\t[3 4]
INFO  jepsen.util - 0\t:fail\t:cas\t[3 4]
INFO  jepsen.util - 6\t:invoke\t:read\tnil
INFO  jepsen.util - 6\t:ok\t:read\t2
";

const JSON_LINES: &str = r#"{"type":"invoke","f":"write","process":0,"value":1}
{"type":"invoke","f":"write","process":1,"value":2}
{"type":"ok","f":"write","process":0,"value":1}
{"type":"info","f":"write","process":1,"value":2}
{"type":"invoke","f":"cas","process":0,"value":[3,4]}
{"type":"fail","f":"cas","process":0,"value":[3,4]}
{"type":"invoke","f":"read","process":6,"value":null}
{"type":"ok","f":"read","process":6,"value":2}
"#;

const EDN: &str = "{:type :invoke, :f :write, :process 0, :value 1}
{:type :invoke, :f :write, :process 1, :value 2}
{:type :ok, :f :write, :process 0, :value 1}
{:type :info, :f :write, :process 1, :value :timed-out}
{:type :invoke, :f :cas, :process 0, :value [3 4]}
{:type :fail, :f :cas, :process 0, :value [3 4]}
{:type :invoke, :f :read, :process 6, :value nil}
{:type :ok, :f :read, :process 6, :value 2}
";

fn shape(history: &History) -> Vec<(String, Command, Outcome, usize, Option<usize>)> {
    history
        .operations
        .iter()
        .map(|op| {
            (
                op.process.clone(),
                op.command.clone(),
                op.outcome.clone(),
                op.call,
                op.ret,
            )
        })
        .collect()
}

#[test]
fn every_format_reads_the_same_history() {
    let log = parse_str(LOG, Format::JepsenLog).expect("log");
    assert_eq!(log.operations.len(), 4);
    assert_eq!(log.operations[1].outcome, Outcome::Info);
    assert_eq!(log.operations[1].finished(), None);
    assert_eq!(
        log.operations[3].outcome,
        Outcome::Ok(Reply::Read(Some(Value::Int(2))))
    );
    let array = format!("[{}]", JSON_LINES.trim_end().replace('\n', ",\n"));
    let one_line = format!("[{}]", JSON_LINES.trim_end().replace('\n', ","));
    let edn_vector = format!("[{EDN}]");
    for (text, format) in [
        (JSON_LINES, Format::JepsenJson),
        (array.as_str(), Format::JepsenJson),
        (one_line.as_str(), Format::JepsenJson),
        (EDN, Format::Edn),
        (edn_vector.as_str(), Format::Edn),
    ] {
        assert_eq!(Format::detect(text), Some(format), "{text}");
        let history = parse_str(text, format).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(shape(&history), shape(&log), "{text}");
    }
    // The timed-out write explains the read of 2; the 412 is consistent with the value 1.
    assert!(judge(&log).holds());
}

#[test]
fn newer_logs_echo_the_value_of_a_timed_out_write() {
    let newer = LOG.replace("1\t:info\t:write\t2", "1\t:info\t:write\t:timed-out");
    let a = parse_str(&newer, Format::JepsenLog).expect("log");
    let b = parse_str(LOG, Format::JepsenLog).expect("log");
    assert_eq!(shape(&a), shape(&b));
}

#[test]
fn bad_lines_are_located_and_say_what_was_expected() {
    let cases = [
        (
            LOG.replace(":invoke\t:cas", ":invok\t:cas"),
            Format::JepsenLog,
            5,
            ":invoke, :ok, :fail or :info",
        ),
        (
            LOG.replace(
                "[3 4]\nINFO  jepsen.util - 0\t:fail",
                "[3\nINFO  jepsen.util - 0\t:fail",
            ),
            Format::JepsenLog,
            5,
            "']'",
        ),
        (
            "garbage here\n".to_string(),
            Format::JepsenLog,
            1,
            "a Jepsen log line",
        ),
        (
            JSON_LINES.replace(
                "\"f\":\"cas\",\"process\":0,\"value\":[3,4]}\n{\"type\":\"fail\"",
                "\"f\":\"cas\",\"process\":0,\"value\":3}\n{\"type\":\"fail\"",
            ),
            Format::JepsenJson,
            5,
            "a :cas value [expected new]",
        ),
        (
            JSON_LINES.replace(
                "\"type\":\"ok\",\"f\":\"write\"",
                "\"type\":\"ok\",\"f\":\"read\"",
            ),
            Format::JepsenJson,
            3,
            "the completion of process 0's :write",
        ),
        (
            JSON_LINES.replace(
                "{\"type\":\"invoke\",\"f\":\"read\",\"process\":6,\"value\":null}",
                "{\"type\":",
            ),
            Format::JepsenJson,
            7,
            "one JSON operation object",
        ),
        (
            EDN.replace(
                "{:type :ok, :f :read, :process 6, :value 2}",
                "{:type :ok, :f :read, :process 6, :value}",
            ),
            Format::Edn,
            8,
            "a map with a value for every key",
        ),
        (
            EDN.replace(
                ":type :ok, :f :write, :process 0",
                ":type :ok, :f :write, :process 9",
            ),
            Format::Edn,
            3,
            "an invocation by process 9",
        ),
    ];
    for (text, format, line, expected) in cases {
        match parse_str(&text, format) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => {
                assert_eq!(e.line, line, "{e}");
                assert!(e.expected.contains(expected), "{e}");
                assert!(
                    e.to_string()
                        .starts_with(&format!("line {line}: expected ")),
                    "{e}"
                );
            }
        }
    }
}

/// A C1 history of one key from (process, type, f, value) rows.
fn c1(rows: &[(u32, &str, &str, &str)]) -> History {
    let text: String = rows
        .iter()
        .map(|(p, t, f, v)| format!("{{\"type\":\"{t}\",\"f\":\"{f}\",\"key\":\"photos/cat.jpg\",\"process\":{p},\"value\":{v}}}\n"))
        .collect();
    parse_str(&text, Format::JepsenJson).expect("C1 history")
}

fn anomaly_of(history: &History) -> Option<PropertyId> {
    let verdict = judge(history);
    assert_eq!(
        verdict.status(PropertyId::Linearizable),
        Some(witness_history::Status::Violated)
    );
    let violation = &verdict.violations[0];
    assert_eq!(violation.key, "photos/cat.jpg");
    violation.anomaly
}

#[test]
fn violations_are_named_after_the_s3_anomalies() {
    let a1 = c1(&[
        (1, "invoke", "write", "\"a\""),
        (1, "ok", "write", "\"a\""),
        (2, "invoke", "read", "null"),
        (2, "ok", "read", "null"),
    ]);
    assert_eq!(anomaly_of(&a1), Some(PropertyId::NegativeCacheMiss));
    let verdict = judge(&a1);
    let v = &verdict.violations[0];
    assert_eq!(v.window, vec![0, 1]);
    assert_eq!(
        v.steps,
        vec![
            "1. client 1 PUT photos/cat.jpg = \"a\" → ack",
            "2. client 2 GET photos/cat.jpg → absent (stale: \"a\" was acknowledged at step 1)"
        ]
    );
    assert!(
        v.explanation
            .contains("A1 negative-cache-miss (steps 1 and 2)"),
        "{}",
        v.explanation
    );

    let a2 = c1(&[
        (1, "invoke", "write", "\"a\""),
        (1, "ok", "write", "\"a\""),
        (1, "invoke", "write", "\"b\""),
        (1, "ok", "write", "\"b\""),
        (2, "invoke", "read", "null"),
        (2, "ok", "read", "\"a\""),
    ]);
    assert_eq!(anomaly_of(&a2), Some(PropertyId::StaleOverwrite));
    assert_eq!(
        judge(&a2).violations[0].window,
        vec![1, 2],
        "the first PUT is not needed"
    );

    let a3 = c1(&[
        (1, "invoke", "write", "\"a\""),
        (1, "ok", "write", "\"a\""),
        (1, "invoke", "delete", "null"),
        (1, "ok", "delete", "null"),
        (2, "invoke", "read", "null"),
        (2, "ok", "read", "\"a\""),
    ]);
    assert_eq!(anomaly_of(&a3), Some(PropertyId::ReadAfterDelete));

    // A6: process 2 reads b (its write still in flight), then a, which was acknowledged before
    // b's write began: a is older.
    let a6 = c1(&[
        (1, "invoke", "write", "\"a\""),
        (1, "ok", "write", "\"a\""),
        (1, "invoke", "write", "\"b\""),
        (2, "invoke", "read", "null"),
        (2, "ok", "read", "\"b\""),
        (2, "invoke", "read", "null"),
        (2, "ok", "read", "\"a\""),
        (1, "ok", "write", "\"b\""),
    ]);
    assert_eq!(anomaly_of(&a6), Some(PropertyId::NonMonotonicRead));
}

#[test]
fn conditional_writes_are_compare_and_set() {
    // create succeeds on a missing key; a second create gets 412; cas from the right value wins.
    let ok = c1(&[
        (1, "invoke", "create", "\"a\""),
        (1, "ok", "create", "\"a\""),
        (2, "invoke", "create", "\"b\""),
        (2, "fail", "create", "\"b\""),
        (2, "invoke", "cas", "[\"a\",\"c\"]"),
        (2, "ok", "cas", "[\"a\",\"c\"]"),
        (1, "invoke", "read", "null"),
        (1, "ok", "read", "\"c\""),
    ]);
    assert!(judge(&ok).holds());
    // A 412 on a key that cannot exist yet is impossible.
    let refused = c1(&[
        (1, "invoke", "create", "\"a\""),
        (1, "fail", "create", "\"a\""),
    ]);
    assert!(!judge(&refused).holds());
    // A failed PUT never happened: reading its value is impossible.
    let failed = c1(&[
        (1, "invoke", "write", "\"a\""),
        (1, "fail", "write", "\"a\""),
        (2, "invoke", "read", "null"),
        (2, "ok", "read", "\"a\""),
    ]);
    assert!(!judge(&failed).holds());
    // An unknown PUT may have happened.
    let unknown = c1(&[
        (1, "invoke", "write", "\"a\""),
        (1, "info", "write", "\"a\""),
        (2, "invoke", "read", "null"),
        (2, "ok", "read", "\"a\""),
        (2, "invoke", "read", "null"),
        (2, "ok", "read", "\"a\""),
    ]);
    assert!(judge(&unknown).holds());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_input_makes_a_reader_panic(text in ".{0,300}") {
        for format in [Format::JepsenLog, Format::JepsenJson, Format::Edn, Format::Project] {
            let _ = parse_str(&text, format);
        }
        let _ = witness_history::parse(text.as_bytes(), None);
    }

    #[test]
    fn no_arbitrary_bytes_make_a_reader_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = witness_history::parse(bytes.as_slice(), None);
    }

    #[test]
    fn near_miss_lines_never_panic_and_judging_what_parses_never_panics(
        rows in prop::collection::vec(
            (0u8..4, prop::sample::select(vec![":invoke", ":ok", ":fail", ":info", ":bogus", "invoke"]),
             prop::sample::select(vec![":read", ":write", ":cas", ":delete", ":create", ":list", ":x"]),
             prop::sample::select(vec!["nil", "1", "2", "[1 2]", "[1", ":timed-out", "\"s\"", "[\"a\" \"b\"]", "{}", "#{1}", "-9223372036854775808"])),
            0..30),
    ) {
        let log: String = rows.iter().map(|(p, t, f, v)| format!("INFO  jepsen.util - {p}\t{t}\t{f}\t{v}\n")).collect();
        let edn: String = rows.iter().map(|(p, t, f, v)| format!("{{:type {t} :f {f} :process {p} :value {v}}}\n")).collect();
        for (text, format) in [(log, Format::JepsenLog), (edn, Format::Edn)] {
            if let Ok(history) = parse_str(&text, format) {
                let _ = judge(&history);
            }
        }
    }
}

#[test]
fn detection_tells_the_formats_apart() {
    let cases = [
        (
            "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n",
            Some(Format::JepsenLog),
        ),
        ("", Some(Format::JepsenLog)),
        (
            "{\"type\":\"invoke\",\"f\":\"read\",\"key\":\"event\",\"process\":0}\n",
            Some(Format::JepsenJson),
        ),
        (
            "[\n  {\"event\": \"invoke\", \"client\": 0, \"op\": \"list\"}\n]",
            Some(Format::Project),
        ),
        (
            "{\"event\":\"invoke\",\"client\":\"a\",\"op\":\"list\"}\n",
            Some(Format::Project),
        ),
        ("[]", Some(Format::JepsenJson)),
        ("{:type :invoke, :f :read}\n", Some(Format::Edn)),
        ("[{:type :invoke, :f :read}]", Some(Format::Edn)),
        ("hello\n", None),
    ];
    for (text, format) in cases {
        assert_eq!(Format::detect(text), format, "{text:?}");
    }
}

#[test]
fn a_window_reads_as_numbered_steps_pointing_at_the_step_each_read_contradicts() {
    let a3 = c1(&[
        (1, "invoke", "write", "\"a\""),
        (1, "ok", "write", "\"a\""),
        (1, "invoke", "delete", "null"),
        (1, "ok", "delete", "null"),
        (2, "invoke", "read", "null"),
        (2, "ok", "read", "\"a\""),
    ]);
    let verdict = judge(&a3);
    let v = &verdict.violations[0];
    assert_eq!(
        v.steps[1],
        "2. client 2 GET photos/cat.jpg → \"a\" (stale: the DELETE at step 1 was acknowledged)"
    );
    let a6 = c1(&[
        (1, "invoke", "write", "\"a\""),
        (1, "ok", "write", "\"a\""),
        (1, "invoke", "write", "\"b\""),
        (2, "invoke", "read", "null"),
        (2, "ok", "read", "\"b\""),
        (2, "invoke", "read", "null"),
        (2, "ok", "read", "\"a\""),
        (1, "ok", "write", "\"b\""),
    ]);
    let verdict = judge(&a6);
    let v = &verdict.violations[0];
    assert_eq!(
        v.steps[2],
        "3. client 2 GET photos/cat.jpg → \"a\" (goes back: this client read \"b\" at step 2)"
    );
    // The one renderer both `witness history` and `witness probe` print.
    let with_lines = witness_history::text::violation(v, true);
    assert!(
        with_lines.starts_with("key photos/cat.jpg: not linearizable; the smallest window that cannot be linearized is 3 operation(s), lines 3–6:\n  1. client 1 PUT"),
        "{with_lines}"
    );
    assert!(with_lines.ends_with("A6 non-monotonic-read (steps 2 and 3)\n"));
    let without = witness_history::text::violation(v, false);
    assert!(without.contains("3 operation(s):\n"), "{without}");
    assert!(!without.contains("lines"), "{without}");
}

#[test]
fn a_window_shown_for_one_property_is_not_repeated_for_the_next() {
    let a1 = c1(&[
        (1, "invoke", "write", "\"a\""),
        (1, "ok", "write", "\"a\""),
        (2, "invoke", "read", "null"),
        (2, "ok", "read", "null"),
    ]);
    let verdict = judge(&a1);
    let properties: Vec<PropertyId> = verdict.violations.iter().map(|v| v.property).collect();
    assert_eq!(
        properties,
        vec![PropertyId::Linearizable, PropertyId::ReadAfterWrite]
    );
    let text = witness_history::text::violations(&verdict.violations, false);
    assert_eq!(text.matches("1. client 1 PUT").count(), 1, "{text}");
    assert!(
        text.ends_with("key photos/cat.jpg: read-after-write violated too, in every order of its writes the history allows, shown by the same 2 operation(s) as linearizable\n"),
        "{text}"
    );
}
