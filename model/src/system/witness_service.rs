//! The witness's side of every message: a write's notify, a read's is-stale query, a reload's
//! relearn, and the faults a separate service meets (a node restarts empty, fails over to a stale
//! replica, or cannot be reached).
//!
//! The atomic orders (`witness-with-commit`, `-after-commit`, `-before-commit`) keep the witness
//! inside persistence's critical section: a reload relearns a forgotten key in the same step that
//! reads persistence. `witness-service` takes neither shortcut. Its messages are separate steps:
//!
//! - **notify** after the commit; the write is acknowledged only once a majority applied it. A
//!   node that has forgotten the key raises the slot's *floor* instead.
//! - **query** ("is my entry stale?"): the first majority's answers (any majority of the
//!   reachable nodes may be first), combined by their maximum (a forgotten slot answers
//!   "stale"). An entry at or above that maximum is fresh, and the nodes learn it: every cached entry is a committed version, and once one reader is shown it no
//!   node may let a later reader pass an older one. No majority reachable: stale.
//! - **relearn** after a reload, carrying each node's epoch at the load (read no later than
//!   persistence: a restart in between then only drops the relearn): a node that restarted
//!   or failed over since drops it (its table may already hold newer notifies that the load
//!   predates), and a forgotten slot becomes the loaded version raised to its floor.
//!
//! A notify and a relearn reach every reachable node in one step, and a query reads its quorum's
//! answers in one step: each node applies its part atomically, and the model does not interleave
//! one message's parts at different nodes with other steps. A message lost to one node is an
//! outage of that node (`Action::WitnessUnreachable`).

use super::config::{Mutant, WitnessCfg, WitnessOrder};
use super::layout::Seq;
use super::model::WitnessModel;
use super::phase::{GetStep, ListStep, Listing, Phase, WriteOp, WriteStep};
use super::state::SystemState;
use super::witness_table::{Epochs, Quorum, WitnessNode, WitnessSlot};
use crate::history::Key;

/// What a verdict on `cfg` assumes of a deployment: the steps its witness order makes atomic
/// with persistence, which a deployment must make atomic too for the verdict to apply, and what
/// its partition barrier assumes.
pub fn deployment_requirement(cfg: &WitnessCfg) -> String {
    let mut parts = vec![order_requirement(cfg).to_string()];
    parts.extend(super::partition_seq::barrier_requirement(cfg));
    parts.extend(super::conditional::judgement_requirement(cfg).map(str::to_string));
    parts.join("; ")
}

fn order_requirement(cfg: &WitnessCfg) -> &'static str {
    const RELEARN: &str = "persistence holds the key's lock across a reload's read and the \
        witness's relearn of a forgotten key (load + relearn is one step)";
    match cfg.variant.witness_order {
        WitnessOrder::WithCommit => {
            "persistence holds the key's lock across the commit and the witness update (commit + \
             notify is one step), and across a reload's read and the witness's relearn of a \
             forgotten key (load + relearn is one step)"
        }
        WitnessOrder::AfterCommit | WitnessOrder::BeforeCommit => RELEARN,
        WitnessOrder::Service if cfg.witness_nodes > 1 => {
            "each witness node applies a message atomically, and a reload reads the nodes' \
             epochs no later than persistence; the model also delivers a message to every \
             reachable node in one step and reads a query's quorum in one step (nothing is \
             atomic with persistence)"
        }
        WitnessOrder::Service => {
            "the witness applies each message atomically, and a reload reads its epoch no later \
             than persistence (no witness step is atomic with persistence)"
        }
    }
}

/// What a query of the fleet found for one entry.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Answer {
    /// The entry is older than what some answering node knows, or a node forgot the key, or no
    /// majority answered.
    Stale,
    /// The entry is what the answering nodes know.
    Fresh,
    /// witness-service: the entry is newer than every answer; the nodes learn it.
    Ahead,
}

impl WitnessModel {
    pub(super) fn is_mutant(&self, mutant: Mutant) -> bool {
        self.cfg.mutant == Some(mutant)
    }

    pub(super) fn is_service(&self) -> bool {
        self.cfg.variant.witness_order == WitnessOrder::Service
    }

    /// `witness.notify(key, seq)` at every reachable node.
    pub(super) fn notify_witness(&self, state: &mut SystemState, op: WriteOp) {
        if !op.put && self.is_mutant(Mutant::NoWitnessBumpOnDelete) {
            return;
        }
        for node in state.reachable_witness_nodes() {
            // A forgotten key stays forgotten: the node cannot know whether a newer write
            // notified it before the restart, so only a relearn may teach it again. Under
            // witness-service it remembers the highest notify as the relearn's floor.
            let slot = match state.witness_slot(node, op.key) {
                WitnessSlot::Known(known) => WitnessSlot::Known(known.max(op.seq)),
                WitnessSlot::Forgotten { floor } if self.is_service() => WitnessSlot::Forgotten {
                    floor: floor.max(op.seq),
                },
                forgotten => forgotten,
            };
            state.set_witness_slot(node, op.key, slot);
        }
    }

    /// The quorums that may answer the query `phase` is about to send, one action each: with
    /// several witness nodes, every majority of the reachable ones (a read waits for the first
    /// majority of answers, and any may be first), or under `fleet-first-answer` every single
    /// reachable node. Empty for one node, for a step that is not a query, and when no majority
    /// is reachable (the read then treats its entry as stale).
    pub(super) fn quorums(&self, state: &SystemState, phase: Phase) -> Vec<Quorum> {
        if !phase.is_query() || self.cfg.witness_nodes == 1 || !state.witness_majority_reachable() {
            return Vec::new();
        }
        let reachable = state.reachable_witness_nodes();
        let size = if self.is_mutant(Mutant::FleetFirstAnswer) {
            1
        } else {
            usize::from(self.cfg.witness_nodes) / 2 + 1
        };
        Quorum::every_subset(&reachable, size)
    }

    /// The nodes whose answers a query combines: its quorum, or every reachable node.
    fn answering(
        &self,
        state: &SystemState,
        quorum: Option<Quorum>,
    ) -> impl Iterator<Item = WitnessNode> {
        // An iterator, not a collection: every state's witness-answer condition asks this.
        let reachable = state.reachable_witness_nodes().into_iter();
        reachable.filter(move |&n| quorum.is_none_or(|q| q.contains(n)))
    }

    /// One node's answer for `key`: what it knows, `None` for "stale whatever the entry".
    fn node_answer(&self, state: &SystemState, node: WitnessNode, key: Key) -> Option<Seq> {
        match state.witness_slot(node, key) {
            WitnessSlot::Known(known) => Some(known),
            WitnessSlot::Forgotten { .. } if self.is_mutant(Mutant::RestartedNodeAnswersFresh) => {
                Some(0)
            }
            WitnessSlot::Forgotten { .. } => None,
        }
    }

    /// A GET's `witness.isStale(key, entry)`: [`WitnessModel::witness_answer`], except that
    /// under `skip-witness-on-miss` a cached miss is fresh without asking.
    pub fn read_answer(
        &self,
        state: &SystemState,
        key: Key,
        entry: Seq,
        quorum: Option<Quorum>,
    ) -> Answer {
        if self.is_mutant(Mutant::SkipWitnessOnMiss) && !state.observed(key, entry).exists {
            return Answer::Fresh;
        }
        self.witness_answer(state, key, entry, quorum)
    }

    /// `witness.isStale(key, entry)` answered by `quorum` (every reachable node for `None`),
    /// without changing the witness.
    pub fn witness_answer(
        &self,
        state: &SystemState,
        key: Key,
        entry: Seq,
        quorum: Option<Quorum>,
    ) -> Answer {
        if !state.witness_majority_reachable() {
            return Answer::Stale;
        }
        // The maximum of the answers, or `None` if any answer is "stale whatever the entry".
        let mut combined: Option<Option<Seq>> = Some(None);
        for node in self.answering(state, quorum) {
            combined = match (combined, self.node_answer(state, node, key)) {
                (Some(best), Some(known)) => Some(Some(best.map_or(known, |b| b.max(known)))),
                _ => None,
            };
        }
        match combined.flatten() {
            None => Answer::Stale,
            Some(known) if entry < known => Answer::Stale,
            Some(known) if entry > known && self.is_service() => Answer::Ahead,
            Some(_) => Answer::Fresh,
        }
    }

    /// A GET's query: whether its entry is stale; under witness-service the answering nodes
    /// learn an entry ahead of them.
    pub(super) fn query_witness(
        &self,
        state: &mut SystemState,
        key: Key,
        entry: Seq,
        quorum: Option<Quorum>,
    ) -> bool {
        let answer = self.read_answer(state, key, entry, quorum);
        self.learn_if_ahead(state, key, entry, quorum, answer);
        answer == Answer::Stale
    }

    fn learn_if_ahead(
        &self,
        state: &mut SystemState,
        key: Key,
        entry: Seq,
        quorum: Option<Quorum>,
        answer: Answer,
    ) {
        if answer == Answer::Ahead {
            for node in self.answering(state, quorum) {
                if let WitnessSlot::Known(known) = state.witness_slot(node, key) {
                    state.set_witness_slot(node, key, WitnessSlot::Known(known.max(entry)));
                }
            }
        }
    }

    /// The partition barrier: a listing is stale if any of its keys is.
    pub(super) fn query_listing(
        &self,
        state: &mut SystemState,
        listing: &Listing,
        quorum: Option<Quorum>,
    ) -> bool {
        // The partition sequence is judged before any entry ahead is taught.
        let seq_stale = self.barrier().records_seq() && self.is_seq_stale(state, listing, quorum);
        let mut stale = false;
        for (key, seq) in listing.iter() {
            let answer = self.witness_answer(state, key, seq, quorum);
            self.learn_if_ahead(state, key, seq, quorum, answer);
            stale |= answer == Answer::Stale;
        }
        if self.barrier().records_seq() {
            return seq_stale;
        }
        stale
    }

    /// Whether the partition barrier would send `listing` to a reload, without changing the
    /// witness.
    pub fn is_listing_stale(
        &self,
        state: &SystemState,
        listing: &Listing,
        quorum: Option<Quorum>,
    ) -> bool {
        if self.barrier().records_seq() {
            return self.is_seq_stale(state, listing, quorum);
        }
        listing
            .iter()
            .any(|(key, seq)| self.witness_answer(state, key, seq, quorum) == Answer::Stale)
    }

    /// The partition-sequence barrier's verdict under `quorum` (`partition_seq.rs`): stale unless, for every key, the
    /// listing records at least what every answering node knows of it, in the prefix of the
    /// key's range (a node that forgot a key answers stale for its partition).
    pub(super) fn is_seq_stale(
        &self,
        state: &SystemState,
        listing: &Listing,
        quorum: Option<Quorum>,
    ) -> bool {
        state.keys().any(|key| {
            let recorded = listing.recorded_for(key);
            self.witness_answer(state, key, recorded, quorum) == Answer::Stale
        })
    }

    /// `persistence.load(key)` on the strong read path. In the atomic orders a witness that has
    /// forgotten the key relearns it from the source of truth in the same step (a deployment
    /// requirement: the witness update sits inside persistence's read).
    pub(super) fn reload(&self, state: &mut SystemState, key: Key) -> Seq {
        let loaded = state.persisted(key);
        if !self.is_service() && state.witness(key).is_none() {
            state.set_witness(key, Some(loaded));
        }
        loaded
    }

    /// witness-service: what a GET's reload reads for its relearn: the key, and when slots are
    /// shared every key (a forgotten slot must be taught the highest of the keys that share it).
    pub(super) fn relearn_load(&self, state: &SystemState, key: Key) -> Listing {
        if self.cfg.slots_per_witness_node() < self.cfg.keys {
            return state.persisted_listing();
        }
        let mut loaded = Listing::empty(self.cfg.keys);
        loaded[key] = state.persisted(key);
        loaded
    }

    /// witness-service: `witness.relearn(keys, loaded, epochs)` at every reachable node.
    pub(super) fn relearn(
        &self,
        state: &mut SystemState,
        keys: &[Key],
        loaded: &Listing,
        epochs: Epochs,
    ) {
        for node in state.reachable_witness_nodes() {
            if self.fence_drops(state, node, epochs) {
                continue;
            }
            for &key in keys {
                let slot = self.relearned(state, node, key, loaded);
                state.set_witness_slot(node, key, slot);
            }
        }
    }

    /// Whether `node` drops a relearn whose load saw `epochs`: the node restarted or failed over
    /// since, so what was loaded may predate a write it forgot (never under `unfenced-relearn`).
    pub(super) fn fence_drops(
        &self,
        state: &SystemState,
        node: WitnessNode,
        epochs: Epochs,
    ) -> bool {
        epoch_moved(state, node, epochs) && !self.is_mutant(Mutant::UnfencedRelearn)
    }

    /// What `node`'s slot for `key` holds after a relearn from `loaded`.
    fn relearned(
        &self,
        state: &SystemState,
        node: WitnessNode,
        key: Key,
        loaded: &Listing,
    ) -> WitnessSlot {
        let sharing = loaded
            .iter()
            .filter(|&(other, _)| state.shares_witness_slot(node, key, other))
            .map(|(_, seq)| seq)
            .max()
            .unwrap_or(0);
        match state.witness_slot(node, key) {
            WitnessSlot::Known(known) => WitnessSlot::Known(known.max(loaded[key])),
            WitnessSlot::Forgotten { .. } if self.is_mutant(Mutant::RelearnWithoutFloor) => {
                WitnessSlot::Known(sharing)
            }
            WitnessSlot::Forgotten { floor } => WitnessSlot::Known(sharing.max(floor)),
        }
    }

    /// A witness node restarts with empty memory (or, under `witness-forgets-on-restart`,
    /// believing every key is at v0).
    pub(super) fn restart_witness(&self, state: &mut SystemState, node: WitnessNode) {
        state.set_witness_restarts(state.witness_restarts() + 1);
        let believes_v0 = self.is_mutant(Mutant::WitnessForgetsOnRestart);
        Self::start_over(state, node, believes_v0);
    }

    /// A witness node fails over to a replica whose snapshot predates every write: it starts
    /// forgotten in a new epoch, or under `trust-stale-failover` answers from the snapshot.
    pub(super) fn fail_over_witness(&self, state: &mut SystemState, node: WitnessNode) {
        state.set_witness_failovers(state.witness_failovers() + 1);
        let trusts_snapshot = self.is_mutant(Mutant::TrustStaleFailover);
        Self::start_over(state, node, trusts_snapshot);
    }

    /// `node` starts a new epoch with an empty table, or one that says v0 for every key.
    fn start_over(state: &mut SystemState, node: WitnessNode, at_v0: bool) {
        state.bump_witness_epoch(node);
        state.forget_witness_node(node);
        if at_v0 {
            for key in state.keys().collect::<Vec<_>>() {
                state.set_witness_slot(node, key, WitnessSlot::Known(0));
            }
        }
    }

    /// A witness node becomes unreachable, or reachable again.
    pub(super) fn set_witness_reachable(
        &self,
        state: &mut SystemState,
        node: WitnessNode,
        reachable: bool,
    ) {
        if !reachable {
            state.set_witness_outages(state.witness_outages() + 1);
        }
        state.set_witness_out(node, !reachable);
    }

    /// The client's next step sends a message that must reach a majority of witness nodes
    /// (a notify or a relearn), and none is reachable: the step waits and retries.
    pub(super) fn waits_for_witness(&self, state: &SystemState, phase: Phase) -> bool {
        let needs_majority = match phase {
            Phase::Write { step, .. } => matches!(
                step,
                WriteStep::NotifyWitness | WriteStep::CommitAndNotify | WriteStep::LateNotify
            ),
            Phase::Get { step, .. } => matches!(step, GetStep::Relearn { .. }),
            Phase::List { step, .. } => matches!(step, ListStep::Relearn { .. }),
            Phase::Idle | Phase::Judge { .. } => false,
        };
        needs_majority && !state.witness_majority_reachable()
    }
}

/// Whether `node` restarted or failed over since a load that saw its epoch in `epochs`.
pub fn epoch_moved(state: &SystemState, node: WitnessNode, epochs: Epochs) -> bool {
    epochs.get(state.layout().shape, node) != state.witness_epoch(node)
}
