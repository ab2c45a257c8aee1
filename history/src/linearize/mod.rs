//! Linearizability of a value-based register history, decided key by key (Horn & Kroening's
//! P-compositionality: a history is linearizable iff each key's sub-history is).
//!
//! Each key goes to the polynomial read-mapping decider when its writes have distinct values and
//! it has no DELETE or conditional PUT, and to the memoized Wing & Gong search otherwise. A key
//! that fails is cut down to the smallest window of operations that still cannot be linearized.

pub(crate) mod memo;
pub(crate) mod read_map;
pub(crate) mod search;
pub(crate) mod steps;

use crate::ops::History;
use serde::Serialize;
use steps::{KeySteps, State, Step, ABSENT, ANY};

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

/// Judges the operations `ops` (indices into `history.operations`, one key, invocation order).
pub(crate) fn judge_key(history: &History, ops: &[usize]) -> KeyOutcome {
    let compiled = KeySteps::compile(history, ops);
    let steps = &compiled.steps;
    let (method, linearizable, order) = if read_map::applies(steps) {
        (Method::ReadMapping, read_map::linearizable(steps), None)
    } else {
        let order = search::linearize(steps, ABSENT);
        (Method::Search, order.is_some(), order)
    };
    let to_ops = |indices: Vec<usize>| indices.into_iter().map(|i| steps[i].op).collect();
    KeyOutcome {
        method,
        order: order.map(to_ops),
        window: (!linearizable).then(|| to_ops(smallest_window(steps))),
    }
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

fn decide(steps: &[Step], init: State) -> bool {
    if init == ABSENT && read_map::applies(steps) {
        read_map::linearizable(steps)
    } else {
        search::linearize(steps, init).is_some()
    }
}

/// Windows up to this size are tightened one operation at a time after the bisections.
const TIGHTEN_UP_TO: usize = 64;

/// The operations `steps[start..end]` (invocation order) closed under real-time overlap: every
/// completed operation that overlaps the span of the completed members joins (the span grows, so
/// repeat), then every pending-forever operation invoked before the span ends (it may take effect
/// inside it). Operations left out are entirely before the span (linearized before every member,
/// so the state they leave is summarized by the start state) or entirely after it. Returns the
/// members and whether anything lies before them (then the start state is unknown).
fn closure(steps: &[Step], start: usize, end: usize) -> (Vec<usize>, bool) {
    let mut member = vec![false; steps.len()];
    member[start..end].iter_mut().for_each(|m| *m = true);
    let completed = |i: usize| steps[i].ret.map(|r| (steps[i].call, r));
    let spans = (start..end).filter_map(completed);
    let lo0 = spans
        .clone()
        .map(|(c, _)| c)
        .min()
        .unwrap_or(steps[start].call);
    let (mut lo, mut hi) = (lo0, spans.map(|(_, r)| r).max().unwrap_or(lo0));
    loop {
        let before = (lo, hi);
        // Steps are in invocation order: only those invoked before `hi` can overlap.
        let mut i = 0;
        while i < steps.len() && steps[i].call < hi {
            if let Some((call, ret)) = completed(i).filter(|&(_, r)| !member[i] && r > lo) {
                member[i] = true;
                (lo, hi) = (lo.min(call), hi.max(ret));
            }
            i += 1;
        }
        if (lo, hi) == before {
            break;
        }
    }
    let mut earlier = false;
    for i in 0..steps.len() {
        match completed(i) {
            None if steps[i].call < hi => member[i] = true,
            Some((_, ret)) if !member[i] && ret < lo => earlier = true,
            _ => {}
        }
    }
    ((0..steps.len()).filter(|&i| member[i]).collect(), earlier)
}

/// Whether the closure of `steps[start..end]` cannot be linearized from any state its start
/// allows.
fn window_fails(steps: &[Step], start: usize, end: usize) -> bool {
    let (members, earlier) = closure(steps, start, end);
    let sub: Vec<Step> = members.iter().map(|&i| steps[i]).collect();
    !decide(&sub, if earlier { ANY } else { ABSENT })
}

/// Shrinks a non-linearizable key to a window: the closure (see [`closure`]) of
/// `steps[start..end]`, where `end` is found by bisection on the shortest failing prefix and
/// `start` by bisection on the latest failing start (each keeps "fails at one bound, passes at the
/// other"), then, for windows up to [`TIGHTEN_UP_TO`] operations, tightened until dropping the
/// first or the last operation makes it linearizable. Because the window is closed under
/// overlap, its failure does not depend on anything outside it: it cannot be linearized whatever
/// the key held before it. Returns step indices.
fn smallest_window(steps: &[Step]) -> Vec<usize> {
    let fails = |start: usize, end: usize| window_fails(steps, start, end);
    let (mut passing, mut failing) = (0, steps.len());
    while failing - passing > 1 {
        let mid = (passing + failing) / 2;
        if fails(0, mid) {
            failing = mid;
        } else {
            passing = mid;
        }
    }
    let mut end = failing;
    let (mut start, mut passing) = (0, end);
    while passing - start > 1 {
        let mid = (start + passing) / 2;
        if fails(mid, end) {
            start = mid;
        } else {
            passing = mid;
        }
    }
    while end - start <= TIGHTEN_UP_TO && end - start > 1 {
        if fails(start, end - 1) {
            end -= 1;
        } else if fails(start + 1, end) {
            start += 1;
        } else {
            break;
        }
    }
    closure(steps, start, end).0
}
