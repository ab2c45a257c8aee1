//! Paths told as numbered sentences, closed by what the property monitor makes of them.

use crate::history::Event;
use crate::properties::{Finding, PropertyId};
use crate::system::{Action, SystemState, WitnessModel};

/// The steps of a path as numbered sentences, closed by what the property monitor says about it.
pub fn narrate_path(
    model: &WitnessModel,
    steps: &[(SystemState, Option<Action>)],
    property: Option<PropertyId>,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut history: Vec<Event> = Vec::new();
    let mut number = 0;
    for (state, action) in steps {
        let Some(action) = action else { continue };
        number += 1;
        lines.push(format!(
            "{number}. {}",
            crate::system::narrate::describe(model, state, action)
        ));
        model.apply_recording(state, action, &mut |e| history.push(e.clone()));
    }
    if let Some(property) = property {
        if let Some(finding) = explain(model, &history, property) {
            lines.push(format!("⇒ {finding}"));
        } else if let Some((last, _)) = steps.last() {
            // State-based properties (witness-safety, replica-*) are judged on the final state.
            lines.push(format!("⇒ {property}: {}", state_summary(model, last)));
        }
    }
    lines
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
        let witness = state
            .witness(key)
            .map_or("forgotten".to_string(), |w| format!("v{w}"));
        parts.push(format!(
            "{key}: acknowledged v{}, persistence v{}, witness {witness}, replica v{}",
            state.monitor.acked(key).seq,
            state.persisted(key),
            state.replica(key)
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
