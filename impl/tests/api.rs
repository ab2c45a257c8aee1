//! The public API on std: bad input is a typed error, the seed's operations behave as documented,
//! partitions and prefixes, the background replicator, and replica lag (A8) in both modes.
#![cfg(all(not(loom), not(feature = "shuttle")))]

mod common;

use index_cache::recorder::RecordError;
use index_cache::{Config, Error, IndexCache, Location, Mode, NodeId, Partition, Recorder};
use std::sync::Arc;
use witness_model::history::{ClientId, Key, Observed};
use witness_model::properties::{replica, Monitor, PropertyId};

fn strong(nodes: usize) -> IndexCache {
    IndexCache::new(Config::new(nodes, Mode::Strong)).expect("valid")
}

#[test]
fn bad_input_is_a_typed_error_never_a_panic() {
    assert_eq!(
        IndexCache::new(Config::new(0, Mode::Strong)).err(),
        Some(Error::ZeroNodes)
    );
    let cache = strong(2);
    assert_eq!(cache.put("", Location(1)), Err(Error::EmptyKey));
    assert_eq!(cache.read(""), Err(Error::EmptyKey));
    assert_eq!(cache.delete(""), Err(Error::EmptyKey));
    assert_eq!(
        cache.read_via(NodeId(2), "k"),
        Err(Error::UnknownNode {
            node: NodeId(2),
            nodes: 2
        })
    );
    assert!(cache.put_via(NodeId(9), "k", Location(1)).is_err());
    assert!(cache.list_via(NodeId(9), "").is_err());
    assert!(cache.evict(NodeId(9), "k").is_err());
    assert!(cache.restart_node(NodeId(9)).is_err());
    let mut config = Config::new(2, Mode::Strong);
    config.partitions = vec![Partition::range("a", Some("m"))];
    let narrow = IndexCache::new(config).expect("valid");
    assert_eq!(
        narrow.put("zebra", Location(1)),
        Err(Error::OutsidePartitions {
            key: "zebra".into()
        })
    );
    assert!(matches!(
        narrow.list("z"),
        Err(Error::OutsidePartitions { .. })
    ));
    // A rejected operation leaves no trace in a recorded history.
    let recorded = IndexCache::builder(Config::new(1, Mode::Strong))
        .recorder(Recorder::new())
        .build()
        .expect("valid");
    assert!(recorded.client(ClientId(0)).read(NodeId(0), "").is_err());
    assert!(recorded
        .client(ClientId(0))
        .put(NodeId(3), "k", Location(1))
        .is_err());
    assert_eq!(recorded.recorder().expect("set").history(), Ok(vec![]));
    // Errors read as sentences.
    assert!(Error::UnknownNode {
        node: NodeId(2),
        nodes: 2
    }
    .to_string()
    .contains("cache node 3"));
}

#[test]
fn seed_operations_in_strong_mode() {
    let cache = strong(3);
    assert_eq!(
        cache.read("photos/cat").expect("valid"),
        index_cache::Entry::NEVER_WRITTEN
    );
    let v1 = cache.put("photos/cat", Location(10)).expect("valid");
    assert_eq!(v1, 1);
    // Every node the key is spread over answers the new version, including ones that cached the
    // miss before the write.
    for node in cache.nodes_for("photos/cat").expect("valid") {
        let entry = cache.read_via(node, "photos/cat").expect("valid");
        assert_eq!((entry.seq, entry.location), (1, Some(Location(10))));
    }
    for node in 0..3 {
        cache.read_via(NodeId(node), "photos/cat").expect("valid");
    }
    let v2 = cache.put("photos/cat", Location(11)).expect("valid");
    for node in 0..3 {
        let entry = cache.read_via(NodeId(node), "photos/cat").expect("valid");
        assert_eq!((entry.seq, entry.location), (v2, Some(Location(11))));
    }
    cache.put("photos/dog", Location(12)).expect("valid");
    cache.put("videos/cat", Location(13)).expect("valid");
    let v3 = cache.delete("photos/cat").expect("valid");
    assert_eq!(v3, 3);
    for node in 0..3 {
        let entry = cache.read_via(NodeId(node), "photos/cat").expect("valid");
        assert!(!entry.exists());
        assert_eq!(entry.seq, 3);
    }
    let listed = cache.list("photos/").expect("valid");
    let present: Vec<&str> = listed
        .iter()
        .filter(|(_, e)| e.exists())
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(present, vec!["photos/dog"]);
    // The tombstone is reported, so an omission can be told apart from a stale listing.
    assert_eq!(listed.get("photos/cat").map(|e| e.seq), Some(3));
}

/// The ring: keys spread over every node, a key's nodes are its home and the next ones, and reads
/// through the ring rotate over them (seen in eventual mode, where a node that missed a write
/// still serves the old version).
#[test]
fn the_ring_spreads_keys_and_reads_rotate_over_a_keys_nodes() {
    let cache = IndexCache::new(Config::new(3, Mode::Eventual)).expect("valid");
    let mut homes = std::collections::BTreeSet::new();
    for i in 0..60 {
        let key = format!("bucket/{i}");
        let home = cache.node_for(&key).expect("valid");
        let spread = cache.nodes_for(&key).expect("valid");
        assert_eq!(spread, vec![home, NodeId((home.0 + 1) % 3)], "{key}");
        homes.insert(home);
    }
    assert_eq!(homes.len(), 3, "60 keys land on every node");
    // FNV-1a is stable across processes: this key's home never moves (FNV-1a of "k0" is
    // 0x08be_0e07_b562_230e, which is 1 modulo 3).
    assert_eq!(cache.node_for("k0"), Ok(NodeId(1)));
    let key = "photos/cat";
    cache.put(key, Location(1)).expect("valid");
    for _ in 0..2 {
        cache.read(key).expect("valid");
    }
    let v2 = cache.put(key, Location(2)).expect("valid");
    let seen: std::collections::BTreeSet<u64> = (0..2)
        .map(|_| cache.read(key).expect("valid").seq)
        .collect();
    assert_eq!(
        seen,
        [1, v2].into(),
        "one read per spread node: the home and the stale one"
    );
    // The stale one is the key's second node: ring reads filled it before the second write.
    let second = cache.nodes_for(key).expect("valid")[1];
    assert_eq!(cache.read_via(second, key).map(|e| e.seq), Ok(1));
}

/// Replication messages wait in queue order; a delivery at any index takes that one (or keeps it
/// for a duplicate), and the replica keeps the newest version.
#[test]
fn replication_is_delivered_from_any_position_of_the_queue() {
    let cache = strong(2);
    cache.put("k", Location(1)).expect("valid");
    cache.put("k", Location(2)).expect("valid");
    let pending = cache.pending_replication();
    assert_eq!(pending, vec![("k".to_string(), 1), ("k".to_string(), 2)]);
    assert!(!cache.replica_converged(), "nothing delivered yet");
    assert_eq!(cache.deliver_replication(1, true).map(|e| e.seq), Some(2));
    assert_eq!(cache.pending_replication().len(), 2, "kept for a duplicate");
    assert_eq!(cache.deliver_replication(0, false).map(|e| e.seq), Some(2));
    assert_eq!(cache.pending_replication(), vec![("k".to_string(), 2)]);
    assert_eq!(cache.deliver_replication(5, false), None);
    assert_eq!(cache.drain_replication(), 1);
    assert!(cache.replica_converged());
}

#[test]
fn the_protocol_switch_is_reported() {
    use index_cache::{Mutant, Protocol, Variant};
    let protocol = Protocol {
        variant: Variant::WITH_COMMIT,
        mutant: Some(Mutant::ListIgnoresWitness),
    };
    let cache = IndexCache::builder(Config::new(1, Mode::Strong))
        .protocol(protocol)
        .build()
        .expect("valid");
    assert_eq!(cache.protocol(), protocol);
    assert_eq!(strong(1).protocol(), Protocol::default());
}

#[test]
fn eventual_mode_serves_stale_entries_strong_mode_does_not() {
    for (mode, expect_stale) in [(Mode::Eventual, true), (Mode::Strong, false)] {
        let cache = IndexCache::new(Config::new(2, mode)).expect("valid");
        cache.put_via(NodeId(0), "k", Location(1)).expect("valid");
        cache.read_via(NodeId(1), "k").expect("valid");
        cache.put_via(NodeId(0), "k", Location(2)).expect("valid");
        let seen = cache.read_via(NodeId(1), "k").expect("valid");
        assert_eq!(seen.seq == 1, expect_stale, "{mode}");
    }
}

#[test]
fn several_partitions_list_and_route() {
    let mut config = Config::new(2, Mode::Strong);
    config.partitions = vec![Partition::range("", Some("m")), Partition::range("m", None)];
    let cache = IndexCache::new(config).expect("valid");
    for key in ["apple", "lemon", "mango", "zebra"] {
        cache.put(key, Location(1)).expect("valid");
    }
    let all: Vec<String> = cache.list("").expect("valid").into_keys().collect();
    assert_eq!(all, ["apple", "lemon", "mango", "zebra"]);
    let m: Vec<String> = cache.list("m").expect("valid").into_keys().collect();
    assert_eq!(m, ["mango"]);
    cache.list_via(NodeId(1), "").expect("valid");
    cache.delete("lemon").expect("valid");
    cache.put("kiwi", Location(2)).expect("valid");
    let listed = cache.list_via(NodeId(1), "").expect("valid");
    assert!(listed.get("kiwi").is_some_and(|e| e.exists()));
    assert!(listed.get("lemon").is_some_and(|e| !e.exists()));
}

#[test]
fn witness_restart_costs_a_reload_not_a_stale_read() {
    let cache = strong(2);
    cache.put_via(NodeId(0), "k", Location(1)).expect("valid");
    cache.read_via(NodeId(1), "k").expect("valid");
    cache.put_via(NodeId(0), "k", Location(2)).expect("valid");
    cache.restart_witness();
    assert_eq!(cache.witness_known("k"), Ok(None));
    assert_eq!(cache.read_via(NodeId(1), "k").map(|e| e.seq), Ok(2));
    // The reload taught the witness again.
    assert_eq!(cache.witness_known("k"), Ok(Some(2)));
}

#[test]
fn background_replicator_converges_and_replica_lag_is_reachable_in_both_modes() {
    for mode in [Mode::Strong, Mode::Eventual] {
        let cache = Arc::new(
            IndexCache::builder(Config::new(2, mode))
                .recorder(Recorder::with_keys(&["k"]))
                .build()
                .expect("valid"),
        );
        // A8: acknowledged in-region, the replica still holds nothing — judged with the shared
        // `replica::lags` on the monitor's summary of the recorded history.
        cache
            .client(ClientId(0))
            .put(NodeId(0), "k", Location(1))
            .expect("valid");
        let mut monitor = Monitor::new();
        for event in cache.recorder().expect("set").history().expect("ok") {
            monitor.observe_quietly(&event).expect("well formed");
        }
        assert!(replica::lags(
            monitor.acked(Key(0)),
            monitor.replica(Key(0))
        ));
        assert_eq!(cache.replica().read("k").seq, 0);
        let handle = cache.spawn_replicator();
        for i in 2..50 {
            cache
                .client(ClientId(0))
                .put(NodeId(0), "k", Location(i))
                .expect("valid");
        }
        handle.stop();
        assert!(cache.pending_replication().is_empty());
        assert!(cache.replica_converged());
        assert_eq!(cache.replica().read("k").location, Some(Location(49)));
        let checked = common::judge(&cache);
        assert!(
            !checked.violated.contains(&PropertyId::ReplicaMonotonic),
            "{}",
            checked.explain()
        );
    }
}

/// Dropping the handle (not only `stop`) ends the replicator: it delivers what is queued and its
/// thread lets go of the cache. (cargo-mutants: `Drop for ReplicatorHandle` emptied survived.)
#[test]
fn dropping_the_replicator_handle_delivers_the_queue_and_ends_the_thread() {
    let cache = Arc::new(strong(2));
    let handle = cache.spawn_replicator();
    for i in 0..100 {
        cache.put(&format!("k{i}"), Location(i)).expect("valid");
    }
    drop(handle);
    assert!(cache.pending_replication().is_empty());
    assert!(cache.replica_converged());
    assert_eq!(
        Arc::strong_count(&cache),
        1,
        "the replicator thread still holds the cache"
    );
}

/// A recording that cannot become a history says why. (cargo-mutants: an empty message survived.)
#[test]
fn a_record_error_names_its_limit() {
    assert_eq!(
        RecordError::TooManyKeys.to_string(),
        "a history can name at most 2^32 keys"
    );
}

#[test]
fn recorded_history_uses_the_model_vocabulary() {
    let cache = IndexCache::builder(Config::new(2, Mode::Strong))
        .recorder(Recorder::with_keys(&["a", "b"]))
        .build()
        .expect("valid");
    let client = cache.client(ClientId(1));
    client.put(NodeId(0), "b", Location(1)).expect("valid");
    client.read(NodeId(1), "b").expect("valid");
    client.delete(NodeId(1), "b").expect("valid");
    client.list(NodeId(0)).expect("valid");
    let history = cache.recorder().expect("set").history().expect("ok");
    let text: Vec<String> = history.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        text,
        [
            "client 2 invokes PUT k1",
            "client 2 ← ack v1",
            "client 2 invokes GET k1",
            "client 2 ← v1",
            "client 2 invokes DELETE k1",
            "client 2 ← ack v2",
            "client 2 invokes LIST",
            "client 2 ← []",
        ]
    );
    let verdict = witness_model::properties::check_history(&history).expect("well formed");
    assert!(verdict.is_clean());
    assert_eq!(
        cache.recorder().expect("set").key("b"),
        Key(1),
        "keys are interned in the order given"
    );
    let _ = Observed::NEVER_WRITTEN;
}

#[test]
fn recorded_histories_have_no_size_limit() {
    // Beyond the 256 keys and v255 a byte-wide history once held.
    let cache = IndexCache::builder(Config::new(2, Mode::Strong))
        .recorder(Recorder::new())
        .build()
        .expect("valid");
    let client = cache.client(ClientId(0));
    for i in 0..300u64 {
        client
            .put(NodeId(0), &format!("key/{i}"), Location(i))
            .expect("valid");
        client.put(NodeId(1), "hot", Location(i)).expect("valid");
    }
    client.read(NodeId(0), "hot").expect("valid");
    let recorder = cache.recorder().expect("set");
    let history = recorder.history().expect("no limit");
    assert_eq!(recorder.name(Key(300)).as_deref(), Some("key/299"));
    assert_eq!(
        history.last().map(|e| e.to_string()).as_deref(),
        Some("client 1 ← v300")
    );
    let verdict = witness_model::properties::check_history(&history).expect("well formed");
    assert!(verdict.is_clean(), "{:?}", verdict.findings);
}
