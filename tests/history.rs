//! End-to-end tests of `witness history FILE`: the shared checkers on a history from elsewhere.

mod common;
use common::run;

#[test]
fn the_a1_example_is_judged_with_the_shared_properties() {
    let r = run(&["history", "docs/examples/a1-negative-cache-miss.json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("read-after-write     VIOLATED"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("negative-cache-miss  found"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("event 5: read-after-write: client 1 GET k0 → not found"),
        "{}",
        r.stdout
    );
    let j = run(&[
        "history",
        "docs/examples/a1-negative-cache-miss.json",
        "--json",
    ]);
    assert_eq!(j.code, 1);
    let v = j.json();
    assert_eq!(v["events"], 7);
    assert_eq!(v["violated"][0], "read-after-write");
    assert_eq!(v["anomalies"][0], "negative-cache-miss");
}

#[test]
fn a_clean_history_exits_0_and_bad_files_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clean = dir.path().join("clean.json");
    std::fs::write(
        &clean,
        r#"[{"event":"invoke","client":0,"op":"put","key":0},
            {"event":"return","client":0,"ret":"ack","seq":1},
            {"event":"invoke","client":1,"op":"list"},
            {"event":"return","client":1,"ret":"listed","entries":[[0,{"seq":1,"exists":true}]]}]"#,
    )
    .expect("write");
    let ok = run(&["history", clean.to_str().expect("utf-8 path")]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{not json").expect("write");
    let malformed = dir.path().join("malformed.json");
    std::fs::write(
        &malformed,
        r#"[{"event":"return","client":0,"ret":"ack","seq":1}]"#,
    )
    .expect("write");
    for (file, message) in [
        (garbage.to_str().expect("utf-8"), "is not a history"),
        (
            malformed.to_str().expect("utf-8"),
            "not a well-formed history",
        ),
        ("/nonexistent/history.json", "cannot read history"),
    ] {
        let r = run(&["history", file]);
        assert_eq!(r.code, 2, "{file}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(message), "{}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        r.assert_no_panic();
    }
}

#[test]
fn stdin_lines_with_string_names_are_judged_and_named_as_written() {
    use std::io::Write as _;
    use std::process::Stdio;
    let history = r#"{"event":"invoke","client":"writer","op":"put","key":"photos/cat.jpg"}
{"event":"return","client":"writer","ret":"ack","seq":300}
{"event":"invoke","client":7,"op":"get","key":"photos/cat.jpg"}
{"event":"return","client":7,"ret":"read","observed":{"seq":299,"exists":true}}
"#;
    let mut child = common::witness()
        .args(["history", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the witness binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(history.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("finishes");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON verdict");
    assert_eq!(
        (v["events"].as_u64(), v["keys"].as_u64()),
        (Some(4), Some(1))
    );
    let raw = &v["findings"][0];
    assert_eq!(raw["property"], "read-after-write");
    assert_eq!(raw["client"], 7);
    assert_eq!(raw["key"], "photos/cat.jpg");
    assert_eq!(raw["required"]["seq"], 300);
    assert_eq!(
        raw["message"],
        "read-after-write: client 7 GET photos/cat.jpg → v299, but v300 was acknowledged before the GET began"
    );
}

#[test]
fn a_malformed_line_is_named_by_its_number() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("h.jsonl");
    std::fs::write(
        &file,
        "{\"event\":\"invoke\",\"client\":\"a\",\"op\":\"list\"}\n{\"event\":\"return\",\"client\":\"a\"}\n",
    )
    .expect("write");
    let r = run(&["history", file.to_str().expect("utf-8 path")]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("line 2: a return needs \"ret\""),
        "{}",
        r.stderr
    );
    let twice = dir.path().join("twice.jsonl");
    std::fs::write(
        &twice,
        "{\"event\":\"invoke\",\"client\":\"a\",\"op\":\"list\"}\n{\"event\":\"invoke\",\"client\":\"a\",\"op\":\"list\"}\n",
    )
    .expect("write");
    let r = run(&["history", twice.to_str().expect("utf-8 path")]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("event 1: client a invokes"),
        "{}",
        r.stderr
    );
    r.assert_no_panic();
}
