//! Which client operation a step belongs to ("client 1 op 2"), and what each operation still in
//! flight at the end of a trace has done so far.

use crate::history::ClientId;
use crate::system::config::{Mode, WitnessOrder};
use crate::system::model::WitnessModel;
use crate::system::phase::{GetStep, Phase, WriteOp, WriteStep};
use crate::system::state::SystemState;

/// "client 1 op 2": the client and which of its operations a step belongs to. `invoking` says the
/// step starts the operation (the client's count of operations left still includes it).
pub(super) fn owner(
    model: &WitnessModel,
    state: &SystemState,
    client: ClientId,
    invoking: bool,
) -> String {
    let total = model.cfg.ops_per_client;
    // With one operation per client the client alone names it; a number would only add noise.
    if total <= 1 {
        return client.to_string();
    }
    let done = total - state.remaining(client) + u8::from(invoking);
    format!("{client} op {done}")
}

/// "in flight: client 2 op 1 PUT k0 (persistence committed v2, not yet acknowledged)": the
/// operations a trace ends in the middle of, or `None` when every client is idle.
pub fn in_flight(model: &WitnessModel, state: &SystemState) -> Option<String> {
    let ops: Vec<String> = state
        .client_ids()
        .filter_map(|client| in_flight_op(model, state, client))
        .collect();
    (!ops.is_empty()).then(|| format!("in flight: {}", ops.join("; ")))
}

fn in_flight_op(model: &WitnessModel, state: &SystemState, client: ClientId) -> Option<String> {
    let who = owner(model, state, client, false);
    match state.phase(client) {
        Phase::Idle => None,
        Phase::Judge { op } => Some(format!(
            "{who} {} {} ({}) via {} (precondition not yet judged)",
            if op.put { "PUT" } else { "DELETE" },
            op.key,
            op.precondition,
            op.node
        )),
        Phase::Write { op, step } => Some(format!(
            "{who} {} {} ({})",
            op.verb(),
            op.key,
            write_progress(model, state, op, step)
        )),
        Phase::Get { key, node, step } => {
            let seen = |seq| state.observed(key, seq);
            let progress = match step {
                GetStep::FillLoad => "not yet loaded".to_string(),
                GetStep::FillStore { loaded } => {
                    format!("loaded {}, not yet answered", seen(loaded))
                }
                GetStep::CheckWitness { entry } => {
                    format!("node holds {}, witness not yet asked", seen(entry))
                }
                GetStep::Reload => "entry stale, not yet reloaded".to_string(),
                GetStep::Relearn { loaded, .. } => {
                    format!("reloaded {}, not yet answered", seen(loaded[key]))
                }
                GetStep::Repair { loaded } => {
                    format!("reloaded {}, not yet answered", seen(loaded))
                }
            };
            Some(format!("{who} GET {key} via {node} ({progress})"))
        }
        Phase::List { node, .. } => Some(format!("{who} LIST via {node} (not answered)")),
    }
}

/// How far a write got before the trace ended, from the step it takes next.
fn write_progress(
    model: &WitnessModel,
    state: &SystemState,
    op: WriteOp,
    step: WriteStep,
) -> String {
    let strong = model.cfg.mode == Mode::Strong;
    let before_commit = model.cfg.variant.witness_order == WitnessOrder::BeforeCommit;
    let seq = op.seq;
    let held = state.persisted(op.key);
    // Last writer wins: the commit step ran, but whether it lost or was overwritten since, the
    // newer version is what readers see.
    let committed = if held > seq {
        format!("past its commit, persistence holds the newer v{held}")
    } else {
        format!("persistence committed {}", state.observed(op.key, seq))
    };
    match step {
        WriteStep::LateNotify => format!("acknowledged v{seq}, witness not yet notified"),
        WriteStep::Commit if before_commit && strong => {
            format!("witness told v{seq}, not yet committed")
        }
        WriteStep::Commit | WriteStep::CommitAndNotify => {
            format!("v{seq} assigned, not yet committed")
        }
        WriteStep::NotifyWitness if before_commit => format!("v{seq} assigned, not yet committed"),
        // Eventual reads never ask the witness, so an unsent notify changes nothing a reader sees.
        WriteStep::NotifyWitness if strong => format!("{committed}, witness not yet notified"),
        WriteStep::NotifyWitness | WriteStep::UpdateCache | WriteStep::Ack => {
            format!("{committed}, not yet acknowledged")
        }
    }
}
