//! What `tests/shuttle.rs` and `tests/shuttle_replay.rs` share: the execution, the seed every run
//! starts from, and the model's expected verdict for a setting.
#![allow(dead_code)]

use crate::common::{self, CheckedHistory};
use crate::workload::{client_program, Choose, Faults, KEYS};
use index_cache::{Config, IndexCache, Mode, Protocol, Recorder};
use shuttle::rand::{thread_rng, RngCore};
use shuttle::scheduler::{PctScheduler, RandomScheduler, Scheduler};
use shuttle::sync::Arc;
use std::collections::BTreeSet;
use witness_model::expected::{expected, ExpectedRow};
use witness_model::properties::PropertyId;

const CLIENTS: u8 = 4;
const OPS: usize = 12;

/// shuttle's own seed variable: its schedulers read it too, so the seed printed is the seed used.
pub const SEED_VARIABLE: &str = "SHUTTLE_RANDOM_SEED";

/// The seed of every run unless [`SEED_VARIABLE`] names another: a run makes the same schedules
/// every time, so a failure seen once is seen again.
const DEFAULT_SEED: u64 = 16;

/// The seed runs start from, printed so that a failing run can be repeated.
pub fn seed() -> u64 {
    match std::env::var(SEED_VARIABLE) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|e| panic!("{SEED_VARIABLE}={text:?} is not a u64 seed: {e}")),
        Err(_) => DEFAULT_SEED,
    }
}

fn run(scheduler: impl Scheduler + 'static, f: impl Fn() + Send + Sync + 'static) {
    shuttle::Runner::new(scheduler, shuttle::Config::new()).run(f);
}

/// `iterations` schedules of shuttle's random scheduler, from [`seed`].
pub fn random(what: &str, iterations: usize, f: impl Fn() + Send + Sync + 'static) {
    let seed = seed();
    eprintln!("{what}: {iterations} random schedules from seed {seed} ({SEED_VARIABLE}={seed} repeats them)");
    run(RandomScheduler::new_from_seed(seed, iterations), f);
}

/// `iterations` schedules of shuttle's PCT scheduler at depth 3, from [`seed`].
pub fn pct(what: &str, iterations: usize, f: impl Fn() + Send + Sync + 'static) {
    let seed = seed();
    eprintln!(
        "{what}: {iterations} PCT schedules from seed {seed} ({SEED_VARIABLE}={seed} repeats them)"
    );
    run(PctScheduler::new_from_seed(seed, 3, iterations), f);
}

/// Shuttle's RNG: part of the schedule, so a replay makes the same choices.
struct ShuttleRng;

impl Choose for ShuttleRng {
    fn below(&mut self, n: usize) -> usize {
        (thread_rng().next_u64() % n as u64) as usize
    }
}

fn build(mode: Mode, protocol: Protocol) -> Arc<IndexCache> {
    Arc::new(
        IndexCache::builder(Config::new(3, mode))
            .protocol(protocol)
            .recorder(Recorder::with_keys(&KEYS))
            .build()
            .expect("valid"),
    )
}

/// One execution: the clients run concurrently, then replication drains and the history is judged.
pub fn execution(mode: Mode, protocol: Protocol, faults: Faults) -> CheckedHistory {
    let cache = build(mode, protocol);
    let threads: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let cache = Arc::clone(&cache);
            shuttle::thread::spawn(move || {
                client_program(&cache, client, OPS, faults, &mut ShuttleRng)
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
    common::judge_drained(&cache)
}

/// What the model's expected-verdict table says of a setting (docs/verdicts.md).
pub fn model_row(mode: Mode, protocol: Protocol) -> ExpectedRow {
    expected(mode, protocol.variant, protocol.mutant)
}

/// One execution that may violate only what `row` says is violated: any other violation panics,
/// and shuttle then prints the failing schedule. Returns what the execution violated.
pub fn execution_within(
    row: &ExpectedRow,
    mode: Mode,
    protocol: Protocol,
    faults: Faults,
) -> BTreeSet<PropertyId> {
    let checked = execution(mode, protocol, faults);
    let unexpected: Vec<PropertyId> = checked
        .violated
        .iter()
        .filter(|p| !row.violated.contains(p))
        .copied()
        .collect();
    assert!(
        unexpected.is_empty(),
        "{mode} {protocol:?}: {unexpected:?} violated, beyond the expected {:?}\n{}",
        row.violated,
        checked.explain()
    );
    checked.violated
}
