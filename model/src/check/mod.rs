//! Running the checker on a configuration and turning what it found into verdicts and traces a
//! human can read. The CLI, the report generator and the tests all go through [`run`].
//!
//! BFS runs on the level search of [`crate::search`], which keeps fingerprints, not paths, and
//! reports the least depth at which it met each property; DFS and simulation run on stateright's
//! checkers. Counterexamples are minimal: every run is followed by stateright's single-threaded
//! BFS bounded by the depth already found, which meets each property first at its least depth and
//! so re-derives the shortest path for every discovery.

use crate::history::Event;
use crate::named::named_enum;
use crate::properties::{Expectation, Finding, PropertyId};
use crate::search::{self, Counters, Limits};
use crate::system::{Action, ConfigError, Reductions, SystemState, WitnessCfg, WitnessModel};
use serde::{Deserialize, Serialize};
use stateright::{Checker, HasDiscoveries, Model};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

named_enum!(
    /// How the checker explores the state space.
    Strategy, "strategy" {
        /// Breadth first: proves, and finds shortest counterexamples.
        Bfs => "bfs",
        /// Depth first: uses less memory.
        Dfs => "dfs",
        /// Random paths: samples, never proves.
        Simulation => "simulation",
    }
);

/// More checker threads than this only adds contention (and each one is an OS thread).
pub const MAX_THREADS: usize = 256;
/// Longer timeouts overflow clock arithmetic and are no different from none.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub strategy: Strategy,
    pub threads: usize,
    /// Stop exploring after this long; verdicts that need the whole space become `unknown`.
    pub timeout: Option<Duration>,
    /// Explore one representative per class of states equal up to renaming clients and cache
    /// nodes (every strategy: the model canonicalizes its successors itself).
    pub symmetry: bool,
    /// Leave out steps no property can observe (docs/design.md, "Reductions"). Off only in tests
    /// that show it changes no verdict and no shortest counterexample.
    pub reductions: Reductions,
    /// Seed for the simulation strategy.
    pub seed: u64,
    /// How often [`run`] calls its progress callback.
    pub progress_every: Duration,
    /// BFS stops before its fingerprints and levels would hold more than this; `None`: as much
    /// as the machine has available.
    pub max_memory_bytes: Option<u64>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            strategy: Strategy::Bfs,
            threads: 1,
            timeout: None,
            symmetry: true,
            reductions: Reductions::all(),
            seed: 0,
            progress_every: Duration::from_millis(500),
            max_memory_bytes: None,
        }
    }
}

impl CheckOptions {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.threads == 0 {
            return Err(ConfigError("--threads must be at least 1 (got 0)".into()));
        }
        if self.threads > MAX_THREADS {
            return Err(ConfigError(format!(
                "--threads must be at most {MAX_THREADS} (got {})",
                self.threads
            )));
        }
        if self.timeout.is_some_and(|t| t > MAX_TIMEOUT) {
            return Err(ConfigError(
                "--timeout must be at most 30 days; omit it to run to completion".into(),
            ));
        }
        if self.strategy != Strategy::Bfs && self.max_memory_bytes.is_some() {
            return Err(ConfigError(
                "--max-memory bounds the BFS; DFS keeps only fingerprints and simulation none"
                    .into(),
            ));
        }
        if self.strategy == Strategy::Simulation && self.timeout.is_none() {
            return Err(ConfigError(
                "--strategy simulation never runs out of paths to try; give it a --timeout".into(),
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, Eq, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Holds,
    Violated,
    Found,
    NotFound,
    Unknown,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "violated",
            Verdict::Found => "found",
            Verdict::NotFound => "not-found",
            Verdict::Unknown => "unknown",
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PropertyResult {
    /// Serialized under its old field name, so JSON reports keep `"name": "read-after-write"`.
    #[serde(rename = "name")]
    pub property: PropertyId,
    pub expectation: Expectation,
    pub verdict: Verdict,
    /// The shortest path to the violation (or example), as numbered steps; empty where none.
    pub trace: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckReport {
    pub mode: String,
    pub variant: String,
    pub mutant: Option<String>,
    pub config: WitnessCfg,
    pub strategy: Strategy,
    pub threads: usize,
    pub symmetry: bool,
    /// Every reachable state was explored.
    pub complete: bool,
    /// Why an incomplete run stopped (`None` for a complete one).
    pub stopped_by: Option<StopReason>,
    pub unique_states: usize,
    pub total_states: usize,
    pub max_depth: usize,
    /// Wall-clock seconds, including the re-derivation of shortest counterexamples.
    pub seconds: f64,
    pub properties: Vec<PropertyResult>,
    /// For every discovery, its shortest path as (state, action taken from it). Client and node
    /// numbers are consistent along the whole path, with or without symmetry reduction.
    #[serde(skip)]
    pub paths: Vec<(PropertyId, Steps)>,
}

/// Why a run stopped before it had explored every state.
#[derive(Clone, Debug, Eq, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum StopReason {
    Timeout,
    /// Ctrl-C.
    Interrupt,
    /// The level search would have needed more memory than the machine had.
    Memory {
        detail: String,
    },
    /// Simulation samples paths: it never knows it has seen everything.
    Sampling,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Timeout => f.write_str("timeout"),
            StopReason::Interrupt => f.write_str("Ctrl-C"),
            StopReason::Memory { detail } => write!(f, "out of memory: {detail}"),
            StopReason::Sampling => f.write_str("simulation samples paths"),
        }
    }
}

impl CheckReport {
    pub fn result(&self, property: PropertyId) -> Option<&PropertyResult> {
        self.properties.iter().find(|p| p.property == property)
    }

    pub fn verdict(&self, property: PropertyId) -> Verdict {
        self.result(property)
            .map_or(Verdict::Unknown, |p| p.verdict)
    }

    /// Some always-property was violated.
    pub fn any_violated(&self) -> bool {
        self.properties
            .iter()
            .any(|p| p.verdict == Verdict::Violated)
    }
}

/// What the checker has done so far, for progress lines.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub total_states: usize,
    pub unique_states: usize,
    pub max_depth: usize,
    pub elapsed: Duration,
}

impl Progress {
    pub fn states_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.total_states as f64 / secs
        } else {
            0.0
        }
    }
}

/// A discovery as exploration left it: stateright's checkers keep its path; the level search
/// keeps only the depth it was first met at, and its path is re-derived.
enum Found {
    Path(Steps),
    AtDepth(usize),
}

impl Found {
    /// States on the shortest path known so far (the initial state included).
    fn depth(&self) -> usize {
        match self {
            Found::Path(steps) => steps.len(),
            Found::AtDepth(depth) => *depth,
        }
    }
}

/// What exploration left behind.
struct Explored {
    unique_states: usize,
    total_states: usize,
    max_depth: usize,
    discoveries: Vec<(&'static str, Found)>,
    stopped_early: bool,
    out_of_memory: Option<search::Shortfall>,
}

/// Runs one check. `interrupt`, when set by the caller (Ctrl-C), ends exploration early; the report
/// then says `complete: false` and keeps everything found so far.
pub fn run(
    cfg: &WitnessCfg,
    opts: &CheckOptions,
    interrupt: Option<Arc<AtomicBool>>,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<CheckReport, ConfigError> {
    cfg.validate()?;
    opts.validate()?;
    let model = cfg
        .clone()
        .into_model()
        .with_symmetry(opts.symmetry)
        .with_reductions(opts.reductions);
    let started = Instant::now();
    let watch = Watch {
        opts,
        interrupt: interrupt.as_deref(),
        started,
    };
    let explored = match opts.strategy {
        Strategy::Bfs => explore_levels(&model, &watch, on_progress),
        Strategy::Dfs | Strategy::Simulation => explore_stateright(&model, &watch, on_progress),
    };
    let stopped_by = if let Some(shortfall) = explored.out_of_memory {
        Some(StopReason::Memory {
            detail: shortfall.to_string(),
        })
    } else if explored.stopped_early {
        Some(if watch.interrupted() {
            StopReason::Interrupt
        } else {
            StopReason::Timeout
        })
    } else if opts.strategy == Strategy::Simulation {
        Some(StopReason::Sampling)
    } else {
        None
    };
    let complete = stopped_by.is_none();
    let discovered: BTreeSet<&'static str> =
        explored.discoveries.iter().map(|(name, _)| *name).collect();
    let (paths, not_minimal) = minimal_paths(&model, &watch, explored.discoveries);
    let paths: Vec<(PropertyId, Steps)> = paths
        .into_iter()
        .filter_map(|(name, steps)| {
            let id = PropertyId::from_name(name)?;
            Some((id, crate::system::symmetry::consistent_path(&model, &steps)))
        })
        .collect();
    // Wall time includes re-deriving the shortest counterexamples: it is what the user waited.
    let seconds = started.elapsed().as_secs_f64();
    let properties = verdicts(&model, &discovered, &paths, &not_minimal, complete);
    Ok(CheckReport {
        mode: cfg.mode.name().to_string(),
        variant: cfg.variant.to_string(),
        mutant: cfg.mutant.map(|m| m.name().to_string()),
        config: cfg.clone(),
        strategy: opts.strategy,
        threads: opts.threads,
        symmetry: opts.symmetry,
        complete,
        stopped_by,
        unique_states: explored.unique_states,
        total_states: explored.total_states,
        max_depth: explored.max_depth,
        seconds,
        properties,
        paths,
    })
}

/// When a run must stop: the caller's interrupt, and the timeout counted from `started`.
struct Watch<'a> {
    opts: &'a CheckOptions,
    interrupt: Option<&'a AtomicBool>,
    started: Instant,
}

impl Watch<'_> {
    fn interrupted(&self) -> bool {
        self.interrupt
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    }

    fn timed_out(&self) -> bool {
        self.opts
            .timeout
            .is_some_and(|t| self.started.elapsed() >= t)
    }

    fn deadline(&self) -> Option<Instant> {
        self.opts.timeout.map(|t| self.started + t)
    }

    /// Sleeps one progress interval.
    fn pause(&self) {
        std::thread::sleep(self.opts.progress_every.min(Duration::from_millis(100)));
    }
}

/// BFS by the level search (`crate::search`): fingerprints only, so proofs far larger than
/// stateright's BFS can hold fit in memory; shortest paths are re-derived afterwards.
fn explore_levels(
    model: &WitnessModel,
    watch: &Watch,
    on_progress: &mut dyn FnMut(Progress),
) -> Explored {
    let stop = model.stop_handle();
    let counters = Counters::default();
    let limits = Limits {
        threads: watch.opts.threads,
        memory_budget_bytes: watch.opts.max_memory_bytes,
    };
    // A run whose time is up before it starts explores nothing (and a tiny one would otherwise
    // finish before the first look at the clock).
    if watch.interrupted() || watch.timed_out() {
        stop.store(true, Ordering::Relaxed);
    }
    let progress = |counters: &Counters| Progress {
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
            on_progress(progress(&counters));
        }
        search.join()
    });
    let Ok(outcome) = outcome else {
        // A search thread panicked: nothing it found can be trusted to be complete.
        return Explored {
            unique_states: counters.unique.load(Ordering::Relaxed),
            total_states: counters.generated.load(Ordering::Relaxed),
            max_depth: counters.max_depth.load(Ordering::Relaxed),
            discoveries: Vec::new(),
            stopped_early: true,
            out_of_memory: None,
        };
    };
    let last = progress(&counters);
    Explored {
        unique_states: last.unique_states,
        total_states: last.total_states,
        max_depth: last.max_depth,
        discoveries: outcome
            .discoveries
            .into_iter()
            .map(|d| (d.property, Found::AtDepth(d.depth)))
            .collect(),
        stopped_early: !outcome.complete,
        out_of_memory: outcome.out_of_memory,
    }
}

/// DFS and simulation by stateright's own checkers, waited for with progress reports and stopped
/// on timeout or interrupt.
fn explore_stateright(
    model: &WitnessModel,
    watch: &Watch,
    on_progress: &mut dyn FnMut(Progress),
) -> Explored {
    let opts = watch.opts;
    let stop = model.stop_handle();
    let builder = model.clone().checker().threads(opts.threads);
    // Simulation ignores `within_boundary` as a stop signal (it starts new random paths forever),
    // so it gets stateright's own timeout, which it honours.
    let builder = match (opts.strategy, opts.timeout) {
        (Strategy::Simulation, Some(timeout)) => builder.timeout(timeout),
        _ => builder,
    };
    let checker: Box<dyn Checker<WitnessModel>> = match opts.strategy {
        Strategy::Simulation => {
            Box::new(builder.spawn_simulation(opts.seed, stateright::UniformChooser))
        }
        Strategy::Bfs | Strategy::Dfs => Box::new(builder.spawn_dfs()),
    };
    let mut stopped_early = false;
    while !checker.is_done() {
        watch.pause();
        let interrupted = watch.interrupted();
        // A run that finished during the last sleep is complete, whatever the clock says now.
        if (interrupted || watch.timed_out()) && !stop.load(Ordering::Relaxed) && !checker.is_done()
        {
            stop.store(true, Ordering::Relaxed);
            stopped_early = true;
        }
        if interrupted && opts.strategy == Strategy::Simulation {
            // Simulation threads cannot be told to stop; report what they found and leave them
            // to end with the process (or at their timeout).
            break;
        }
        on_progress(Progress {
            total_states: checker.state_count(),
            unique_states: checker.unique_state_count(),
            max_depth: checker.max_depth(),
            elapsed: watch.started.elapsed(),
        });
    }
    let checker = if checker.is_done() {
        join(checker)
    } else {
        checker
    };
    Explored {
        unique_states: checker.unique_state_count(),
        total_states: checker.state_count(),
        max_depth: checker.max_depth(),
        discoveries: checker
            .discoveries()
            .into_iter()
            .map(|(name, path)| (name, Found::Path(path.into_vec())))
            .collect(),
        stopped_early,
        out_of_memory: None,
    }
}

/// The run's discoveries, each with its shortest path: the level search's depths and the paths of
/// other strategies are re-derived by a bounded BFS. Where the re-derivation was cut short, a
/// discovery keeps the run's own path if it has one; those names are listed.
fn minimal_paths(
    model: &WitnessModel,
    watch: &Watch,
    discoveries: Vec<(&'static str, Found)>,
) -> (Vec<(&'static str, Steps)>, BTreeSet<&'static str>) {
    let mut not_minimal = BTreeSet::new();
    if discoveries.is_empty() {
        return (Vec::new(), not_minimal);
    }
    // A discovery of the level search has no path at all until it is re-derived, so its
    // re-derivation runs past the timeout (Ctrl-C still stops it); it is bounded by a depth the
    // run itself reached, with fewer states than the run explored.
    let needs_a_path = discoveries
        .iter()
        .any(|(_, found)| matches!(found, Found::AtDepth(_)));
    let deadline = if needs_a_path { None } else { watch.deadline() };
    let found = discoveries.iter().map(|(n, f)| (*n, f.depth()));
    let mut shortest = shortest_paths(model, found, deadline, watch.interrupt);
    for (name, found) in discoveries {
        if shortest.iter().any(|(n, _)| *n == name) {
            continue;
        }
        not_minimal.insert(name);
        if let Found::Path(steps) = found {
            shortest.push((name, steps));
        }
    }
    (shortest, not_minimal)
}

/// One result per property of the model, in the model's order.
fn verdicts(
    model: &WitnessModel,
    discovered: &BTreeSet<&'static str>,
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
            let verdict = match (expectation, discovered.contains(property.name()), complete) {
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

fn join(checker: Box<dyn Checker<WitnessModel>>) -> Box<dyn Checker<WitnessModel>> {
    let mut checker = checker;
    for handle in checker.handles() {
        // A checker thread that panicked has nothing more to report; its discoveries so far stand.
        let _ = handle.join();
    }
    checker
}

/// A path: each state with the action taken from it (none after the last).
pub type Steps = Vec<(SystemState, Option<Action>)>;

/// Single-threaded BFS up to the deepest discovery already known: the first time BFS meets each
/// property's discovery is at the smallest depth, so these paths are the shortest. Honours the
/// run's deadline and interrupt; properties it had no time to reach are simply not returned.
fn shortest_paths(
    model: &WitnessModel,
    found: impl Iterator<Item = (&'static str, usize)>,
    deadline: Option<Instant>,
    interrupt: Option<&AtomicBool>,
) -> Vec<(&'static str, Steps)> {
    let mut names = BTreeSet::new();
    let mut depth = 0;
    for (name, len) in found {
        names.insert(name);
        depth = depth.max(len);
    }
    // A fresh model: the run's stop switch may be set already.
    let model = model
        .cfg
        .clone()
        .into_model()
        .with_symmetry(model.symmetry)
        .with_reductions(model.reductions);
    let stop = model.stop_handle();
    let checker = model
        .checker()
        .threads(1)
        .target_max_depth(depth + 1)
        .finish_when(HasDiscoveries::AllOf(names))
        .spawn_bfs();
    while !checker.is_done() {
        std::thread::sleep(Duration::from_millis(20));
        let late = deadline.is_some_and(|d| Instant::now() >= d);
        let interrupted = interrupt.is_some_and(|flag| flag.load(Ordering::Relaxed));
        if late || interrupted {
            stop.store(true, Ordering::Relaxed);
        }
    }
    checker
        .join()
        .discoveries()
        .into_iter()
        .map(|(name, path)| (name, path.into_vec()))
        .collect()
}

/// The steps of a path as numbered sentences, closed by what the property monitor says about it.
pub fn narrate_path(
    model: &WitnessModel,
    steps: &[(SystemState, Option<Action>)],
    property: Option<PropertyId>,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut history: Vec<Event> = Vec::new();
    let mut number = 0;
    for (state, action) in steps {
        let Some(action) = action else { continue };
        number += 1;
        lines.push(format!(
            "{number}. {}",
            crate::system::narrate::describe(model, state, action)
        ));
        model.apply_recording(state, action, &mut |e| history.push(e.clone()));
    }
    if let Some(property) = property {
        if let Some(finding) = explain(model, &history, property) {
            lines.push(format!("⇒ {finding}"));
        } else if let Some((last, _)) = steps.last() {
            // State-based properties (witness-safety, replica-*) are judged on the final state.
            lines.push(format!("⇒ {property}: {}", state_summary(model, last)));
        }
    }
    lines
}

fn explain(model: &WitnessModel, history: &[Event], property: PropertyId) -> Option<Finding> {
    // The same starting monitor as the model's initial state, so the replay judges alike.
    let mut monitor = model.init_state().monitor;
    let mut first = None;
    for (index, event) in history.iter().enumerate() {
        let _ = monitor.observe(index, event, &mut |f| {
            if f.property == property && first.is_none() {
                first = Some(f);
            }
        });
    }
    first
}

fn state_summary(model: &WitnessModel, state: &SystemState) -> String {
    let mut parts = Vec::new();
    for k in 0..model.cfg.keys {
        let key = crate::history::Key(u32::from(k));
        let witness = state
            .witness(key)
            .map_or("forgotten".to_string(), |w| format!("v{w}"));
        parts.push(format!(
            "{key}: acknowledged v{}, persistence v{}, witness {witness}, replica v{}",
            state.monitor.acked(key).seq,
            state.persisted(key),
            state.replica(key)
        ));
    }
    let in_flight = state.replication_len();
    let flight = if in_flight == 0 {
        "nothing in flight".to_string()
    } else {
        format!("{in_flight} replication message(s) in flight")
    };
    format!("{} ({flight})", parts.join("; "))
}
