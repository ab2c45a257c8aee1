//! Linearizability of a value-based register history, decided key by key (Horn & Kroening's
//! P-compositionality: a history is linearizable iff each key's sub-history is).
//!
//! Each key goes to the polynomial read-mapping decider when its writes have distinct values and
//! it has no DELETE or conditional PUT, and to the memoized Wing & Gong search otherwise. A key
//! that fails is cut down to the smallest window of operations that still cannot be linearized
//! (`window`). A [`Budget`] bounds the search: past it the key's verdict is unknown
//! ([`OutOfBudget`]), never guessed.

pub(crate) mod memo;
pub(crate) mod read_map;
pub(crate) mod search;
pub(crate) mod steps;
mod window;

use crate::ops::History;
pub use search::Budget;
use search::Ended;
use serde::Serialize;
use steps::{KeySteps, State, Step, ABSENT};

/// Which decider judged a key.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    ReadMapping,
    Search,
}

/// One key's linearizability.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) struct KeyOutcome {
    pub method: Method,
    /// Operation indices in linearization order, when the search found one.
    pub order: Option<Vec<usize>>,
    /// For a key that is not linearizable: the smallest window (operation indices, invocation
    /// order) that cannot be linearized whatever state the key was in when it began.
    pub window: Option<Vec<usize>>,
}

impl KeyOutcome {
    pub fn linearizable(&self) -> bool {
        self.window.is_none()
    }
}

/// The budget ran out before the key was decided: its verdict is unknown, never a guess.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct OutOfBudget {
    /// Configurations (sets of operations linearized, register state) the search explored.
    pub explored: u64,
}

/// Judges the operations `ops` (indices into `history.operations`, one key, invocation order)
/// within `budget`. When the budget runs out while shrinking a violation, the smallest window
/// found so far is the window (it fails too, only it may not be the smallest).
pub(crate) fn judge_key_within(
    history: &History,
    ops: &[usize],
    budget: &Budget,
) -> Result<KeyOutcome, OutOfBudget> {
    let compiled = KeySteps::compile(history, ops);
    let steps = &compiled.steps;
    let to_ops = |indices: Vec<usize>| indices.into_iter().map(|i| steps[i].op).collect();
    if read_map::applies(steps) {
        // Polynomial, and so are the prefixes shrinking judges with it.
        let linearizable = read_map::linearizable(steps);
        return Ok(KeyOutcome {
            method: Method::ReadMapping,
            order: None,
            window: (!linearizable).then(|| to_ops(window::smallest(steps, None, budget))),
        });
    }
    let (order, window) = match search::linearize_within(steps, ABSENT, budget) {
        Ok(order) => (Some(to_ops(order)), None),
        Err(Ended::Stuck(stuck)) => (
            None,
            Some(to_ops(window::smallest(steps, Some(stuck), budget))),
        ),
        Err(Ended::OutOfBudget(explored)) => return Err(OutOfBudget { explored }),
    };
    Ok(KeyOutcome {
        method: Method::Search,
        order,
        window,
    })
}

/// Whether one key (`ops`, as for [`linearization`]) is linearizable, decided within `budget`:
/// the library side of a timeout. No window is shrunk.
pub fn linearizable_within(
    history: &History,
    ops: &[usize],
    budget: &Budget,
) -> Result<bool, OutOfBudget> {
    let steps = KeySteps::compile(history, ops).steps;
    decide_within(&steps, ABSENT, budget)
}

/// A linearization of a linearizable key (for drawing its points), searched even when the
/// read-mapping decider judged it.
pub fn linearization(history: &History, ops: &[usize]) -> Option<Vec<usize>> {
    let compiled = KeySteps::compile(history, ops);
    let order = search::linearize(&compiled.steps, ABSENT)?;
    Some(order.into_iter().map(|i| compiled.steps[i].op).collect())
}

/// Decides one key with the named decider; `None` when the read-mapping method does not apply
/// (a DELETE, a conditional PUT, or a value written twice). For cross-checking the deciders.
pub fn linearizable_by(history: &History, ops: &[usize], method: Method) -> Option<bool> {
    let steps = KeySteps::compile(history, ops).steps;
    match method {
        Method::ReadMapping => read_map::applies(&steps).then(|| read_map::linearizable(&steps)),
        Method::Search => Some(search::linearize(&steps, ABSENT).is_some()),
    }
}

fn decide_within(steps: &[Step], init: State, budget: &Budget) -> Result<bool, OutOfBudget> {
    if init == ABSENT && read_map::applies(steps) {
        return Ok(read_map::linearizable(steps));
    }
    match search::linearize_within(steps, init, budget) {
        Ok(_) => Ok(true),
        Err(Ended::Stuck(_)) => Ok(false),
        Err(Ended::OutOfBudget(explored)) => Err(OutOfBudget { explored }),
    }
}
