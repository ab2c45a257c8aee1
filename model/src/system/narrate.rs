//! Steps told in the system's own words, for counterexamples and the Explorer:
//! `client 1 GET k0 via cache node 2 → v1 (stale: persistence has v2)`.

use super::model::{Action, WitnessModel};
use super::state::Seq;
use super::state::{GetStep, ListStep, NodeId, Phase, SystemState, WriteStep};
use crate::history::{ClientId, Key, Op};
use std::fmt::Write as _;

/// A label for an action without its state (the Explorer's action list).
pub fn action_label(action: &Action) -> String {
    match action {
        Action::Invoke { client, op, node } => format!("{client} {op} via {node}"),
        Action::Step { client } => format!("{client} next step"),
        Action::Evict { node, key } => format!("{node} evicts {key}"),
        Action::EvictListing { node } => format!("{node} evicts its listing"),
        Action::RestartNode { node } => format!("{node} restarts"),
        Action::RestartWitness => "witness restarts".to_string(),
        Action::Deliver { key, seq, keep } => {
            let again = if *keep { " (copy stays in flight)" } else { "" };
            format!("replica receives {key}@v{seq}{again}")
        }
    }
}

fn version(state: &SystemState, key: Key, seq: Seq) -> String {
    state.observed(key, seq).to_string()
}

fn witness_view(state: &SystemState, key: Key) -> String {
    match state.witness_of(key) {
        Some(known) => format!("v{known}"),
        None => "nothing (forgotten)".to_string(),
    }
}

fn staleness(state: &SystemState, key: Key, answered: Seq) -> String {
    let persisted = state.persisted_of(key);
    if answered < persisted {
        format!(
            " (stale: persistence has {})",
            version(state, key, persisted)
        )
    } else {
        String::new()
    }
}

fn listing_text(state: &SystemState, listing: &[Seq]) -> String {
    let shown: Vec<String> = listing
        .iter()
        .enumerate()
        .filter_map(|(k, &seq)| {
            let key = Key(u32::try_from(k).ok()?);
            state
                .observed(key, seq)
                .exists
                .then(|| format!("{key}@v{seq}"))
        })
        .collect();
    format!("[{}]", shown.join(", "))
}

fn listing_staleness(state: &SystemState, listing: &[Seq]) -> String {
    if listing.iter().zip(&state.persisted).any(|(l, p)| l < p) {
        format!(
            " (stale: persistence lists {})",
            listing_text(state, &state.persisted)
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
        Action::Step { client } => describe_step(model, state, &next, client),
        Action::Deliver { key, seq, keep } => {
            let held = next.replica[key.index()];
            let mut s = if held == seq && state.replica[key.index()] != seq {
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
        Action::RestartWitness => {
            if next.witness.iter().all(Option::is_none) {
                "witness restarts with empty memory: every key is stale until reloaded".to_string()
            } else {
                "witness restarts with empty memory and answers v0 for every key".to_string()
            }
        }
        _ => action_label(action),
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
    match op {
        Op::Put { key } | Op::Delete { key } => {
            let seq = next.assigned[key.index()];
            format!("{head}: persistence assigns v{seq}")
        }
        Op::Get { key } => match state.node(node).entries[key.index()] {
            None => format!("{head}: node has no entry"),
            Some(entry) => match next.clients[client.index()].phase {
                Phase::Idle => format!(
                    "{head} → {}{}",
                    version(state, key, entry),
                    staleness(state, key, entry)
                ),
                _ => format!("{head}: node holds {}", version(state, key, entry)),
            },
        },
        Op::List => match &state.node(node).listing {
            None => format!("{head}: node has no cached listing"),
            Some(listing) => match next.clients[client.index()].phase {
                Phase::Idle => format!(
                    "{head} → {}{}",
                    listing_text(state, listing),
                    listing_staleness(state, listing)
                ),
                _ => format!(
                    "{head}: node holds listing {}",
                    listing_text(state, listing)
                ),
            },
        },
    }
}

fn describe_step(
    model: &WitnessModel,
    state: &SystemState,
    next: &SystemState,
    client: ClientId,
) -> String {
    let mut s = String::new();
    match state.clients[client.index()].phase.clone() {
        Phase::Idle => s.push_str("(idle)"),
        Phase::Write {
            key,
            node,
            seq,
            put,
            next: step,
        } => {
            let op = if put { "PUT" } else { "DELETE" };
            let _ = write!(s, "{client} {op} {key} v{seq}: ");
            let k = key.index();
            match step {
                WriteStep::Commit => commit_text(&mut s, state, next, key, seq),
                WriteStep::NotifyWitness => witness_text(&mut s, state, next, key, seq),
                WriteStep::CommitAndNotify => {
                    commit_text(&mut s, state, next, key, seq);
                    s.push_str(" and ");
                    witness_text(&mut s, state, next, key, seq);
                }
                WriteStep::UpdateCache => {
                    let held = next.node(node).entries[k];
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
                    s.clear();
                    let _ = write!(
                        s,
                        "replication enqueues {key}@v{seq}; {client} ← {op} {key} acknowledged (v{seq})"
                    );
                }
            }
        }
        Phase::Get {
            key,
            node,
            next: step,
        } => {
            let k = key.index();
            match step {
                GetStep::FillLoad => {
                    let _ = write!(
                        s,
                        "{client} GET {key}: persistence.load → {}",
                        version(state, key, state.persisted_of(key))
                    );
                }
                GetStep::FillStore { loaded } => {
                    let answered = next.clients[client.index()].phase == Phase::Idle;
                    let _ = write!(s, "{node} fills {key}={}", version(state, key, loaded));
                    if next.node(node).entries[k] != Some(loaded) {
                        s.push_str(" (keeps its newer entry)");
                    }
                    if answered {
                        let _ = write!(
                            s,
                            "; {client} GET {key} via {node} → {}{}",
                            version(state, key, loaded),
                            staleness(state, key, loaded)
                        );
                    }
                }
                GetStep::CheckWitness { entry } => {
                    let stale = model.is_stale(state, key, entry);
                    if stale {
                        let _ = write!(
                            s,
                            "{client} GET {key}: witness says {} for {key}, entry {} is stale → reload",
                            witness_view(state, key),
                            version(state, key, entry)
                        );
                    } else {
                        let persisted = state.persisted_of(key);
                        let stale = if entry < persisted {
                            format!(
                                "; stale: persistence has {}",
                                version(state, key, persisted)
                            )
                        } else {
                            String::new()
                        };
                        let asked = if model.cfg.mutant
                            == Some(crate::system::Mutant::SkipWitnessOnMiss)
                            && !state.observed(key, entry).exists
                        {
                            "cached miss returned without asking the witness".to_string()
                        } else {
                            format!("witness says {}: fresh", witness_view(state, key))
                        };
                        let _ = write!(
                            s,
                            "{client} GET {key} via {node} → {} ({asked}{stale})",
                            version(state, key, entry),
                        );
                    }
                }
                GetStep::Reload => {
                    let loaded = state.persisted_of(key);
                    let _ = write!(
                        s,
                        "{client} GET {key}: persistence.load → {}",
                        version(state, key, loaded)
                    );
                    if state.witness_of(key).is_none() {
                        let _ = write!(s, "; witness relearns v{loaded}");
                    }
                }
                GetStep::Repair { loaded } => {
                    let _ = write!(s, "{node} repairs {key}={}", version(state, key, loaded));
                    if next.node(node).entries[k] != Some(loaded) {
                        s.push_str(" (keeps its newer entry)");
                    }
                    let _ = write!(
                        s,
                        "; {client} GET {key} via {node} → {}{}",
                        version(state, key, loaded),
                        staleness(state, key, loaded)
                    );
                }
            }
        }
        Phase::List { node, next: step } => match step {
            ListStep::FillLoad => {
                let _ = write!(
                    s,
                    "{client} LIST: persistence scan → {}",
                    listing_text(state, &state.persisted)
                );
            }
            ListStep::FillStore { loaded } => {
                let _ = write!(s, "{node} caches listing {}", listing_text(state, &loaded));
                if next.clients[client.index()].phase == Phase::Idle {
                    let _ = write!(
                        s,
                        "; {client} LIST via {node} → {}{}",
                        listing_text(state, &loaded),
                        listing_staleness(state, &loaded)
                    );
                }
            }
            ListStep::CheckBarrier { listing } => {
                if model.is_listing_stale(state, &listing) {
                    let _ = write!(
                        s,
                        "{client} LIST: partition barrier: witness is ahead of listing {} → reload",
                        listing_text(state, &listing)
                    );
                } else {
                    let _ = write!(
                        s,
                        "{client} LIST via {node} → {} (partition barrier: fresh){}",
                        listing_text(state, &listing),
                        listing_staleness(state, &listing)
                    );
                }
            }
            ListStep::Reload => {
                let _ = write!(
                    s,
                    "{client} LIST: persistence scan → {}",
                    listing_text(state, &state.persisted)
                );
            }
            ListStep::Repair { loaded } => {
                let _ = write!(
                    s,
                    "{node} repairs its listing; {client} LIST via {node} → {}{}",
                    listing_text(state, &loaded),
                    listing_staleness(state, &loaded)
                );
            }
        },
    }
    s
}

fn commit_text(s: &mut String, state: &SystemState, next: &SystemState, key: Key, seq: Seq) {
    let held = next.persisted_of(key);
    if held == seq {
        let _ = write!(s, "persistence commits {}", version(state, key, seq));
    } else {
        let _ = write!(s, "persistence keeps newer v{held} (v{seq} loses)");
    }
}

fn witness_text(s: &mut String, state: &SystemState, next: &SystemState, key: Key, seq: Seq) {
    match (state.witness_of(key), next.witness_of(key)) {
        (None, _) => {
            let _ = write!(s, "witness has forgotten {key}; it stays stale");
        }
        (Some(before), Some(after)) if after == before && after < seq => {
            let _ = write!(s, "witness is not told (still v{before})");
        }
        (_, Some(after)) => {
            let _ = write!(s, "witness records v{after} for {key}");
        }
        (_, None) => {
            let _ = write!(s, "witness forgets {key}");
        }
    }
}
