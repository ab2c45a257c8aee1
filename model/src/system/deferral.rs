//! Faults wait for their first reader: a partial-order reduction.
//!
//! An eviction, a node restart or a witness restart emits no history event and changes only what
//! it destroys: a node's entry or listing, or the witness's memory. No state-based property reads
//! a cache node, and witness-safety holds for a forgotten key. So a fault commutes with every step
//! that does not read or write what it destroyed, and moving it later, to just before the first
//! step that does (its *reader*), changes no history and only shortens a path: the steps it moved
//! past each happen one position earlier. A fault with no reader changes nothing anyone sees and can
//! be dropped. Every path of the full model therefore has a path here with the same events, no
//! longer, on which each fault is followed (after, at most, other faults waiting for the same step)
//! by its reader; and every path here is a path of the full model. Verdicts and shortest
//! counterexamples are the same, which `model_tests.rs` checks on small configurations.
//!
//! The state remembers the faults of the current block (`layout.deferred`): the next client step
//! must read each of them, and clears them (a delivery reads nothing, so none is offered while a
//! fault waits). A fault is offered only when some step
//! enabled now would read it and every fault already waiting, so that no path runs into a dead end.
//!
//! Witness restarts and failovers wait per witness node; any step that sends the witness a
//! message counts as reading every node (a superset, which stays sound). Under the mutants
//! `witness-forgets-on-restart`, `restarted-node-answers-fresh` and `trust-stale-failover` a
//! restart or failover makes a node answer "fresh" instead of forgetting, which witness-safety
//! can see at once and which does not commute with the other witness faults: those are not
//! deferred. Witness outages are never deferred; they commute with every deferred fault.

use super::action::Action;
use super::config::{Mutant, WitnessCfg};
use super::layout::MAX_CACHE_NODES;
use super::phase::{GetStep, ListStep, Phase, WriteStep};
use super::state::SystemState;
use super::witness_table::WitnessNode;
use crate::history::{Key, NodeId, Op};

/// Things a fault destroys, in `layout.deferred`'s encoding per node, and the witness.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
struct Things {
    nodes: [u8; MAX_CACHE_NODES as usize],
    /// Bit `i`: witness node `i`.
    witness: u8,
}

impl Things {
    fn is_empty(&self) -> bool {
        self.witness == 0 && self.nodes.iter().all(|&bits| bits == 0)
    }

    fn union(self, other: Things) -> Things {
        let mut nodes = self.nodes;
        for (mine, theirs) in nodes.iter_mut().zip(other.nodes) {
            *mine |= theirs;
        }
        Things {
            nodes,
            witness: self.witness | other.witness,
        }
    }
}

fn entry_bit(key: Key) -> u8 {
    1 << key.0
}

fn listing_bit(keys: u8) -> u8 {
    1 << keys
}

fn restart_bit(keys: u8) -> u8 {
    1 << (keys + 1)
}

fn on_node(node: NodeId, bits: u8) -> Things {
    let mut things = Things::default();
    things.nodes[node.index()] = bits;
    things
}

/// What a step that messages the witness reads: every witness node.
const WITNESS: Things = Things {
    nodes: [0; MAX_CACHE_NODES as usize],
    witness: u8::MAX,
};

fn on_witness_node(node: WitnessNode) -> Things {
    Things {
        witness: 1 << node.0,
        ..Things::default()
    }
}

/// Anything but a client's step or a replication delivery.
fn is_fault(action: &Action) -> bool {
    action.client().is_none() && !matches!(action, Action::Deliver { .. })
}

/// Witness restarts and failovers may wait for their reader: each makes its node forget, which
/// no property sees until a message reaches the node, and the two commute with each other.
fn defers_witness_faults(cfg: &WitnessCfg) -> bool {
    !matches!(
        cfg.mutant,
        Some(
            Mutant::WitnessForgetsOnRestart
                | Mutant::RestartedNodeAnswersFresh
                | Mutant::TrustStaleFailover
        )
    )
}

/// What the fault `action` leaves waiting for a reader, or `None` when it is not deferred.
fn waiting_for(cfg: &WitnessCfg, action: &Action) -> Option<Things> {
    match *action {
        Action::Evict { node, key } => Some(on_node(node, entry_bit(key))),
        Action::EvictListing { node } => Some(on_node(node, listing_bit(cfg.keys))),
        Action::RestartNode { node } => Some(on_node(node, restart_bit(cfg.keys))),
        Action::RestartWitness { node } | Action::FailOverWitness { node } => {
            defers_witness_faults(cfg).then_some(on_witness_node(node))
        }
        Action::WitnessUnreachable { .. }
        | Action::WitnessReachable { .. }
        | Action::Invoke { .. }
        | Action::Step { .. }
        | Action::Deliver { .. }
        | Action::SplitPartition => None,
    }
}

/// What a client step or a delivery reads or writes among the things faults destroy. A superset
/// would stay sound (a fault may wait for a step that ignores it); a subset would not.
fn touched(cfg: &WitnessCfg, state: &SystemState, action: &Action) -> Things {
    let listing = listing_bit(cfg.keys);
    match *action {
        Action::Invoke { op, node, .. } => match op {
            Op::Get { key } => on_node(node, entry_bit(key)),
            Op::List => on_node(node, listing),
            Op::Put { .. } | Op::Delete { .. } | Op::PutIf { .. } | Op::DeleteIf { .. } => {
                Things::default()
            }
        },
        Action::Step { client, .. } => match state.phase(client) {
            Phase::Idle => Things::default(),
            // Judged at persistence, or at the node's entry under the mutant that does.
            Phase::Judge { op } if cfg.mutant == Some(Mutant::JudgePreconditionAtCache) => {
                on_node(op.node, entry_bit(op.key))
            }
            Phase::Judge { .. } => Things::default(),
            Phase::Write { op, step } => match step {
                WriteStep::Commit | WriteStep::Ack => Things::default(),
                WriteStep::NotifyWitness | WriteStep::CommitAndNotify | WriteStep::LateNotify => {
                    WITNESS
                }
                WriteStep::UpdateCache => on_node(op.node, entry_bit(op.key) | listing),
            },
            Phase::Get { key, node, step } => match step {
                GetStep::FillLoad => Things::default(),
                GetStep::CheckWitness { .. } | GetStep::Reload | GetStep::Relearn { .. } => WITNESS,
                GetStep::FillStore { .. } | GetStep::Repair { .. } => on_node(node, entry_bit(key)),
            },
            Phase::List { node, step } => match step {
                ListStep::FillLoad | ListStep::FillSecondRead { .. } => Things::default(),
                // A reload's reads relearn forgotten keys in the atomic orders.
                ListStep::CheckBarrier { .. }
                | ListStep::Reload
                | ListStep::ReloadSecondRead { .. }
                | ListStep::Relearn { .. } => WITNESS,
                ListStep::FillStore { .. } | ListStep::Repair { .. } => on_node(node, listing),
            },
        },
        Action::Deliver { .. }
        | Action::Evict { .. }
        | Action::EvictListing { .. }
        | Action::RestartNode { .. }
        | Action::RestartWitness { .. }
        | Action::FailOverWitness { .. }
        | Action::WitnessUnreachable { .. }
        | Action::WitnessReachable { .. }
        | Action::SplitPartition => Things::default(),
    }
}

/// Whether a step touching `touched` reads every fault in `waiting`: each evicted entry or
/// listing itself, anything of a restarted node, and the witness after its restart.
fn reads_all(cfg: &WitnessCfg, waiting: Things, touched: Things) -> bool {
    let restart = restart_bit(cfg.keys);
    let nodes_read = waiting
        .nodes
        .iter()
        .zip(touched.nodes)
        .all(|(&wait, touch)| {
            let evictions = wait & !restart;
            evictions & !touch == 0 && (wait & restart == 0 || touch != 0)
        });
    nodes_read && waiting.witness & !touched.witness == 0
}

fn waiting_now(state: &SystemState) -> Things {
    let mut waiting = Things {
        witness: state.witness_deferred(),
        ..Things::default()
    };
    for node in state.node_ids() {
        waiting.nodes[node.index()] = state.deferred(node);
    }
    waiting
}

/// Keeps, of the full model's `actions` in `state`, those a path of this reduction may take: a
/// client step or delivery only if it reads every waiting fault; a deferred fault only if it is
/// not waiting already and some kept step would read it together with the rest.
pub fn keep_canonical(cfg: &WitnessCfg, state: &SystemState, actions: &mut Vec<Action>) {
    let waiting = waiting_now(state);
    if waiting.is_empty() && !actions.iter().any(is_fault) {
        return;
    }
    let reads =
        |waiting: Things, action: &Action| reads_all(cfg, waiting, touched(cfg, state, action));
    actions.retain(|a| is_fault(a) || reads(waiting, a));
    let readers: smallvec::SmallVec<[Things; 32]> = actions
        .iter()
        .filter(|a| !is_fault(a))
        .map(|a| touched(cfg, state, a))
        .collect();
    actions.retain(|a| match waiting_for(cfg, a) {
        None => true,
        Some(fault) => {
            let already = waiting.union(fault) == waiting;
            let block = waiting.union(fault);
            !already && readers.iter().any(|&t| reads_all(cfg, block, t))
        }
    });
}

/// Records `action` (just applied to `state`) in the faults waiting for a reader: a deferred fault
/// joins them; a client step or delivery is their reader and clears them.
pub fn record(cfg: &WitnessCfg, state: &mut SystemState, action: &Action) {
    if let Some(fault) = waiting_for(cfg, action) {
        let waiting = waiting_now(state).union(fault);
        for node in state.node_ids() {
            state.set_deferred(node, waiting.nodes[node.index()]);
        }
        state.set_witness_deferred(waiting.witness);
    } else if !is_fault(action) && !waiting_now(state).is_empty() {
        for node in state.node_ids() {
            state.set_deferred(node, 0);
        }
        state.set_witness_deferred(0);
    }
}

#[cfg(test)]
mod tests {
    //! The reduction rests on `touched`: a step it says does not read a fault must commute with
    //! that fault. `touched` mirrors `transitions.rs` by hand, so this checks the mirror against
    //! the transitions themselves on the first states of several full models.

    use super::*;
    use crate::system::{Barrier, Mode, Mutant, Reductions, Variant};
    use std::collections::{HashSet, VecDeque};

    fn enabled(model: &crate::system::WitnessModel, state: &SystemState) -> Vec<Action> {
        let mut actions = Vec::new();
        stateright::Model::actions(model, state, &mut actions);
        actions
    }

    fn after(
        model: &crate::system::WitnessModel,
        state: &SystemState,
        steps: [&Action; 2],
    ) -> (SystemState, Vec<String>) {
        let mut events = Vec::new();
        let mut record = |e: &crate::history::Event| events.push(format!("{e:?}"));
        let middle = model.apply_recording(state, steps[0], &mut record);
        let end = model.apply_recording(&middle, steps[1], &mut record);
        (end, events)
    }

    /// Whether two faults strike the same cache node or witness node.
    fn overlap(a: Things, b: Things) -> bool {
        let same_node = a.nodes.iter().zip(b.nodes).any(|(&x, y)| x != 0 && y != 0);
        a.witness & b.witness != 0 || same_node
    }

    /// Checks every (fault, step that does not read it) pair in the first `limit` states.
    fn faults_commute_with_the_steps_that_do_not_read_them(cfg: WitnessCfg, limit: usize) {
        let model = cfg
            .clone()
            .into_model()
            .with_symmetry(false)
            .with_reductions(Reductions::NONE);
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([model.init_state()]);
        let mut pairs = 0;
        while let Some(state) = queue.pop_front() {
            if seen.len() >= limit || !seen.insert(state.clone()) {
                continue;
            }
            let actions = enabled(&model, &state);
            for fault in actions.iter().filter(|a| waiting_for(&cfg, a).is_some()) {
                let waits = waiting_for(&cfg, fault).unwrap_or_default();
                // Every other action, faults included: a waiting fault is moved past outages and
                // faults on other things too (a fault on the same thing is not offered while it
                // waits: `keep_canonical`).
                let apart =
                    |a: &Action| waiting_for(&cfg, a).is_none_or(|other| !overlap(waits, other));
                for step in actions.iter().filter(|&a| a != fault && apart(a)) {
                    if reads_all(&cfg, waits, touched(&cfg, &state, step)) {
                        continue;
                    }
                    let fault_first = model.apply(&state, fault);
                    let step_first = model.apply(&state, step);
                    // Two faults that share a budget never both happen: nothing to reorder.
                    if is_fault(step) && !enabled(&model, &fault_first).contains(step) {
                        continue;
                    }
                    pairs += 1;
                    assert!(
                        enabled(&model, &fault_first).contains(step),
                        "{step:?} after {fault:?}"
                    );
                    assert!(
                        enabled(&model, &step_first).contains(fault),
                        "{fault:?} after {step:?}"
                    );
                    assert_eq!(
                        after(&model, &state, [fault, step]),
                        after(&model, &state, [step, fault]),
                        "{fault:?} and {step:?} do not commute in {state:?}"
                    );
                }
            }
            queue.extend(actions.iter().map(|a| model.apply(&state, a)));
        }
        assert!(pairs > 1000, "only {pairs} pairs checked");
    }

    /// Every configuration whose steps `touched` must describe: each mode, variant and mutant,
    /// two keys, the partition's split, conditional writes and the fleet.
    fn touched_cases() -> Vec<WitnessCfg> {
        let strong = WitnessCfg {
            faults: crate::system::Faults {
                node_restart: true,
                witness_restarts: 2,
                ..WitnessCfg::default_cfg().faults
            },
            ..WitnessCfg::default_cfg()
        };
        let mut cases = vec![
            WitnessCfg {
                mode: Mode::Eventual,
                ..strong.clone()
            },
            WitnessCfg {
                keys: 2,
                ..strong.clone()
            },
        ];
        for variant in Variant::all() {
            cases.push(WitnessCfg {
                variant,
                ..strong.clone()
            });
        }
        // Versions numbered per partition across two keys, and the partition's split.
        let splits = WitnessCfg {
            keys: 2,
            faults: crate::system::Faults {
                partition_split: true,
                ..strong.faults
            },
            ..strong.clone()
        };
        for barrier in [Barrier::SeqBeforeScan, Barrier::SeqAfterScan] {
            cases.push(WitnessCfg {
                variant: Variant {
                    barrier,
                    ..Variant::default()
                },
                ..splits.clone()
            });
        }
        // Conditional writes: a judgement at persistence, or at a node's entry (an eviction
        // must wait for it).
        let conditional = WitnessCfg {
            ops: WitnessCfg::conditional().ops,
            ..strong.clone()
        };
        cases.push(conditional.clone());
        for &mutant in Mutant::ALL {
            let base = match crate::expected::home_config(mutant) {
                Some(crate::system::ConfigName::Partitions) => &splits,
                Some(crate::system::ConfigName::Conditional) => &conditional,
                _ => &strong,
            };
            cases.push(WitnessCfg {
                mutant: Some(mutant),
                variant: crate::expected::mutant_variant(mutant),
                ..base.clone()
            });
        }
        // The fleet: per-node restarts and failovers waiting beside outages and quorum queries.
        for mutant in [None, Some(Mutant::FleetFirstAnswer)] {
            cases.push(WitnessCfg {
                mutant,
                faults: crate::system::Faults {
                    witness_restarts: 2,
                    witness_outages: 2,
                    ..WitnessCfg::fleet().faults
                },
                ..WitnessCfg::fleet()
            });
        }
        cases
    }

    #[test]
    fn touched_misses_nothing_a_step_reads_or_writes() {
        for cfg in touched_cases() {
            faults_commute_with_the_steps_that_do_not_read_them(cfg, 20_000);
        }
    }

    /// The argument above, over every state of `default` (the default variant and its own
    /// faults, before symmetry and every reduction), not only the first 20,000 of each case.
    #[test]
    #[ignore = "the whole default space, single-threaded: the slow tier (scripts/test-all.sh slow)"]
    fn faults_commute_over_the_whole_default_space() {
        faults_commute_with_the_steps_that_do_not_read_them(WitnessCfg::default_cfg(), usize::MAX);
    }
}
