//! The index tier as a stateright [`Model`].
//!
//! Clients PUT, DELETE, GET and LIST through a cache layer of several nodes; behind it sits the
//! index + persistence tier, which assigns each write of a key the next per-key version and is the
//! source of truth. In strong mode a witness, which records the latest version of each key, is the
//! read barrier: a read asks it whether the node's entry is stale, and reloads from persistence and
//! repairs the node when it is. A cross-region replica is fed asynchronously.
//!
//! Every step below is one atomic action (see `transitions.rs`), so the checker explores every
//! interleaving of them:
//!
//! ```text
//! PUT/DELETE k via node n   assign version ─┬ commit ─ notify witness ─┐  (witness-after-commit)
//!                                          ├ notify witness ─ commit ─┤  (witness-before-commit)
//!                                          └ commit+notify ───────────┤  (witness-with-commit)
//!                                                                     └ cache update at n ─ replication enqueue + ack
//! GET k via node n          lookup ─ [no entry: load ─ fill] ─ strong: witness check ─ [stale: reload ─ repair] ─ answer
//! LIST via node n           the same, with the node's cached listing and the partition barrier
//! faults (any time)         evict an entry or a listing, restart a cache node, restart the witness,
//!                           deliver a replication message (any order; possibly again)
//! ```

pub use super::action::Action;
use super::config::{Mode, Reduction, Reductions, WitnessCfg};
use super::layout::Shape;
use super::state::{NodeId, SystemState};
use crate::history::{Event, Key, Op};
use crate::properties::{replica, witness_safety, Expectation, PropertyId};
use stateright::{Model, Property};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The checkable model: a validated configuration plus a stop switch that lets a caller end a run
/// early (timeout, Ctrl-C) whatever the checker's thread count.
#[derive(Clone, Debug)]
pub struct WitnessModel {
    pub cfg: WitnessCfg,
    /// Successors are renamed into a canonical order of clients and cache nodes (see
    /// `symmetry.rs`), so every strategy, BFS included, explores one state per class.
    pub symmetry: bool,
    /// Leave out steps and orders no property can observe (docs/design.md, "Reductions"); turned
    /// off only to show, in tests, that they change no verdict and no shortest counterexample.
    pub reductions: Reductions,
    stop: Arc<AtomicBool>,
}

impl WitnessCfg {
    /// Builds the model, with symmetry reduction. Call [`WitnessCfg::validate`] first on untrusted
    /// input; this asserts it.
    pub fn into_model(self) -> WitnessModel {
        if let Err(e) = self.validate() {
            panic!("invalid configuration: {e}");
        }
        WitnessModel {
            cfg: self,
            symmetry: true,
            reductions: Reductions::all(),
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The shape of the packed state this configuration needs.
    pub fn shape(&self) -> Shape {
        Shape {
            clients: self.clients,
            nodes: self.cache_nodes,
            keys: self.keys,
            ops_per_client: self.ops_per_client,
            witness_restarts: self.faults.witness_restarts,
        }
    }
}

impl WitnessModel {
    /// The same model with symmetry reduction on or off.
    pub fn with_symmetry(self, symmetry: bool) -> WitnessModel {
        WitnessModel { symmetry, ..self }
    }

    /// The same model with only `reductions` applied.
    pub fn with_reductions(self, reductions: Reductions) -> WitnessModel {
        WitnessModel { reductions, ..self }
    }

    /// A handle that stops exploration when set: states are no longer expanded, so the checker
    /// drains and returns what it has found so far.
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    pub fn init_state(&self) -> SystemState {
        let mut state = SystemState::zeroed(self.cfg.shape());
        for key in self.keys() {
            state.set_witness(key, Some(0));
            // Start the replica summary at 0 for every key so that replica events compare correctly.
            let _ = state
                .monitor
                .observe_quietly(&Event::ReplicaApplied { key, seq: 0 });
        }
        for client in state.client_ids().collect::<Vec<_>>() {
            state.set_remaining(client, self.cfg.ops_per_client);
        }
        state
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = Key> {
        (0..u32::from(self.cfg.keys)).map(Key)
    }

    pub(crate) fn node_ids(&self) -> impl Iterator<Item = NodeId> {
        (0..self.cfg.cache_nodes).map(NodeId)
    }

    /// Every operation a client may invoke (on the stack: this runs for every state).
    fn invocable_ops(&self) -> smallvec::SmallVec<[Op; 16]> {
        let mix = self.cfg.ops;
        let mut ops = smallvec::SmallVec::new();
        for key in self.keys() {
            if mix.put {
                ops.push(Op::Put { key });
            }
            if mix.delete {
                ops.push(Op::Delete { key });
            }
            if mix.get {
                ops.push(Op::Get { key });
            }
        }
        if mix.list {
            ops.push(Op::List);
        }
        ops
    }

    fn client_actions(&self, state: &SystemState, actions: &mut Vec<Action>) {
        if state.replicating() {
            return;
        }
        let ops = self.invocable_ops();
        for client in state.client_ids() {
            if !state.is_idle(client) {
                actions.push(Action::Step { client });
            } else if state.remaining(client) > 0 {
                for &op in &ops {
                    for node in self.node_ids() {
                        actions.push(Action::Invoke { client, op, node });
                    }
                }
            }
        }
    }

    /// Evictions, node restarts and witness restarts. With [`Reduction::EventualWitnessStaysUp`]
    /// the witness does not restart in eventual mode, where no read asks it and a forgotten key
    /// satisfies witness-safety, so a restart changes no history and no verdict.
    fn fault_actions(&self, state: &SystemState, actions: &mut Vec<Action>) {
        let faults = self.cfg.faults;
        for node in self.node_ids() {
            if faults.eviction {
                for key in self.keys() {
                    if state.entry(node, key).is_some() {
                        actions.push(Action::Evict { node, key });
                    }
                }
                if state.listing(node).is_some() {
                    actions.push(Action::EvictListing { node });
                }
            }
            if faults.node_restart && state.node_holds_anything(node) {
                actions.push(Action::RestartNode { node });
            }
        }
        let witness_observable = !self.reductions.contains(Reduction::EventualWitnessStaysUp)
            || self.cfg.mode == Mode::Strong;
        if witness_observable && state.witness_restarts() < faults.witness_restarts {
            actions.push(Action::RestartWitness);
        }
    }

    fn delivery_actions(&self, state: &SystemState, actions: &mut Vec<Action>) {
        // With `Reduction::DeliveriesLast`, a delivery waits until no client operation is in
        // flight, and after it no client starts another (see docs/design.md, "Reductions").
        let last = self.reductions.contains(Reduction::DeliveriesLast);
        if last && !state.client_ids().all(|c| state.is_idle(c)) {
            return;
        }
        let faults = self.cfg.faults;
        let deliverable = if faults.replication_reorder {
            state.replication_len()
        } else {
            state.replication_len().min(1)
        };
        for (key, seq) in state.replication().take(deliverable) {
            actions.push(Action::Deliver {
                key,
                seq,
                keep: false,
            });
            if faults.replication_duplicates {
                actions.push(Action::Deliver {
                    key,
                    seq,
                    keep: true,
                });
            }
        }
    }
}

/// Whether property `id` holds in `state` (always-properties) or shows its anomaly there
/// (sometimes-properties). The monitor judges the history-based ones; the rest are state-based.
pub fn condition(id: PropertyId, model: &WitnessModel, s: &SystemState) -> bool {
    match id {
        PropertyId::ReplicaConverges => {
            !s.is_quiescent()
                || model
                    .keys()
                    .all(|k| replica::converged(&[s.persisted(k)], &[s.replica(k)]))
        }
        PropertyId::WitnessSafety => model.keys().all(|key| {
            witness_safety::holds(
                s.monitor.acked(key),
                s.witness(key).map(u64::from),
                s.persisted(key).into(),
            )
        }),
        PropertyId::ReplicaLag => model
            .keys()
            .any(|key| replica::lags(s.monitor.acked(key), s.replica(key).into())),
        id => match id.expectation() {
            Expectation::Always => !s.monitor.violated().contains(id),
            Expectation::Sometimes => s.monitor.found().contains(id),
        },
    }
}

/// A model whose states are [`SystemState`]s of a [`WitnessModel`] (the checker's, or the
/// Explorer's view of it), so both share one list of properties.
pub trait Witnessed: Model<State = SystemState> {
    fn witness_model(&self) -> &WitnessModel;
}

impl Witnessed for WitnessModel {
    fn witness_model(&self) -> &WitnessModel {
        self
    }
}

macro_rules! stateright_properties {
    ($( $id:ident => $name:literal, $column:literal, $code:expr, $guarantee:ident, $expectation:ident, $rule_file:ident::$rule:ident, $summary:literal; )*) => {
        /// Every property, in [`PropertyId::ALL`]'s order, as stateright properties of `M`.
        pub fn properties<M: Witnessed>() -> Vec<Property<M>> {
            vec![$(
                match PropertyId::$id.expectation() {
                    Expectation::Always => Property::always(
                        PropertyId::$id.name(),
                        |m: &M, s: &SystemState| condition(PropertyId::$id, m.witness_model(), s),
                    ),
                    Expectation::Sometimes => Property::sometimes(
                        PropertyId::$id.name(),
                        |m: &M, s: &SystemState| condition(PropertyId::$id, m.witness_model(), s),
                    ),
                },
            )*]
        }
    };
}

crate::properties::property_catalogue!(stateright_properties);

impl Model for WitnessModel {
    type State = SystemState;
    type Action = Action;

    fn init_states(&self) -> Vec<SystemState> {
        let mut init = self.init_state();
        if self.symmetry {
            super::symmetry::canonicalize(&mut init);
        }
        vec![init]
    }

    fn actions(&self, state: &SystemState, actions: &mut Vec<Action>) {
        self.client_actions(state, actions);
        self.fault_actions(state, actions);
        self.delivery_actions(state, actions);
        if self.reductions.contains(Reduction::FaultsWaitForReader) {
            super::deferral::keep_canonical(&self.cfg, state, actions);
        }
    }

    fn next_state(&self, state: &SystemState, action: Action) -> Option<SystemState> {
        let mut next = self.apply(state, &action);
        if self.symmetry {
            super::symmetry::canonicalize(&mut next);
        }
        Some(next)
    }

    fn within_boundary(&self, _state: &SystemState) -> bool {
        !self.stop.load(Ordering::Relaxed)
    }

    fn format_action(&self, action: &Action) -> String {
        super::narrate::action_label(action)
    }

    fn format_step(&self, last_state: &SystemState, action: Action) -> Option<String> {
        Some(super::narrate::describe(self, last_state, &action))
    }

    fn as_svg(&self, path: stateright::Path<SystemState, Action>) -> Option<String> {
        let steps = super::symmetry::consistent_path(self, &path.into_vec());
        Some(super::diagram::sequence_svg(self, &steps))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        properties()
    }
}

#[cfg(test)]
mod tests {
    //! Exact state counts and named discoveries, in the manner of stateright's examples. The full
    //! mode × variant × mutant table on the default configuration is checked by `witness suite`
    //! and tests/proof_reports.rs; these runs use `small` (no evictions) to stay fast.

    use super::*;
    use crate::check::{run, CheckOptions, CheckReport, Strategy, Verdict};
    use crate::expected::expected;
    use crate::system::{Mode, Mutant, Reduction, Reductions, Variant};

    fn check(cfg: &WitnessCfg) -> CheckReport {
        run(cfg, &CheckOptions::default(), None, &mut |_| {}).expect("valid configuration")
    }

    fn small(mode: Mode) -> WitnessCfg {
        WitnessCfg {
            mode,
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
        assert_eq!(report.unique_states, 224_502);
        for property in PropertyId::always() {
            assert_eq!(report.verdict(property), Verdict::Holds, "{property}");
        }
        assert_eq!(report.verdict(PropertyId::ReplicaLag), Verdict::Found);
        for anomaly in PropertyId::sometimes().filter(|p| *p != PropertyId::ReplicaLag) {
            assert_eq!(report.verdict(anomaly), Verdict::NotFound, "{anomaly}");
        }
    }

    #[test]
    fn eventual_mode_exhibits_every_anomaly() {
        let report = check(&small(Mode::Eventual));
        assert!(report.complete);
        assert_eq!(report.unique_states, 44_474);
        let row = expected(Mode::Eventual, Variant::default(), None);
        for &property in PropertyId::ALL {
            assert_eq!(
                report.verdict(property),
                row.verdict(property),
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
            mode: Mode::Eventual,
            ..WitnessCfg::small()
        };
        let report = check(&cfg);
        assert_eq!(report.unique_states, SINGLE_CLIENT_STATES);
        assert!(!report.any_violated(), "{:#?}", report.properties);
    }

    const SINGLE_CLIENT_STATES: usize = 195;

    #[test]
    fn every_mutant_is_killed_on_the_small_configuration() {
        for &mutant in Mutant::ALL {
            let cfg = WitnessCfg {
                mutant: Some(mutant),
                ..small(Mode::Strong)
            };
            let report = check(&cfg);
            assert!(report.any_violated(), "{mutant} survived");
            let row = expected(Mode::Strong, Variant::default(), Some(mutant));
            for &property in PropertyId::ALL {
                assert_eq!(
                    report.verdict(property),
                    row.verdict(property),
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
                    again.trace.len(),
                    result.trace.len(),
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
            assert_eq!(a.trace.len(), b.trace.len(), "{}", a.property);
        }
        (reduced.unique_states, full.unique_states)
    }

    #[test]
    fn symmetry_changes_no_verdict_and_no_shortest_length() {
        let eventual = same_with_and_without_symmetry(&small(Mode::Eventual));
        assert_eq!(eventual, (44_474, 168_494));
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
            ..WitnessCfg::default_cfg()
        };
        let large_eventual = WitnessCfg {
            mode: Mode::Eventual,
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
            (84_004, 183_634),
            (84_004, 101_863),
            (84_004, 93_298),
            (84_004, 223_110),
            (84_004, 97_502),
        ],
        [
            (449_820, 449_820),
            (449_820, 644_960),
            (449_820, 479_708),
            (449_820, 1_296_088),
            (449_820, 514_642),
        ],
        [
            (440_520, 440_520),
            (440_520, 600_139),
            (440_520, 471_878),
            (440_520, 1_448_204),
            (440_520, 494_880),
        ],
        [
            (224_502, 224_502),
            (224_502, 204_826),
            (224_502, 239_728),
            (224_502, 611_982),
            (224_502, 252_112),
        ],
        [
            (131_024, 292_232),
            (131_024, 155_538),
            (131_024, 132_556),
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
                    let lengths = (a.trace.len(), b.trace.len());
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
}
