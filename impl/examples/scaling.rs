//! 1 → 2 thread scaling of the criterion group `mixed_read_heavy`'s workload, next to workloads
//! that share less, so that the cache's own scaling can be told apart from the machine's ceiling.
//! Without hardware counters (this VM exposes none, so `perf c2c` cannot run) this is how
//! cache-line ping-pong shows: a workload that only writes lines private to each thread sets the
//! ceiling, and every shared line a workload writes takes it further below that.
//!
//! ```text
//! cargo run --release -p index-cache --example scaling -- [ROUNDS] [OPS] [NAME FILTER]
//! ```
//! Each round runs every workload (whose name contains the filter) with 1 then 2 threads, OPS
//! operations (default 20 000, as the bench) split between them, 200 batches each, threads spawned
//! per batch. It prints the ratio timed as the bench does (from when every thread runs) and timed
//! with spawning and joining (as the bench did before), then the median ratios over the rounds.
//! `SCALING_ONLY=2` (or `1`) runs only the 2-thread (1-thread) batches, to profile them alone
//! with `perf record -e cpu-clock` and compare the two profiles; `SCALING_QUANTILE` picks another quantile than the median.

use index_cache::{Config, Entry, IndexCache, Location, Mode, NodeId};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

#[path = "../benches/workload/mod.rs"]
mod workload;
use workload::{bare_map, keys, ops};

const BATCHES: usize = 200;

type Workload = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// A named workload and what to do between batches, outside the timing (the bench drains the
/// replication queue there).
struct Named {
    name: &'static str,
    work: Workload,
    after: Box<dyn Fn()>,
}

fn named(name: &'static str, work: Workload) -> Named {
    Named {
        name,
        work,
        after: Box::new(|| ()),
    }
}

fn workloads() -> Vec<Named> {
    let keys = Arc::new(keys());
    let map: HashMap<String, Entry> = bare_map(&keys);
    let shared = Arc::new(RwLock::new(map.clone()));
    let unlocked = Arc::new(map.clone());
    let mut out: Vec<Named> = Vec::new();
    out.push(named(
        "no operations (spawn + join only)",
        Arc::new(|_, _| ()),
    ));
    let k = Arc::clone(&keys);
    let private = [map.clone(), map.clone()];
    out.push(named(
        "private HashMap per thread, reads",
        Arc::new(move |t, n| {
            let own = &private[t as usize];
            ops(t, n, |i, _, _| {
                black_box(own.get(&k[i]));
            })
        }),
    ));
    let k = Arc::clone(&keys);
    out.push(named(
        "shared HashMap, no lock, reads",
        Arc::new(move |t, n| {
            ops(t, n, |i, _, _| {
                black_box(unlocked.get(&k[i]));
            })
        }),
    ));
    let k = Arc::clone(&keys);
    out.push(named(
        "shared RwLock<HashMap>, reads",
        Arc::new(move |t, n| {
            ops(t, n, |i, _, _| {
                black_box(shared.read().expect("not poisoned").get(&k[i]).copied());
            })
        }),
    ));
    for mode in [Mode::Strong, Mode::Eventual] {
        let cache = Arc::new(IndexCache::new(Config::new(3, mode)).expect("valid"));
        for (i, key) in keys.iter().enumerate() {
            cache
                .put_via(NodeId(0), key, Location(i as u64))
                .expect("valid");
        }
        cache.drain_replication();
        let (c, k) = (Arc::clone(&cache), Arc::clone(&keys));
        out.push(named(
            if mode == Mode::Strong {
                "IndexCache strong, reads"
            } else {
                "IndexCache eventual, reads"
            },
            Arc::new(move |t, n| {
                ops(t, n, |i, _, _| {
                    black_box(c.read(&k[i]).expect("valid"));
                })
            }),
        ));
        if mode == Mode::Strong {
            // The bench's mix, but each thread on its own half of the keys: what is left of the
            // 2-thread cost when no entry, slot or map node is written by one core and read by
            // the other (locks and queues are still shared).
            let (c, k) = (Arc::clone(&cache), Arc::clone(&keys));
            out.push(named(
                "IndexCache strong, 95/5, disjoint keys",
                Arc::new(move |t, n| {
                    ops(t, n, |i, write, x| {
                        let key = &k[(i / 2) * 2 + t as usize];
                        if write {
                            black_box(c.put(key, Location(x)).expect("valid"));
                        } else {
                            black_box(c.read(key).expect("valid"));
                        }
                    });
                }),
            ));
        }
        let (c, k) = (Arc::clone(&cache), Arc::clone(&keys));
        let mut mixed = named(
            if mode == Mode::Strong {
                "IndexCache strong, 95/5 (the bench)"
            } else {
                "IndexCache eventual, 95/5 (the bench)"
            },
            Arc::new(move |t, n| {
                ops(t, n, |i, write, x| {
                    if write {
                        black_box(c.put(&k[i], Location(x)).expect("valid"));
                    } else {
                        black_box(c.read(&k[i]).expect("valid"));
                    }
                });
            }),
        );
        mixed.after = Box::new(move || {
            cache.drain_replication();
        });
        out.push(mixed);
    }
    out
}

/// Which quantile of the batch times is reported: the median (0.5) by default; on a machine other
/// work shares, `SCALING_QUANTILE=0.1` picks the batches that ran undisturbed (a guide for
/// development, not a figure to cite).
fn quantile() -> f64 {
    std::env::var("SCALING_QUANTILE")
        .ok()
        .and_then(|q| q.parse().ok())
        .filter(|q| (0.0..=1.0).contains(q))
        .unwrap_or(0.5)
}

/// `SCALING_ONLY`: run only batches of this many threads (1 or 2).
fn only_threads() -> Option<u64> {
    std::env::var("SCALING_ONLY")
        .ok()
        .and_then(|t| t.parse().ok())
        .filter(|t| (1..=2).contains(t))
}

/// A quantile (see [`quantile`]) over batches of `ops` operations split over `threads`: the time from the moment every
/// thread runs to the last one's end (what the criterion bench times), and the wall time
/// including spawning and joining (what it timed before).
fn batch(work: &Workload, ops: u64, threads: u64, after: &dyn Fn()) -> (Duration, Duration) {
    let (mut spans, mut walls): (Vec<Duration>, Vec<Duration>) = (0..BATCHES)
        .map(|_| {
            let wall = Instant::now();
            let ready = Arc::new(AtomicU64::new(0));
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    let (work, ready) = (Arc::clone(work), Arc::clone(&ready));
                    std::thread::spawn(move || {
                        ready.fetch_add(1, Ordering::SeqCst);
                        while ready.load(Ordering::SeqCst) < threads {
                            std::hint::spin_loop();
                        }
                        let start = Instant::now();
                        work(t, ops / threads);
                        (start, Instant::now())
                    })
                })
                .collect();
            let times: Vec<(Instant, Instant)> = workers
                .into_iter()
                .map(|w| w.join().expect("worker"))
                .collect();
            let wall = wall.elapsed();
            let start = times.iter().map(|t| t.0).min().expect("a thread");
            let end = times.iter().map(|t| t.1).max().expect("a thread");
            after();
            (end - start, wall)
        })
        .unzip();
    spans.sort();
    walls.sort();
    let at = |v: &[Duration]| v[((v.len() - 1) as f64 * quantile()) as usize];
    (at(&spans), at(&walls))
}

fn main() {
    let arg = |i: usize, default: u64| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (rounds, ops) = (arg(1, 3) as usize, arg(2, 20_000));
    let only = std::env::args().nth(3).unwrap_or_default();
    let workloads: Vec<Named> = workloads()
        .into_iter()
        .filter(|w| w.name.contains(&only))
        .collect();
    let mut ratios = vec![Vec::new(); workloads.len()];
    let ns = |d: Duration| d.as_nanos() as f64 / ops as f64;
    for _ in 0..rounds {
        for (w, Named { name, work, after }) in workloads.iter().enumerate() {
            if let Some(threads) = only_threads() {
                // For `perf record`: only batches of one size, so every sample is one of them.
                batch(work, ops, threads, after);
                continue;
            }
            let (one, one_wall) = batch(work, ops, 1, after);
            let (two, two_wall) = batch(work, ops, 2, after);
            let ratio = one.as_secs_f64() / two.as_secs_f64();
            let wall_ratio = one_wall.as_secs_f64() / two_wall.as_secs_f64();
            println!(
                "{name:40} {:6.1} -> {:6.1} ns/op {ratio:.2}x | with spawn+join {:6.1} -> {:6.1} {wall_ratio:.2}x",
                ns(one),
                ns(two),
                ns(one_wall),
                ns(two_wall),
            );
            ratios[w].push((ratio, wall_ratio));
        }
    }
    println!("median over {rounds} rounds (threads running / with spawn+join):");
    for (w, Named { name, .. }) in workloads.iter().enumerate() {
        let r = &mut ratios[w];
        if r.is_empty() {
            continue;
        }
        let mut running: Vec<f64> = r.iter().map(|x| x.0).collect();
        let mut wall: Vec<f64> = r.iter().map(|x| x.1).collect();
        running.sort_by(f64::total_cmp);
        wall.sort_by(f64::total_cmp);
        println!(
            "{name:40} {:.2}x / {:.2}x",
            running[running.len() / 2],
            wall[wall.len() / 2]
        );
    }
}
