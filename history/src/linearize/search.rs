//! The general decider: Wing & Gong's search for a linearization, with Lowe's memoization of
//! (set of linearized operations, register state) so no configuration is explored twice.
//!
//! The history is a list of call and return entries in real-time order. The search repeatedly
//! takes the first call entry it may linearize next (any call before the first remaining return),
//! applies it to the register, and removes the operation; when it meets a return entry first, the
//! operation returning there was not linearized in time and the search backtracks.
//!
//! Operations pending forever (timed out) are linearized lazily: only right before an operation
//! that depends on them (see [`depends`]). Any linearization can be rewritten into that form, so
//! no verdict changes, and the search no longer tries every subset of the timed-out operations
//! at every point.

use super::memo::{Cache, Linearized, Owed, Undo};
use super::steps::{Effect, State, Step};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A limit on the work a judgement may take, like Porcupine's timeout: a deadline, checked every
/// [`CHECK_EVERY`] configurations. A search that reaches it ends without a verdict.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Budget {
    deadline: Option<Instant>,
}

impl Budget {
    /// No limit.
    pub fn unlimited() -> Budget {
        Budget::default()
    }

    /// Until `timeout` from now.
    pub fn within(timeout: Duration) -> Budget {
        Budget {
            deadline: Instant::now().checked_add(timeout),
        }
    }

    fn spent(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// Configurations explored between two looks at the clock.
const CHECK_EVERY: u64 = 4096;

/// How a search ended without a linearization.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Ended {
    /// There is none.
    Stuck(Stuck),
    /// The budget ran out after exploring this many configurations.
    OutOfBudget(u64),
}

/// The doubly linked list of entries still to linearize; `HEAD` and `TAIL` are sentinels.
struct Entries {
    next: Vec<usize>,
    prev: Vec<usize>,
    /// Per entry: its step, and for a call entry the index of its return entry.
    step: Vec<usize>,
    is_call: Vec<bool>,
    ret_of: Vec<Option<usize>>,
}

impl Entries {
    fn new(steps: &[Step]) -> (Entries, usize, usize) {
        let mut order: Vec<(usize, usize, bool)> = Vec::with_capacity(steps.len() * 2);
        for (i, s) in steps.iter().enumerate() {
            order.push((s.call, i, true));
            if let Some(ret) = s.ret {
                order.push((ret, i, false));
            }
        }
        order.sort_unstable();
        let order = pending_calls_last(order, steps);
        let n = order.len();
        let (head, tail) = (n, n + 1);
        let mut entries = Entries {
            next: vec![tail; n + 2],
            prev: vec![head; n + 2],
            step: order.iter().map(|&(_, s, _)| s).collect(),
            is_call: order.iter().map(|&(_, _, c)| c).collect(),
            ret_of: vec![None; n],
        };
        let mut last = head;
        for e in 0..n {
            entries.next[last] = e;
            entries.prev[e] = last;
            last = e;
        }
        entries.next[last] = tail;
        entries.prev[tail] = last;
        let mut ret_entry = vec![None; steps.len()];
        for (e, &(_, s, is_call)) in order.iter().enumerate() {
            if !is_call {
                ret_entry[s] = Some(e);
            }
        }
        for (e, &(_, s, is_call)) in order.iter().enumerate() {
            if is_call {
                entries.ret_of[e] = ret_entry[s];
            }
        }
        (entries, head, tail)
    }

    fn unlink(&mut self, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        self.next[p] = n;
        self.prev[n] = p;
    }

    fn relink(&mut self, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        self.next[p] = e;
        self.prev[n] = e;
    }

    fn lift(&mut self, call: usize) {
        self.unlink(call);
        if let Some(r) = self.ret_of[call] {
            self.unlink(r);
        }
    }

    fn unlift(&mut self, call: usize) {
        if let Some(r) = self.ret_of[call] {
            self.relink(r);
        }
        self.relink(call);
    }
}

/// Within each run of call entries between two return entries, the calls of operations pending
/// forever move after the others. The set of operations that may be linearized next is the same
/// (all calls before the first remaining return), so nothing changes but the order the search
/// tries them in: operations that surely happened first, and the "may have happened" ones, which
/// rarely need to, only when nothing else fits.
fn pending_calls_last(
    order: Vec<(usize, usize, bool)>,
    steps: &[Step],
) -> Vec<(usize, usize, bool)> {
    let mut result = Vec::with_capacity(order.len());
    let mut pending = Vec::new();
    for entry in order {
        let (_, s, is_call) = entry;
        if is_call && steps[s].ret.is_none() {
            pending.push(entry);
            continue;
        }
        if !is_call {
            result.append(&mut pending);
        }
        result.push(entry);
    }
    result.append(&mut pending);
    result
}

/// For each operation pending forever, the previous pending-forever operation with the same
/// effect. Two such operations are interchangeable once both were invoked (either may take the
/// other's place in a linearization), so the search only linearizes one after its earlier twin:
/// with Porcupine's etcd logs, dozens of timed-out writes of five values collapse to counts.
fn earlier_twins(steps: &[Step]) -> Vec<Option<usize>> {
    let mut last: HashMap<super::steps::Effect, usize> = HashMap::new();
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if s.ret.is_some() {
                return None;
            }
            last.insert(s.effect, i)
        })
        .collect()
}

/// Whether `x`, linearized right after the pending-forever `p` took the register from `before`
/// to `now`, depends on `p`. If not, a linearization with `p` there has another without it
/// there: when `x` from `before` ends where it does after `p`, `p` had no effect (drop it);
/// when `p` after `x` ends there too, `p` can move past `x`. Either rewrite moves a pending
/// operation later or removes it, so every linearization has a form in which each linearized
/// pending-forever operation is followed by one that depends on it, or by nothing.
fn depends(p: Effect, x: Effect, before: State, now: State) -> bool {
    let (Some(alone), Some(after)) = (x.apply(before), x.apply(now)) else {
        return true;
    };
    alone != after && p.apply(alone) != Some(after)
}

/// What the configuration owes the pending-forever operation linearized last, if it was.
fn owed(steps: &[Step], stack: &[(usize, State, Undo)], list: &Entries) -> Option<Owed> {
    let &(e, before, _) = stack.last()?;
    let p = list.step[e];
    steps[p].ret.is_none().then_some((before, p))
}

/// A search that found no linearization.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) struct Stuck {
    /// The latest return (a position in the history) that some explored configuration reached
    /// with every earlier return passed: the furthest the search got. A real-time prefix (the
    /// operations invoked before some time `t`, every completed one returned by `t`) can be
    /// linearized from the search's start state iff `t < furthest`: the search, which explored
    /// every configuration, reached one with all of the prefix's returns passed iff one exists.
    /// Shrinking reads prefixes off it instead of searching them again.
    pub furthest: usize,
}

/// Searches for a linearization of `steps` starting from `init`. On success returns the steps'
/// indices in linearization order (operations pending forever that were never needed are left
/// out: they did not take effect).
pub(crate) fn linearize(steps: &[Step], init: State) -> Option<Vec<usize>> {
    linearize_within(steps, init, &Budget::unlimited()).ok()
}

/// [`linearize`] within `budget`, saying how it ended when it found no linearization.
pub(crate) fn linearize_within(
    steps: &[Step],
    init: State,
    budget: &Budget,
) -> Result<Vec<usize>, Ended> {
    let (mut list, head, tail) = Entries::new(steps);
    let mut remaining = steps.iter().filter(|s| s.ret.is_some()).count();
    let mut set = Linearized::new(steps);
    let mut cache = Cache::with_capacity(steps.len());
    let mut stack: Vec<(usize, State, Undo)> = Vec::new();
    let twins = earlier_twins(steps);
    let mut state = init;
    let mut entry = list.next[head];
    let (mut furthest, mut explored) = (0, 0u64);
    while remaining > 0 {
        if entry != tail && list.is_call[entry] {
            let s = list.step[entry];
            let twin_waits = twins[s].is_some_and(|t| !set.contains(t));
            let unneeded = owed(steps, &stack, &list).is_some_and(|(before, p)| {
                !depends(steps[p].effect, steps[s].effect, before, state)
            });
            if let Some(after) = steps[s]
                .effect
                .apply(state)
                .filter(|_| !twin_waits && !unneeded)
            {
                let undo = set.add(s);
                let owing = steps[s].ret.is_none().then_some((state, s));
                if cache.insert(&set, after, owing) {
                    explored += 1;
                    if explored % CHECK_EVERY == 0 && budget.spent() {
                        return Err(Ended::OutOfBudget(explored));
                    }
                    stack.push((entry, state, undo));
                    state = after;
                    list.lift(entry);
                    remaining -= usize::from(steps[s].ret.is_some());
                    entry = list.next[head];
                    continue;
                }
                set.remove(s, undo);
            }
            entry = list.next[entry];
        } else {
            // The first return left: every earlier one was passed in this configuration.
            if let Some(ret) = (entry != tail)
                .then(|| steps[list.step[entry]].ret)
                .flatten()
            {
                furthest = furthest.max(ret);
            }
            // A return reached before its operation was linearized: undo the latest choice.
            let Some((call, before, undo)) = stack.pop() else {
                return Err(Ended::Stuck(Stuck { furthest }));
            };
            let s = list.step[call];
            state = before;
            set.remove(s, undo);
            list.unlift(call);
            remaining += usize::from(steps[s].ret.is_some());
            entry = list.next[call];
        }
    }
    Ok(stack.iter().map(|&(e, _, _)| list.step[e]).collect())
}
