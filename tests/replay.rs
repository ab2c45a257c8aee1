//! End-to-end tests of `witness replay`: model counterexamples and random walks on the real
//! IndexCache.

mod common;
use common::run;
use witness_model::expected::{expected, suite_rows};

/// Every refuted row of the suite (docs/verdicts.md) replays on the implementation with the same
/// violations at the same step.
#[test]
fn every_refuted_row_reproduces_on_the_implementation() {
    let r = run(&["replay", "--all"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let mut rows = 0;
    let mut properties = 0;
    for (mode, variant, mutant) in suite_rows() {
        let violated = expected(mode, variant, mutant).violated;
        let runs_on_impl = index_cache::Protocol { variant, mutant }.validate().is_ok();
        let name = format!(
            "{mode} {variant}{}",
            mutant.map_or(String::new(), |m| format!(" + mutant {m}"))
        );
        if !runs_on_impl {
            // witness-service runs in the model only: its rows are skipped, and say so.
            let skipped = format!("=== {name}: skipped: ");
            assert!(
                r.stdout.contains(&skipped),
                "no {skipped:?} in\n{}",
                r.stdout
            );
            continue;
        }
        if violated.is_empty() {
            continue;
        }
        rows += 1;
        let mutant = mutant.map_or(String::new(), |m| format!(" + mutant {m}"));
        let header = format!("=== {mode} {variant}{mutant}: the model violates ");
        assert!(r.stdout.contains(&header), "no {header:?} in\n{}", r.stdout);
        // witness-answer is judged on the model only (a waiting read's entry is not exposed by
        // the implementation's pause points); the row's other violations are replayed.
        for property in violated.iter().filter(|p| p.judged_on_implementations()) {
            properties += 1;
            let reproduced = format!("⇒ reproduced: {property} violated at step ");
            assert!(r.stdout.contains(&reproduced), "{reproduced:?}");
        }
    }
    assert_eq!(r.stdout.matches("⇒ reproduced: ").count(), properties);
    // Each step says where the implementation's thread stopped, in the model's words. Written
    // out here, not taken from `Point::name`: the text a reader sees is what is asserted.
    for point in [
        "commit + witness notify",
        "cache update",
        "replication enqueue + ack",
        "witness.isStale",
        "miss fill: persistence.load",
        "partition barrier",
    ] {
        let paused = format!("[implementation paused before {point}]");
        assert!(r.stdout.contains(&paused), "no {paused:?}");
    }
    assert!(!r.stdout.contains("DIVERGED") && !r.stdout.contains("NOT reproduced"));
    assert!(
        r.stdout.contains(&format!(
            "{rows} row(s) replayed on the implementation: {rows} reproduced the model, 0 diverged"
        )),
        "{}",
        r.stdout
    );
}

/// Concurrent conformance: random walks of the proved variant (and of eventual mode) give the
/// model's response at every step. Eventual mode's walks are the ones that tell an only-if-newer
/// repair from an unconditional one (walk 173 repairs a node with an older version).
#[test]
fn random_walks_of_the_proved_variant_match_the_model() {
    for extra in [
        &[][..],
        &["--config", "large"][..],
        &["--mode", "eventual"][..],
    ] {
        let mut args = vec!["replay", "--random", "300", "--seed", "1"];
        args.extend(extra);
        let r = run(&args);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stdout
                .contains("⇒ every response matched the model (300 walks"),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn a_proved_row_has_nothing_to_replay_and_bad_flags_exit_2() {
    let r = run(&["replay"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("every property holds; nothing to replay"));
    for bad in [
        &["replay", "--all", "--mode", "strong"][..],
        &["replay", "--seed", "3"][..],
        &["replay", "--variant", "sideways"][..],
    ] {
        let r = run(bad);
        assert_eq!(r.code, 2, "{bad:?}: {}{}", r.stdout, r.stderr);
        r.assert_no_panic();
    }
}
