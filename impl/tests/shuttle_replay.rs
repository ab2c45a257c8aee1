//! Shuttle's failure path end to end: a failing execution persists its schedule, and replaying
//! that schedule fails the same way. In its own test binary because shuttle installs its panic
//! hook (and the failure-persistence setting it uses) once per process.
#![cfg(feature = "shuttle")]

mod common;
mod shuttle_support;
mod workload;

use index_cache::{Mode, Mutant, Repair, WitnessOrder};
use shuttle_support::{clean_execution, protocol};

/// A failing execution persists its schedule; replaying that schedule fails the same way.
#[test]
fn shuttle_failure_schedule_is_persisted_and_replays() {
    let dir = std::env::temp_dir().join(format!("index-cache-shuttle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = protocol(
        WitnessOrder::WithCommit,
        Repair::IfNewer,
        Some(Mutant::SkipWitnessOnMiss),
    );
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::File(Some(dir.clone()));
    let runner = shuttle::Runner::new(shuttle::scheduler::PctScheduler::new(3, 1000), config);
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        runner.run(move || clean_execution(Mode::Strong, p));
    }));
    assert!(failed.is_err(), "the mutant must fail some execution");
    let schedule = std::fs::read_dir(&dir)
        .expect("readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .next()
        .expect("shuttle persisted the failing schedule");
    let replayed = std::panic::catch_unwind(|| {
        shuttle::replay_from_file(move || clean_execution(Mode::Strong, p), &schedule);
    });
    assert!(
        replayed.is_err(),
        "replaying the schedule reproduces the failure"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
