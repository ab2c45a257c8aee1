//! The search itself: level after level of packed states from the model's initial states, until
//! the states or the undiscovered properties run out, or the search is stopped.

use super::interface::{Counters, Limits, Outcome, MAX_PROPERTIES};
use super::packed::Packed;
use super::shared::Shared;
use stateright::{Expectation, Model, Property};
use std::sync::atomic::{AtomicBool, Ordering};

/// Breadth-first search of `model` from its initial states, until no new state is left, every
/// property has a discovery (as stateright stops), `stop` is set, or it would need more memory
/// than `limits` or the machine allow.
///
/// The model's `Eventually` properties are not supported (this project has none): a proof of one
/// needs the paths this search does not keep. A panic of the model on any of the search's threads
/// is resumed on the caller's thread, with its own payload, once every thread has ended.
pub fn search<M>(model: &M, limits: Limits, stop: &AtomicBool, counters: &Counters) -> Outcome
where
    M: Model + Sync,
    M::State: Packed + Clone + Send + Sync,
{
    let properties = judgeable_properties(model);
    let init_states: Vec<M::State> = model
        .init_states()
        .into_iter()
        .filter(|s| model.within_boundary(s))
        .collect();
    let Some(template) = init_states.first() else {
        // No initial state, or none within the boundary because `stop` is already set.
        return Outcome {
            discoveries: Vec::new(),
            complete: !stop.load(Ordering::Relaxed),
            out_of_memory: None,
        };
    };
    let shared = Shared::new(model, properties, template, limits, stop, counters);
    if let Some(level) = shared.first_level(&init_states) {
        shared.expand_levels(level);
    }
    shared.into_outcome()
}

/// The model's properties, which must fit the search's bitset and be judged state by state.
fn judgeable_properties<M: Model>(model: &M) -> Vec<Property<M>> {
    let properties = model.properties();
    assert!(
        properties.len() <= MAX_PROPERTIES,
        "the level search judges at most {MAX_PROPERTIES} properties"
    );
    assert!(
        properties
            .iter()
            .all(|p| p.expectation != Expectation::Eventually),
        "the level search does not check eventually-properties"
    );
    properties
}
