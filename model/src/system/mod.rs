//! The stateright model of the index tier.
//!
//! Dependencies run one way; each module uses only those listed before it: `layout` (the bounds;
//! where each field of a packed state lives) → `witness_table` (a witness node's slots, epochs and
//! quorums) → `monitor_store` (the monitor's summary, packed) → `variant` (the protocol's
//! axes) → `config` (what a run is about) →
//! `phase` and `action` (a client's operation in flight and the atomic steps, readable) →
//! `phase_packing` → `state` (the packed state and its accessors; `state/witness.rs` the witness
//! fleet's fields) → `deferral` (which steps read what a fault destroys) → `model` (the steps
//! enabled in a state, the one property list) → `partition_seq` (a LIST's partition sequence:
//! versions numbered per partition, the committed prefix, the split) → `witness_service` (the
//! witness's side of every message, and what each witness order assumes of a deployment) →
//! `transitions` (what a step
//! does), `symmetry` (canonical successors, paths renamed back) and `narrate` (steps in the
//! system's words) → `diagram` (the lane diagram)
//! → `stateright_model` (stateright's `Model`, joining them all) → `explorer` (the Explorer's
//! view). `packed_state` (a state as the level search stores it) uses only `state`.

pub mod action;
mod conditional;
pub mod conditions;
pub mod config;
mod deferral;
pub mod diagram;
pub mod explorer;
pub mod layout;
pub mod model;
#[cfg(test)]
mod model_tests;
pub mod monitor_store;
pub mod narrate;
mod packed_state;
mod partition_seq;
pub mod phase;
mod phase_packing;
mod reductions;
pub mod state;
mod stateright_model;
pub mod symmetry;
mod transitions;
pub mod variant;
pub mod witness_service;
pub mod witness_table;
mod workload;

pub use crate::history::NodeId;
pub use action::Action;
pub use config::{
    Barrier, ConfigError, ConfigName, Faults, Mode, Mutant, OpMix, Reduction, Reductions, Repair,
    Variant, WitnessCfg, WitnessOrder,
};
pub use layout::{Seq, SEQ_MAX};
pub use model::WitnessModel;
pub use state::SystemState;
