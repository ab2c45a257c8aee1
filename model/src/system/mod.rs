//! The stateright model of the index tier: configuration, state, steps, and how steps are told.

pub mod config;
pub mod diagram;
pub mod model;
pub mod narrate;
pub mod state;
mod symmetry;

pub use config::{
    ConfigError, Faults, Mode, Mutant, OpMix, Repair, Variant, WitnessCfg, WitnessOrder,
};
pub use model::{Action, WitnessModel};
pub use state::{NodeId, Seq, SystemState, SEQ_MAX};
