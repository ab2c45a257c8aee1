//! What each step does to the state: the protocol's read, write and list paths, the faults, and
//! replication. Every function here is one step (or part of one) of the table in `model.rs`.
//!
//! An operation's invocation is part of its first step and its response part of its last, which is
//! the most demanding placement for the properties: a response as early as possible constrains the
//! most later operations. Each invocation and response is fed to the shared property
//! [`Monitor`](crate::properties::Monitor) kept in the state.

use super::action::Action;
use super::config::{Mode, Mutant, Reduction, Repair, WitnessOrder};
use super::layout::Seq;
use super::model::WitnessModel;
use super::phase::{ConditionalOp, GetStep, ListStep, Listing, Phase, WriteOp, WriteStep};
use super::state::SystemState;
use super::witness_table::{Epochs, Quorum};
use crate::history::{ClientId, Event, Key, NodeId, Op, Precondition, Ret};

/// Where a step's history events go (the narration records them; the checker drops them).
pub type Emit<'a> = &'a mut dyn FnMut(&Event);

/// The client whose operation takes a step, and the witness nodes that answer it if it queries.
#[derive(Clone, Copy)]
struct Turn {
    client: ClientId,
    quorum: Option<Quorum>,
}

impl WitnessModel {
    /// The first step a write takes after its version is assigned.
    fn first_write_step(&self) -> WriteStep {
        match self.cfg.variant.witness_order {
            WitnessOrder::AfterCommit | WitnessOrder::Service => WriteStep::Commit,
            WitnessOrder::BeforeCommit => WriteStep::NotifyWitness,
            WitnessOrder::WithCommit => WriteStep::CommitAndNotify,
        }
    }

    fn write_step_after(&self, step: WriteStep) -> WriteStep {
        let order = self.cfg.variant.witness_order;
        let notify_late = self.is_mutant(Mutant::AckBeforeNotify);
        match step {
            WriteStep::Commit if notify_late => WriteStep::UpdateCache,
            WriteStep::Commit
                if matches!(order, WitnessOrder::AfterCommit | WitnessOrder::Service) =>
            {
                WriteStep::NotifyWitness
            }
            WriteStep::NotifyWitness if order == WitnessOrder::BeforeCommit => WriteStep::Commit,
            WriteStep::Commit | WriteStep::NotifyWitness | WriteStep::CommitAndNotify => {
                WriteStep::UpdateCache
            }
            WriteStep::UpdateCache | WriteStep::Ack | WriteStep::LateNotify => WriteStep::Ack,
        }
    }

    /// Whether a node holding `held` takes `offered` (`node.put(key, entry)`): the seed's
    /// unconditional overwrite, or only-if-newer.
    fn takes(&self, held: Option<Seq>, offered: Seq) -> bool {
        match self.cfg.variant.repair {
            Repair::Unconditional => true,
            Repair::IfNewer => held.is_none_or(|held| offered > held),
        }
    }

    fn cache_put(&self, state: &mut SystemState, node: NodeId, key: Key, seq: Seq) {
        if self.takes(state.entry(node, key), seq) {
            state.set_entry(node, key, Some(seq));
        }
    }

    /// A write's cache update also updates the node's cached listing, if it holds one.
    fn listing_put(&self, state: &mut SystemState, node: NodeId, key: Key, seq: Seq) {
        if let Some(mut listing) = state.listing(node) {
            if self.takes(Some(listing[key]), seq) {
                listing[key] = seq;
            }
            state.set_listing(node, Some(listing));
        }
    }

    fn commit(&self, state: &mut SystemState, op: WriteOp) {
        // Last writer wins by version: a slow, older write never overwrites a newer commit.
        let held = state.persisted(op.key);
        state.set_persisted(op.key, held.max(op.seq));
    }

    pub(super) fn respond(&self, state: &mut SystemState, client: ClientId, ret: Ret, emit: Emit) {
        state.set_phase(client, Phase::Idle);
        let event = Event::Return { client, ret };
        let outcome = state.monitor.observe_quietly(&event);
        debug_assert!(outcome.is_ok(), "the model emitted a malformed history");
        emit(&event);
        if self.reductions.contains(Reduction::RetireFinishedClients)
            && state.remaining(client) == 0
        {
            state.monitor.retire_client(client);
        }
    }

    fn respond_read(
        &self,
        state: &mut SystemState,
        client: ClientId,
        key: Key,
        seq: Seq,
        emit: Emit,
    ) {
        let observed = state.observed(key, seq);
        self.respond(state, client, Ret::Read { observed }, emit);
    }

    fn respond_list(
        &self,
        state: &mut SystemState,
        client: ClientId,
        listing: &Listing,
        emit: Emit,
    ) {
        let entries = listing
            .iter()
            .map(|(key, seq)| (key, state.observed(key, seq)))
            .collect();
        self.respond(state, client, Ret::Listed { entries }, emit);
    }

    fn invoke(&self, state: &mut SystemState, client: ClientId, op: Op, node: NodeId, emit: Emit) {
        debug_assert!(state.remaining(client) > 0 && state.is_idle(client));
        state.set_remaining(client, state.remaining(client) - 1);
        let event = Event::Invoke { client, op };
        let outcome = state.monitor.observe_quietly(&event);
        debug_assert!(outcome.is_ok(), "the model emitted a malformed history");
        emit(&event);
        match op {
            Op::Put { key } | Op::Delete { key } => {
                let put = matches!(op, Op::Put { .. });
                self.start_write(state, client, key, node, put);
            }
            Op::PutIf { key, precondition } => {
                let op = ConditionalOp {
                    key,
                    node,
                    put: true,
                    precondition,
                };
                state.set_phase(client, Phase::Judge { op });
            }
            Op::DeleteIf { key, matches } => {
                let op = ConditionalOp {
                    key,
                    node,
                    put: false,
                    precondition: Precondition::Matches(matches),
                };
                state.set_phase(client, Phase::Judge { op });
            }
            Op::Get { key } => match state.entry(node, key) {
                None => {
                    let step = GetStep::FillLoad;
                    state.set_phase(client, Phase::Get { key, node, step });
                }
                Some(entry) => self.after_lookup(state, client, key, node, entry, emit),
            },
            Op::List => match state.listing(node) {
                None => {
                    let step = ListStep::FillLoad;
                    state.set_phase(client, Phase::List { node, step });
                }
                Some(listing) => self.after_list_lookup(state, client, node, listing, emit),
            },
        }
    }

    /// Persistence assigns a PUT's or DELETE's version, and the write goes on with its first
    /// step.
    pub(super) fn start_write(
        &self,
        state: &mut SystemState,
        client: ClientId,
        key: Key,
        node: NodeId,
        put: bool,
    ) {
        let seq = self.next_version(state, key);
        state.assign(key, seq, put);
        let op = WriteOp {
            key,
            node,
            seq,
            put,
        };
        let step = self.first_write_step();
        state.set_phase(client, Phase::Write { op, step });
    }

    /// The node has an entry for the GET (found, filled, or a cached miss).
    fn after_lookup(
        &self,
        state: &mut SystemState,
        client: ClientId,
        key: Key,
        node: NodeId,
        entry: Seq,
        emit: Emit,
    ) {
        match self.cfg.mode {
            Mode::Eventual => self.respond_read(state, client, key, entry, emit),
            Mode::Strong => {
                let step = GetStep::CheckWitness { entry };
                state.set_phase(client, Phase::Get { key, node, step });
            }
        }
    }

    fn after_list_lookup(
        &self,
        state: &mut SystemState,
        client: ClientId,
        node: NodeId,
        listing: Listing,
        emit: Emit,
    ) {
        let barrier = self.cfg.mode == Mode::Strong && !self.is_mutant(Mutant::ListIgnoresWitness);
        if barrier {
            let step = ListStep::CheckBarrier { listing };
            state.set_phase(client, Phase::List { node, step });
        } else {
            self.respond_list(state, client, &listing, emit);
        }
    }

    fn step(&self, state: &mut SystemState, client: ClientId, quorum: Option<Quorum>, emit: Emit) {
        let turn = Turn { client, quorum };
        match state.phase(client) {
            Phase::Idle => debug_assert!(false, "Step offered to an idle client"),
            Phase::Judge { op } => self.judge(state, client, op, emit),
            Phase::Write { op, step } => self.write_step(state, client, op, step, emit),
            Phase::Get { key, node, step } => self.get_step(state, turn, key, node, step, emit),
            Phase::List { node, step } => self.list_step(state, turn, node, step, emit),
        }
    }

    fn write_step(
        &self,
        state: &mut SystemState,
        client: ClientId,
        op: WriteOp,
        step: WriteStep,
        emit: Emit,
    ) {
        match step {
            WriteStep::Commit => self.commit(state, op),
            WriteStep::NotifyWitness => self.notify_witness(state, op),
            WriteStep::CommitAndNotify => {
                self.commit(state, op);
                self.notify_witness(state, op);
            }
            WriteStep::UpdateCache => {
                self.cache_put(state, op.node, op.key, op.seq);
                self.listing_put(state, op.node, op.key, op.seq);
            }
            WriteStep::Ack => {
                let sorted = self.cfg.faults.replication_reorder;
                state.enqueue_replication(op.key, op.seq, sorted);
                self.respond(state, client, Ret::Ack { seq: op.seq.into() }, emit);
                if self.is_mutant(Mutant::AckBeforeNotify) {
                    let step = WriteStep::LateNotify;
                    state.set_phase(client, Phase::Write { op, step });
                }
                return;
            }
            WriteStep::LateNotify => {
                self.notify_witness(state, op);
                state.set_phase(client, Phase::Idle);
                return;
            }
        }
        let step = self.write_step_after(step);
        state.set_phase(client, Phase::Write { op, step });
    }

    fn get_step(
        &self,
        state: &mut SystemState,
        turn: Turn,
        key: Key,
        node: NodeId,
        step: GetStep,
        emit: Emit,
    ) {
        let client = turn.client;
        let next = |step| Phase::Get { key, node, step };
        match step {
            GetStep::FillLoad => {
                let loaded = state.persisted(key);
                state.set_phase(client, next(GetStep::FillStore { loaded }));
            }
            GetStep::FillStore { loaded } => {
                self.cache_put(state, node, key, loaded);
                self.after_lookup(state, client, key, node, loaded, emit);
            }
            GetStep::CheckWitness { entry } => {
                if self.query_witness(state, key, entry, turn.quorum) {
                    state.set_phase(client, next(GetStep::Reload));
                } else {
                    self.respond_read(state, client, key, entry, emit);
                }
            }
            GetStep::Reload if self.is_service() => {
                let loaded = self.relearn_load(state, key);
                let epochs = state.witness_epochs();
                state.set_phase(client, next(GetStep::Relearn { loaded, epochs }));
            }
            GetStep::Reload => {
                let loaded = self.reload(state, key);
                state.set_phase(client, next(GetStep::Repair { loaded }));
            }
            GetStep::Relearn { loaded, epochs } => {
                self.relearn(state, &[key], &loaded, epochs);
                let loaded = loaded[key];
                state.set_phase(client, next(GetStep::Repair { loaded }));
            }
            GetStep::Repair { loaded } => {
                self.cache_put(state, node, key, loaded);
                self.respond_read(state, client, key, loaded, emit);
            }
        }
    }

    fn store_listing(&self, state: &mut SystemState, node: NodeId, loaded: &Listing) {
        let stored = match state.listing(node) {
            None => *loaded,
            Some(mut held) => {
                for (key, seq) in loaded.iter() {
                    if self.takes(Some(held[key]), seq) {
                        held[key] = seq;
                    }
                }
                // Under only-if-newer every key holds at least what both listings held, so the
                // merged listing covers the higher of the two recorded prefixes.
                for range in 0..2 {
                    if self.takes(Some(held.recorded[range]), loaded.recorded[range]) {
                        held.recorded[range] = loaded.recorded[range];
                    }
                }
                held
            }
        };
        state.set_listing(node, Some(stored));
    }

    fn list_step(
        &self,
        state: &mut SystemState,
        turn: Turn,
        node: NodeId,
        step: ListStep,
        emit: Emit,
    ) {
        let client = turn.client;
        let next = |step| Phase::List { node, step };
        match step {
            ListStep::FillLoad => match self.first_list_read(state, false) {
                (loaded, true) => state.set_phase(client, next(ListStep::FillStore { loaded })),
                (partial, false) => {
                    state.set_phase(client, next(ListStep::FillSecondRead { partial }));
                }
            },
            ListStep::FillSecondRead { partial } => {
                let loaded = self.second_list_read(state, partial, false);
                state.set_phase(client, next(ListStep::FillStore { loaded }));
            }
            ListStep::FillStore { loaded } => {
                self.store_listing(state, node, &loaded);
                self.after_list_lookup(state, client, node, loaded, emit);
            }
            ListStep::CheckBarrier { listing } => {
                if self.query_listing(state, &listing, turn.quorum) {
                    state.set_phase(client, next(ListStep::Reload));
                } else {
                    self.respond_list(state, client, &listing, emit);
                }
            }
            ListStep::Reload => {
                // witness-service reads the epochs before persistence, so a restart in between
                // drops the relearn; the atomic orders relearn inside the read and fence nothing.
                let epochs = if self.is_service() {
                    state.witness_epochs()
                } else {
                    Epochs::default()
                };
                let step = match self.first_list_read(state, true) {
                    (loaded, true) => self.after_list_reload(loaded, epochs),
                    (partial, false) => ListStep::ReloadSecondRead { partial, epochs },
                };
                state.set_phase(client, next(step));
            }
            ListStep::ReloadSecondRead { partial, epochs } => {
                let loaded = self.second_list_read(state, partial, true);
                state.set_phase(client, next(self.after_list_reload(loaded, epochs)));
            }
            ListStep::Relearn { loaded, epochs } => {
                let keys: Vec<Key> = state.keys().collect();
                self.relearn(state, &keys, &loaded, epochs);
                state.set_phase(client, next(ListStep::Repair { loaded }));
            }
            ListStep::Repair { loaded } => {
                self.store_listing(state, node, &loaded);
                self.respond_list(state, client, &loaded, emit);
            }
        }
    }

    /// A LIST's step once its reload has read persistence: witness-service relearns what was
    /// loaded (fenced by `epochs`); the atomic orders relearned in the read itself.
    fn after_list_reload(&self, loaded: Listing, epochs: Epochs) -> ListStep {
        if self.is_service() {
            ListStep::Relearn { loaded, epochs }
        } else {
            ListStep::Repair { loaded }
        }
    }

    fn deliver(&self, state: &mut SystemState, key: Key, seq: Seq, keep: bool, emit: Emit) {
        let queued = state.replication().position(|m| m == (key, seq));
        if let (Some(at), false) = (queued, keep) {
            state.dequeue_replication(at);
        }
        // Last writer wins by version: a late or duplicated delivery of an older version is ignored.
        if seq > state.replica(key) || self.is_mutant(Mutant::ReplicaAppliesOutOfOrder) {
            state.set_replica(key, seq);
        }
        if self.reductions.contains(Reduction::DeliveriesLast) {
            state.set_replicating(true);
        }
        let applied = Event::ReplicaApplied {
            key,
            seq: state.replica(key).into(),
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
    pub fn apply_recording(&self, state: &SystemState, action: &Action, emit: Emit) -> SystemState {
        let mut next = state.clone();
        match *action {
            Action::Invoke { client, op, node } => self.invoke(&mut next, client, op, node, emit),
            Action::Step { client, quorum } => self.step(&mut next, client, quorum, emit),
            Action::Evict { node, key } => next.set_entry(node, key, None),
            Action::EvictListing { node } => next.set_listing(node, None),
            Action::RestartNode { node } => {
                for key in self.keys() {
                    next.set_entry(node, key, None);
                }
                next.set_listing(node, None);
            }
            Action::RestartWitness { node } => self.restart_witness(&mut next, node),
            Action::FailOverWitness { node } => self.fail_over_witness(&mut next, node),
            Action::WitnessUnreachable { node } => {
                self.set_witness_reachable(&mut next, node, false)
            }
            Action::WitnessReachable { node } => self.set_witness_reachable(&mut next, node, true),
            Action::Deliver { key, seq, keep } => self.deliver(&mut next, key, seq, keep, emit),
            Action::SplitPartition => self.split_partition(&mut next),
        }
        if self.reductions.contains(Reduction::FaultsWaitForReader) {
            super::deferral::record(&self.cfg, &mut next, action);
        }
        if self.reductions.contains(Reduction::ForgetUnusedVersions) {
            next.forget_unused_versions();
        }
        next
    }
}
