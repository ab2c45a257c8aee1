//! Exact state counts and named discoveries, in the manner of stateright's examples. The full
//! mode × variant × mutant table on the default configuration is checked by `witness suite`
//! and tests/proof_reports.rs; these runs use `small` (no evictions) to stay fast.

use super::conditions::properties;
use super::model::WitnessModel;
use super::{Mode, Mutant, Reduction, Reductions, Variant, WitnessCfg};
use crate::check::{run, CheckOptions, CheckReport, Strategy, Verdict};
use crate::expected::expected_verdict;
use crate::properties::PropertyId;

fn check(cfg: &WitnessCfg) -> CheckReport {
    run(cfg, &CheckOptions::default(), None, &mut |_| {}).expect("valid configuration")
}

/// `small` under `witness-with-commit`, the variant these counts were first pinned on (the
/// default, `witness-service`, is pinned by the suite and tests/golden.rs).
fn small(mode: Mode) -> WitnessCfg {
    WitnessCfg {
        mode,
        variant: Variant::WITH_COMMIT,
        ..WitnessCfg::small()
    }
}

#[test]
fn every_property_is_checked_once_in_order() {
    let names: Vec<&str> = properties::<WitnessModel>()
        .iter()
        .map(|p| p.name)
        .collect();
    let all: Vec<&str> = PropertyId::ALL.iter().map(|p| p.name()).collect();
    assert_eq!(names, all);
}

#[test]
fn strong_mode_proves_every_always_property() {
    let report = check(&small(Mode::Strong));
    assert!(report.complete);
    assert_eq!(report.unique_states, 243_766);
    for property in PropertyId::always() {
        assert_eq!(report.verdict(property), Verdict::Holds, "{property}");
    }
    assert_eq!(report.verdict(PropertyId::ReplicaLag), Verdict::Found);
    for &anomaly in PropertyId::ANOMALIES
        .iter()
        .filter(|p| **p != PropertyId::ReplicaLag)
    {
        assert_eq!(report.verdict(anomaly), Verdict::NotFound, "{anomaly}");
    }
    // The proof went through the barrier's stale path; an atomic order has no fence to reach.
    assert_eq!(report.verdict(PropertyId::ReloadReached), Verdict::Found);
    assert_eq!(report.verdict(PropertyId::RepairReached), Verdict::Found);
    assert_eq!(
        report.verdict(PropertyId::FenceDropsRelearn),
        Verdict::NotFound
    );
}

#[test]
fn eventual_mode_exhibits_every_anomaly() {
    let report = check(&small(Mode::Eventual));
    assert!(report.complete);
    assert_eq!(report.unique_states, 48_302);
    for &property in PropertyId::ALL {
        assert_eq!(
            report.verdict(property),
            expected_verdict(&small(Mode::Eventual), property),
            "{property}"
        );
    }
    // The shortest read-after-write counterexample: a client GETs through the node that did
    // not take the write.
    let trace = &report
        .result(PropertyId::ReadAfterWrite)
        .expect("reported")
        .trace;
    assert!(trace
        .last()
        .is_some_and(|l| l.starts_with("⇒ read-after-write")));
    assert!(trace.iter().any(|l| l.contains("GET k0 via cache node")));
}

#[test]
fn a_single_client_is_always_consistent_even_in_eventual_mode() {
    // One client, one node: nothing can interleave with its reads. If this ever failed, a
    // property would be judging something other than concurrency.
    let cfg = WitnessCfg {
        clients: 1,
        cache_nodes: 1,
        ops_per_client: 3,
        ..small(Mode::Eventual)
    };
    let report = check(&cfg);
    assert_eq!(report.unique_states, SINGLE_CLIENT_STATES);
    assert!(!report.any_violated(), "{:#?}", report.properties);
}

const SINGLE_CLIENT_STATES: usize = 211;

#[test]
fn every_mutant_is_killed_on_the_small_configuration() {
    // The fleet's mutants need its witness nodes; the suite and tests/golden.rs kill them there.
    let on_small = Mutant::ALL
        .iter()
        .filter(|&&m| crate::expected::home_config(m).is_none());
    for &mutant in on_small {
        let variant = crate::expected::mutant_variant(mutant);
        let cfg = WitnessCfg {
            mutant: Some(mutant),
            variant,
            ..small(Mode::Strong)
        };
        let report = check(&cfg);
        assert!(report.any_violated(), "{mutant} survived");
        for &property in PropertyId::ALL {
            assert_eq!(
                report.verdict(property),
                expected_verdict(&cfg, property),
                "{mutant}: {property}"
            );
        }
    }
}

#[test]
fn counterexamples_are_minimal_whatever_the_strategy() {
    let cfg = small(Mode::Eventual);
    let exact = check(&cfg);
    for (strategy, threads) in [(Strategy::Bfs, 2), (Strategy::Dfs, 1)] {
        let opts = CheckOptions {
            strategy,
            threads,
            ..CheckOptions::default()
        };
        let other = run(&cfg, &opts, None, &mut |_| {}).expect("valid");
        for result in &exact.properties {
            let again = other
                .properties
                .iter()
                .find(|p| p.property == result.property)
                .expect("same properties");
            assert_eq!(
                again.steps(),
                result.steps(),
                "{} via {strategy:?}/{threads}",
                result.property
            );
        }
    }
}

/// Runs `cfg` with and without symmetry reduction and asserts identical verdicts and
/// identical shortest counterexample lengths; returns (reduced, full) state counts.
fn same_with_and_without_symmetry(cfg: &WitnessCfg) -> (usize, usize) {
    let reduced = check(cfg);
    let no_symmetry = CheckOptions {
        symmetry: false,
        ..CheckOptions::default()
    };
    let full = run(cfg, &no_symmetry, None, &mut |_| {}).expect("valid");
    assert!(reduced.complete && full.complete);
    for (a, b) in reduced.properties.iter().zip(&full.properties) {
        assert_eq!(a.property, b.property);
        assert_eq!(a.verdict, b.verdict, "{}", a.property);
        assert_eq!(a.steps(), b.steps(), "{}", a.property);
    }
    (reduced.unique_states, full.unique_states)
}

#[test]
fn symmetry_changes_no_verdict_and_no_shortest_length() {
    let eventual = same_with_and_without_symmetry(&small(Mode::Eventual));
    assert_eq!(eventual, (48_302, 183_534));
    let mutant = WitnessCfg {
        mutant: Some(Mutant::WitnessForgetsOnRestart),
        ..small(Mode::Strong)
    };
    same_with_and_without_symmetry(&mutant);
}

/// The configurations each reduction is tested on, and the state counts with every reduction
/// and with all but the one under test (`Reduction::ALL`'s order).
fn reduction_cases() -> Vec<(&'static str, WitnessCfg, ReducedAndFull)> {
    let with = |mode, mutant| WitnessCfg {
        mode,
        mutant,
        variant: Variant::WITH_COMMIT,
        ..WitnessCfg::default_cfg()
    };
    let large_eventual = WitnessCfg {
        mode: Mode::Eventual,
        variant: Variant::WITH_COMMIT,
        ..WitnessCfg::large()
    };
    vec![
        ("default eventual", with(Mode::Eventual, None), COUNTS[0]),
        (
            "witness-forgets-on-restart",
            with(Mode::Strong, Some(Mutant::WitnessForgetsOnRestart)),
            COUNTS[1],
        ),
        (
            "replica-applies-out-of-order",
            with(Mode::Strong, Some(Mutant::ReplicaAppliesOutOfOrder)),
            COUNTS[2],
        ),
        ("small strong", small(Mode::Strong), COUNTS[3]),
        ("large eventual (node restarts)", large_eventual, COUNTS[4]),
    ]
}

/// Per reduction: unique states with every reduction, and with all but that one.
type ReducedAndFull = [(usize, usize); 5];

/// Without a reduction the count is higher, except where it cannot apply (the witness never
/// restarts in strong mode's `eventual-witness-stays-up` rows) and for `faults-wait-for-reader`
/// on `small`: without evictions the restart's waiting states cost more than they save.
const COUNTS: [ReducedAndFull; 5] = [
    [
        (95_304, 207_858),
        (95_304, 116_057),
        (95_304, 112_928),
        (95_304, 248_142),
        (95_304, 109_310),
    ],
    [
        (500_170, 500_170),
        (500_170, 720_180),
        (500_170, 559_544),
        (500_170, 1_409_368),
        (500_170, 566_784),
    ],
    [
        (491_982, 491_982),
        (491_982, 679_791),
        (491_982, 552_914),
        (491_982, 1_572_380),
        (491_982, 548_008),
    ],
    [
        (243_766, 243_766),
        (243_766, 223_318),
        (243_766, 270_996),
        (243_766, 657_718),
        (243_766, 272_138),
    ],
    [
        (131_024, 292_232),
        (131_024, 155_538),
        (131_024, 137_628),
        (131_024, 288_192),
        (131_024, 133_732),
    ],
];

#[test]
fn each_reduction_changes_no_verdict_and_no_shortest_length() {
    for (name, cfg, counts) in reduction_cases() {
        let reduced = check(&cfg);
        for (&reduction, &expected) in Reduction::ALL.iter().zip(&counts) {
            let opts = CheckOptions {
                reductions: Reductions::all().without(reduction),
                ..CheckOptions::default()
            };
            let full = run(&cfg, &opts, None, &mut |_| {}).expect("valid");
            assert_eq!(
                (reduced.unique_states, full.unique_states),
                expected,
                "{name}: {reduction}"
            );
            for (a, b) in reduced.properties.iter().zip(&full.properties) {
                assert_eq!(a.verdict, b.verdict, "{name}: {reduction}: {}", a.property);
                let lengths = (a.steps(), b.steps());
                assert_eq!(lengths.0, lengths.1, "{name}: {reduction}: {}", a.property);
            }
        }
    }
}

#[test]
fn symmetric_paths_keep_client_and_node_numbers_along_the_trace() {
    // With symmetry the checker's path names members by their canonical number at each step;
    // the reported path must replay step by step from the initial state as given.
    let report = check(&small(Mode::Eventual));
    let model = small(Mode::Eventual).into_model();
    assert!(!report.paths.is_empty());
    for (property, steps) in &report.paths {
        let mut state = model.init_state();
        for (at, action) in steps {
            assert_eq!(at, &state, "{property}: the path does not replay");
            if let Some(action) = action {
                state = model.apply(&state, action);
            }
        }
    }
}

#[test]
fn simulation_finds_the_eventual_anomalies_within_its_timeout() {
    let opts = CheckOptions {
        strategy: Strategy::Simulation,
        timeout: Some(std::time::Duration::from_secs(2)),
        seed: 7,
        ..CheckOptions::default()
    };
    let report = run(&small(Mode::Eventual), &opts, None, &mut |_| {}).expect("valid");
    assert!(!report.complete);
    assert_eq!(
        report.verdict(PropertyId::ReadAfterWrite),
        Verdict::Violated
    );
    assert_eq!(report.verdict(PropertyId::WitnessSafety), Verdict::Unknown);
    let without_timeout = CheckOptions {
        timeout: None,
        ..opts
    };
    assert!(run(&small(Mode::Eventual), &without_timeout, None, &mut |_| {}).is_err());
}

#[test]
fn the_stop_switch_ends_a_run_early_and_says_so() {
    let opts = CheckOptions {
        timeout: Some(std::time::Duration::from_millis(1)),
        ..CheckOptions::default()
    };
    let report = run(&WitnessCfg::default_cfg(), &opts, None, &mut |_| {}).expect("valid");
    assert!(!report.complete);
    assert!(report
        .properties
        .iter()
        .all(|p| p.verdict != Verdict::Holds && p.verdict != Verdict::NotFound));
}

/// The figures the README and docs/proofs cite for the default protocol: every property holds
/// under witness-service on `default` and on the `fleet` of 3 witness nodes with shared slots,
/// over exactly these many states.
#[test]
fn witness_service_proves_default_and_the_fleet() {
    for (cfg, states) in [
        (WitnessCfg::default_cfg(), 912_919),
        (WitnessCfg::fleet(), 16_318_917),
    ] {
        assert_eq!(cfg.variant, Variant::default());
        let report = check(&cfg);
        assert!(report.complete);
        assert_eq!(report.unique_states, states, "{cfg:?}");
        assert!(!report.any_violated(), "{:#?}", report.properties);
    }
}

#[test]
fn a_fleet_query_is_offered_once_per_majority_of_reachable_nodes() {
    use crate::system::witness_table::{Quorum, WitnessNode};
    let all = [WitnessNode(0), WitnessNode(1), WitnessNode(2)];
    let majorities = Quorum::every_subset(&all, 2);
    assert_eq!(
        majorities,
        vec![Quorum(0b011), Quorum(0b101), Quorum(0b110)]
    );
    assert_eq!(
        Quorum::every_subset(&all[1..], 2),
        vec![Quorum(0b110)],
        "node 1 is out"
    );
    assert_eq!(Quorum(0b101).to_string(), "witness nodes 1 and 3");
}

/// `expected::CANNOT_FAIL`'s claim, checked on every transition of two whole spaces: no
/// acknowledgement of a write is ever a linearizability finding, whatever the reads do.
#[test]
fn no_write_acknowledgement_breaks_linearizability_on_any_transition() {
    use crate::history::{Event, Ret};
    use stateright::Model;
    let service = WitnessCfg {
        variant: Variant::default(),
        ..small(Mode::Strong)
    };
    for cfg in [small(Mode::Eventual), service] {
        let model = cfg.into_model().with_symmetry(false);
        let mut seen = std::collections::HashSet::new();
        let mut queue = std::collections::VecDeque::from(model.init_states());
        let mut acks = 0;
        while let Some(state) = queue.pop_front() {
            if !seen.insert(state.clone()) {
                continue;
            }
            let mut actions = Vec::new();
            model.actions(&state, &mut actions);
            for action in &actions {
                let mut events = Vec::new();
                let next = model.apply_recording(&state, action, &mut |e| events.push(e.clone()));
                let mut monitor = state.monitor.clone();
                for (index, event) in events.iter().enumerate() {
                    let is_ack = matches!(
                        event,
                        Event::Return {
                            ret: Ret::Ack { .. },
                            ..
                        }
                    );
                    acks += usize::from(is_ack);
                    let mut write_broke_it = false;
                    let _ = monitor.observe(index, event, &mut |f| {
                        write_broke_it |= is_ack && f.property == PropertyId::Linearizable;
                    });
                    assert!(!write_broke_it, "{action:?} in {state:?}");
                }
                queue.push_back(next);
            }
        }
        assert!(acks > 10_000, "only {acks} acknowledgements judged");
    }
}
