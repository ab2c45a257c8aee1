//! The stateright model of the index tier.
//!
//! Dependencies run one way: `config` and `layout` → `state` and `action` (what a state and a step
//! are) → `transitions` (what a step does) → `model` (the checker's view) → `symmetry`, `narrate`
//! and `diagram` (how states and paths are reduced and told).

pub mod action;
pub mod config;
mod deferral;
pub mod diagram;
pub mod explorer;
pub mod layout;
pub mod model;
pub mod monitor_store;
pub mod narrate;
mod packed_state;
pub mod state;
pub mod symmetry;
mod transitions;

pub use action::Action;
pub use config::{
    ConfigError, ConfigName, Faults, Mode, Mutant, OpMix, Reduction, Reductions, Repair, Variant,
    WitnessCfg, WitnessOrder,
};
pub use model::WitnessModel;
pub use state::{NodeId, Seq, SystemState, SEQ_MAX};
