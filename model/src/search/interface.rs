//! What a search is given, and what it reports.

use super::memory::Shortfall;
use super::packed::FingerprintBits;
use std::sync::atomic::AtomicUsize;

/// What the search has done so far; read by another thread for progress lines.
#[derive(Debug, Default)]
pub struct Counters {
    /// Initial states plus every successor generated (with repeats), as stateright counts them.
    pub generated: AtomicUsize,
    pub unique: AtomicUsize,
    /// The deepest level expanded so far (initial states are depth 1).
    pub max_depth: AtomicUsize,
    /// Bytes of the fingerprint table (the search's memory beyond the two levels).
    pub table_bytes: AtomicUsize,
}

/// How a search may run.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub threads: usize,
    /// The most the fingerprint table and the two levels may hold together; `None`: as much as
    /// the machine has available.
    pub memory_budget_bytes: Option<u64>,
    pub fingerprint_bits: FingerprintBits,
}

/// A property's first discovery: `depth` counts states, the initial one included, so the shortest
/// path to it has `depth - 1` steps.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Discovery {
    pub property: &'static str,
    pub depth: usize,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    /// In the model's property order.
    pub discoveries: Vec<Discovery>,
    /// No verdict needs more states: the states ran out, or every property has a discovery (where
    /// stateright stops too). `false` when `stop` or the memory guard ended the search.
    pub complete: bool,
    /// Set when the search stopped because it could not get the memory to go on.
    pub out_of_memory: Option<Shortfall>,
}

/// The most properties one search can judge: those not yet discovered are kept in one `u32`.
pub const MAX_PROPERTIES: usize = u32::BITS as usize;
