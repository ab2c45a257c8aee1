//! DFS and simulation by stateright's own checkers, waited for with progress reports, stopped on
//! timeout or interrupt, and every thread joined so that a panic is an error, not a verdict.

use super::checkable::Checkable;
use super::explored::{Evidence, Explored};
use super::watch::Watch;
use super::workers::Workers;
use crate::check::error::{CheckError, Stage};
use crate::check::options::{CheckOptions, Strategy};
use crate::check::report::{Progress, StopReason};
use stateright::{Checker, Model};
use std::sync::atomic::{AtomicBool, Ordering};

pub(super) fn explore_stateright<M: Checkable>(
    model: &M,
    watch: &Watch,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<Explored<M>, CheckError> {
    let strategy = watch.opts.strategy;
    let stop = model.stop_handle();
    let mut checker = spawn(model, watch.opts);
    let mut workers = Workers::new(checker.handles());
    let mut stopped_early = false;
    // Simulation threads left running after Ctrl-C.
    let mut abandoned = false;
    while !run_over(&*checker, &mut workers, strategy) {
        watch.pause();
        let interrupted = watch.interrupted();
        // A run that finished during the last sleep is complete, whatever the clock says now.
        if (interrupted || watch.timed_out())
            && !stop.load(Ordering::Relaxed)
            && !run_over(&*checker, &mut workers, strategy)
        {
            stop.store(true, Ordering::Relaxed);
            stopped_early = true;
        }
        if interrupted && strategy == Strategy::Simulation {
            abandoned = true;
            break;
        }
        watch.report(on_progress, || progress(&*checker, watch));
    }
    settle(workers, &stop, strategy, abandoned)?;
    let stopped_by = if stopped_early {
        Some(watch.stop_reason())
    } else if strategy == Strategy::Simulation {
        Some(StopReason::Sampling)
    } else {
        None
    };
    Ok(Explored {
        unique_states: checker.unique_state_count(),
        total_states: checker.state_count(),
        max_depth: checker.max_depth(),
        discoveries: checker
            .discoveries()
            .into_iter()
            .map(|(name, path)| (name, Evidence::Path(path.into_vec())))
            .collect(),
        stopped_by,
    })
}

/// Joins the checker's threads once the run is over; the first panic among them is the error.
fn settle(
    mut workers: Workers,
    stop: &AtomicBool,
    strategy: Strategy,
    abandoned: bool,
) -> Result<(), CheckError> {
    if workers.panicked() {
        // DFS threads drain once the boundary closes; nothing they find is wanted now.
        stop.store(true, Ordering::Relaxed);
    }
    if strategy == Strategy::Simulation && (abandoned || workers.panicked()) {
        // Simulation threads cannot be told to stop: keep what those that ended say, and leave
        // the others to end with the process (or at their timeout).
        workers.reap();
    } else {
        workers.join_all();
    }
    match workers.into_panic() {
        Some(message) => Err(CheckError::Panicked {
            during: Stage::Exploring(strategy),
            message,
        }),
        None => Ok(()),
    }
}

fn spawn<M: Checkable>(model: &M, opts: &CheckOptions) -> Box<dyn Checker<M>> {
    let builder = model.clone().checker().threads(opts.threads);
    // Simulation ignores `within_boundary` as a stop signal (it starts new random paths forever),
    // so it gets stateright's own timeout, which it honours.
    let builder = match (opts.strategy, opts.timeout) {
        (Strategy::Simulation, Some(timeout)) => builder.timeout(timeout),
        _ => builder,
    };
    match opts.strategy {
        Strategy::Simulation => {
            Box::new(builder.spawn_simulation(opts.seed, stateright::UniformChooser))
        }
        Strategy::Bfs | Strategy::Dfs => Box::new(builder.spawn_dfs()),
    }
}

/// A thread panicked, or the checker is done. DFS is done when its states ran out or every
/// property has a discovery (stateright's `is_done`); simulation when every thread has ended
/// (what stateright's `is_done` asks of the handles, which are no longer in the checker).
fn run_over<M: Model>(checker: &dyn Checker<M>, workers: &mut Workers, strategy: Strategy) -> bool {
    let all_ended = workers.reap();
    workers.panicked()
        || match strategy {
            Strategy::Simulation => all_ended,
            Strategy::Bfs | Strategy::Dfs => checker.is_done(),
        }
}

fn progress<M: Model>(checker: &dyn Checker<M>, watch: &Watch) -> Progress {
    Progress {
        total_states: checker.state_count(),
        unique_states: checker.unique_state_count(),
        max_depth: checker.max_depth(),
        elapsed: watch.started.elapsed(),
    }
}
