//! [`WitnessModel`] as stateright's [`Model`]: the model's steps with the reductions that restrict
//! when a step may be taken, successors renamed into canonical order, and paths told in the
//! system's words. It sits above everything it joins (symmetry, deferral, narration, the
//! diagram), so none of those depend back on it.

use super::action::Action;
use super::conditions::properties;
use super::config::Reduction;
use super::model::WitnessModel;
use super::state::SystemState;
use super::{deferral, diagram, narrate, symmetry};
use stateright::{Model, Path, Property};

impl Model for WitnessModel {
    type State = SystemState;
    type Action = Action;

    fn init_states(&self) -> Vec<SystemState> {
        let mut init = self.init_state();
        if self.symmetry {
            symmetry::canonicalize(&mut init);
        }
        vec![init]
    }

    fn actions(&self, state: &SystemState, actions: &mut Vec<Action>) {
        self.enabled_actions(state, actions);
        if self.reductions.contains(Reduction::FaultsWaitForReader) {
            deferral::keep_canonical(&self.cfg, state, actions);
        }
    }

    fn next_state(&self, state: &SystemState, action: Action) -> Option<SystemState> {
        let mut next = self.apply(state, &action);
        if self.symmetry {
            symmetry::canonicalize(&mut next);
        }
        Some(next)
    }

    fn within_boundary(&self, _state: &SystemState) -> bool {
        !self.stopped()
    }

    fn format_action(&self, action: &Action) -> String {
        narrate::action_label(action)
    }

    fn format_step(&self, last_state: &SystemState, action: Action) -> Option<String> {
        Some(narrate::describe(self, last_state, &action))
    }

    fn as_svg(&self, path: Path<SystemState, Action>) -> Option<String> {
        let steps = symmetry::consistent_path(self, &path.into_vec());
        Some(diagram::sequence_svg(self, &steps))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        properties()
    }
}
