//! Running the checker on a configuration and turning what it found into verdicts and traces a
//! human can read. The CLI, the report generator and the tests all go through [`run`].
//!
//! BFS runs on the level search of [`crate::search`], which keeps fingerprints, not paths, and
//! reports the least depth at which it met each property; DFS and simulation run on stateright's
//! checkers. Counterexamples are minimal: every run is followed by stateright's single-threaded
//! BFS bounded by the depth already found, which meets each property first at its least depth and
//! so re-derives the shortest path for every discovery. A panic on any checker thread, exploring
//! or re-deriving, is a [`CheckError`], never a verdict.
//!
//! Inside, each file uses only those listed before it: `options` (what a run may do), `error`,
//! `report` (what it says), `summary` (that in one line, by guarantee group), `narrate` (paths as
//! sentences), `explore` (the strategies, generic over a [`Checkable`] model), `shortest`
//! (re-deriving shortest paths), and this file, which runs them in order.

mod error;
mod explore;
mod narrate;
#[cfg(test)]
mod narrate_tests;
mod options;
mod report;
mod shortest;
mod storage;
mod summary;

pub use error::{CheckError, Stage};
pub use explore::Checkable;
pub use narrate::narrate_path;
pub use options::{CheckOptions, Strategy, MAX_THREADS, MAX_TIMEOUT};
pub use report::{CheckReport, Progress, PropertyResult, Steps, StepsOf, StopReason, Verdict};
pub use storage::{omission_probability, Storage};
pub use summary::guarantee_summary;

use crate::properties::{Expectation, PropertyId};
use crate::system::{WitnessCfg, WitnessModel};
use explore::Watch;
use stateright::Model;
use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

/// What exploring a model found, each discovery with its path, before it is judged.
pub struct Exploration<M: Model> {
    pub unique_states: usize,
    pub total_states: usize,
    pub max_depth: usize,
    /// Why exploration stopped before every state a verdict needs; `None` when it did not.
    pub stopped_by: Option<StopReason>,
    /// The properties with a discovery (a violation or an example), by name.
    pub discovered_properties: BTreeSet<&'static str>,
    /// Each discovery's shortest path, or the run's own path where its re-derivation was cut
    /// short.
    pub paths: Vec<(&'static str, StepsOf<M>)>,
    /// The discoveries whose shortest path was not re-derived.
    pub not_minimal: BTreeSet<&'static str>,
}

/// Explores `model` with `opts` and re-derives the shortest path of every discovery; what [`run`]
/// does before it judges, for any [`Checkable`] model. `interrupt`, when set, ends exploration
/// early with what it has found so far.
pub fn explore<M: Checkable>(
    model: &M,
    opts: &CheckOptions,
    interrupt: Option<&AtomicBool>,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<Exploration<M>, CheckError> {
    opts.validate()?;
    let watch = Watch::new(opts, interrupt);
    let explored = explore::explore_space(model, &watch, on_progress)?;
    let discovered_properties = explored.discoveries.iter().map(|(name, _)| *name).collect();
    let shortest = shortest::minimal_paths(model, &watch, explored.discoveries)?;
    Ok(Exploration {
        unique_states: explored.unique_states,
        total_states: explored.total_states,
        max_depth: explored.max_depth,
        stopped_by: explored.stopped_by,
        discovered_properties,
        paths: shortest.paths,
        not_minimal: shortest.not_minimal,
    })
}

/// Runs one check. `interrupt`, when set by the caller (Ctrl-C), ends exploration early; the report
/// then says `complete: false` and keeps everything found so far.
pub fn run(
    cfg: &WitnessCfg,
    opts: &CheckOptions,
    interrupt: Option<Arc<AtomicBool>>,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<CheckReport, CheckError> {
    cfg.validate()?;
    opts.validate()?;
    let started = Instant::now();
    let model = cfg
        .clone()
        .into_model()
        .with_symmetry(opts.symmetry)
        .with_reductions(opts.reductions);
    let explored = explore(&model, opts, interrupt.as_deref(), on_progress)?;
    let paths: Vec<(PropertyId, Steps)> = explored
        .paths
        .into_iter()
        .filter_map(|(name, steps)| {
            let id = PropertyId::from_name(name)?;
            Some((id, crate::system::symmetry::consistent_path(&model, &steps)))
        })
        .collect();
    // Wall time includes re-deriving the shortest counterexamples: it is what the user waited.
    let seconds = started.elapsed().as_secs_f64();
    let complete = explored.stopped_by.is_none();
    let properties = verdicts(
        &model,
        &explored.discovered_properties,
        &paths,
        &explored.not_minimal,
        complete,
    );
    Ok(CheckReport {
        mode: cfg.mode.name().to_string(),
        variant: cfg.variant.to_string(),
        mutant: cfg.mutant.map(|m| m.name().to_string()),
        assumes: crate::system::witness_service::deployment_requirement(cfg),
        config: cfg.clone(),
        strategy: opts.strategy,
        threads: opts.threads,
        symmetry: opts.symmetry,
        complete,
        stopped_by: explored.stopped_by,
        unique_states: explored.unique_states,
        total_states: explored.total_states,
        max_depth: explored.max_depth,
        storage: Storage::of(opts, explored.unique_states),
        limits: crate::reach::limits(cfg),
        seconds,
        properties,
        paths,
    })
}

/// One result per property of the model, in the model's order.
fn verdicts(
    model: &WitnessModel,
    discovered_properties: &BTreeSet<&'static str>,
    paths: &[(PropertyId, Steps)],
    not_minimal: &BTreeSet<&'static str>,
    complete: bool,
) -> Vec<PropertyResult> {
    // The model's stateright properties are built from the catalogue, in its order.
    debug_assert!(model
        .properties()
        .iter()
        .map(|p| p.name)
        .eq(PropertyId::ALL.iter().map(|p| p.name())));
    PropertyId::ALL
        .iter()
        .map(|&property| {
            let expectation = property.expectation();
            let path = paths.iter().find(|(n, _)| *n == property);
            let has_discovery = discovered_properties.contains(property.name());
            let verdict = match (expectation, has_discovery, complete) {
                (Expectation::Always, true, _) => Verdict::Violated,
                (Expectation::Always, false, true) => Verdict::Holds,
                (Expectation::Sometimes, true, _) => Verdict::Found,
                (Expectation::Sometimes, false, true) => Verdict::NotFound,
                (_, false, false) => Verdict::Unknown,
            };
            let mut trace = path
                .map(|(_, steps)| narrate_path(model, steps, Some(property)))
                .unwrap_or_default();
            if not_minimal.contains(property.name()) {
                let note = if path.is_some() {
                    "(not shown shortest: the run stopped before the shortest path was re-derived)"
                } else {
                    "(no path shown: the run stopped before its shortest path was re-derived)"
                };
                trace.push(note.to_string());
            }
            PropertyResult {
                property,
                expectation,
                verdict,
                trace,
            }
        })
        .collect()
}
