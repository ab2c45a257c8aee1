//! Instruction counts of one read hit, for `valgrind --tool=callgrind`, which counts instructions
//! whatever the machine's load (criterion's times are noisy on a shared machine). The same 1000
//! keys and lookups as the criterion group `read_hit`.
//!
//! ```text
//! cargo build --release -p index-cache --example read_hit_cost
//! valgrind --tool=callgrind --toggle-collect='*hit_loop*' \
//!     target/release/examples/read_hit_cost strong 100000
//! ```
//! Divide the collected `Ir` by the iteration count: instructions per read hit. The argument is
//! `strong`, `eventual` or `rwlock_hashmap` (the bare-map floor).

use index_cache::{Config, Entry, IndexCache, Location, Mode, NodeId};
use std::collections::HashMap;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::RwLock;

const KEYS: usize = 1000;

fn keys() -> Vec<String> {
    (0..KEYS)
        .map(|i| format!("bucket/photos/{i:06}.jpg"))
        .collect()
}

#[inline(never)]
fn hit_loop_cache(cache: &IndexCache, keys: &[String], iterations: usize) {
    for i in 0..iterations {
        let key = &keys[i % KEYS];
        black_box(cache.read_via(NodeId(0), black_box(key)).ok());
    }
}

#[inline(never)]
fn hit_loop_map(map: &RwLock<HashMap<String, Entry>>, keys: &[String], iterations: usize) {
    for i in 0..iterations {
        let key = &keys[i % KEYS];
        let guard = map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        black_box(guard.get(black_box(key.as_str())).copied());
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(what), Some(Ok(iterations))) = (args.first(), args.get(1).map(|n| n.parse())) else {
        eprintln!("usage: read_hit_cost strong|eventual|rwlock_hashmap ITERATIONS");
        return ExitCode::from(2);
    };
    let keys = keys();
    let mode = match what.as_str() {
        "strong" => Mode::Strong,
        "eventual" => Mode::Eventual,
        "rwlock_hashmap" => {
            let map = RwLock::new(
                keys.iter()
                    .enumerate()
                    .map(|(i, k)| {
                        let entry = Entry {
                            seq: 1,
                            location: Some(Location(i as u64)),
                        };
                        (k.clone(), entry)
                    })
                    .collect(),
            );
            hit_loop_map(&map, &keys, iterations);
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("unknown target {other:?}: expected strong, eventual or rwlock_hashmap");
            return ExitCode::from(2);
        }
    };
    let Ok(cache) = IndexCache::new(Config::new(3, mode)) else {
        eprintln!("the benchmark's configuration is invalid");
        return ExitCode::FAILURE;
    };
    for (i, key) in keys.iter().enumerate() {
        if cache.put_via(NodeId(0), key, Location(i as u64)).is_err() {
            eprintln!("PUT {key} failed");
            return ExitCode::FAILURE;
        }
    }
    cache.drain_replication();
    hit_loop_cache(&cache, &keys, iterations);
    ExitCode::SUCCESS
}
