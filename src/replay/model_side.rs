//! Everything `witness replay` takes from the model, in one file: shortest counterexamples (an
//! exact single-threaded BFS, symmetry off, so client and node ids stay as the trace names them),
//! random walks, and a step-by-step run of the model that says what each step emitted and which
//! always-properties are violated after it. Only stable surfaces are used: `Action`, `WitnessCfg`,
//! `WitnessModel::{init_state, apply_recording}`, the narration and stateright's `Model`.

use stateright::{Checker, Expectation, HasDiscoveries, Model};
use std::collections::{BTreeMap, BTreeSet};
use witness_model::history::Event;
use witness_model::properties::PropertyId;
use witness_model::system::{narrate, Action, Reductions, SystemState, WitnessCfg, WitnessModel};

/// For each property, the shortest sequence of actions that violates it.
pub fn shortest_traces(
    cfg: &WitnessCfg,
    properties: &[PropertyId],
) -> BTreeMap<PropertyId, Vec<Action>> {
    let names: BTreeSet<&'static str> = properties.iter().map(|p| p.name()).collect();
    // One thread: the first discovery BFS makes is at the smallest depth (stateright 0.30.2).
    let checker = cfg
        .clone()
        .into_model()
        .with_symmetry(false)
        .checker()
        .threads(1)
        .finish_when(HasDiscoveries::AllOf(names))
        .spawn_bfs()
        .join();
    checker
        .discoveries()
        .into_iter()
        .filter_map(|(name, path)| {
            let property = PropertyId::from_name(name).filter(|p| properties.contains(p))?;
            let actions = path.into_vec().into_iter().filter_map(|(_, a)| a).collect();
            Some((property, actions))
        })
        .collect()
}

/// A random walk of up to `length` actions from the initial state (xorshift on `seed`), the
/// model's simulation without stateright's simulation checker (which records wrong paths when
/// a step has no successor, see the brief).
pub fn random_walk(cfg: &WitnessCfg, seed: u64, length: usize) -> Vec<Action> {
    // Every order the system allows, not only the canonical ones the checker explores: the
    // implementation is not covered by the model's commutation argument.
    let model = cfg
        .clone()
        .into_model()
        .with_symmetry(false)
        .with_reductions(Reductions::every_order());
    let mut state = model.init_state();
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut walk = Vec::new();
    let mut actions = Vec::new();
    while walk.len() < length {
        actions.clear();
        model.actions(&state, &mut actions);
        if actions.is_empty() {
            break;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // The index is below `actions.len()`, so the cast back cannot truncate.
        let action = actions[(x % actions.len() as u64) as usize].clone();
        state = model.apply(&state, &action);
        walk.push(action);
    }
    walk
}

/// The model, stepped one action at a time.
pub struct ModelRun {
    model: WitnessModel,
    state: SystemState,
}

impl ModelRun {
    pub fn new(cfg: &WitnessCfg) -> ModelRun {
        let model = cfg.clone().into_model().with_symmetry(false);
        let state = model.init_state();
        ModelRun { model, state }
    }

    /// The step in the system's words, as the checker's counterexamples tell it.
    pub fn describe(&self, action: &Action) -> String {
        narrate::describe(&self.model, &self.state, action)
    }

    /// Takes the step; returns the history events it produced.
    pub fn step(&mut self, action: &Action) -> Vec<Event> {
        let mut events = Vec::new();
        self.state = self
            .model
            .apply_recording(&self.state, action, &mut |e| events.push(e.clone()));
        events
    }

    /// The always-properties violated in the current state.
    pub fn violated(&self) -> BTreeSet<PropertyId> {
        self.model
            .properties()
            .iter()
            .filter(|p| p.expectation == Expectation::Always)
            .filter(|p| !(p.condition)(&self.model, &self.state))
            .filter_map(|p| PropertyId::from_name(p.name))
            .filter(|&p| judged_on_both_sides(p))
            .collect()
    }
}

/// Whether replay compares `property` on the model and on the implementation
/// ([`PropertyId::judged_on_implementations`]); a row whose model-only property fails still
/// reproduces through the client-visible properties the same run violates.
pub fn judged_on_both_sides(property: PropertyId) -> bool {
    property.judged_on_implementations()
}
