//! The shuttle execution shared by `tests/shuttle.rs` and `tests/shuttle_replay.rs`.
#![allow(dead_code)]

use crate::common;
use crate::workload::{client_program, Choose, Faults, KEYS};
use index_cache::{
    Config, IndexCache, Mode, Mutant, Protocol, Recorder, Repair, Variant, WitnessOrder,
};
use shuttle::rand::{thread_rng, RngCore};
use shuttle::sync::Arc;

const CLIENTS: u8 = 4;
const OPS: usize = 12;

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
pub fn execution(mode: Mode, protocol: Protocol, faults: Faults) -> common::Judgement {
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

pub fn clean_execution(mode: Mode, protocol: Protocol) {
    let j = execution(mode, protocol, Faults::Mixed);
    assert!(
        j.is_clean(),
        "{mode} {:?}: {:?} violated\n{}",
        protocol,
        j.violated,
        j.explain()
    );
}

pub fn protocol(witness_order: WitnessOrder, repair: Repair, mutant: Option<Mutant>) -> Protocol {
    Protocol {
        variant: Variant {
            witness_order,
            repair,
        },
        mutant,
    }
}
