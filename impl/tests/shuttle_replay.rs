//! Shuttle's failure path end to end: a failing execution persists its schedule, and replaying
//! that schedule fails the same way. In its own test binary because shuttle installs its panic
//! hook (and the failure-persistence setting it uses) once per process.
#![cfg(feature = "shuttle")]

mod common;
mod shuttle_support;
mod workload;

use index_cache::{Mode, Mutant, Protocol, Variant};
use shuttle_support::{execution_within, model_row, seed, SEED_VARIABLE};
use workload::Faults;

/// The mutant run against what the model proves of the default variant: an execution that
/// violates any property fails, and its schedule is persisted; replaying that schedule fails too.
#[test]
fn shuttle_failure_schedule_is_persisted_and_replays() {
    let dir = std::env::temp_dir().join(format!("index-cache-shuttle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = Protocol {
        variant: Variant::WITH_COMMIT,
        mutant: Some(Mutant::SkipWitnessOnMiss),
    };
    let proved = model_row(Mode::Strong, Protocol::default());
    assert!(proved.violated.is_empty(), "the model refutes the default");
    assert!(
        !model_row(Mode::Strong, p).violated.is_empty(),
        "the model proves the mutant"
    );
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::File(Some(dir.clone()));
    let seed = seed();
    eprintln!("1000 PCT schedules from seed {seed} ({SEED_VARIABLE}={seed} repeats them)");
    let scheduler = shuttle::scheduler::PctScheduler::new_from_seed(seed, 3, 1000);
    let runner = shuttle::Runner::new(scheduler, config);
    let row = proved.clone();
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        runner.run(move || drop(execution_within(&row, Mode::Strong, p, Faults::Mixed)));
    }));
    assert!(failed.is_err(), "the mutant must fail some execution");
    let schedule = std::fs::read_dir(&dir)
        .expect("readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .next()
        .expect("shuttle persisted the failing schedule");
    let replayed = std::panic::catch_unwind(move || {
        shuttle::replay_from_file(
            move || drop(execution_within(&proved, Mode::Strong, p, Faults::Mixed)),
            &schedule,
        );
    });
    assert!(
        replayed.is_err(),
        "replaying the schedule reproduces the failure"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
