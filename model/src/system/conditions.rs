//! Each property's condition on a model state, and the properties as stateright's: the model's
//! state read through the [`StateView`] that state-judged rules ask (the witness's table and
//! answers, persistence, the replica, the paths the clients are on), and the monitor's verdicts
//! for the rest.

use super::model::WitnessModel;
use super::phase::{GetStep, ListStep, Phase};
use super::state::SystemState;
use super::witness_service::Answer;
use super::witness_table::Quorum;
use crate::history::{Key, Observed};
use crate::properties::{Expectation, PropertyId, Reached, StateView};
use stateright::{Model, Property};

/// Whether property `id` holds in `state` (always-properties) or shows there
/// (sometimes-properties). A property judged on the state says so in its rule (`in_state`); the
/// monitor has judged every other one over the history.
pub fn condition(id: PropertyId, model: &WitnessModel, s: &SystemState) -> bool {
    let view = ModelState { model, state: s };
    id.in_state(&view)
        .unwrap_or_else(|| match id.expectation() {
            Expectation::Always => !s.monitor.violated().contains(id),
            Expectation::Sometimes => s.monitor.found().contains(id),
        })
}

/// A model state as the state-judged rules read it.
struct ModelState<'a> {
    model: &'a WitnessModel,
    state: &'a SystemState,
}

impl StateView for ModelState<'_> {
    fn key_count(&self) -> u32 {
        u32::from(self.model.cfg.keys)
    }

    fn acked(&self, key: Key) -> Observed {
        self.state.monitor.acked(key)
    }

    fn persisted(&self, key: Key) -> u64 {
        self.state.persisted(key).into()
    }

    fn witness(&self, key: Key) -> Option<u64> {
        self.state.witness(key).map(u64::from)
    }

    fn replica(&self, key: Key) -> u64 {
        self.state.replica(key).into()
    }

    fn quiescent(&self) -> bool {
        self.state.is_quiescent()
    }

    fn fresh_answers(&self, visit: &mut dyn FnMut(Key, u64)) {
        let (model, state) = (self.model, self.state);
        for client in state.client_ids().filter(|&c| !state.is_idle(c)) {
            let phase = state.phase(client);
            if !phase.is_query() {
                continue;
            }
            // One node, or no majority reachable: no quorum to choose, the read asks them all.
            let mut quorums: smallvec::SmallVec<[Option<Quorum>; 4]> =
                model.quorums(state, phase).into_iter().map(Some).collect();
            if quorums.is_empty() {
                quorums.push(None);
            }
            for quorum in quorums {
                passed_entries(model, state, phase, quorum, visit);
            }
        }
    }

    fn reached(&self) -> Reached {
        let (model, state) = (self.model, self.state);
        // A message a node drops or a query it answers needs a majority to be reachable at all.
        let answered = state.witness_majority_reachable();
        let mut reached = Reached::default();
        for client in state.client_ids().filter(|&c| !state.is_idle(c)) {
            let phase = state.phase(client);
            match (phase.get_step(), phase.list_step()) {
                (Some(GetStep::Reload), _) | (_, Some(ListStep::Reload)) => reached.reload = true,
                (Some(GetStep::Repair { .. }), _) | (_, Some(ListStep::Repair { .. })) => {
                    reached.repair = true;
                }
                (Some(GetStep::Relearn { epochs, .. }), _)
                | (_, Some(ListStep::Relearn { epochs, .. })) => {
                    reached.fenced_relearn |= answered
                        && state
                            .reachable_witness_nodes()
                            .into_iter()
                            .any(|node| model.fence_drops(state, node, epochs));
                }
                _ if phase.is_query() => {
                    reached.query_after_failover |= answered && state.witness_failovers() > 0;
                }
                _ => {}
            }
        }
        reached
    }
}

/// Calls `visit(key, entry)` for each entry the query of `phase` passes under `quorum`: a GET's
/// entry if the witness does not call it stale, a LIST's every entry if the barrier lets the
/// listing through (a listing with one stale key is reloaded whole, so none of its entries is
/// passed).
fn passed_entries(
    model: &WitnessModel,
    state: &SystemState,
    phase: Phase,
    quorum: Option<Quorum>,
    visit: &mut dyn FnMut(Key, u64),
) {
    match phase {
        Phase::Get {
            key,
            step: GetStep::CheckWitness { entry },
            ..
        } if model.witness_answer(state, key, entry, quorum) != Answer::Stale => {
            visit(key, entry.into());
        }
        Phase::List {
            step: ListStep::CheckBarrier { listing },
            ..
        } if !model.is_listing_stale(state, &listing, quorum) => {
            for (key, entry) in listing.iter() {
                visit(key, entry.into());
            }
        }
        _ => {}
    }
}

/// A model whose states are [`SystemState`]s of a [`WitnessModel`] (the checker's, or the
/// Explorer's view of it), so both share one list of properties.
pub trait Witnessed: Model<State = SystemState> {
    fn witness_model(&self) -> &WitnessModel;
}

impl Witnessed for WitnessModel {
    fn witness_model(&self) -> &WitnessModel {
        self
    }
}

macro_rules! stateright_properties {
    ($( $id:ident => $name:literal, $column:literal, $code:expr, $guarantee:ident, $expectation:ident, $rule_file:ident::$rule:ident, $summary:literal; )*) => {
        /// Every property, in [`PropertyId::ALL`]'s order, as stateright properties of `M`.
        pub fn properties<M: Witnessed>() -> Vec<Property<M>> {
            vec![$(
                match PropertyId::$id.expectation() {
                    Expectation::Always => Property::always(
                        PropertyId::$id.name(),
                        |m: &M, s: &SystemState| condition(PropertyId::$id, m.witness_model(), s),
                    ),
                    Expectation::Sometimes => Property::sometimes(
                        PropertyId::$id.name(),
                        |m: &M, s: &SystemState| condition(PropertyId::$id, m.witness_model(), s),
                    ),
                },
            )*]
        }
    };
}

crate::properties::property_catalogue!(stateright_properties);
