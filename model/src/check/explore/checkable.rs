//! What the checker needs of a model, and the witness model's answer.

use crate::properties::PropertyId;
use crate::search::{self, Packed};
use crate::system::WitnessModel;
use stateright::Model;
use std::hash::Hash;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

// The level search keeps the properties not yet discovered in one word.
const _: () = assert!(PropertyId::ALL.len() <= search::MAX_PROPERTIES);

/// What the checker needs of a model beyond stateright's [`Model`]: states the level search can
/// pack, and a stop switch its boundary honours (stateright's DFS has no other way to be stopped).
pub trait Checkable:
    Model<State: Packed + Clone + Hash + Send + Sync + 'static> + Clone + Send + Sync + 'static
{
    /// The switch that, once set, puts every state outside [`Model::within_boundary`], so every
    /// checker expands no more states and drains.
    fn stop_handle(&self) -> Arc<AtomicBool>;

    /// The same model with a stop switch of its own, not set.
    fn with_fresh_stop(&self) -> Self;
}

impl Checkable for WitnessModel {
    fn stop_handle(&self) -> Arc<AtomicBool> {
        WitnessModel::stop_handle(self)
    }

    fn with_fresh_stop(&self) -> WitnessModel {
        self.cfg
            .clone()
            .into_model()
            .with_symmetry(self.symmetry)
            .with_reductions(self.reductions)
    }
}
