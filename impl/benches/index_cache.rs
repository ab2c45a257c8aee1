//! Criterion benchmarks of the index cache's paths, strong against eventual, with a plain
//! `RwLock<HashMap>` lookup as the floor for a read hit.
//!
//! Run: `CARGO_TARGET_DIR=target/impl-dev cargo bench -p index-cache --bench index_cache`
//! (figures in docs/impl.md).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use index_cache::{Config, Entry, IndexCache, Location, Mode, NodeId};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

mod workload;
use workload::{bare_map, keys, ops, KEYS};

const N0: NodeId = NodeId(0);

fn cache(mode: Mode, keys: &[String]) -> IndexCache {
    let cache = IndexCache::new(Config::new(3, mode)).expect("valid");
    for (i, key) in keys.iter().enumerate() {
        cache.put_via(N0, key, Location(i as u64)).expect("valid");
    }
    cache.drain_replication();
    cache
}

fn read_hit(c: &mut Criterion) {
    let keys = keys();
    let mut group = c.benchmark_group("read_hit");
    for mode in [Mode::Strong, Mode::Eventual] {
        let cache = cache(mode, &keys);
        let mut i = 0;
        group.bench_function(mode.name(), |b| {
            b.iter(|| {
                i = (i + 1) % KEYS;
                black_box(cache.read_via(N0, black_box(&keys[i])).expect("valid"))
            })
        });
    }
    let baseline: RwLock<HashMap<String, Entry>> = RwLock::new(bare_map(&keys));
    let mut i = 0;
    group.bench_function("rwlock_hashmap", |b| {
        b.iter(|| {
            i = (i + 1) % KEYS;
            let map = baseline.read().expect("not poisoned");
            black_box(map.get(black_box(&keys[i])).copied())
        })
    });
    group.finish();
}

fn read_miss(c: &mut Criterion) {
    let keys = keys();
    let mut group = c.benchmark_group("read_miss");
    for mode in [Mode::Strong, Mode::Eventual] {
        let cache = cache(mode, &keys);
        let mut i = 0;
        group.bench_function(mode.name(), |b| {
            b.iter_batched(
                || {
                    i = (i + 1) % KEYS;
                    cache.evict(N0, &keys[i]).expect("valid");
                    i
                },
                |i| black_box(cache.read_via(N0, &keys[i]).expect("valid")),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn put(c: &mut Criterion) {
    let keys = keys();
    let mut group = c.benchmark_group("put");
    for mode in [Mode::Strong, Mode::Eventual] {
        let cache = cache(mode, &keys);
        group.bench_function(mode.name(), |b| {
            b.iter_custom(|iters| {
                let mut elapsed = Duration::ZERO;
                let mut n = 0;
                while n < iters {
                    let chunk = (iters - n).min(1024);
                    let start = Instant::now();
                    for m in n..n + chunk {
                        let key = &keys[(m as usize) % KEYS];
                        black_box(cache.put_via(N0, key, Location(m)).expect("valid"));
                    }
                    elapsed += start.elapsed();
                    n += chunk;
                    // Replication is asynchronous: draining the queue is not part of a PUT, and
                    // draining often keeps the queue from growing into the measurement.
                    cache.drain_replication();
                }
                elapsed
            })
        });
    }
    group.finish();
}

fn list(c: &mut Criterion) {
    let keys: Vec<String> = keys().into_iter().take(100).collect();
    let mut group = c.benchmark_group("list_100_keys");
    for mode in [Mode::Strong, Mode::Eventual] {
        let cache = cache(mode, &keys);
        cache.list_via(N0, "").expect("valid");
        group.bench_function(mode.name(), |b| {
            b.iter(|| black_box(cache.list_via(N0, "bucket/").expect("valid").len()))
        });
    }
    group.finish();
}

/// Runs `work(t)` on `threads` new threads and returns the time from the moment all of them are
/// running to the moment the last one finishes. Spawning and joining stay outside the timing:
/// they cost ~50 µs per batch here, which alone capped a perfect 2-thread speed-up of a 20 000
/// operation batch near 1.7x, so a scaling figure would have measured thread creation.
fn timed_on_threads(threads: u64, work: impl Fn(u64) + Send + Sync + 'static) -> Duration {
    let work = Arc::new(work);
    let ready = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (work, ready) = (Arc::clone(&work), Arc::clone(&ready));
            std::thread::spawn(move || {
                ready.fetch_add(1, Ordering::SeqCst);
                while ready.load(Ordering::SeqCst) < threads {
                    std::hint::spin_loop();
                }
                let start = Instant::now();
                work(t);
                (start, Instant::now())
            })
        })
        .collect();
    let spans: Vec<(Instant, Instant)> = workers
        .into_iter()
        .map(|w| w.join().expect("worker"))
        .collect();
    let start = spans.iter().map(|s| s.0).min().expect("one thread");
    let end = spans.iter().map(|s| s.1).max().expect("one thread");
    end - start
}

/// 95% GET / 5% PUT through the ring (`read`/`put`), `threads` clients splitting the operations.
fn mixed(c: &mut Criterion) {
    let keys = Arc::new(keys());
    let mut group = c.benchmark_group("mixed_read_heavy");
    const OPS: u64 = 20_000;
    group.throughput(Throughput::Elements(OPS));
    for mode in [Mode::Strong, Mode::Eventual] {
        let cache = Arc::new(cache(mode, &keys));
        for threads in [1u64, 2] {
            let name = format!("{}/{threads}_thread", mode.name());
            group.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let (shared, keys) = (Arc::clone(&cache), Arc::clone(&keys));
                        total += timed_on_threads(threads, move |t| {
                            let cache = &shared;
                            ops(t, OPS / threads, |i, write, x| {
                                let key = &keys[i];
                                if write {
                                    black_box(cache.put(key, Location(x)).expect("valid"));
                                } else {
                                    black_box(cache.read(key).expect("valid"));
                                }
                            });
                        });
                        cache.drain_replication();
                    }
                    total
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = read_hit, read_miss, put, list, mixed
}
criterion_main!(benches);
