//! Paths told as numbered sentences, closed by what the property monitor makes of them.

use crate::history::{Event, Version};
use crate::properties::{Finding, Guarantee, PropertyId};
use crate::system::config::Mode;
use crate::system::{narrate, Action, SystemState, WitnessModel};

/// The steps of a path as numbered sentences, then the operations still in flight, closed by what
/// the property monitor says about it.
pub fn narrate_path(
    model: &WitnessModel,
    steps: &[(SystemState, Option<Action>)],
    property: Option<PropertyId>,
) -> Vec<String> {
    let (history, step_of_event, end) = replay(model, steps);
    let finding = property.and_then(|p| explain(model, &history, p));
    let finding_step = finding.map(|f| step_of_event[f.event_index]);
    let mut lines = Vec::new();
    for (index, (state, action)) in steps.iter().enumerate() {
        let Some(action) = action else { continue };
        let about_finding = finding_step == Some(index);
        let told = narrate::describe_in_trace(model, state, action, about_finding);
        lines.push(format!("{}. {told}", lines.len() + 1));
    }
    let Some(end) = end else { return lines };
    lines.extend(narrate::in_flight(model, &end));
    if let Some(finding) = finding {
        lines.push(format!("⇒ {finding}"));
    } else if let Some(property) = property {
        // A coverage path is told by the steps that reach it; the other state-judged properties
        // (witness-safety, replica-*) by the final state they fail or show in.
        let told = match property.guarantee() {
            Guarantee::Coverage => property.summary().to_string(),
            _ => state_summary(model, &end),
        };
        lines.push(format!("⇒ {property}: {told}"));
    }
    lines
}

/// The history a path records, the index in `steps` of the step that emitted each event, and the
/// state the path ends in (`None` for an empty path).
fn replay(
    model: &WitnessModel,
    steps: &[(SystemState, Option<Action>)],
) -> (Vec<Event>, Vec<usize>, Option<SystemState>) {
    let mut history: Vec<Event> = Vec::new();
    let mut step_of_event = Vec::new();
    let mut end = steps.first().map(|(state, _)| state.clone());
    for (index, (state, action)) in steps.iter().enumerate() {
        let Some(action) = action else { continue };
        end = Some(model.apply_recording(state, action, &mut |e| {
            history.push(e.clone());
            step_of_event.push(index);
        }));
    }
    (history, step_of_event, end)
}

fn explain(model: &WitnessModel, history: &[Event], property: PropertyId) -> Option<Finding> {
    // The same starting monitor as the model's initial state, so the replay judges alike.
    let mut monitor = model.init_state().monitor;
    let mut first = None;
    for (index, event) in history.iter().enumerate() {
        let _ = monitor.observe(index, event, &mut |f| {
            if f.property == property && first.is_none() {
                first = Some(f);
            }
        });
    }
    first
}

fn state_summary(model: &WitnessModel, state: &SystemState) -> String {
    let mut parts = Vec::new();
    for k in 0..model.cfg.keys {
        let key = crate::history::Key(u32::from(k));
        // Eventual reads never ask the witness: what it holds explains nothing there.
        let witness = match (model.cfg.mode, state.witness(key)) {
            (Mode::Eventual, _) => String::new(),
            (Mode::Strong, Some(w)) => format!(", witness {}", Version(w.into())),
            (Mode::Strong, None) => ", witness forgotten".to_string(),
        };
        let acked = match state.monitor.acked(key).seq {
            0 => "nothing acknowledged".to_string(),
            seq => format!("acknowledged {}", Version(seq)),
        };
        parts.push(format!(
            "{key}: {acked}, persistence {}{witness}, replica {}",
            Version(state.persisted(key).into()),
            Version(state.replica(key).into())
        ));
    }
    let in_flight = state.replication_len();
    let flight = if in_flight == 0 {
        "nothing in flight".to_string()
    } else {
        format!("{in_flight} replication message(s) in flight")
    };
    format!("{} ({flight})", parts.join("; "))
}
