//! Exhaustive interleavings of small scenarios under loom, each judged by the model crate's shared
//! property checkers on the recorded history.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom \
//!       cargo test -p index-cache --release --test loom`
//!
//! Each harness is a sequential setup (part of every execution), 2–3 threads, and sequential
//! follow-up operations after the join (a GET or LIST invoked after every acknowledgement, which
//! is what read-after-write speaks about). Every execution is judged; violations are collected
//! across executions outside the model, so a harness can assert both "clean in every execution"
//! (strong mode, proved variants) and "reachable in some execution" (eventual mode, mutants,
//! refuted variants). The preemption bound defaults to 2 when `LOOM_MAX_PREEMPTIONS` is unset; no
//! permutation or time limit is set, because hitting one would silently pass.
#![cfg(loom)]

mod common;

use common::judge_drained;
use index_cache::{
    Config, IndexCache, Location, Mode, Mutant, NodeId, Protocol, Recorder, Repair, Variant,
    WitnessOrder,
};
use loom::sync::Arc;
use loom::thread;
use std::collections::BTreeSet;
use std::sync::Mutex as StdMutex;
use witness_model::expected::{expected, ExpectedRow};
use witness_model::history::ClientId;
use witness_model::properties::PropertyId;

const N0: NodeId = NodeId(0);
const N1: NodeId = NodeId(1);
const K0: &str = "k0";
const K1: &str = "k1";
const LOC: Location = Location(7);
const NEWER: Location = Location(8);

#[derive(Clone, Copy, Debug)]
enum Setting {
    Strong(Protocol),
    Eventual,
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Setting::Eventual => write!(f, "eventual"),
            Setting::Strong(Protocol {
                variant,
                mutant: None,
            }) => write!(f, "strong {variant}"),
            Setting::Strong(Protocol {
                mutant: Some(m), ..
            }) => write!(f, "strong + mutant {m}"),
        }
    }
}

fn variant(witness_order: WitnessOrder, repair: Repair) -> Setting {
    Setting::Strong(Protocol {
        variant: Variant {
            witness_order,
            repair,
            ..Variant::default()
        },
        mutant: None,
    })
}

fn mutant(m: Mutant) -> Setting {
    Setting::Strong(Protocol {
        variant: Variant::WITH_COMMIT,
        mutant: Some(m),
    })
}

/// What the model's expected-verdict table says of this setting (docs/verdicts.md).
fn model_row(setting: Setting) -> ExpectedRow {
    match setting {
        Setting::Eventual => expected(Mode::Eventual, Variant::WITH_COMMIT, None),
        Setting::Strong(p) => expected(Mode::Strong, p.variant, p.mutant),
    }
}

/// The variants the model proves correct, read from its expected-verdict table: every harness
/// must be clean under them.
fn proved() -> Vec<Setting> {
    let proved: Vec<Setting> = Protocol::runnable_variants()
        .into_iter()
        .map(|v| variant(v.witness_order, v.repair))
        .filter(|&setting| model_row(setting).violated.is_empty())
        .collect();
    assert!(!proved.is_empty(), "the model proves no variant correct");
    proved
}

fn build(setting: Setting) -> IndexCache {
    let (mode, protocol) = match setting {
        Setting::Strong(p) => (Mode::Strong, p),
        Setting::Eventual => (Mode::Eventual, Protocol::default()),
    };
    IndexCache::builder(Config::new(2, mode))
        .protocol(protocol)
        .recorder(Recorder::with_keys(&[K0, K1]))
        .build()
        .expect("valid configuration")
}

#[derive(Debug, Default)]
struct Outcome {
    executions: usize,
    violated: BTreeSet<PropertyId>,
    first_failure: Option<String>,
}

type Scenario = fn(&Arc<IndexCache>);

fn explore(setting: Setting, scenario: Scenario) -> Outcome {
    let outcome = std::sync::Arc::new(StdMutex::new(Outcome::default()));
    let seen = std::sync::Arc::clone(&outcome);
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(move || {
        let cache = Arc::new(build(setting));
        scenario(&cache);
        let checked = judge_drained(&cache);
        let mut o = seen.lock().expect("no panics while holding it");
        o.executions += 1;
        if !checked.is_clean() && o.first_failure.is_none() {
            o.first_failure = Some(checked.explain());
        }
        o.violated.extend(checked.violated);
    });
    let o = std::mem::take(&mut *outcome.lock().expect("loom finished"));
    o
}

fn assert_clean(name: &str, setting: Setting, scenario: Scenario) {
    let o = explore(setting, scenario);
    assert!(o.executions > 0);
    assert!(
        o.violated.is_empty(),
        "{name} under {setting}: {:?} violated in some of {} executions; first failing history:\n{}",
        o.violated,
        o.executions,
        o.first_failure.unwrap_or_default()
    );
    eprintln!("{name} [{setting}]: clean in {} executions", o.executions);
}

fn assert_caught(name: &str, setting: Setting, scenario: Scenario, property: PropertyId) {
    let o = explore(setting, scenario);
    assert!(
        o.violated.contains(&property),
        "{name} under {setting}: expected {property} to be violated in some execution, \
         but {} executions only violated {:?}",
        o.executions,
        o.violated
    );
    eprintln!(
        "{name} [{setting}]: {property} violated (all violated: {:?}) across {} executions",
        o.violated, o.executions
    );
}

/// A harness's whole check: clean under every variant the model proves correct, and each listed
/// setting violates its listed property in some execution.
fn clean_when_proved_caught_otherwise(
    name: &str,
    scenario: Scenario,
    caught: &[(Setting, PropertyId)],
) {
    for setting in proved() {
        assert_clean(name, setting, scenario);
    }
    for &(setting, property) in caught {
        assert_caught(name, setting, scenario, property);
    }
}

fn c(id: u8) -> ClientId {
    ClientId(u32::from(id))
}

fn spawn(cache: &Arc<IndexCache>, f: fn(&IndexCache)) -> thread::JoinHandle<()> {
    let cache = Arc::clone(cache);
    thread::spawn(move || f(&cache))
}

// ---- scenarios ---------------------------------------------------------------------------------

/// A write through node 0 while a client reads through node 1, which caches the old version.
fn writer_vs_reader(cache: &Arc<IndexCache>) {
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    cache.client(c(1)).read(N1, K0).expect("get");
    let writer = spawn(cache, |cache| {
        cache.client(c(0)).put(N0, K0, LOC).expect("put");
    });
    let reader = spawn(cache, |cache| {
        cache.client(c(1)).read(N1, K0).expect("get");
    });
    writer.join().expect("writer");
    reader.join().expect("reader");
    cache.client(c(2)).read(N1, K0).expect("get");
}

/// A miss fill on node 1 races an overwrite through node 1; the reader then reads node 0, which
/// still caches the first version.
fn miss_fill_races_overwrite(cache: &Arc<IndexCache>) {
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    let reader = spawn(cache, |cache| {
        let client = cache.client(c(1));
        client.read(N1, K0).expect("get");
        client.read(N0, K0).expect("get");
    });
    let writer = spawn(cache, |cache| {
        cache.client(c(0)).put(N1, K0, LOC).expect("put");
    });
    reader.join().expect("reader");
    writer.join().expect("writer");
    cache.client(c(2)).read(N1, K0).expect("get");
    cache.client(c(2)).read(N0, K0).expect("get");
}

/// Node 1 is stale; a read repairs it while a newer write goes through node 1.
fn repair_races_newer_write(cache: &Arc<IndexCache>) {
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    cache.client(c(1)).read(N1, K0).expect("get");
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    let reader = spawn(cache, |cache| {
        cache.client(c(1)).read(N1, K0).expect("get");
    });
    let writer = spawn(cache, |cache| {
        cache.client(c(0)).put(N1, K0, LOC).expect("put");
    });
    reader.join().expect("reader");
    writer.join().expect("writer");
    cache.client(c(2)).read(N1, K0).expect("get");
}

/// A DELETE leaves a cached miss (a tombstone) on node 0 and races reads of the old version on
/// node 1; then the key is written again through node 1.
fn delete_vs_cached_miss(cache: &Arc<IndexCache>) {
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    cache.client(c(1)).read(N1, K0).expect("get");
    let writer = spawn(cache, |cache| {
        let client = cache.client(c(0));
        client.delete(N0, K0).expect("delete");
        client.put(N1, K0, LOC).expect("put");
    });
    let reader = spawn(cache, |cache| {
        let client = cache.client(c(1));
        client.read(N1, K0).expect("get");
        client.read(N0, K0).expect("get");
    });
    writer.join().expect("writer");
    reader.join().expect("reader");
    cache.client(c(2)).read(N0, K0).expect("get");
    cache.client(c(2)).read(N1, K0).expect("get");
}

/// Node 1 caches a listing; a new key is PUT and an old one DELETEd while node 1 lists.
fn list_vs_put_delete(cache: &Arc<IndexCache>) {
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    cache.client(c(1)).list(N1).expect("list");
    let writer = spawn(cache, |cache| {
        let client = cache.client(c(0));
        client.put(N0, K1, LOC).expect("put");
        client.delete(N0, K0).expect("delete");
    });
    let lister = spawn(cache, |cache| {
        cache.client(c(1)).list(N1).expect("list");
    });
    writer.join().expect("writer");
    lister.join().expect("lister");
    cache.client(c(2)).list(N1).expect("list");
}

/// The witness restarts while node 1 (stale) is read and a newer write is in flight.
fn witness_restart_during_reads(cache: &Arc<IndexCache>) {
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    cache.client(c(1)).read(N1, K0).expect("get");
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    let restart = spawn(cache, |cache| cache.restart_witness());
    let reader = spawn(cache, |cache| {
        cache.client(c(1)).read(N1, K0).expect("get");
    });
    let writer = spawn(cache, |cache| {
        cache.client(c(0)).put(N0, K0, LOC).expect("put");
    });
    restart.join().expect("restart");
    reader.join().expect("reader");
    writer.join().expect("writer");
    cache.client(c(2)).read(N1, K0).expect("get");
    cache.client(c(2)).read(N0, K0).expect("get");
}

/// Two versions in flight to the replica, delivered concurrently out of order (one of them
/// twice), while another write goes on.
fn replication_reorder(cache: &Arc<IndexCache>) {
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    let newer = spawn(cache, |cache| {
        cache.deliver_replication(1, false);
    });
    let older_twice = spawn(cache, |cache| {
        cache.deliver_replication(0, true);
    });
    let writer = spawn(cache, |cache| {
        cache.client(c(1)).put(N1, K1, LOC).expect("put");
    });
    newer.join().expect("deliverer");
    older_twice.join().expect("deliverer");
    writer.join().expect("writer");
}

/// Two writes of one key at once, through different nodes: persistence orders them, and each
/// node's cache update may land in either order. Reads on both nodes afterwards must see the later.
fn concurrent_writes_to_one_key(cache: &Arc<IndexCache>) {
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    cache.client(c(2)).read(N1, K0).expect("get");
    let first = spawn(cache, |cache| {
        cache.client(c(0)).put(N0, K0, LOC).expect("put");
    });
    let second = spawn(cache, |cache| {
        cache.client(c(1)).delete(N1, K0).expect("delete");
    });
    first.join().expect("writer");
    second.join().expect("writer");
    cache.client(c(2)).read(N0, K0).expect("get");
    cache.client(c(2)).read(N1, K0).expect("get");
    cache.client(c(2)).list(N1).expect("list");
}

/// Node 1's listing is stale, so a LIST reloads it and teaches the witness the whole partition,
/// while the witness restarts and a first write of another key creates that key's witness slot.
fn witness_restart_races_list_reload(cache: &Arc<IndexCache>) {
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    cache.client(c(1)).list(N1).expect("list");
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    let lister = spawn(cache, |cache| {
        cache.client(c(1)).list(N1).expect("list");
    });
    let restart = spawn(cache, |cache| cache.restart_witness());
    let writer = spawn(cache, |cache| {
        cache.client(c(0)).put(N0, K1, LOC).expect("put");
    });
    lister.join().expect("lister");
    restart.join().expect("restart");
    writer.join().expect("writer");
    cache.client(c(2)).list(N1).expect("list");
    cache.client(c(2)).read(N1, K1).expect("get");
}

/// The witness has forgotten k0 (a restart) and node 1 holds an old version, so a GET through
/// node 1 reloads and relearns k0, racing a second restart and a newer write.
fn witness_restart_races_get_reload(cache: &Arc<IndexCache>) {
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    cache.client(c(1)).read(N1, K0).expect("get");
    cache.restart_witness();
    let reader = spawn(cache, |cache| {
        cache.client(c(1)).read(N1, K0).expect("get");
    });
    let restart = spawn(cache, |cache| cache.restart_witness());
    let writer = spawn(cache, |cache| {
        cache.client(c(0)).put(N0, K0, LOC).expect("put");
    });
    reader.join().expect("reader");
    restart.join().expect("restart");
    writer.join().expect("writer");
    cache.client(c(2)).read(N1, K0).expect("get");
}

/// Two threads use a key nobody has used before at once: a PUT and a GET through the same node
/// both create the key's witness slot and insert it into the node's shard.
fn first_use_of_a_key_at_once(cache: &Arc<IndexCache>) {
    let writer = spawn(cache, |cache| {
        cache.client(c(0)).put(N0, K1, LOC).expect("put");
    });
    let reader = spawn(cache, |cache| {
        let client = cache.client(c(1));
        client.read(N0, K1).expect("get");
        client.read(N1, K1).expect("get");
    });
    writer.join().expect("writer");
    reader.join().expect("reader");
    cache.client(c(2)).read(N0, K1).expect("get");
    cache.client(c(2)).read(N1, K1).expect("get");
}

/// Node 0 holds k0 (at version 1, location 7), so a PUT (location 8) and a DELETE through node 0
/// both change its entry in place — the shared cell, under each writer's own lane's read lock —
/// while a third client reads it through node 0 twice. A read must never pair one write's version
/// with another's location (a torn cell); node 1 keeps version 1 for the read after the join.
fn in_place_writes_vs_reads(cache: &Arc<IndexCache>) {
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    cache.client(c(1)).read(N0, K0).expect("get");
    cache.client(c(1)).read(N1, K0).expect("get");
    let writer = spawn(cache, |cache| {
        cache.client(c(0)).put(N0, K0, NEWER).expect("put");
    });
    let deleter = spawn(cache, |cache| {
        cache.client(c(2)).delete(N0, K0).expect("delete");
    });
    let reader = spawn(cache, |cache| {
        let client = cache.client(c(1));
        for _ in 0..2 {
            let entry = client.read(N0, K0).expect("get");
            let whole = match (entry.seq, entry.location) {
                (1, location) => location == Some(LOC),
                (_, location) => location.is_none() || location == Some(NEWER),
            };
            assert!(whole, "torn cache cell: {entry:?}");
        }
    });
    writer.join().expect("writer");
    deleter.join().expect("deleter");
    reader.join().expect("reader");
    cache.client(c(0)).read(N1, K0).expect("get");
    cache.client(c(2)).read(N0, K0).expect("get");
}

/// Node 0 holds k0 and no listing; a PUT through node 0 changes k0 in place (deciding under the
/// cell's lock that no listing needs it) while a LIST through node 0 stores the node's first
/// listing. The writer then lists and reads through node 0.
fn in_place_write_vs_listing_store(cache: &Arc<IndexCache>) {
    cache.client(c(0)).put(N0, K0, LOC).expect("put");
    cache.client(c(1)).read(N0, K0).expect("get");
    let writer = spawn(cache, |cache| {
        let client = cache.client(c(0));
        client.put(N0, K0, NEWER).expect("put");
        client.list(N0).expect("list");
    });
    let lister = spawn(cache, |cache| {
        cache.client(c(1)).list(N0).expect("list");
    });
    writer.join().expect("writer");
    lister.join().expect("lister");
    cache.client(c(0)).read(N0, K0).expect("get");
    cache.client(c(2)).list(N0).expect("list");
}

// ---- harnesses ---------------------------------------------------------------------------------

#[test]
fn loom_writer_vs_reader_on_different_nodes() {
    clean_when_proved_caught_otherwise(
        "writer vs reader",
        writer_vs_reader,
        &[(Setting::Eventual, PropertyId::ReadAfterWrite)],
    );
}

#[test]
fn loom_miss_fill_races_overwrite() {
    clean_when_proved_caught_otherwise(
        "miss fill vs overwrite",
        miss_fill_races_overwrite,
        &[
            (Setting::Eventual, PropertyId::ReadAfterWrite),
            // The witness bumped only after the commit is visible: a miss fill reads the new
            // version before the witness knows it, and the same client then reads the old one on
            // another node.
            (
                variant(WitnessOrder::AfterCommit, Repair::IfNewer),
                PropertyId::MonotonicReads,
            ),
        ],
    );
}

#[test]
fn loom_repair_races_newer_write() {
    clean_when_proved_caught_otherwise(
        "repair vs newer write",
        repair_races_newer_write,
        &[(Setting::Eventual, PropertyId::ReadAfterWrite)],
    );
}

#[test]
fn loom_delete_vs_cached_miss() {
    clean_when_proved_caught_otherwise(
        "delete vs cached miss",
        delete_vs_cached_miss,
        &[
            (Setting::Eventual, PropertyId::ReadAfterWrite),
            (
                mutant(Mutant::SkipWitnessOnMiss),
                PropertyId::ReadAfterWrite,
            ),
            (
                mutant(Mutant::NoWitnessBumpOnDelete),
                PropertyId::ReadAfterWrite,
            ),
        ],
    );
}

#[test]
fn loom_list_vs_put_delete() {
    clean_when_proved_caught_otherwise(
        "list vs put/delete",
        list_vs_put_delete,
        &[
            (Setting::Eventual, PropertyId::ListAfterWrite),
            (
                mutant(Mutant::ListIgnoresWitness),
                PropertyId::ListAfterWrite,
            ),
        ],
    );
}

#[test]
fn loom_witness_restart_during_reads() {
    clean_when_proved_caught_otherwise(
        "witness restart during reads",
        witness_restart_during_reads,
        &[
            (Setting::Eventual, PropertyId::ReadAfterWrite),
            (
                mutant(Mutant::WitnessForgetsOnRestart),
                PropertyId::ReadAfterWrite,
            ),
            // Notify before commit: a restart between the two forgets the bump, a reload relearns
            // the old version, and the write then commits and is acknowledged behind the witness's
            // back.
            (
                variant(WitnessOrder::BeforeCommit, Repair::IfNewer),
                PropertyId::ReadAfterWrite,
            ),
        ],
    );
}

#[test]
fn loom_replication_reorder() {
    clean_when_proved_caught_otherwise(
        "replication reorder",
        replication_reorder,
        &[(
            mutant(Mutant::ReplicaAppliesOutOfOrder),
            PropertyId::ReplicaMonotonic,
        )],
    );
}

#[test]
fn loom_concurrent_writes_to_one_key() {
    clean_when_proved_caught_otherwise(
        "concurrent writes to one key",
        concurrent_writes_to_one_key,
        &[
            (Setting::Eventual, PropertyId::ReadAfterWrite),
            (
                mutant(Mutant::NoWitnessBumpOnDelete),
                PropertyId::ReadAfterWrite,
            ),
        ],
    );
}

#[test]
fn loom_witness_restart_races_list_reload() {
    clean_when_proved_caught_otherwise(
        "witness restart vs LIST reload",
        witness_restart_races_list_reload,
        &[
            (
                mutant(Mutant::WitnessForgetsOnRestart),
                PropertyId::ListAfterWrite,
            ),
            (
                mutant(Mutant::ListIgnoresWitness),
                PropertyId::ListAfterWrite,
            ),
        ],
    );
}

#[test]
fn loom_witness_restart_races_get_reload() {
    clean_when_proved_caught_otherwise(
        "witness restart vs GET reload",
        witness_restart_races_get_reload,
        &[
            (
                mutant(Mutant::WitnessForgetsOnRestart),
                PropertyId::ReadAfterWrite,
            ),
            (
                variant(WitnessOrder::BeforeCommit, Repair::IfNewer),
                PropertyId::ReadAfterWrite,
            ),
        ],
    );
}

#[test]
fn loom_first_use_of_a_key_at_once() {
    clean_when_proved_caught_otherwise(
        "first use of a key at once",
        first_use_of_a_key_at_once,
        &[
            (Setting::Eventual, PropertyId::ReadAfterWrite),
            (
                mutant(Mutant::SkipWitnessOnMiss),
                PropertyId::ReadAfterWrite,
            ),
        ],
    );
}

#[test]
fn loom_cell_in_place_writes_vs_reads() {
    clean_when_proved_caught_otherwise(
        "in-place writes vs reads",
        in_place_writes_vs_reads,
        &[(Setting::Eventual, PropertyId::ReadAfterWrite)],
    );
}

#[test]
fn loom_cell_in_place_write_vs_listing_store() {
    clean_when_proved_caught_otherwise(
        "in-place write vs listing store",
        in_place_write_vs_listing_store,
        &[
            (Setting::Eventual, PropertyId::ListAfterWrite),
            (
                mutant(Mutant::ListIgnoresWitness),
                PropertyId::ListAfterWrite,
            ),
        ],
    );
}

/// Every harness under every setting: the variants the model proves correct are clean in every
/// harness, and every variant it refutes, every mutant and eventual mode violate some property in
/// some harness. Prints the table recorded in docs/impl.md.
#[test]
fn loom_correspondence_with_the_model() {
    let harnesses: [(&str, Scenario); 13] = [
        ("writer vs reader", writer_vs_reader),
        ("miss fill vs overwrite", miss_fill_races_overwrite),
        ("repair vs newer write", repair_races_newer_write),
        ("delete vs cached miss", delete_vs_cached_miss),
        ("list vs put/delete", list_vs_put_delete),
        ("witness restart", witness_restart_during_reads),
        ("replication reorder", replication_reorder),
        ("concurrent writes", concurrent_writes_to_one_key),
        ("restart vs LIST reload", witness_restart_races_list_reload),
        ("restart vs GET reload", witness_restart_races_get_reload),
        ("first use of a key", first_use_of_a_key_at_once),
        ("in-place writes vs reads", in_place_writes_vs_reads),
        ("in-place write vs listing", in_place_write_vs_listing_store),
    ];
    let mut settings = vec![Setting::Eventual];
    settings.extend(
        Protocol::runnable_variants()
            .into_iter()
            .map(|v| variant(v.witness_order, v.repair)),
    );
    settings.extend(Protocol::runnable_mutants().into_iter().map(mutant));
    let mut table = String::new();
    for setting in settings {
        let mut violated = BTreeSet::new();
        let mut caught_by = Vec::new();
        for (name, scenario) in harnesses {
            let o = explore(setting, scenario);
            if !o.violated.is_empty() {
                caught_by.push(name);
            }
            violated.extend(o.violated);
        }
        let row = model_row(setting);
        let expect_clean = row.violated.is_empty();
        // The harnesses are small, so they may miss some of the model's violations, but they
        // must never find one the model rules out.
        let unexplained: Vec<&PropertyId> = violated
            .iter()
            .filter(|p| !row.violated.contains(p))
            .collect();
        assert!(
            unexplained.is_empty(),
            "{setting}: loom violates {unexplained:?}, which the model says hold"
        );
        assert_eq!(
            violated.is_empty(),
            expect_clean,
            "{setting}: violated {violated:?} (harnesses {caught_by:?}); the model says {}",
            if expect_clean { "proved" } else { "refuted" }
        );
        let names: Vec<&str> = violated.iter().map(|p| p.name()).collect();
        table.push_str(&format!(
            "| {setting} | {} | {} |\n",
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            },
            if caught_by.is_empty() {
                "-".to_string()
            } else {
                caught_by.join(", ")
            }
        ));
    }
    eprintln!("| setting | violated here | harnesses |\n|---|---|---|\n{table}");
}
