//! Steps told in the system's own words, for counterexamples and the Explorer:
//! `client 1 GET k0 via cache node 2 → v1 (stale: persistence has v2)`.

use super::action::Action;
use super::config::Mutant;
use super::layout::Seq;
use super::model::WitnessModel;
use super::phase::{GetStep, ListStep, Listing, Phase, WriteOp, WriteStep};
use super::state::SystemState;
use super::witness_service::Answer;
use super::witness_table::Quorum;
use crate::history::{ClientId, Key, NodeId, Op};
use std::fmt::Write as _;
use witness::{relearn_text, says_text, witness_name, witness_text};

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
    }
}

fn version(state: &SystemState, key: Key, seq: Seq) -> String {
    state.observed(key, seq).to_string()
}

fn staleness(state: &SystemState, key: Key, answered: Seq) -> String {
    let persisted = state.persisted(key);
    if answered < persisted {
        format!(
            " (stale: persistence has {})",
            version(state, key, persisted)
        )
    } else {
        String::new()
    }
}

fn listing_text(state: &SystemState, listing: &Listing) -> String {
    let shown: Vec<String> = listing
        .iter()
        .filter(|&(key, seq)| state.observed(key, seq).exists)
        .map(|(key, seq)| format!("{key}@v{seq}"))
        .collect();
    format!("[{}]", shown.join(", "))
}

fn listing_staleness(state: &SystemState, listing: &Listing) -> String {
    if listing.iter().any(|(key, seq)| seq < state.persisted(key)) {
        format!(
            " (stale: persistence lists {})",
            listing_text(state, &state.persisted_listing())
        )
    } else {
        String::new()
    }
}

/// Describes what `action` does from `state`, including what the client is told when the step
/// answers it.
pub fn describe(model: &WitnessModel, state: &SystemState, action: &Action) -> String {
    let next = model.apply(state, action);
    match *action {
        Action::Invoke { client, op, node } => describe_invoke(state, &next, client, op, node),
        Action::Step { client, quorum } => describe_step(model, state, &next, client, quorum),
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
            if next
                .keys()
                .all(|k| next.witness_slot(node, k).known().is_none())
            {
                format!("{who} restarts with empty memory: every key is stale until {until}")
            } else {
                format!("{who} restarts with empty memory and answers v0 for every key")
            }
        }
        Action::FailOverWitness { node } => {
            let who = witness_name(model, node);
            if next
                .keys()
                .all(|k| next.witness_slot(node, k).known().is_none())
            {
                format!("{who} fails over to a replica with a stale snapshot, which starts forgotten in a new epoch")
            } else {
                format!("{who} fails over to a replica and trusts its stale snapshot (v0 for every key)")
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
        Action::Evict { .. } | Action::EvictListing { .. } | Action::RestartNode { .. } => {
            action_label(action)
        }
    }
}

fn describe_invoke(
    state: &SystemState,
    next: &SystemState,
    client: ClientId,
    op: Op,
    node: NodeId,
) -> String {
    let head = format!("{client} {op} via {node}");
    let answered = next.is_idle(client);
    match op {
        Op::Put { key } | Op::Delete { key } => {
            format!("{head}: persistence assigns v{}", next.assigned(key))
        }
        Op::Get { key } => match state.entry(node, key) {
            None => format!("{head}: node has no entry"),
            Some(entry) if answered => format!(
                "{head} → {}{}",
                version(state, key, entry),
                staleness(state, key, entry)
            ),
            Some(entry) => format!("{head}: node holds {}", version(state, key, entry)),
        },
        Op::List => match state.listing(node) {
            None => format!("{head}: node has no cached listing"),
            Some(listing) if answered => format!(
                "{head} → {}{}",
                listing_text(state, &listing),
                listing_staleness(state, &listing)
            ),
            Some(listing) => format!(
                "{head}: node holds listing {}",
                listing_text(state, &listing)
            ),
        },
    }
}

fn describe_step(
    model: &WitnessModel,
    state: &SystemState,
    next: &SystemState,
    client: ClientId,
    quorum: Option<Quorum>,
) -> String {
    match state.phase(client) {
        Phase::Idle => "(idle)".to_string(),
        Phase::Write { op, step } => describe_write(state, next, client, op, step),
        Phase::Get { key, node, step } => {
            let read = Read {
                state,
                next,
                client,
                key,
                node,
                quorum,
            };
            read.describe(model, step)
        }
        Phase::List { node, step } => {
            let turn = (client, quorum);
            describe_list(model, state, next, turn, node, step)
        }
    }
}

fn describe_write(
    state: &SystemState,
    next: &SystemState,
    client: ClientId,
    op: WriteOp,
    step: WriteStep,
) -> String {
    let WriteOp { key, node, seq, .. } = op;
    let verb = op.verb();
    let mut s = format!("{client} {verb} {key} v{seq}: ");
    match step {
        WriteStep::Commit => commit_text(&mut s, state, next, key, seq),
        WriteStep::NotifyWitness | WriteStep::LateNotify => {
            witness_text(&mut s, state, next, key, seq)
        }
        WriteStep::CommitAndNotify => {
            commit_text(&mut s, state, next, key, seq);
            s.push_str(" and ");
            witness_text(&mut s, state, next, key, seq);
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
            s = format!(
                "replication enqueues {key}@v{seq}; {client} ← {verb} {key} acknowledged (v{seq})"
            );
        }
    }
    s
}

/// A GET's step, told with the state before and after it.
struct Read<'a> {
    state: &'a SystemState,
    next: &'a SystemState,
    client: ClientId,
    key: Key,
    node: NodeId,
    quorum: Option<Quorum>,
}

impl Read<'_> {
    fn version(&self, seq: Seq) -> String {
        version(self.state, self.key, seq)
    }

    fn answer(&self, seq: Seq) -> String {
        let Read {
            client, key, node, ..
        } = *self;
        format!(
            "{client} GET {key} via {node} → {}{}",
            self.version(seq),
            staleness(self.state, key, seq)
        )
    }

    fn kept_newer(&self, loaded: Seq) -> &'static str {
        if self.next.entry(self.node, self.key) != Some(loaded) {
            " (keeps its newer entry)"
        } else {
            ""
        }
    }

    fn describe(&self, model: &WitnessModel, step: GetStep) -> String {
        let Read {
            state,
            client,
            key,
            node,
            ..
        } = *self;
        match step {
            GetStep::FillLoad => format!(
                "{client} GET {key}: persistence.load → {}",
                self.version(state.persisted(key))
            ),
            GetStep::FillStore { loaded } => {
                let mut s = format!(
                    "{node} fills {key}={}{}",
                    self.version(loaded),
                    self.kept_newer(loaded)
                );
                if self.next.is_idle(client) {
                    let _ = write!(s, "; {}", self.answer(loaded));
                }
                s
            }
            GetStep::CheckWitness { entry } => self.check_witness(model, entry),
            GetStep::Reload => {
                let loaded = state.persisted(key);
                let mut s = format!(
                    "{client} GET {key}: persistence.load → {}",
                    self.version(loaded)
                );
                if !model.is_service() && state.witness(key).is_none() {
                    let _ = write!(s, "; witness relearns v{loaded}");
                }
                s
            }
            GetStep::Relearn { loaded, epochs } => format!(
                "{client} GET {key}: {}",
                relearn_text(model, state, self.next, &[key], &loaded, epochs)
            ),
            GetStep::Repair { loaded } => format!(
                "{node} repairs {key}={}{}; {}",
                self.version(loaded),
                self.kept_newer(loaded),
                self.answer(loaded)
            ),
        }
    }

    fn check_witness(&self, model: &WitnessModel, entry: Seq) -> String {
        let (state, client, key, node) = (self.state, self.client, self.key, self.node);
        let answer = model.read_answer(state, key, entry, self.quorum);
        let says = says_text(state, key, self.quorum);
        if answer == Answer::Stale {
            return format!(
                "{client} GET {key}: {says} for {key}, entry {} is stale → reload",
                self.version(entry)
            );
        }
        let persisted = state.persisted(key);
        let stale = if entry < persisted {
            format!("; stale: persistence has {}", self.version(persisted))
        } else {
            String::new()
        };
        let asked = if model.cfg.mutant == Some(Mutant::SkipWitnessOnMiss)
            && !state.observed(key, entry).exists
        {
            "cached miss returned without asking the witness".to_string()
        } else if answer == Answer::Ahead {
            format!("{says}, entry is newer: the witness learns v{entry}")
        } else {
            format!("{says}: fresh")
        };
        format!(
            "{client} GET {key} via {node} → {} ({asked}{stale})",
            self.version(entry)
        )
    }
}

fn describe_list(
    model: &WitnessModel,
    state: &SystemState,
    next: &SystemState,
    (client, quorum): (ClientId, Option<Quorum>),
    node: NodeId,
    step: ListStep,
) -> String {
    let scan = || {
        format!(
            "{client} LIST: persistence scan → {}",
            listing_text(state, &state.persisted_listing())
        )
    };
    let answer = |listing: &Listing| {
        format!(
            "{client} LIST via {node} → {}{}",
            listing_text(state, listing),
            listing_staleness(state, listing)
        )
    };
    match step {
        ListStep::FillLoad | ListStep::Reload => scan(),
        ListStep::Relearn { loaded, epochs } => {
            let keys: Vec<Key> = state.keys().collect();
            let relearned = relearn_text(model, state, next, &keys, &loaded, epochs);
            format!("{client} LIST: {relearned}")
        }
        ListStep::FillStore { loaded } => {
            let mut s = format!("{node} caches listing {}", listing_text(state, &loaded));
            if next.is_idle(client) {
                let _ = write!(s, "; {}", answer(&loaded));
            }
            s
        }
        ListStep::CheckBarrier { listing } => {
            if model.is_listing_stale(state, &listing, quorum) {
                format!(
                    "{client} LIST: partition barrier: witness is ahead of listing {} → reload",
                    listing_text(state, &listing)
                )
            } else {
                format!(
                    "{client} LIST via {node} → {} (partition barrier: fresh){}",
                    listing_text(state, &listing),
                    listing_staleness(state, &listing)
                )
            }
        }
        ListStep::Repair { loaded } => {
            format!("{node} repairs its listing; {}", answer(&loaded))
        }
    }
}

fn commit_text(s: &mut String, state: &SystemState, next: &SystemState, key: Key, seq: Seq) {
    let held = next.persisted(key);
    if held == seq {
        let _ = write!(s, "persistence commits {}", version(state, key, seq));
    } else {
        let _ = write!(s, "persistence keeps newer v{held} (v{seq} loses)");
    }
}
