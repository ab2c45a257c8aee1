//! What exploration leaves behind, whatever the strategy.

use crate::check::report::{StepsOf, StopReason};
use stateright::Model;

/// What exploration kept of a discovery: stateright's checkers keep its path; the level search
/// keeps only the depth it was first met at, and its path is re-derived.
pub(in crate::check) enum Evidence<M: Model> {
    Path(StepsOf<M>),
    Depth(usize),
}

impl<M: Model> Evidence<M> {
    /// States on the shortest path known so far (the initial state included).
    pub fn depth(&self) -> usize {
        match self {
            Evidence::Path(steps) => steps.len(),
            Evidence::Depth(depth) => *depth,
        }
    }
}

/// What exploration left behind.
pub(in crate::check) struct Explored<M: Model> {
    pub unique_states: usize,
    pub total_states: usize,
    pub max_depth: usize,
    /// Each property with a discovery, and what exploration kept of it.
    pub discoveries: Vec<(&'static str, Evidence<M>)>,
    /// `None` when every state that a verdict needs was explored.
    pub stopped_by: Option<StopReason>,
}
