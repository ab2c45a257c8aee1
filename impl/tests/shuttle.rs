//! Randomized and PCT schedules over bigger programs than loom can exhaust: 4 clients × 12
//! operations, with evictions, node and witness restarts and out-of-order/duplicated replication,
//! every execution judged by the model crate's shared checkers against the model's expected
//! verdicts (`witness_model::expected`): a variant the model proves must violate nothing in any
//! execution, and every other setting must violate, in some execution, each property its row says
//! is violated.
//!
//! Run: `CARGO_TARGET_DIR=target/shuttle cargo test -p index-cache --release --features shuttle --test shuttle`
//!
//! Every run starts from one seed, printed with it (`SHUTTLE_RANDOM_SEED`, default 16), so a run
//! makes the same schedules every time and a failing one can be repeated. A failing execution
//! panics inside shuttle, which prints the failing schedule and how to replay it
//! (`shuttle::replay`); `tests/shuttle_replay.rs` checks that path end to end.
#![cfg(feature = "shuttle")]

mod common;
mod workload;

mod shuttle_support;

use index_cache::{Mode, Protocol, Variant, WitnessOrder};
use shuttle_support::{execution, execution_within, model_row, pct, random};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use witness_model::properties::PropertyId;
use workload::Faults;

fn name(mode: Mode, p: Protocol) -> String {
    match (mode, p.mutant) {
        (Mode::Eventual, _) => "eventual".into(),
        (Mode::Strong, None) => format!("strong {}", p.variant),
        (Mode::Strong, Some(m)) => format!("strong + mutant {m}"),
    }
}

/// Every variant (no mutant) the model proves, or every one it refutes, by its expected row.
fn variants(proved: bool) -> Vec<Protocol> {
    let chosen: Vec<Protocol> = Protocol::runnable_variants()
        .into_iter()
        .map(|variant| Protocol {
            variant,
            mutant: None,
        })
        .filter(|&p| model_row(Mode::Strong, p).violated.is_empty() == proved)
        .collect();
    assert!(!chosen.is_empty(), "the model proves every variant or none");
    chosen
}

/// `schedules` random and `schedules` PCT schedules, each execution violating nothing.
fn assert_violates_nothing(p: Protocol, faults: Faults, schedules: usize) {
    let row = model_row(Mode::Strong, p);
    assert!(row.violated.is_empty(), "the model refutes {p:?}");
    let what = format!("{} ({faults:?})", name(Mode::Strong, p));
    let within = row.clone();
    random(&what, schedules, move || {
        execution_within(&within, Mode::Strong, p, faults);
    });
    pct(&what, schedules, move || {
        execution_within(&row, Mode::Strong, p, faults);
    });
}

/// The properties violated in some of `schedules` random and `schedules` PCT executions
/// (violations do not panic).
fn violated_somewhere(
    mode: Mode,
    p: Protocol,
    faults: Faults,
    schedules: usize,
) -> BTreeSet<PropertyId> {
    let what = format!("{} ({faults:?})", name(mode, p));
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let (random_sink, pct_sink) = (Arc::clone(&seen), Arc::clone(&seen));
    random(&what, schedules, move || {
        let violated = execution(mode, p, faults).violated;
        random_sink.lock().expect("not poisoned").extend(violated);
    });
    pct(&what, schedules, move || {
        let violated = execution(mode, p, faults).violated;
        pct_sink.lock().expect("not poisoned").extend(violated);
    });
    let seen = seen.lock().expect("not poisoned").clone();
    seen
}

/// Every property the model's row says the setting violates is violated in some execution. The
/// row is the model's verdict on its default configuration; this workload is larger, so it may
/// violate more, which is printed, not failed.
fn assert_violates_what_the_model_says(mode: Mode, p: Protocol) {
    // witness-before-commit fails only when the witness restarts between a write's notify and its
    // commit: frequent restarts and more schedules make that window reachable.
    let (faults, schedules) = if p.variant.witness_order == WitnessOrder::BeforeCommit {
        (Faults::RestartHeavy, 3000)
    } else {
        (Faults::Mixed, 1000)
    };
    let row = model_row(mode, p);
    assert!(
        !row.violated.is_empty(),
        "the model proves {}",
        name(mode, p)
    );
    let seen = violated_somewhere(mode, p, faults, schedules);
    let missed: Vec<&PropertyId> = row
        .violated
        .iter()
        .filter(|v| v.judged_on_implementations() && !seen.contains(v))
        .collect();
    assert!(
        missed.is_empty(),
        "{}: the model violates {missed:?}, no execution did (violated: {seen:?})",
        name(mode, p)
    );
    let beyond: Vec<&PropertyId> = seen.iter().filter(|v| !row.violated.contains(v)).collect();
    eprintln!(
        "{}: violated {seen:?}; beyond the model's default configuration: {beyond:?}",
        name(mode, p)
    );
}

#[test]
fn shuttle_proved_variants_violate_nothing() {
    for p in variants(true) {
        assert_violates_nothing(p, Faults::Mixed, 2000);
    }
}

/// Frequent witness restarts are what the refuted witness-before-commit needs; the proved
/// variants survive them.
#[test]
fn shuttle_proved_variants_violate_nothing_under_frequent_restarts() {
    for p in variants(true) {
        assert_violates_nothing(p, Faults::RestartHeavy, 500);
    }
}

#[test]
fn shuttle_eventual_mode_violates_what_the_model_says() {
    assert_violates_what_the_model_says(Mode::Eventual, Protocol::default());
}

#[test]
fn shuttle_catches_every_refuted_variant() {
    for p in variants(false) {
        assert_violates_what_the_model_says(Mode::Strong, p);
    }
}

#[test]
fn shuttle_catches_every_mutant() {
    for m in Protocol::runnable_mutants() {
        let p = Protocol {
            variant: Variant::WITH_COMMIT,
            mutant: Some(m),
        };
        assert_violates_what_the_model_says(Mode::Strong, p);
    }
}
