//! witness-model: the consistency protocol of an S3-style index tier as a stateright model, and
//! the properties every check in the project shares.
//!
//! - [`history`]: the events a history is made of (invoke, return, replica applied).
//! - [`history_json`], [`names`]: the project's JSON history format, streamed, with keys and
//!   clients named as the user wrote them.
//! - [`properties`]: one file per property, and the incremental [`properties::Monitor`].
//! - [`system`]: the stateright model (clients, cache nodes, witness, persistence, replica).
//! - [`check`]: running the checker and turning its discoveries into verdicts and readable traces.

pub mod check;
pub mod config_error;
pub mod expected;
pub mod history;
pub mod history_json;
pub mod named;
pub mod names;
pub mod properties;
pub mod reach;
pub mod search;
pub mod system;
