//! The model as the stateright Explorer shows it. The Explorer's "Path of Actions" prints each
//! action without its state, so here every action carries what it does in the state it is taken
//! from ("client 1 PUT k0 v1: persistence commits v1"). Symmetry reduction is off: a user clicking
//! through states should see the clients and nodes they clicked, not canonical renamings. So are
//! the reductions that restrict when a step may be taken (`faults-wait-for-reader`,
//! `deliveries-last`): a user may evict, restart or deliver whenever the system could.

use super::action::Action;
use super::conditions::{properties, Witnessed};
use super::config::Reductions;
use super::model::WitnessModel;
use super::state::SystemState;
use super::{diagram, narrate};
use stateright::{Model, Property};

#[derive(Clone, Debug)]
pub struct ExplorerModel {
    inner: WitnessModel,
}

impl ExplorerModel {
    pub fn new(model: WitnessModel) -> ExplorerModel {
        ExplorerModel {
            inner: model
                .with_symmetry(false)
                .with_reductions(Reductions::every_order()),
        }
    }
}

/// An action with its description in the state it is taken from.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct NamedAction {
    pub action: Action,
    pub name: String,
}

impl Witnessed for ExplorerModel {
    fn witness_model(&self) -> &WitnessModel {
        &self.inner
    }
}

impl Model for ExplorerModel {
    type State = SystemState;
    type Action = NamedAction;

    fn init_states(&self) -> Vec<SystemState> {
        self.inner.init_states()
    }

    fn actions(&self, state: &SystemState, actions: &mut Vec<NamedAction>) {
        let mut plain = Vec::new();
        self.inner.actions(state, &mut plain);
        actions.extend(plain.into_iter().map(|action| NamedAction {
            name: narrate::describe(&self.inner, state, &action),
            action,
        }));
    }

    fn next_state(&self, state: &SystemState, action: NamedAction) -> Option<SystemState> {
        self.inner.next_state(state, action.action)
    }

    fn within_boundary(&self, state: &SystemState) -> bool {
        self.inner.within_boundary(state)
    }

    fn format_action(&self, action: &NamedAction) -> String {
        action.name.clone()
    }

    fn format_step(&self, last_state: &SystemState, action: NamedAction) -> Option<String> {
        self.inner.format_step(last_state, action.action)
    }

    fn as_svg(&self, path: stateright::Path<SystemState, NamedAction>) -> Option<String> {
        let steps: Vec<(SystemState, Option<Action>)> = path
            .into_vec()
            .into_iter()
            .map(|(state, action)| (state, action.map(|a| a.action)))
            .collect();
        Some(diagram::sequence_svg(&self.inner, &steps))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        properties()
    }
}
