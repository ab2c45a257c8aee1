//! The witness's side of a step, in words: what it answers, what a notify or a relearn leaves in
//! each node's slot, and which nodes dropped a relearn.

use crate::history::{Key, Version};
use crate::system::config::Mutant;
use crate::system::layout::Seq;
use crate::system::model::WitnessModel;
use crate::system::phase::Listing;
use crate::system::state::SystemState;
use crate::system::witness_table::{Epochs, Quorum, WitnessNode, WitnessSlot};
use std::fmt::Write as _;

pub(super) fn witness_view(state: &SystemState, key: Key) -> String {
    match state.witness(key) {
        Some(known) => Version(known.into()).to_string(),
        None => "nothing (forgotten)".to_string(),
    }
}

/// What the witness answers for `key`: "witness says v1", or a quorum's answers node by node.
pub(super) fn says_text(state: &SystemState, key: Key, quorum: Option<Quorum>) -> String {
    match quorum {
        None => format!("witness says {}", witness_view(state, key)),
        Some(quorum) => {
            let answers: Vec<String> = quorum
                .nodes()
                .map(|n| format!("{n} {}", slot_text(state.witness_slot(n, key))))
                .collect();
            format!("witness answers: {}", answers.join(", "))
        }
    }
}

/// "the witness" when there is one node, else the node's name.
pub(super) fn witness_name(model: &WitnessModel, node: WitnessNode) -> String {
    if model.cfg.witness_nodes == 1 {
        "witness".to_string()
    } else {
        node.to_string()
    }
}

/// What one slot holds, in words.
pub(super) fn slot_text(slot: WitnessSlot) -> String {
    match slot {
        WitnessSlot::Known(known) => Version(known.into()).to_string(),
        WitnessSlot::Forgotten { floor: 0 } => "forgotten".to_string(),
        WitnessSlot::Forgotten { floor } => format!("forgotten, floor v{floor}"),
    }
}

/// Each witness node's slot for `key` after a step: "node 1 v2, node 2 forgotten, node 3
/// unreachable (v1)".
pub(super) fn fleet_text(next: &SystemState, key: Key) -> String {
    let nodes: Vec<String> = next
        .witness_nodes()
        .map(|node| {
            let slot = slot_text(next.witness_slot(node, key));
            if next.witness_out(node) {
                format!("{node} unreachable ({slot})")
            } else {
                format!("{node} {slot}")
            }
        })
        .collect();
    nodes.join(", ")
}

/// A relearn, told node by node: applied, or dropped by a node whose epoch moved on.
pub(super) fn relearn_text(
    model: &WitnessModel,
    state: &SystemState,
    next: &SystemState,
    keys: &[Key],
    loaded: &Listing,
    epochs: Epochs,
) -> String {
    let fenced: Vec<String> = state
        .reachable_witness_nodes()
        .into_iter()
        .filter(|&n| crate::system::witness_service::epoch_moved(state, n, epochs))
        .map(|n| witness_name(model, n))
        .collect();
    let taught: Vec<String> = keys
        .iter()
        .map(|&k| match loaded[k] {
            0 => format!("{k} absent"),
            seq => format!("{k}@v{seq}"),
        })
        .collect();
    let mut s = format!("witness relearns {}", taught.join(", "));
    let moved = epoch_moved(state);
    if !fenced.is_empty() && model.is_mutant(Mutant::UnfencedRelearn) {
        let _ = write!(s, " (applied, although {} {moved})", fenced.join(", "));
    } else if !fenced.is_empty() {
        let _ = write!(s, " (dropped by {}: {moved})", fenced.join(", "));
    }
    for &key in keys {
        let _ = write!(s, "; {key}: {}", witness_after(model, next, key));
    }
    s
}

/// Why a node's epoch differs from the one a reload remembered. A node's epoch counts its
/// restarts and failovers together, so only the run's fault counts can tell which one it was: when
/// one kind never happened, it was the other.
fn epoch_moved(state: &SystemState) -> &'static str {
    if state.witness_failovers() == 0 {
        "restarted since the load"
    } else if state.witness_restarts() == 0 {
        "failed over since the load"
    } else {
        "restarted or failed over since the load"
    }
}

/// What the witness holds for `key` after a step.
pub(super) fn witness_after(model: &WitnessModel, next: &SystemState, key: Key) -> String {
    if model.cfg.witness_nodes == 1 {
        slot_text(next.witness_slot(WitnessNode(0), key))
    } else {
        fleet_text(next, key)
    }
}

pub(super) fn witness_text(
    s: &mut String,
    state: &SystemState,
    next: &SystemState,
    key: Key,
    seq: Seq,
) {
    if next.witness_nodes().count() > 1 {
        let _ = write!(s, "witness notified of v{seq}: {}", fleet_text(next, key));
        return;
    }
    match (state.witness(key), next.witness(key)) {
        (None, _) => match next.witness_slot(WitnessNode(0), key) {
            WitnessSlot::Forgotten { floor } if floor > 0 => {
                let _ = write!(
                    s,
                    "witness has forgotten {key}; it stays stale, floor v{floor}"
                );
            }
            _ => {
                let _ = write!(s, "witness has forgotten {key}; it stays stale");
            }
        },
        (Some(before), Some(after)) if after == before && after < seq => {
            let _ = write!(s, "witness is not told (still {})", Version(before.into()));
        }
        (_, Some(after)) => {
            let _ = write!(s, "witness records {} for {key}", Version(after.into()));
        }
        (_, None) => {
            let _ = write!(s, "witness forgets {key}");
        }
    }
}
