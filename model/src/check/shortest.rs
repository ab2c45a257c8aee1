//! Shortest paths to the run's discoveries. The level search keeps no paths, and a DFS or a
//! simulation path is rarely the shortest, so every run is followed by stateright's
//! single-threaded BFS bounded by the depth already found: BFS meets each property first at its
//! least depth, so it re-derives the shortest path of every discovery.

use super::error::{CheckError, Stage};
use super::explore::{Checkable, Evidence, Watch, Workers};
use super::report::StepsOf;
use stateright::{Checker, HasDiscoveries, Model};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The run's discoveries with their paths.
pub(super) struct Paths<M: Model> {
    /// Each discovery's shortest path; where the re-derivation was cut short, the run's own path
    /// if it had one.
    pub paths: Vec<(&'static str, StepsOf<M>)>,
    /// The discoveries whose shortest path was not re-derived.
    pub not_minimal: BTreeSet<&'static str>,
}

/// The run's discoveries, each with its shortest path: the level search's depths and the paths of
/// other strategies are re-derived by a bounded BFS.
pub(super) fn minimal_paths<M: Checkable>(
    model: &M,
    watch: &Watch,
    discoveries: Vec<(&'static str, Evidence<M>)>,
) -> Result<Paths<M>, CheckError> {
    let mut not_minimal = BTreeSet::new();
    if discoveries.is_empty() {
        return Ok(Paths {
            paths: Vec::new(),
            not_minimal,
        });
    }
    // A discovery of the level search has no path at all until it is re-derived, so its
    // re-derivation runs past the timeout (Ctrl-C still stops it); it is bounded by a depth the
    // run itself reached, with fewer states than the run explored.
    let needs_a_path = discoveries
        .iter()
        .any(|(_, evidence)| matches!(evidence, Evidence::Depth(_)));
    let deadline = if needs_a_path { None } else { watch.deadline() };
    let targets = discoveries.iter().map(|(n, e)| (*n, e.depth()));
    let mut paths = shortest_paths(model, targets, deadline, watch.interrupt)?;
    for (name, evidence) in discoveries {
        if paths.iter().any(|(n, _)| *n == name) {
            continue;
        }
        not_minimal.insert(name);
        if let Evidence::Path(steps) = evidence {
            paths.push((name, steps));
        }
    }
    Ok(Paths { paths, not_minimal })
}

/// Single-threaded BFS up to the deepest of `targets` (each property with the depth, in states,
/// at which the run met it): the first time BFS meets each property's discovery is at the
/// smallest depth, so these paths are the shortest. Honours the run's deadline and interrupt;
/// properties it had no time to reach are simply not returned.
fn shortest_paths<M: Checkable>(
    model: &M,
    targets: impl Iterator<Item = (&'static str, usize)>,
    deadline: Option<Instant>,
    interrupt: Option<&AtomicBool>,
) -> Result<Vec<(&'static str, StepsOf<M>)>, CheckError> {
    let mut names = BTreeSet::new();
    let mut depth = 0;
    for (name, states) in targets {
        names.insert(name);
        depth = depth.max(states);
    }
    // A fresh model: the run's stop switch may be set already.
    let model = model.with_fresh_stop();
    let stop = model.stop_handle();
    let mut checker = model
        .checker()
        .threads(1)
        .target_max_depth(depth + 1)
        .finish_when(HasDiscoveries::AllOf(names))
        .spawn_bfs();
    let mut workers = Workers::new(checker.handles());
    while !(workers.reap() || workers.panicked() || checker.is_done()) {
        std::thread::sleep(Duration::from_millis(20));
        let late = deadline.is_some_and(|d| Instant::now() >= d);
        let interrupted = interrupt.is_some_and(|flag| flag.load(Ordering::Relaxed));
        if late || interrupted {
            stop.store(true, Ordering::Relaxed);
        }
    }
    workers.join_all();
    if let Some(message) = workers.into_panic() {
        return Err(CheckError::Panicked {
            during: Stage::ShortestPaths,
            message,
        });
    }
    Ok(checker
        .discoveries()
        .into_iter()
        .map(|(name, path)| (name, path.into_vec()))
        .collect())
}
