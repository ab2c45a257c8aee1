//! BFS by the level search ([`crate::search`]): fingerprints only, so proofs far larger than
//! stateright's BFS can hold fit in memory; shortest paths are re-derived afterwards.

use super::checkable::Checkable;
use super::explored::{Evidence, Explored};
use super::watch::Watch;
use crate::check::error::{CheckError, Stage};
use crate::check::options::Strategy;
use crate::check::report::{Progress, StopReason};
use crate::search::{self, Counters, Limits};
use std::sync::atomic::Ordering;

/// Runs the level search on a thread of its own and reports its progress until it ends. The
/// search is generic over the model, so its inner loop is compiled for `M` itself.
pub(super) fn explore_levels<M: Checkable>(
    model: &M,
    watch: &Watch,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<Explored<M>, CheckError> {
    let stop = model.stop_handle();
    let counters = Counters::default();
    let limits = Limits {
        threads: watch.opts.threads,
        memory_budget_bytes: watch.opts.max_memory_bytes,
        fingerprint_bits: watch.opts.level_search_bits(),
    };
    // A run whose time is up before it starts explores nothing (and a tiny one would otherwise
    // finish before the first look at the clock).
    if watch.interrupted() || watch.timed_out() {
        stop.store(true, Ordering::Relaxed);
    }
    let progress = || Progress {
        total_states: counters.generated.load(Ordering::Relaxed),
        unique_states: counters.unique.load(Ordering::Relaxed),
        max_depth: counters.max_depth.load(Ordering::Relaxed),
        elapsed: watch.started.elapsed(),
    };
    let outcome = std::thread::scope(|scope| {
        let search = scope.spawn(|| search::search(model, limits, &stop, &counters));
        while !search.is_finished() {
            watch.pause();
            if watch.interrupted() || watch.timed_out() {
                stop.store(true, Ordering::Relaxed);
            }
            watch.report(on_progress, progress);
        }
        // Joined here, not by the scope, which would replace the panic's message with its own.
        search.join()
    });
    // The search resumes a panic of any of its threads on its own thread, message and all.
    let outcome = outcome
        .map_err(|payload| CheckError::panicked(Stage::Exploring(Strategy::Bfs), &*payload))?;
    let stopped_by = if let Some(shortfall) = outcome.out_of_memory {
        Some(StopReason::Memory {
            detail: shortfall.to_string(),
        })
    } else if !outcome.complete {
        Some(watch.stop_reason())
    } else {
        None
    };
    let last = progress();
    Ok(Explored {
        unique_states: last.unique_states,
        total_states: last.total_states,
        max_depth: last.max_depth,
        discoveries: outcome
            .discoveries
            .into_iter()
            .map(|d| (d.property, Evidence::Depth(d.depth)))
            .collect(),
        stopped_by,
    })
}
