//! Exploring a model's state space under a run's options: BFS on the level search of
//! [`crate::search`], DFS and simulation on stateright's checkers. Each reports progress while it
//! runs, stops on the timeout or the caller's interrupt, and turns a panic on any of its threads
//! into [`CheckError::Panicked`].
//!
//! Each file uses only those before it: `checkable` (what a model must offer), `watch` (when to
//! stop and report), `explored` (what exploring leaves), `workers` (joining stateright's
//! threads), then the strategies, `levels` and `stateright_checkers`, which this file dispatches to.

mod checkable;
mod explored;
mod levels;
mod stateright_checkers;
mod watch;
mod workers;

pub use checkable::Checkable;
pub(super) use explored::{Evidence, Explored};
pub(super) use watch::Watch;
pub(super) use workers::Workers;

use super::error::CheckError;
use super::options::Strategy;
use super::report::Progress;

/// Explores `model` with the watch's strategy.
pub(in crate::check) fn explore_space<M: Checkable>(
    model: &M,
    watch: &Watch,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<Explored<M>, CheckError> {
    match watch.opts.strategy {
        Strategy::Bfs => levels::explore_levels(model, watch, on_progress),
        Strategy::Dfs | Strategy::Simulation => {
            stateright_checkers::explore_stateright(model, watch, on_progress)
        }
    }
}
