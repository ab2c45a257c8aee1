//! The index tier as a model to check: a configuration, the steps enabled in each state, and each
//! property's condition on a state. Stateright's `Model` trait joins these with symmetry, the
//! deferral of faults and the narration in `stateright_model.rs`.
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
use super::state::SystemState;
use crate::history::{ClientId, Event, Key, NodeId, Op};
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

    /// The stop switch has been set.
    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
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

    /// Every step the model may take from `state`, before `faults-wait-for-reader` keeps those a
    /// path of that reduction may take (`stateright_model.rs`).
    pub(crate) fn enabled_actions(&self, state: &SystemState, actions: &mut Vec<Action>) {
        self.client_actions(state, actions);
        self.fault_actions(state, actions);
        self.delivery_actions(state, actions);
    }

    fn client_actions(&self, state: &SystemState, actions: &mut Vec<Action>) {
        if state.replicating() {
            return;
        }
        let mut ops = self.invocable_ops();
        if self.cfg.ops.conditional() {
            self.conditional_ops(state, &mut ops);
        }
        for client in state.client_ids() {
            if !state.is_idle(client) {
                self.step_actions(state, client, actions);
            } else if state.remaining(client) > 0 {
                for &op in &ops {
                    for node in self.node_ids() {
                        actions.push(Action::Invoke { client, op, node });
                    }
                }
            }
        }
    }

    /// The client's next step: one action, or under a witness fleet one per quorum that may answer
    /// its query; none while its message waits for a majority of witness nodes.
    fn step_actions(&self, state: &SystemState, client: ClientId, actions: &mut Vec<Action>) {
        let phase = state.phase(client);
        if self.waits_for_witness(state, phase) || self.judge_waits(state, phase) {
            return;
        }
        let quorums = self.quorums(state, phase);
        if quorums.is_empty() {
            actions.push(Action::Step {
                client,
                quorum: None,
            });
        }
        for quorum in quorums {
            actions.push(Action::Step {
                client,
                quorum: Some(quorum),
            });
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
        if faults.partition_split && state.split_base().is_none() {
            actions.push(Action::SplitPartition);
        }
        let witness_observable = !self.reductions.contains(Reduction::EventualWitnessStaysUp)
            || self.cfg.mode == Mode::Strong;
        if witness_observable {
            self.witness_fault_actions(state, actions);
        }
    }

    /// Restarts, failovers and outages of witness nodes, each within its budget. A node that is
    /// out comes back at any time.
    fn witness_fault_actions(&self, state: &SystemState, actions: &mut Vec<Action>) {
        let faults = self.cfg.faults;
        for node in state.witness_nodes() {
            if state.witness_restarts() < faults.witness_restarts {
                actions.push(Action::RestartWitness { node });
            }
            if state.witness_failovers() < faults.witness_failovers {
                actions.push(Action::FailOverWitness { node });
            }
            if state.witness_out(node) {
                actions.push(Action::WitnessReachable { node });
            } else if state.witness_outages() < faults.witness_outages {
                actions.push(Action::WitnessUnreachable { node });
            }
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
