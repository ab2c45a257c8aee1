//! The level search (`witness_model::search`), which `witness check --strategy bfs` runs, against
//! stateright's own single-threaded BFS: the same unique and generated state counts, the same
//! deepest level, and every property discovered at the depth of stateright's shortest path to it,
//! on 1, 2 and 3 threads. The configurations cover proofs, refutations and every fault.

use stateright::{Checker, Model};
use std::sync::atomic::AtomicBool;
use witness_model::search::{search, Counters, Discovery, FingerprintBits, Limits};
use witness_model::system::{Mode, Mutant, Repair, Variant, WitnessCfg, WitnessOrder};

/// (configuration, unique states): the counts pin both searches, not only their agreement.
fn cases() -> Vec<(&'static str, WitnessCfg, usize)> {
    // Pinned on witness-with-commit, the variant these counts were first taken on.
    let small = WitnessCfg {
        variant: Variant::WITH_COMMIT,
        ..WitnessCfg::small()
    };
    let eventual = WitnessCfg {
        mode: Mode::Eventual,
        variant: Variant::WITH_COMMIT,
        ..WitnessCfg::default_cfg()
    };
    let witness_after_commit = WitnessCfg {
        variant: Variant {
            witness_order: WitnessOrder::AfterCommit,
            repair: Repair::IfNewer,
            ..Variant::default()
        },
        ..small.clone()
    };
    let forgetful_witness = WitnessCfg {
        mutant: Some(Mutant::WitnessForgetsOnRestart),
        ..small.clone()
    };
    // `large` has every fault: node restarts and duplicate deliveries besides `small`'s.
    let every_fault = WitnessCfg {
        mode: Mode::Eventual,
        variant: Variant::WITH_COMMIT,
        ..WitnessCfg::large()
    };
    vec![
        ("small strong", small, 243_766),
        ("default eventual", eventual, 95_304),
        ("small witness-after-commit", witness_after_commit, 334_890),
        (
            "small witness-forgets-on-restart",
            forgetful_witness,
            245_260,
        ),
        ("large eventual, every fault", every_fault, 131_024),
    ]
}

#[test]
fn the_level_search_matches_stateright_bfs() {
    for (name, cfg, unique) in cases() {
        let model = cfg.into_model();
        let reference = model.clone().checker().threads(1).spawn_bfs().join();
        let mut expected: Vec<Discovery> = model
            .properties()
            .iter()
            .filter_map(|p| {
                let path = reference.discoveries().remove(p.name)?;
                Some(Discovery {
                    property: p.name,
                    depth: path.into_vec().len(),
                })
            })
            .collect();
        expected.sort_by_key(|d| d.property);
        // 128-bit fingerprints (the default) on every thread count, 64-bit on one: the width
        // changes no count (a 64-bit collision at these sizes is a 10⁻⁹ event).
        let wide = FingerprintBits::Bits128;
        for (threads, fingerprint_bits) in [
            (1, wide),
            (2, wide),
            (3, wide),
            (2, FingerprintBits::Bits64),
        ] {
            let counters = Counters::default();
            let limits = Limits {
                threads,
                memory_budget_bytes: None,
                fingerprint_bits,
            };
            let outcome = search(&model, limits, &AtomicBool::new(false), &counters);
            let at = format!("{name} on {threads} thread(s), {fingerprint_bits}-bit fingerprints");
            assert!(outcome.complete, "{at}");
            let count =
                |c: &std::sync::atomic::AtomicUsize| c.load(std::sync::atomic::Ordering::Relaxed);
            assert_eq!(
                count(&counters.unique),
                reference.unique_state_count(),
                "{at}"
            );
            assert_eq!(count(&counters.unique), unique, "{at}");
            assert_eq!(count(&counters.generated), reference.state_count(), "{at}");
            assert_eq!(count(&counters.max_depth), reference.max_depth(), "{at}");
            let mut found = outcome.discoveries;
            found.sort_by_key(|d| d.property);
            assert_eq!(found, expected, "{at}");
        }
    }
}

#[test]
fn a_search_over_its_memory_budget_stops_and_says_so() {
    let model = WitnessCfg::small().into_model();
    for fingerprint_bits in [FingerprintBits::Bits64, FingerprintBits::Bits128] {
        let counters = Counters::default();
        let limits = Limits {
            threads: 2,
            memory_budget_bytes: Some(4 << 20),
            fingerprint_bits,
        };
        let outcome = search(&model, limits, &AtomicBool::new(false), &counters);
        assert!(!outcome.complete);
        let shortfall = outcome.out_of_memory.expect("stopped by the budget");
        assert!(shortfall.available_bytes < 4 << 20, "{shortfall}");
        // The empty table, 256 segments of 1024 slots, counted at the width of its slots: 2 MiB
        // of 64-bit fingerprints, 4 MiB (the whole budget) of 128-bit ones.
        let slot_bytes = u64::from(fingerprint_bits.bits() / 8);
        assert_eq!(
            shortfall.table_bytes,
            256 * 1024 * slot_bytes,
            "{shortfall}"
        );
        let unique = counters.unique.load(std::sync::atomic::Ordering::Relaxed);
        assert!(unique > 0 && unique < 243_766, "{unique}");
    }
}

/// A fan: `roots` initial states, each with `branching` successors that have none. Wide levels
/// and many successors per state are what a growing fingerprint table must make room for.
#[derive(Clone)]
struct Fan {
    roots: u64,
    branching: u64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Node(u64);

impl witness_model::search::Packed for Node {
    fn packed_len(&self) -> usize {
        1
    }
    fn pack(&self, out: &mut Vec<u64>) {
        out.push(self.0);
    }
    fn unpack(&self, words: &[u64]) -> Node {
        Node(words[0])
    }
}

impl Model for Fan {
    type State = Node;
    type Action = u64;
    fn init_states(&self) -> Vec<Node> {
        (0..self.roots).map(Node).collect()
    }
    fn actions(&self, state: &Node, actions: &mut Vec<u64>) {
        if state.0 < self.roots {
            actions.extend(0..self.branching);
        }
    }
    fn next_state(&self, state: &Node, action: u64) -> Option<Node> {
        Some(Node(self.roots + state.0 * self.branching + action))
    }
    /// One property never discovered, so the search (like stateright's) does not stop early.
    fn properties(&self) -> Vec<stateright::Property<Self>> {
        vec![stateright::Property::always("anything", |_, _| true)]
    }
}

#[test]
fn the_table_makes_room_for_wide_levels_and_many_successors() {
    // Many initial states at once, then far more successors per state than any before.
    for (roots, branching) in [(300_000, 1), (4_000, 400)] {
        let fan = Fan { roots, branching };
        for threads in [1, 2] {
            let counters = Counters::default();
            let limits = Limits {
                threads,
                memory_budget_bytes: None,
                fingerprint_bits: FingerprintBits::Bits128,
            };
            let outcome = search(&fan, limits, &AtomicBool::new(false), &counters);
            assert!(outcome.complete);
            let unique = counters.unique.load(std::sync::atomic::Ordering::Relaxed);
            assert_eq!(
                unique as u64,
                roots + roots * branching,
                "{roots} × {branching}"
            );
        }
    }
}
