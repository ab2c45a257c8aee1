//! A versioned history far beyond the model's sizes: a million events, 10,000 string keys,
//! versions in the thousands, streamed (never held in memory) through `check_history_stream`.

#[path = "support/synthetic.rs"]
mod synthetic;

use std::io::BufReader;
use synthetic::{Shape, Synthetic};
use witness_model::history::Observed;
use witness_model::properties::{check_history_stream, PropertyId};

#[test]
fn a_clean_million_event_history_holds() {
    let verdict = check_history_stream(BufReader::new(Synthetic::new(Shape::million())))
        .expect("well formed");
    assert_eq!(verdict.events, 1_000_000);
    assert_eq!(verdict.names.keys.len(), 10_000);
    assert_eq!(verdict.names.clients.len(), 10);
    assert!(
        verdict.is_clean(),
        "{:?}",
        &verdict.findings[..5.min(verdict.findings.len())]
    );
    assert!(verdict.anomalies.is_empty());
}

#[test]
fn one_stale_read_among_a_million_events_is_found_where_it_is() {
    let shape = Shape {
        stale_after: Some(700_000),
        ..Shape::million()
    };
    let mut source = Synthetic::new(shape);
    let verdict = check_history_stream(BufReader::new(&mut source)).expect("well formed");
    let injected = source
        .injected
        .expect("an eligible GET after event 700,000");
    assert!(injected.floor_seq > 255, "{injected:?}");
    assert_eq!(verdict.violated, expected_violations(&injected));
    let mut anomalies = vec![PropertyId::NegativeCacheMiss];
    if injected.last_read > 0 {
        anomalies.push(PropertyId::NonMonotonicRead);
    }
    assert_eq!(verdict.anomalies, anomalies);
    assert!(verdict
        .findings
        .iter()
        .all(|f| f.event_index == injected.index));
    let raw = &verdict.findings[0];
    assert_eq!(raw.property, PropertyId::ReadAfterWrite);
    assert_eq!(
        (raw.required, raw.got),
        (
            Observed {
                seq: injected.floor_seq,
                exists: true
            },
            Observed::NEVER_WRITTEN
        )
    );
    assert_eq!(verdict.names.key(raw.key).to_string(), injected.key);
    assert_eq!(
        verdict.describe(raw),
        format!(
            "read-after-write: client p{} GET {} → absent, but v{} was acknowledged before the GET began",
            injected.client, injected.key, injected.floor_seq
        )
    );
}

/// What a GET answered "not found" breaks besides read-after-write and linearizable: the
/// client's own earlier write of the key, and its own earlier read of it.
fn expected_violations(injected: &synthetic::Injected) -> Vec<PropertyId> {
    let mut expected = vec![PropertyId::ReadAfterWrite];
    if injected.own_write > 0 {
        expected.push(PropertyId::ReadYourWrites);
    }
    if injected.last_read > 0 {
        expected.push(PropertyId::MonotonicReads);
    }
    expected.push(PropertyId::Linearizable);
    expected
}

#[test]
fn the_array_form_streams_to_the_same_verdict() {
    let shape = Shape {
        events: 100_000,
        stale_after: Some(60_000),
        array: true,
        ..Shape::million()
    };
    let mut source = Synthetic::new(shape);
    let verdict = check_history_stream(BufReader::new(&mut source)).expect("well formed");
    let injected = source.injected.expect("injected");
    assert_eq!(verdict.events, 100_000);
    assert_eq!(verdict.findings[0].event_index, injected.index);
    assert_eq!(verdict.violated, expected_violations(&injected));
}
