//! The index tier as a stateright [`Model`].
//!
//! Clients PUT, DELETE, GET and LIST through a cache layer of several nodes; behind it sits the
//! index + persistence tier, which assigns each write of a key the next per-key version and is the
//! source of truth. In strong mode a witness, which records the latest version of each key, is the
//! read barrier: a read asks it whether the node's entry is stale, and reloads from persistence and
//! repairs the node when it is. A cross-region replica is fed asynchronously.
//!
//! Every step below is one atomic action, so the checker explores every interleaving of them:
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
//!
//! An operation's invocation is part of its first step and its response part of its last, which is
//! the most demanding placement for the properties: a response as early as possible constrains the
//! most later operations. Each invocation and response is fed to the shared property
//! [`Monitor`](crate::properties::Monitor) kept in the state.

use super::config::{Mode, Mutant, Repair, WitnessCfg, WitnessOrder};
use super::state::Seq;
use super::state::{
    CacheNode, ClientState, GetStep, ListStep, NodeId, PerKey, Phase, SystemState, WriteStep,
};
use crate::history::{ClientId, Event, Key, Op, Ret};
use crate::properties::{replica, witness_safety, PropertyId};
use smallvec::{smallvec, SmallVec};
use stateright::{Model, Property};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// One atomic step of the system.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum Action {
    /// An idle client starts an operation through a cache node (and takes its first step).
    Invoke {
        client: ClientId,
        op: Op,
        node: NodeId,
    },
    /// The client's operation in flight takes its next step.
    Step {
        client: ClientId,
    },
    Evict {
        node: NodeId,
        key: Key,
    },
    EvictListing {
        node: NodeId,
    },
    RestartNode {
        node: NodeId,
    },
    RestartWitness,
    /// The replica receives `key@seq`; with `keep`, the message stays in flight (delivered again).
    Deliver {
        key: Key,
        seq: Seq,
        keep: bool,
    },
}

/// The checkable model: a validated configuration plus a stop switch that lets a caller end a run
/// early (timeout, Ctrl-C) whatever the checker's thread count.
#[derive(Clone, Debug)]
pub struct WitnessModel {
    pub cfg: WitnessCfg,
    stop: Arc<AtomicBool>,
}

impl WitnessCfg {
    /// Builds the model. Call [`WitnessCfg::validate`] first on untrusted input; this asserts it.
    pub fn into_model(self) -> WitnessModel {
        if let Err(e) = self.validate() {
            panic!("invalid configuration: {e}");
        }
        WitnessModel {
            cfg: self,
            stop: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl WitnessModel {
    /// A handle that stops exploration when set: states are no longer expanded, so the checker
    /// drains and returns what it has found so far.
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    pub fn init_state(&self) -> SystemState {
        let keys = usize::from(self.cfg.keys);
        let mut monitor = crate::properties::Monitor::new();
        // Start the replica summary at 0 for every key so that replica events compare correctly.
        for k in 0..self.cfg.keys {
            let _ = monitor.observe_quietly(&Event::ReplicaApplied {
                key: Key(u32::from(k)),
                seq: 0,
            });
        }
        SystemState {
            persisted: smallvec![0; keys],
            assigned: smallvec![0; keys],
            puts: smallvec![0; keys],
            witness: smallvec![Some(0); keys],
            witness_restarts: 0,
            nodes: smallvec![
                CacheNode {
                    entries: smallvec![None; keys],
                    listing: None,
                };
                usize::from(self.cfg.cache_nodes)
            ],
            replica: smallvec![0; keys],
            replication: SmallVec::new(),
            clients: smallvec![
                ClientState {
                    remaining: self.cfg.ops_per_client,
                    phase: Phase::Idle,
                };
                usize::from(self.cfg.clients)
            ],
            monitor,
        }
    }

    fn keys(&self) -> impl Iterator<Item = Key> {
        (0..u32::from(self.cfg.keys)).map(Key)
    }

    fn node_ids(&self) -> impl Iterator<Item = NodeId> {
        (0..self.cfg.cache_nodes).map(NodeId)
    }

    fn invocable_ops(&self) -> Vec<Op> {
        let mix = self.cfg.ops;
        let mut ops = Vec::new();
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

    fn is_mutant(&self, mutant: Mutant) -> bool {
        self.cfg.mutant == Some(mutant)
    }

    /// The first step a write takes after its version is assigned.
    fn first_write_step(&self) -> WriteStep {
        match self.cfg.variant.witness_order {
            WitnessOrder::AfterCommit => WriteStep::Commit,
            WitnessOrder::BeforeCommit => WriteStep::NotifyWitness,
            WitnessOrder::WithCommit => WriteStep::CommitAndNotify,
        }
    }

    fn write_step_after(&self, step: WriteStep) -> WriteStep {
        let order = self.cfg.variant.witness_order;
        match step {
            WriteStep::Commit if order == WitnessOrder::AfterCommit => WriteStep::NotifyWitness,
            WriteStep::NotifyWitness if order == WitnessOrder::BeforeCommit => WriteStep::Commit,
            WriteStep::Commit | WriteStep::NotifyWitness | WriteStep::CommitAndNotify => {
                WriteStep::UpdateCache
            }
            WriteStep::UpdateCache | WriteStep::Ack => WriteStep::Ack,
        }
    }

    /// `node.put(key, entry)`: the seed's unconditional overwrite, or only-if-newer.
    fn cache_put(&self, slot: &mut Option<Seq>, seq: Seq) {
        match self.cfg.variant.repair {
            Repair::Unconditional => *slot = Some(seq),
            Repair::IfNewer => {
                if slot.is_none_or(|held| seq > held) {
                    *slot = Some(seq);
                }
            }
        }
    }

    fn listing_put(&self, listing: &mut [Seq], key: Key, seq: Seq) {
        let held = &mut listing[key.index()];
        match self.cfg.variant.repair {
            Repair::Unconditional => *held = seq,
            Repair::IfNewer => *held = (*held).max(seq),
        }
    }

    /// `witness.isStale(key, entry)`. A forgotten key is stale: that is the witness's safe floor
    /// after a restart.
    pub fn is_stale(&self, state: &SystemState, key: Key, entry: Seq) -> bool {
        if self.is_mutant(Mutant::SkipWitnessOnMiss) && !state.observed(key, entry).exists {
            return false;
        }
        match state.witness_of(key) {
            None => true,
            Some(known) => entry < known,
        }
    }

    /// The partition barrier: a listing is stale if the witness knows any key newer than it, or
    /// has forgotten any key.
    pub fn is_listing_stale(&self, state: &SystemState, listing: &[Seq]) -> bool {
        self.keys().any(|key| match state.witness_of(key) {
            None => true,
            Some(known) => listing[key.index()] < known,
        })
    }

    /// `persistence.load(key)` on the strong read path. A witness that has forgotten the key
    /// relearns it from the source of truth in the same step.
    fn reload(&self, state: &mut SystemState, key: Key) -> Seq {
        let loaded = state.persisted_of(key);
        let known = &mut state.witness[key.index()];
        if known.is_none() {
            *known = Some(loaded);
        }
        loaded
    }

    fn notify_witness(&self, state: &mut SystemState, key: Key, seq: Seq, put: bool) {
        if !put && self.is_mutant(Mutant::NoWitnessBumpOnDelete) {
            return;
        }
        // A forgotten key stays forgotten: the witness cannot know whether a newer write notified
        // it before the restart, so only a reload from persistence may teach it again.
        if let Some(known) = &mut state.witness[key.index()] {
            *known = (*known).max(seq);
        }
    }

    fn commit(&self, state: &mut SystemState, key: Key, seq: Seq) {
        // Last writer wins by version: a slow, older write never overwrites a newer commit.
        let held = &mut state.persisted[key.index()];
        *held = (*held).max(seq);
    }

    fn respond(
        &self,
        state: &mut SystemState,
        client: ClientId,
        ret: Ret,
        emit: &mut dyn FnMut(&Event),
    ) {
        state.clients[client.index()].phase = Phase::Idle;
        let event = Event::Return { client, ret };
        let outcome = state.monitor.observe_quietly(&event);
        debug_assert!(outcome.is_ok(), "the model emitted a malformed history");
        emit(&event);
    }

    fn respond_read(
        &self,
        state: &mut SystemState,
        client: ClientId,
        key: Key,
        seq: Seq,
        emit: &mut dyn FnMut(&Event),
    ) {
        let observed = state.observed(key, seq);
        self.respond(state, client, Ret::Read { observed }, emit);
    }

    fn respond_list(
        &self,
        state: &mut SystemState,
        client: ClientId,
        listing: &[Seq],
        emit: &mut dyn FnMut(&Event),
    ) {
        let entries = self
            .keys()
            .map(|key| (key, state.observed(key, listing[key.index()])))
            .collect();
        self.respond(state, client, Ret::Listed { entries }, emit);
    }

    fn set_phase(&self, state: &mut SystemState, client: ClientId, phase: Phase) {
        state.clients[client.index()].phase = phase;
    }

    fn invoke(
        &self,
        state: &mut SystemState,
        client: ClientId,
        op: Op,
        node: NodeId,
        emit: &mut dyn FnMut(&Event),
    ) {
        let slot = &mut state.clients[client.index()];
        debug_assert!(slot.remaining > 0 && slot.phase == Phase::Idle);
        slot.remaining -= 1;
        let event = Event::Invoke { client, op };
        let outcome = state.monitor.observe_quietly(&event);
        debug_assert!(outcome.is_ok(), "the model emitted a malformed history");
        emit(&event);
        match op {
            Op::Put { key } | Op::Delete { key } => {
                let put = matches!(op, Op::Put { .. });
                let k = key.index();
                let seq = state.assigned[k] + 1;
                state.assigned[k] = seq;
                if put {
                    state.puts[k] |= 1 << seq;
                }
                let next = self.first_write_step();
                self.set_phase(
                    state,
                    client,
                    Phase::Write {
                        key,
                        node,
                        seq,
                        put,
                        next,
                    },
                );
            }
            Op::Get { key } => match state.node(node).entries[key.index()] {
                None => self.set_phase(
                    state,
                    client,
                    Phase::Get {
                        key,
                        node,
                        next: GetStep::FillLoad,
                    },
                ),
                Some(entry) => self.after_lookup(state, client, key, node, entry, emit),
            },
            Op::List => match state.node(node).listing.clone() {
                None => self.set_phase(
                    state,
                    client,
                    Phase::List {
                        node,
                        next: ListStep::FillLoad,
                    },
                ),
                Some(listing) => self.after_list_lookup(state, client, node, listing, emit),
            },
        }
    }

    /// The node has an entry for the GET (found, filled, or a cached miss).
    fn after_lookup(
        &self,
        state: &mut SystemState,
        client: ClientId,
        key: Key,
        node: NodeId,
        entry: Seq,
        emit: &mut dyn FnMut(&Event),
    ) {
        match self.cfg.mode {
            Mode::Eventual => self.respond_read(state, client, key, entry, emit),
            Mode::Strong => self.set_phase(
                state,
                client,
                Phase::Get {
                    key,
                    node,
                    next: GetStep::CheckWitness { entry },
                },
            ),
        }
    }

    fn after_list_lookup(
        &self,
        state: &mut SystemState,
        client: ClientId,
        node: NodeId,
        listing: PerKey<Seq>,
        emit: &mut dyn FnMut(&Event),
    ) {
        let barrier = self.cfg.mode == Mode::Strong && !self.is_mutant(Mutant::ListIgnoresWitness);
        if barrier {
            self.set_phase(
                state,
                client,
                Phase::List {
                    node,
                    next: ListStep::CheckBarrier { listing },
                },
            );
        } else {
            self.respond_list(state, client, &listing, emit);
        }
    }

    fn step(&self, state: &mut SystemState, client: ClientId, emit: &mut dyn FnMut(&Event)) {
        let phase = state.clients[client.index()].phase.clone();
        match phase {
            Phase::Idle => debug_assert!(false, "Step offered to an idle client"),
            Phase::Write {
                key,
                node,
                seq,
                put,
                next,
            } => self.write_step(state, client, key, node, seq, put, next, emit),
            Phase::Get { key, node, next } => self.get_step(state, client, key, node, next, emit),
            Phase::List { node, next } => self.list_step(state, client, node, next, emit),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn write_step(
        &self,
        state: &mut SystemState,
        client: ClientId,
        key: Key,
        node: NodeId,
        seq: Seq,
        put: bool,
        step: WriteStep,
        emit: &mut dyn FnMut(&Event),
    ) {
        match step {
            WriteStep::Commit => self.commit(state, key, seq),
            WriteStep::NotifyWitness => self.notify_witness(state, key, seq, put),
            WriteStep::CommitAndNotify => {
                self.commit(state, key, seq);
                self.notify_witness(state, key, seq, put);
            }
            WriteStep::UpdateCache => {
                let n = usize::from(node.0);
                let mut slot = state.nodes[n].entries[key.index()];
                self.cache_put(&mut slot, seq);
                state.nodes[n].entries[key.index()] = slot;
                if let Some(mut listing) = state.nodes[n].listing.take() {
                    self.listing_put(&mut listing, key, seq);
                    state.nodes[n].listing = Some(listing);
                }
            }
            WriteStep::Ack => {
                state.replication.push((key, seq));
                if self.cfg.faults.replication_reorder {
                    state.replication.sort_unstable();
                }
                self.respond(state, client, Ret::Ack { seq: seq.into() }, emit);
                return;
            }
        }
        let next = self.write_step_after(step);
        self.set_phase(
            state,
            client,
            Phase::Write {
                key,
                node,
                seq,
                put,
                next,
            },
        );
    }

    fn get_step(
        &self,
        state: &mut SystemState,
        client: ClientId,
        key: Key,
        node: NodeId,
        step: GetStep,
        emit: &mut dyn FnMut(&Event),
    ) {
        let k = key.index();
        let phase = |next| Phase::Get { key, node, next };
        match step {
            GetStep::FillLoad => {
                let loaded = state.persisted_of(key);
                self.set_phase(state, client, phase(GetStep::FillStore { loaded }));
            }
            GetStep::FillStore { loaded } => {
                let mut slot = state.nodes[usize::from(node.0)].entries[k];
                self.cache_put(&mut slot, loaded);
                state.nodes[usize::from(node.0)].entries[k] = slot;
                self.after_lookup(state, client, key, node, loaded, emit);
            }
            GetStep::CheckWitness { entry } => {
                if self.is_stale(state, key, entry) {
                    self.set_phase(state, client, phase(GetStep::Reload));
                } else {
                    self.respond_read(state, client, key, entry, emit);
                }
            }
            GetStep::Reload => {
                let loaded = self.reload(state, key);
                self.set_phase(state, client, phase(GetStep::Repair { loaded }));
            }
            GetStep::Repair { loaded } => {
                let mut slot = state.nodes[usize::from(node.0)].entries[k];
                self.cache_put(&mut slot, loaded);
                state.nodes[usize::from(node.0)].entries[k] = slot;
                self.respond_read(state, client, key, loaded, emit);
            }
        }
    }

    fn store_listing(&self, state: &mut SystemState, node: NodeId, loaded: &[Seq]) {
        let n = usize::from(node.0);
        match state.nodes[n].listing.take() {
            None => state.nodes[n].listing = Some(loaded.iter().copied().collect()),
            Some(mut held) => {
                for key in self.keys() {
                    self.listing_put(&mut held, key, loaded[key.index()]);
                }
                state.nodes[n].listing = Some(held);
            }
        }
    }

    fn list_step(
        &self,
        state: &mut SystemState,
        client: ClientId,
        node: NodeId,
        step: ListStep,
        emit: &mut dyn FnMut(&Event),
    ) {
        let phase = |next| Phase::List { node, next };
        match step {
            ListStep::FillLoad => {
                let loaded = state.persisted.clone();
                self.set_phase(state, client, phase(ListStep::FillStore { loaded }));
            }
            ListStep::FillStore { loaded } => {
                self.store_listing(state, node, &loaded);
                self.after_list_lookup(state, client, node, loaded, emit);
            }
            ListStep::CheckBarrier { listing } => {
                if self.is_listing_stale(state, &listing) {
                    self.set_phase(state, client, phase(ListStep::Reload));
                } else {
                    self.respond_list(state, client, &listing, emit);
                }
            }
            ListStep::Reload => {
                let loaded: PerKey<Seq> = self.keys().map(|key| self.reload(state, key)).collect();
                self.set_phase(state, client, phase(ListStep::Repair { loaded }));
            }
            ListStep::Repair { loaded } => {
                self.store_listing(state, node, &loaded);
                self.respond_list(state, client, &loaded, emit);
            }
        }
    }

    fn deliver(
        &self,
        state: &mut SystemState,
        key: Key,
        seq: Seq,
        keep: bool,
        emit: &mut dyn FnMut(&Event),
    ) {
        if let Some(at) = state.replication.iter().position(|m| *m == (key, seq)) {
            if !keep {
                state.replication.remove(at);
            }
        }
        let held = &mut state.replica[key.index()];
        // Last writer wins by version: a late or duplicated delivery of an older version is ignored.
        if seq > *held || self.is_mutant(Mutant::ReplicaAppliesOutOfOrder) {
            *held = seq;
        }
        let applied = Event::ReplicaApplied {
            key,
            seq: (*held).into(),
        };
        let outcome = state.monitor.observe_quietly(&applied);
        debug_assert!(outcome.is_ok());
        emit(&applied);
    }

    /// Applies one action to a copy of `state`. Shared by the checker, the narration and the
    /// sequential reference.
    pub fn apply(&self, state: &SystemState, action: &Action) -> SystemState {
        self.apply_recording(state, action, &mut |_| {})
    }

    /// [`WitnessModel::apply`], handing each history event the step produces to `emit`.
    pub fn apply_recording(
        &self,
        state: &SystemState,
        action: &Action,
        emit: &mut dyn FnMut(&Event),
    ) -> SystemState {
        let mut next = state.clone();
        match *action {
            Action::Invoke { client, op, node } => self.invoke(&mut next, client, op, node, emit),
            Action::Step { client } => self.step(&mut next, client, emit),
            Action::Evict { node, key } => {
                next.nodes[usize::from(node.0)].entries[key.index()] = None;
            }
            Action::EvictListing { node } => {
                next.nodes[usize::from(node.0)].listing = None;
            }
            Action::RestartNode { node } => {
                let n = &mut next.nodes[usize::from(node.0)];
                n.entries.iter_mut().for_each(|e| *e = None);
                n.listing = None;
            }
            Action::RestartWitness => {
                next.witness_restarts += 1;
                let forgotten = if self.is_mutant(Mutant::WitnessForgetsOnRestart) {
                    Some(0)
                } else {
                    None
                };
                next.witness.iter_mut().for_each(|w| *w = forgotten);
            }
            Action::Deliver { key, seq, keep } => self.deliver(&mut next, key, seq, keep, emit),
        }
        next
    }

    fn fault_actions(&self, state: &SystemState, actions: &mut Vec<Action>) {
        let faults = self.cfg.faults;
        for node in self.node_ids() {
            let held = state.node(node);
            if faults.eviction {
                for key in self.keys() {
                    if held.entries[key.index()].is_some() {
                        actions.push(Action::Evict { node, key });
                    }
                }
                if held.listing.is_some() {
                    actions.push(Action::EvictListing { node });
                }
            }
            let holds_anything = held.listing.is_some() || held.entries.iter().any(Option::is_some);
            if faults.node_restart && holds_anything {
                actions.push(Action::RestartNode { node });
            }
        }
        if state.witness_restarts < faults.witness_restarts {
            actions.push(Action::RestartWitness);
        }
        // Deliveries commute with every step but the enqueue that enables them, and only the
        // replica properties observe them; so a delivery waits until no client operation is in flight
        // (a partial-order reduction: every replica history stays reachable, see docs/design.md).
        let operation_in_flight = state
            .clients
            .iter()
            .any(|c| !matches!(c.phase, Phase::Idle));
        if operation_in_flight {
            return;
        }
        let deliverable: &[(Key, Seq)] = if faults.replication_reorder {
            &state.replication
        } else {
            &state.replication[..state.replication.len().min(1)]
        };
        for &(key, seq) in deliverable {
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

macro_rules! monitored_always {
    ($id:path) => {
        Property::always($id.name(), |_: &WitnessModel, s: &SystemState| {
            !s.monitor.violated().contains($id)
        })
    };
}

macro_rules! monitored_sometimes {
    ($id:path) => {
        Property::sometimes($id.name(), |_: &WitnessModel, s: &SystemState| {
            s.monitor.found().contains($id)
        })
    };
}

impl Model for WitnessModel {
    type State = SystemState;
    type Action = Action;

    fn init_states(&self) -> Vec<SystemState> {
        vec![self.init_state()]
    }

    fn actions(&self, state: &SystemState, actions: &mut Vec<Action>) {
        let ops = self.invocable_ops();
        for (c, slot) in state.clients.iter().enumerate() {
            let Ok(c) = u32::try_from(c) else { break };
            let client = ClientId(c);
            if slot.phase != Phase::Idle {
                actions.push(Action::Step { client });
            } else if slot.remaining > 0 {
                for &op in &ops {
                    for node in self.node_ids() {
                        actions.push(Action::Invoke { client, op, node });
                    }
                }
            }
        }
        self.fault_actions(state, actions);
    }

    fn next_state(&self, state: &SystemState, action: Action) -> Option<SystemState> {
        Some(self.apply(state, &action))
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
        Some(super::diagram::sequence_svg(self, &path.into_vec()))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            monitored_always!(PropertyId::ReadAfterWrite),
            monitored_always!(PropertyId::ListAfterWrite),
            monitored_always!(PropertyId::ReadYourWrites),
            monitored_always!(PropertyId::MonotonicReads),
            monitored_always!(PropertyId::Linearizable),
            monitored_always!(PropertyId::ReplicaMonotonic),
            Property::always(
                PropertyId::ReplicaConverges.name(),
                |_: &WitnessModel, s: &SystemState| {
                    !s.is_quiescent() || replica::converged(&s.persisted, &s.replica)
                },
            ),
            Property::always(
                PropertyId::WitnessSafety.name(),
                |m: &WitnessModel, s: &SystemState| {
                    m.keys().all(|key| {
                        witness_safety::holds(
                            s.monitor.acked(key),
                            s.witness_of(key).map(u64::from),
                            s.persisted_of(key).into(),
                        )
                    })
                },
            ),
            Property::sometimes(
                PropertyId::ReplicaLag.name(),
                |m: &WitnessModel, s: &SystemState| {
                    m.keys().any(|key| {
                        replica::lags(s.monitor.acked(key), s.replica[key.index()].into())
                    })
                },
            ),
            monitored_sometimes!(PropertyId::NegativeCacheMiss),
            monitored_sometimes!(PropertyId::StaleOverwrite),
            monitored_sometimes!(PropertyId::ReadAfterDelete),
            monitored_sometimes!(PropertyId::ListOmitsPut),
            monitored_sometimes!(PropertyId::ListShowsDeleted),
            monitored_sometimes!(PropertyId::NonMonotonicRead),
        ]
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
    use crate::system::{Mode, Variant};

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
    fn strong_mode_proves_every_always_property() {
        let report = check(&small(Mode::Strong));
        assert!(report.complete);
        assert_eq!(report.unique_states, 1_992_715);
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
        assert_eq!(report.unique_states, 946_512);
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

    const SINGLE_CLIENT_STATES: usize = 970;

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
                    .find(|p| p.name == result.name)
                    .expect("same properties");
                assert_eq!(
                    again.trace.len(),
                    result.trace.len(),
                    "{} via {strategy:?}/{threads}",
                    result.name
                );
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
