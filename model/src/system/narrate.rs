//! Steps told in the system's own words, for counterexamples and the Explorer:
//! `client 1 op 2 GET k0 via cache node 2 → v1 (witness says v1: fresh; stale: persistence has v2)`.

use super::action::Action;
use super::config::{Mode, Mutant};
use super::layout::Seq;
use super::model::WitnessModel;
use super::phase::{key_range, ConditionalOp, Listing, Phase, WriteOp, WriteStep};
use super::state::SystemState;
use super::witness_table::{Quorum, WitnessNode};
use crate::history::{ClientId, Key, NodeId, Op};
use client::owner;
use read::Read;
use std::fmt::Write as _;
use witness::{witness_name, witness_text};

pub use client::in_flight;

mod client;
mod list;
mod read;
mod witness;

/// A label for an action without its state.
pub fn action_label(action: &Action) -> String {
    match action {
        Action::Invoke { client, op, node } => format!("{client} {op} via {node}"),
        Action::Step { client, quorum } => match quorum {
            Some(quorum) => format!("{client} next step, answered by {quorum}"),
            None => format!("{client} next step"),
        },
        Action::Evict { node, key } => format!("{node} evicts {key}"),
        Action::EvictListing { node } => format!("{node} evicts its listing"),
        Action::RestartNode { node } => format!("{node} restarts"),
        Action::RestartWitness { node } => format!("{node} restarts"),
        Action::FailOverWitness { node } => format!("{node} fails over"),
        Action::WitnessUnreachable { node } => format!("{node} becomes unreachable"),
        Action::WitnessReachable { node } => format!("{node} is reachable again"),
        Action::Deliver { key, seq, keep } => {
            let again = if *keep { " (copy stays in flight)" } else { "" };
            format!("replica receives {key}@v{seq}{again}")
        }
        Action::SplitPartition => "the partition splits".to_string(),
    }
}

fn version(state: &SystemState, key: Key, seq: Seq) -> String {
    state.observed(key, seq).to_string()
}

/// "stale: persistence has v2" when a read answers something older than persistence holds.
fn staleness(state: &SystemState, key: Key, answered: Seq) -> Option<String> {
    let persisted = state.persisted(key);
    (answered < persisted)
        .then(|| format!("stale: persistence has {}", version(state, key, persisted)))
}

/// The parenthesis after an answer: how the read got it, then the staleness note if any.
fn aside(how: Option<String>, stale: Option<String>) -> String {
    let parts: Vec<String> = how.into_iter().chain(stale).collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

/// A listing's versions, "[k0@v1, k1@v3]".
fn versions_text(state: &SystemState, listing: &Listing) -> String {
    let shown: Vec<String> = listing
        .iter()
        .filter(|&(key, seq)| state.observed(key, seq).exists)
        .map(|(key, seq)| format!("{key}@v{seq}"))
        .collect();
    format!("[{}]", shown.join(", "))
}

/// A listing's versions, and under a partition-sequence barrier the prefix it records.
fn listing_text(state: &SystemState, listing: &Listing) -> String {
    let versions = versions_text(state, listing);
    if !state.layout().shape.listing_seq {
        return versions;
    }
    match listing.recorded {
        [lower, upper] if lower == upper => format!("{versions} up to v{lower}"),
        [lower, upper] => {
            let range = |r: usize| {
                let keys: Vec<String> = state
                    .keys()
                    .filter(|&key| key_range(key, state.layout().shape.keys) == r)
                    .map(|key| key.to_string())
                    .collect();
                keys.join(", ")
            };
            format!(
                "{versions} up to v{lower} for {}, v{upper} for {}",
                range(0),
                range(1)
            )
        }
    }
}

fn listing_staleness(state: &SystemState, listing: &Listing) -> Option<String> {
    listing
        .iter()
        .any(|(key, seq)| seq < state.persisted(key))
        .then(|| {
            format!(
                "stale: persistence lists {}",
                versions_text(state, &state.persisted_listing())
            )
        })
}

/// Describes what `action` does from `state`, including what the client is told when the step
/// answers it.
pub fn describe(model: &WitnessModel, state: &SystemState, action: &Action) -> String {
    describe_in_trace(model, state, action, false)
}

/// [`describe`], told as a line of a trace: `about_finding` marks the step whose answer the
/// trace's finding is about.
///
/// A read answering older than persistence is noted "stale" only on that step, or where the
/// witness (or the partition barrier) called the stale entry fresh. Elsewhere a read racing a
/// write may rightly return either version, and noting each one buries the two answers that
/// explain the trace: the one that breaks the property and the one the barrier let through.
pub fn describe_in_trace(
    model: &WitnessModel,
    state: &SystemState,
    action: &Action,
    about_finding: bool,
) -> String {
    let next = model.apply(state, action);
    let teller = Teller {
        model,
        state,
        next: &next,
        about_finding,
    };
    match *action {
        Action::Invoke { client, op, node } => teller.invoke(client, op, node),
        Action::Step { client, quorum } => teller.step(client, quorum),
        Action::Deliver { key, seq, keep } => {
            let held = next.replica(key);
            let mut s = if held == seq && state.replica(key) != seq {
                format!("replica applies {key}@v{seq}")
            } else if held == seq {
                format!("replica receives {key}@v{seq} again")
            } else {
                format!("replica ignores {key}@v{seq} (holds newer v{held})")
            };
            if keep {
                s.push_str("; a duplicate stays in flight");
            }
            s
        }
        Action::RestartWitness { node } => {
            let who = witness_name(model, node);
            // The atomic orders relearn inside the reload; witness-service by its own message.
            let until = if model.is_service() {
                "relearned"
            } else {
                "reloaded"
            };
            if forgets_all(&next, node) {
                format!("{who} restarts with empty memory: every key is stale until {until}")
            } else {
                format!("{who} restarts with empty memory and answers absent for every key")
            }
        }
        Action::FailOverWitness { node } => {
            let who = witness_name(model, node);
            if forgets_all(&next, node) {
                format!("{who} fails over to a replica with a stale snapshot, which starts forgotten in a new epoch")
            } else {
                format!("{who} fails over to a replica and trusts its stale snapshot (absent for every key)")
            }
        }
        Action::WitnessUnreachable { node } => {
            format!(
                "{} becomes unreachable: messages to it are lost",
                witness_name(model, node)
            )
        }
        Action::WitnessReachable { node } => {
            format!("{} is reachable again", witness_name(model, node))
        }
        Action::SplitPartition => split_text(model, &next),
        Action::Evict { .. } | Action::EvictListing { .. } | Action::RestartNode { .. } => {
            action_label(action)
        }
    }
}

fn forgets_all(next: &SystemState, node: WitnessNode) -> bool {
    next.keys()
        .all(|k| next.witness_slot(node, k).known().is_none())
}

/// A client's step told with the state before and after it.
struct Teller<'a> {
    model: &'a WitnessModel,
    state: &'a SystemState,
    next: &'a SystemState,
    about_finding: bool,
}

impl Teller<'_> {
    /// The staleness note of an answer that needs no witness to matter: shown only on the read
    /// the finding is about (see [`describe_in_trace`]).
    fn stale(&self, key: Key, answered: Seq) -> Option<String> {
        self.about_finding
            .then(|| staleness(self.state, key, answered))
            .flatten()
    }

    fn listing_stale(&self, listing: &Listing) -> Option<String> {
        self.about_finding
            .then(|| listing_staleness(self.state, listing))
            .flatten()
    }

    fn invoke(&self, client: ClientId, op: Op, node: NodeId) -> String {
        let Teller { state, next, .. } = *self;
        let head = format!("{} {op} via {node}", owner(self.model, state, client, true));
        let answered = next.is_idle(client);
        match op {
            Op::Put { key } | Op::Delete { key } => {
                format!("{head}: persistence assigns v{}", next.assigned(key))
            }
            Op::PutIf { .. } | Op::DeleteIf { .. } => {
                format!("{head}: waits for persistence to judge its precondition")
            }
            Op::Get { key } => match state.entry(node, key) {
                None => format!("{head}: node has no entry"),
                Some(entry) if answered => format!(
                    "{head} → {}{}",
                    version(state, key, entry),
                    aside(None, self.stale(key, entry))
                ),
                Some(entry) => format!("{head}: node holds {}", version(state, key, entry)),
            },
            Op::List => match state.listing(node) {
                None => format!("{head}: node has no cached listing"),
                Some(listing) if answered => format!(
                    "{head} → {}{}",
                    listing_text(state, &listing),
                    aside(None, self.listing_stale(&listing))
                ),
                Some(listing) => format!(
                    "{head}: node holds listing {}",
                    listing_text(state, &listing)
                ),
            },
        }
    }

    fn step(&self, client: ClientId, quorum: Option<Quorum>) -> String {
        let who = owner(self.model, self.state, client, false);
        match self.state.phase(client) {
            Phase::Idle => "(idle)".to_string(),
            Phase::Judge { op } => self.judgement(&who, client, op),
            Phase::Write { op, step } => self.write(&who, op, step),
            Phase::Get { key, node, step } => {
                let read = Read {
                    teller: self,
                    who: &who,
                    client,
                    key,
                    node,
                    quorum,
                };
                read.describe(step)
            }
            Phase::List { node, step } => self.list(&who, (client, quorum), node, step),
        }
    }

    /// Persistence judged a conditional write: what it compared, and the outcome.
    fn judgement(&self, who: &str, client: ClientId, op: ConditionalOp) -> String {
        let Teller { state, next, .. } = *self;
        let verb = if op.put { "PUT" } else { "DELETE" };
        let (key, precondition) = (op.key, op.precondition);
        let committed = version(state, key, state.persisted(key));
        let judged = match (self.model.cfg.mutant, state.entry(op.node, key)) {
            (Some(Mutant::JudgePreconditionAtCache), Some(entry)) => {
                format!("{} holds {}", op.node, version(state, key, entry))
            }
            _ => format!("persistence holds {committed}"),
        };
        let head = format!("{who} {verb} {key} ({precondition}): {judged}");
        if next.is_idle(client) {
            format!("{head} → 412 precondition failed")
        } else {
            format!(
                "{head}, precondition holds; persistence assigns v{}",
                next.assigned(key)
            )
        }
    }

    fn write(&self, who: &str, op: WriteOp, step: WriteStep) -> String {
        let Teller { state, next, .. } = *self;
        let WriteOp { key, node, seq, .. } = op;
        let mut s = format!("{who} {} {key} v{seq}: ", op.verb());
        // Eventual reads never ask the witness, so what a notify leaves there no read can see:
        // telling it would narrate a witness the mode does not use.
        let eventual = self.model.cfg.mode == Mode::Eventual;
        match step {
            WriteStep::Commit => commit_text(&mut s, state, next, key, seq),
            WriteStep::NotifyWitness | WriteStep::LateNotify if eventual => {
                s.push_str("no effect on any read (eventual reads consult no barrier)");
            }
            WriteStep::NotifyWitness | WriteStep::LateNotify => {
                witness_text(&mut s, state, next, key, seq)
            }
            WriteStep::CommitAndNotify => {
                commit_text(&mut s, state, next, key, seq);
                if !eventual {
                    s.push_str(" and ");
                    witness_text(&mut s, state, next, key, seq);
                }
            }
            WriteStep::UpdateCache => {
                let held = next.entry(node, key);
                if held == Some(seq) {
                    let _ = write!(s, "{node} stores {key}={}", version(state, key, seq));
                } else {
                    let _ = write!(
                        s,
                        "{node} keeps its newer {}",
                        held.map_or("entry".into(), |h| version(state, key, h))
                    );
                }
            }
            WriteStep::Ack => {
                let _ = write!(s, "acknowledged; replication enqueues {key}@v{seq}");
            }
        }
        s
    }
}

/// The partition's split: which keys move, and where the two halves' numbering goes on.
fn split_text(model: &WitnessModel, next: &SystemState) -> String {
    let moved: Vec<String> = next
        .keys()
        .filter(|&key| WitnessModel::partition_of(next, key) == 1)
        .map(|key| key.to_string())
        .collect();
    let numbering = match next.split_base() {
        Some(base) if !model.is_mutant(super::config::Mutant::SplitRenumbers) => {
            format!("both halves number on from v{base}")
        }
        _ => "each half numbers on from its own keys' last version".to_string(),
    };
    let verb = if moved.len() == 1 { "moves" } else { "move" };
    format!(
        "the partition splits: {} {verb} to a new partition; {numbering}",
        moved.join(", ")
    )
}

fn commit_text(s: &mut String, state: &SystemState, next: &SystemState, key: Key, seq: Seq) {
    let held = next.persisted(key);
    if held == seq {
        let _ = write!(s, "persistence commits {}", version(state, key, seq));
    } else {
        let _ = write!(s, "persistence keeps newer v{held} (v{seq} loses)");
    }
}
