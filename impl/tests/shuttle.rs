//! Randomized and PCT schedules over bigger programs than loom can exhaust: 4 clients × 12
//! operations, with evictions, node and witness restarts and out-of-order/duplicated replication,
//! every execution judged by the model crate's shared checkers.
//!
//! Run: `CARGO_TARGET_DIR=target/shuttle cargo test -p index-cache --release --features shuttle --test shuttle`
//!
//! A failing execution panics inside shuttle, which prints the failing schedule and how to replay
//! it (`shuttle::replay`); `tests/shuttle_replay.rs` checks that path end to end.
#![cfg(feature = "shuttle")]

mod common;
mod workload;

mod shuttle_support;

use index_cache::{Mode, Mutant, Protocol, Repair, WitnessOrder};
use shuttle_support::{clean_execution, execution, protocol};
use std::collections::BTreeSet;
use std::sync::Mutex as StdMutex;
use witness_model::properties::PropertyId;
use workload::Faults;

#[test]
fn shuttle_random_strong_default_is_clean() {
    shuttle::check_random(|| clean_execution(Mode::Strong, Protocol::default()), 3000);
}

#[test]
fn shuttle_pct_strong_default_is_clean() {
    shuttle::check_pct(
        || clean_execution(Mode::Strong, Protocol::default()),
        3000,
        3,
    );
}

#[test]
fn shuttle_strong_unconditional_repair_is_clean() {
    let p = protocol(WitnessOrder::WithCommit, Repair::Unconditional, None);
    shuttle::check_random(move || clean_execution(Mode::Strong, p), 1000);
    shuttle::check_pct(move || clean_execution(Mode::Strong, p), 1000, 3);
}

/// Union of the properties violated over `iterations` PCT executions (violations do not panic).
fn violated_somewhere(
    mode: Mode,
    p: Protocol,
    faults: Faults,
    iterations: usize,
) -> BTreeSet<PropertyId> {
    let seen = std::sync::Arc::new(StdMutex::new(BTreeSet::new()));
    let sink = std::sync::Arc::clone(&seen);
    shuttle::check_pct(
        move || {
            let j = execution(mode, p, faults);
            sink.lock().expect("not poisoned").extend(j.violated);
        },
        iterations,
        3,
    );
    let out = seen.lock().expect("not poisoned").clone();
    out
}

#[test]
fn shuttle_eventual_mode_violates_read_after_write() {
    let v = violated_somewhere(Mode::Eventual, Protocol::default(), Faults::Mixed, 300);
    assert!(v.contains(&PropertyId::ReadAfterWrite), "{v:?}");
    assert!(v.contains(&PropertyId::ListAfterWrite), "{v:?}");
}

#[test]
fn shuttle_catches_every_mutant_and_refuted_variant() {
    let expected = [
        (
            Some(Mutant::SkipWitnessOnMiss),
            WitnessOrder::WithCommit,
            PropertyId::ReadAfterWrite,
        ),
        (
            Some(Mutant::ListIgnoresWitness),
            WitnessOrder::WithCommit,
            PropertyId::ListAfterWrite,
        ),
        (
            Some(Mutant::WitnessForgetsOnRestart),
            WitnessOrder::WithCommit,
            PropertyId::ReadAfterWrite,
        ),
        (
            Some(Mutant::ReplicaAppliesOutOfOrder),
            WitnessOrder::WithCommit,
            PropertyId::ReplicaMonotonic,
        ),
        (
            Some(Mutant::NoWitnessBumpOnDelete),
            WitnessOrder::WithCommit,
            PropertyId::WitnessSafety,
        ),
        (None, WitnessOrder::AfterCommit, PropertyId::Linearizable),
    ];
    for (m, order, property) in expected {
        let p = protocol(order, Repair::IfNewer, m);
        let v = violated_somewhere(Mode::Strong, p, Faults::Mixed, 1000);
        assert!(
            v.contains(&property),
            "{p:?}: expected {property}, got {v:?}"
        );
        eprintln!("{p:?}: {v:?}");
    }
}

/// witness-before-commit fails only when the witness restarts between a write's notify and its
/// commit: frequent restarts make that window reachable for PCT.
#[test]
fn shuttle_catches_witness_before_commit_with_frequent_restarts() {
    let p = protocol(WitnessOrder::BeforeCommit, Repair::IfNewer, None);
    let v = violated_somewhere(Mode::Strong, p, Faults::RestartHeavy, 3000);
    assert!(
        v.contains(&PropertyId::WitnessSafety) || v.contains(&PropertyId::ReadAfterWrite),
        "{v:?}"
    );
    // The proved variant stays clean under the same restart-heavy load.
    let clean = violated_somewhere(
        Mode::Strong,
        Protocol::default(),
        Faults::RestartHeavy,
        1000,
    );
    assert!(clean.is_empty(), "{clean:?}");
}
