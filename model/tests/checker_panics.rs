//! A panic on a checker thread is an error, never a verdict. A model that panics at depth `k`
//! must make exploration fail with the panic's message under every strategy and thread count,
//! and so must a panic while the shortest paths are re-derived: stateright 0.30.2, left alone,
//! reads a run whose thread panicked as complete and calls its unexplored properties "holds".

use stateright::{Model, Property};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use witness_model::check::{explore, CheckError, CheckOptions, Checkable, Stage, Strategy};
use witness_model::search::Packed;

/// The depth (in states, the initial one being depth 1) whose successor the model fails to make.
const PANIC_DEPTH: u64 = 5;
/// The last count: states 0 to TOP, at depths 1 to TOP + 1.
const TOP: u64 = 12;
const PANIC_MESSAGE: &str = "the counter's successor at depth 5 is a bug";

/// A counter from 0 up to [`TOP`], one state per depth. One always-property that holds (so a run
/// that swallowed the panic would report it proved) and one sometimes-property met at the top.
#[derive(Clone)]
struct Counter {
    /// Exploring a state at this depth panics.
    panic_depth: Option<u64>,
    /// The depth at which the copy that re-derives shortest paths panics (the run itself does not).
    rederivation_panic_depth: Option<u64>,
    stop: Arc<AtomicBool>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Count(u64);

impl Packed for Count {
    fn packed_len(&self) -> usize {
        1
    }
    fn pack(&self, out: &mut Vec<u64>) {
        out.push(self.0);
    }
    fn unpack(&self, words: &[u64]) -> Count {
        Count(words[0])
    }
}

impl Model for Counter {
    type State = Count;
    type Action = ();

    fn init_states(&self) -> Vec<Count> {
        vec![Count(0)]
    }

    fn actions(&self, state: &Count, actions: &mut Vec<()>) {
        if state.0 < TOP {
            actions.push(());
        }
    }

    fn next_state(&self, state: &Count, _: ()) -> Option<Count> {
        if self.panic_depth == Some(state.0 + 1) {
            panic!("{PANIC_MESSAGE}");
        }
        Some(Count(state.0 + 1))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always("within-top", |_, s: &Count| s.0 <= TOP),
            Property::sometimes("reaches-top", |_, s: &Count| s.0 == TOP),
        ]
    }

    fn within_boundary(&self, _: &Count) -> bool {
        !self.stop.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Checkable for Counter {
    fn stop_handle(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    fn with_fresh_stop(&self) -> Counter {
        Counter {
            panic_depth: self.rederivation_panic_depth.or(self.panic_depth),
            stop: Arc::new(AtomicBool::new(false)),
            ..self.clone()
        }
    }
}

fn counter(panic_depth: Option<u64>, rederivation_panic_depth: Option<u64>) -> Counter {
    Counter {
        panic_depth,
        rederivation_panic_depth,
        stop: Arc::new(AtomicBool::new(false)),
    }
}

fn options(strategy: Strategy, threads: usize) -> CheckOptions {
    CheckOptions {
        strategy,
        threads,
        // Simulation needs one; no run here comes near it.
        timeout: (strategy == Strategy::Simulation).then_some(Duration::from_secs(60)),
        ..CheckOptions::default()
    }
}

fn assert_panicked(result: Result<impl Sized, CheckError>, during: Stage, at: &str) {
    let Err(error) = result else {
        panic!("{at}: the run came back with a result, not the panic");
    };
    let text = error.to_string();
    assert!(text.contains("panicked"), "{at}: {text}");
    assert!(text.contains(PANIC_MESSAGE), "{at}: {text}");
    match error {
        CheckError::Panicked { during: got, .. } => assert_eq!(got, during, "{at}"),
        CheckError::Config(e) => panic!("{at}: a configuration error: {e}"),
    }
}

#[test]
fn a_panic_while_exploring_is_an_error_under_every_strategy() {
    for strategy in Strategy::ALL.iter().copied() {
        for threads in [1, 2] {
            let at = format!("{strategy} on {threads} thread(s)");
            let result = explore(
                &counter(Some(PANIC_DEPTH), None),
                &options(strategy, threads),
                None,
                &mut |_| {},
            );
            assert_panicked(result, Stage::Exploring(strategy), &at);
        }
    }
}

#[test]
fn a_panic_while_re_deriving_shortest_paths_is_an_error() {
    for strategy in [Strategy::Bfs, Strategy::Dfs] {
        let at = format!("{strategy}");
        let result = explore(
            &counter(None, Some(PANIC_DEPTH)),
            &options(strategy, 1),
            None,
            &mut |_| {},
        );
        assert_panicked(result, Stage::ShortestPaths, &at);
    }
}

/// The model without its panic: the tests above fail only because of it.
#[test]
fn the_counter_without_its_panic_is_explored_to_the_end() {
    for strategy in [Strategy::Bfs, Strategy::Dfs] {
        let explored = explore(
            &counter(None, None),
            &options(strategy, 2),
            None,
            &mut |_| {},
        )
        .unwrap_or_else(|e| panic!("{strategy}: {e}"));
        assert_eq!(explored.stopped_by, None, "{strategy}");
        assert_eq!(explored.unique_states, TOP as usize + 1, "{strategy}");
        assert_eq!(
            explored
                .discovered_properties
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            ["reaches-top"],
            "{strategy}"
        );
        let (_, path) = &explored.paths[0];
        assert_eq!(path.len(), TOP as usize + 1, "{strategy}");
    }
}
