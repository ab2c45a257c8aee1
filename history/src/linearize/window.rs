//! Shrinking a non-linearizable key to the smallest window of operations that still cannot be
//! linearized, whatever the key held before it.
//!
//! A window is judged as its closure under real-time overlap (see [`closure`]), so many windows
//! are the same set of operations: each set is searched once. A window with nothing before it is
//! a real-time prefix of the key, and the failed search of the whole key already says which
//! prefixes fail ([`Stuck::furthest`]): those are not searched at all.

use super::search::{Budget, Stuck};
use super::steps::{Step, ABSENT, ANY};
use std::collections::HashMap;

/// Windows up to this size are tightened one operation at a time after the bisections.
const TIGHTEN_UP_TO: usize = 64;

/// The operations `steps[start..end]` (invocation order) closed under real-time overlap: every
/// completed operation that overlaps the span of the completed members joins (the span grows, so
/// repeat), then every pending-forever operation invoked before the span ends (it may take effect
/// inside it). Operations left out are entirely before the span (linearized before every member,
/// so the state they leave is summarized by the start state) or entirely after it. Returns the
/// members and whether anything lies before them (then the start state is unknown).
pub(super) fn closure(steps: &[Step], start: usize, end: usize) -> (Vec<usize>, bool) {
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

/// Judges windows of one key, each distinct set of operations once.
struct Windows<'s> {
    steps: &'s [Step],
    budget: &'s Budget,
    /// The failed search of the whole key, when it was searched (not judged by read mapping).
    stuck: Option<Stuck>,
    judged: HashMap<(Vec<usize>, bool), bool>,
}

impl Windows<'_> {
    /// Whether the closure of `steps[start..end]` cannot be linearized from any state its start
    /// allows; `None` when the budget ran out before that was decided.
    fn fails(&mut self, start: usize, end: usize) -> Option<bool> {
        let (members, earlier) = closure(self.steps, start, end);
        if let (Some(stuck), false) = (self.stuck, earlier) {
            // Nothing before it: the window is every operation invoked before its last
            // completed member returned, a prefix the whole key's search explored.
            let last_return = members.iter().filter_map(|&i| self.steps[i].ret).max();
            return Some(last_return.is_some_and(|r| r >= stuck.furthest));
        }
        if let Some(&fails) = self.judged.get(&(members.clone(), earlier)) {
            return Some(fails);
        }
        let sub: Vec<Step> = members.iter().map(|&i| self.steps[i]).collect();
        let init = if earlier { ANY } else { ABSENT };
        let fails = !super::decide_within(&sub, init, self.budget).ok()?;
        self.judged.insert((members, earlier), fails);
        Some(fails)
    }
}

/// Shrinks a non-linearizable key to a window: the closure (see [`closure`]) of
/// `steps[start..end]`, where `end` is found by bisection on the shortest failing prefix and
/// `start` by bisection on the latest failing start (each keeps "fails at one bound, passes at the
/// other"), then, for windows up to [`TIGHTEN_UP_TO`] operations, tightened until dropping the
/// first or the last operation makes it linearizable. Because the window is closed under
/// overlap, its failure does not depend on anything outside it: it cannot be linearized whatever
/// the key held before it. `stuck` is the whole key's failed search, if it was searched. When
/// `budget` runs out, the window found so far (it fails too) is the answer. Returns step indices.
pub(super) fn smallest(steps: &[Step], stuck: Option<Stuck>, budget: &Budget) -> Vec<usize> {
    let mut windows = Windows {
        steps,
        budget,
        stuck,
        judged: HashMap::new(),
    };
    // Invariant: the closure of steps[start..end] fails, also when the budget cut shrinking short.
    let (mut start, mut end) = (0, steps.len());
    shrink(&mut windows, &mut start, &mut end);
    closure(steps, start, end).0
}

/// The bisections and the tightening of [`smallest`]; `None` when the budget ran out (the
/// bounds still name a failing window).
fn shrink(windows: &mut Windows, start: &mut usize, end: &mut usize) -> Option<()> {
    let mut passing = 0;
    while *end - passing > 1 {
        let mid = (passing + *end) / 2;
        if windows.fails(0, mid)? {
            *end = mid;
        } else {
            passing = mid;
        }
    }
    let mut passing = *end;
    while passing - *start > 1 {
        let mid = (*start + passing) / 2;
        if windows.fails(mid, *end)? {
            *start = mid;
        } else {
            passing = mid;
        }
    }
    while *end - *start <= TIGHTEN_UP_TO && *end - *start > 1 {
        if windows.fails(*start, *end - 1)? {
            *end -= 1;
        } else if windows.fails(*start + 1, *end)? {
            *start += 1;
        } else {
            break;
        }
    }
    Some(())
}
