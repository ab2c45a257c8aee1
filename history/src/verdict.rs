//! What [`crate::judge`] concludes: per property, per key, and for a violation the key, the window
//! that cannot be linearized and the anomaly it is an instance of, in the model's words.

use crate::anomaly::{self, Instance};
use crate::coverage;
use crate::linearize::{self, Budget, KeyOutcome, Method, OutOfBudget};
use crate::list_evidence;
use crate::ops::{History, Outcome, Reply, Status};
use crate::weak;
use serde::Serialize;
use witness_model::properties::PropertyId;

#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct PropertyVerdict {
    pub property: PropertyId,
    pub status: Status,
}

/// A key that is not linearizable.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct Violation {
    pub property: PropertyId,
    /// The key as the file wrote it.
    pub key: String,
    /// The smallest window of the key's operations that cannot be linearized (operation indices,
    /// invocation order), closed under overlap in time: it fails whatever the key held before it
    /// and whatever happened outside it (see `linearize::closure`).
    pub window: Vec<usize>,
    /// File lines of the window's first and last invocations.
    pub lines: [usize; 2],
    /// The window's operations, numbered, in the model's words.
    pub steps: Vec<String>,
    /// The S3 anomaly the window is an instance of, if one applies.
    pub anomaly: Option<PropertyId>,
    /// One paragraph for humans: what cannot happen and why.
    pub explanation: String,
    /// The two operations (indices) that show the anomaly, earlier first: the acknowledged write
    /// and the stale read or LIST (for A6, the two reads). Probes measure staleness from them.
    #[serde(skip)]
    pub shown_by: Option<[usize; 2]>,
}

/// One key's verdict.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct KeyVerdict {
    pub key: String,
    pub operations: usize,
    pub method: Method,
    /// `None` when the budget ran out before the key was decided.
    pub linearizable: Option<bool>,
    /// For an undecided key: the configurations its search explored before the budget ran out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explored: Option<u64>,
    /// Operation indices in a linearization order (when the search found one). Not in the JSON:
    /// it is as long as the key's history.
    #[serde(skip)]
    pub order: Option<Vec<usize>>,
}

/// What [`judge`] concludes of a whole value history: each property's status, each key's
/// linearizability, and the window that shows each violation.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct HistoryReport {
    pub keys: usize,
    pub operations: usize,
    pub properties: Vec<PropertyVerdict>,
    pub per_key: Vec<KeyVerdict>,
    /// Every violation, key by key (on each key, linearizability's before the weaker properties').
    pub violations: Vec<Violation>,
}

impl HistoryReport {
    /// Whether no judged property is violated (an undecided one is not violated).
    pub fn holds(&self) -> bool {
        self.properties.iter().all(|p| p.status != Status::Violated)
    }

    /// The keys whose linearizability the budget left undecided.
    pub fn undecided(&self) -> impl Iterator<Item = &KeyVerdict> {
        self.per_key.iter().filter(|k| k.linearizable.is_none())
    }

    pub fn status(&self, property: PropertyId) -> Option<Status> {
        self.properties
            .iter()
            .find(|p| p.property == property)
            .map(|p| p.status)
    }
}

/// Judges every key of `history`: linearizability, then read-after-write, read-your-writes and
/// monotonic-reads (and list-after-write when the history has LISTs) through the shared monitor,
/// and precondition-justified when it refuses a conditional write.
pub fn judge(history: &History) -> HistoryReport {
    judge_within(history, &Budget::unlimited())
}

/// [`judge`] with linearizability searched within `budget` (one budget for the whole history):
/// a key the search could not decide in time is undecided and linearizability is
/// [`Status::Unknown`], unless another key is violated. The weaker properties are judged in full.
pub fn judge_within(history: &History, budget: &Budget) -> HistoryReport {
    let mut per_key = Vec::with_capacity(history.keys.len());
    let mut violations = Vec::new();
    let mut weak = [Status::Holds; weak::PER_KEY_COUNT];
    let mut linearizable = Status::Holds;
    for (key, ops) in history.by_key().iter().enumerate() {
        // A name used only as a LIST prefix is not a register.
        if ops.is_empty() {
            continue;
        }
        let judged = linearize::judge_key_within(history, ops, budget);
        let name = history.keys[key].clone();
        let (decided, window) = match &judged {
            Ok(outcome) => (Some(outcome.linearizable()), outcome.window.as_deref()),
            Err(_) => (None, None),
        };
        let window = window.unwrap_or(&[]);
        let statuses = weak::judge_key(history, ops, decided == Some(true), window);
        linearizable = worst(linearizable, linearizable_status(decided));
        if decided == Some(false) {
            let v = violation(history, PropertyId::Linearizable, &name, ops, window);
            violations.push(v);
        }
        for ((total, judged), property) in weak.iter_mut().zip(statuses).zip(weak::PER_KEY) {
            *total = worst(*total, judged.status);
            if let Some(window) = &judged.window {
                violations.push(violation(history, property, &name, ops, window));
            }
        }
        per_key.push(key_verdict(name, ops.len(), judged));
    }
    let lists = weak::list_after_write(history);
    for witness in lists.iter().flatten() {
        violations.push(list_violation(history, witness));
    }
    let mut properties = properties(linearizable, weak, lists.map(|w| w.is_empty()));
    if let Some((status, spurious)) = crate::refusals::judge(history) {
        let property = PropertyId::PreconditionJustified;
        properties.push(PropertyVerdict { property, status });
        violations.extend(spurious.iter().map(|s| refusal_violation(history, s)));
    }
    HistoryReport {
        keys: per_key.len(),
        operations: history.operations.len(),
        properties,
        per_key,
        violations,
    }
}

/// A spurious 412 as a violation of precondition-justified, showing A9.
fn refusal_violation(history: &History, spurious: &crate::refusals::Spurious) -> Violation {
    let key = &history.keys[spurious.key];
    let window = &spurious.window;
    let line = |i: usize| history.operations[i].line;
    Violation {
        property: PropertyId::PreconditionJustified,
        key: key.clone(),
        window: window.clone(),
        lines: [
            window.first().map_or(0, |&i| line(i)),
            window.last().map_or(0, |&i| line(i)),
        ],
        steps: steps(history, key, window, None),
        anomaly: Some(PropertyId::SpuriousPreconditionFailure),
        explanation: spurious.explanation(key),
        // The last write that fixes what the key held, then the refusal: how stale the
        // precondition's judgement was.
        shown_by: match window[..] {
            [.., write, refusal] => Some([write, refusal]),
            _ => None,
        },
    }
}

/// A list-after-write violation: the acknowledged write and the LIST that contradicts it.
fn list_violation(history: &History, witness: &weak::ListWitness) -> Violation {
    let words = list_evidence::words(history, witness);
    let pair = [witness.write, witness.list];
    Violation {
        property: PropertyId::ListAfterWrite,
        key: history.keys[witness.key].clone(),
        window: pair.to_vec(),
        lines: pair.map(|i| history.operations[i].line),
        steps: words.steps,
        anomaly: Some(words.anomaly),
        explanation: words.explanation,
        shown_by: Some(pair),
    }
}

fn linearizable_status(decided: Option<bool>) -> Status {
    match decided {
        Some(true) => Status::Holds,
        Some(false) => Status::Violated,
        None => Status::Unknown,
    }
}

fn key_verdict(
    key: String,
    operations: usize,
    judged: Result<KeyOutcome, OutOfBudget>,
) -> KeyVerdict {
    match judged {
        Ok(outcome) => KeyVerdict {
            key,
            operations,
            method: outcome.method,
            linearizable: Some(outcome.linearizable()),
            explored: None,
            order: outcome.order,
        },
        // Only the search has a budget: the read-mapping decider is polynomial.
        Err(out) => KeyVerdict {
            key,
            operations,
            method: Method::Search,
            linearizable: None,
            explored: Some(out.explored),
            order: None,
        },
    }
}

/// Linearizability first, then the weaker properties (list-after-write only with LISTs:
/// `lists_hold` is `None` without).
fn properties(
    linearizable: Status,
    weak: [Status; weak::PER_KEY_COUNT],
    lists_hold: Option<bool>,
) -> Vec<PropertyVerdict> {
    let mut all = vec![PropertyVerdict {
        property: PropertyId::Linearizable,
        status: linearizable,
    }];
    all.extend(
        weak::PER_KEY
            .into_iter()
            .zip(weak)
            .map(|(property, status)| PropertyVerdict { property, status }),
    );
    if let Some(holds) = lists_hold {
        let status = if holds {
            Status::Holds
        } else {
            Status::Violated
        };
        all.push(PropertyVerdict {
            property: PropertyId::ListAfterWrite,
            status,
        });
    }
    all
}

fn worst(a: Status, b: Status) -> Status {
    match (a, b) {
        (Status::Violated, _) | (_, Status::Violated) => Status::Violated,
        (Status::Unknown, _) | (_, Status::Unknown) => Status::Unknown,
        (Status::OrderAmbiguous, _) | (_, Status::OrderAmbiguous) => Status::OrderAmbiguous,
        _ => Status::Holds,
    }
}

/// Windows of the weaker properties longer than this are not named after an anomaly.
const NAMED_UP_TO: usize = 64;

/// A violation of `property` on `key` shown by `window`, in the model's words.
fn violation(
    history: &History,
    property: PropertyId,
    key: &str,
    key_ops: &[usize],
    window: &[usize],
) -> Violation {
    // A non-linearizable window is closed under overlap (linearize::closure): only its own writes
    // can have taken effect inside it, so "older" is judged among them. Other windows are not
    // closed, so all the key's writes decide what is older.
    let writes = if property == PropertyId::Linearizable {
        window
    } else {
        key_ops
    };
    // Naming compares every pair in the window against every write: only for readable windows.
    let instance = (property == PropertyId::Linearizable || window.len() <= NAMED_UP_TO)
        .then(|| anomaly::classify(history, writes, window))
        .flatten();
    let steps = steps(history, key, window, instance.as_ref());
    let line = |i: usize| history.operations[i].line;
    let lines = [
        window.first().map_or(0, |&i| line(i)),
        window.last().map_or(0, |&i| line(i)),
    ];
    Violation {
        property,
        key: key.to_string(),
        window: window.to_vec(),
        lines,
        steps,
        anomaly: instance.as_ref().map(|i| i.anomaly),
        explanation: explain(property, key, window, key_ops, instance.as_ref()),
        shown_by: instance.as_ref().map(|i| i.ops),
    }
}

/// The window's operations, numbered, in the model's words; the read that shows the anomaly says
/// which earlier step it contradicts.
fn steps(
    history: &History,
    key: &str,
    window: &[usize],
    instance: Option<&Instance>,
) -> Vec<String> {
    let step = |op: usize| window.iter().position(|&i| i == op).map_or(0, |n| n + 1);
    let note = instance.map(|inst| {
        let [earlier, later] = inst.ops;
        let at = step(earlier);
        let goes_back = inst.anomaly.judged_by() == PropertyId::MonotonicReads;
        let why = match (goes_back, history.operations[earlier].written()) {
            (true, _) => {
                let seen = match &history.operations[earlier].outcome {
                    Outcome::Ok(Reply::Read(Some(v))) => v.to_string(),
                    _ => "absent".to_string(),
                };
                format!("goes back: this client read {seen} at step {at}")
            }
            (false, Some(Some(v))) => format!("stale: {v} was acknowledged at step {at}"),
            (false, _) => format!("stale: the DELETE at step {at} was acknowledged"),
        };
        (later, why)
    });
    window
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let text = history.operations[i].describe(key);
            match &note {
                Some((op, why)) if *op == i => format!("{}. {text} ({why})", n + 1),
                _ => format!("{}. {text}", n + 1),
            }
        })
        .collect()
}

fn explain(
    property: PropertyId,
    key: &str,
    window: &[usize],
    key_ops: &[usize],
    instance: Option<&Instance>,
) -> String {
    let len = window.len();
    let start = if window.first() == key_ops.first() {
        format!("starting from {key} not existing")
    } else {
        format!("whatever {key} held before them")
    };
    let head = if property == PropertyId::Linearizable {
        format!(
            "these {len} operations on {key} cannot be put in any order that respects real time and in which every GET returns the latest PUT before it, {start}"
        )
    } else {
        format!(
            "{property} is broken in every order of {key}'s writes that real time and compare-and-set chains allow (and whichever DELETE each GET → absent saw); these {len} operations show it"
        )
    };
    let Some(instance) = instance else {
        let codes = coverage::named_codes();
        return format!("{head}; no single S3 anomaly ({codes}) names it");
    };
    let [a, b] = instance
        .ops
        .map(|op| window.iter().position(|&i| i == op).map_or(0, |n| n + 1));
    let anomaly = instance.anomaly;
    let code = anomaly.anomaly().unwrap_or_default();
    format!("{head}. It is an instance of {code} {anomaly} (steps {a} and {b})")
}
