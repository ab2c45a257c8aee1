//! Throughput of judging a recorded history: a generated linearizable history of 1M events
//! (10,000 string keys, 10 clients, versions in the thousands; model/tests/support/synthetic.rs),
//! already in memory so that disk speed does not count.
//!
//! - `parse_only`: serde_json skipping every line (`IgnoredAny`): the floor for any JSON reader,
//!   measured in the same run as the baseline.
//! - `stream_lines`, `stream_array`: `check_history_stream`, the CLI's path: parse, intern names,
//!   every property rule, the phantom-read check.
//! - `checker_only`: the same events already parsed, through `HistoryChecker` (the monitor and
//!   the phantom-read check, no JSON).
//!
//! Run: `cargo bench -p witness-model --bench history_stream` (figures in docs/benchmarks.md).

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::io::Read;
use std::time::Duration;
use synthetic::{Shape, Synthetic};
use witness_model::history::Event;
use witness_model::history_json::read_events;
use witness_model::names::Names;
use witness_model::properties::{check_history_stream, HistoryChecker};

const EVENTS: usize = 1_000_000;

fn generated(array: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    Synthetic::new(Shape {
        events: EVENTS,
        array,
        ..Shape::million()
    })
    .read_to_end(&mut bytes)
    .expect("generated in memory");
    bytes
}

fn history(c: &mut Criterion) {
    let lines = generated(false);
    let array = generated(true);
    let mut events: Vec<Event> = Vec::with_capacity(EVENTS);
    read_events(&lines[..], &mut Names::default(), &mut |e| {
        events.push(e);
        Ok::<(), ()>(())
    })
    .expect("readable")
    .expect("collected");

    let mut group = c.benchmark_group("history_1m_events");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("parse_only", |b| {
        b.iter(|| {
            let mut n = 0;
            for line in lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                let _: serde::de::IgnoredAny = serde_json::from_slice(line).expect("JSON");
                n += 1;
            }
            black_box(n)
        })
    });
    group.bench_function("stream_lines", |b| {
        b.iter(|| {
            let verdict = check_history_stream(&lines[..]).expect("well formed");
            assert!(verdict.is_clean());
            black_box(verdict.events)
        })
    });
    group.bench_function("stream_array", |b| {
        b.iter(|| {
            let verdict = check_history_stream(&array[..]).expect("well formed");
            assert!(verdict.is_clean());
            black_box(verdict.events)
        })
    });
    group.bench_function("checker_only", |b| {
        b.iter(|| {
            let mut checker = HistoryChecker::default();
            for event in &events {
                checker.observe(event).expect("well formed");
            }
            let verdict = checker.finish(Names::default());
            assert!(verdict.is_clean());
            black_box(verdict.events)
        })
    });
    group.finish();
}

criterion_group!(benches, history);
criterion_main!(benches);
