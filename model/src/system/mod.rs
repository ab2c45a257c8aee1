//! The stateright model of the index tier.

pub mod config;

pub use config::{
    ConfigError, Faults, Mode, Mutant, OpMix, Repair, Variant, WitnessCfg, WitnessOrder,
};
