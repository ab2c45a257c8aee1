//! A list-after-write violation as evidence: the acknowledged write and the LIST that contradicts
//! it, in the model's words, named after the anomaly it is an instance of (A4 list-omits-put, A5
//! list-shows-deleted). `weak::list_after_write` finds the pair; this file only words it.

use crate::ops::History;
use crate::verdict::Violation;
use crate::weak::ListWitness;
use witness_model::properties::PropertyId;

/// The violation `witness` shows: two operations, the write first.
pub fn violation(history: &History, witness: &ListWitness) -> Violation {
    let key = &history.keys[witness.key];
    let [write, list] = [witness.write, witness.list].map(|i| &history.operations[i]);
    let put = write.written().is_some_and(|v| v.is_some());
    let (anomaly, what, wrong) = if put {
        (PropertyId::ListOmitsPut, "PUT", "omits")
    } else {
        (PropertyId::ListShowsDeleted, "DELETE", "shows")
    };
    let prefix = &history.keys[list.key];
    let steps = vec![
        format!("1. {}", write.describe(key)),
        format!(
            "2. {} (stale: {wrong} {key}; the {what} at step 1 was acknowledged)",
            list.describe(prefix)
        ),
    ];
    let code = anomaly.anomaly().unwrap_or_default();
    Violation {
        property: PropertyId::ListAfterWrite,
        key: key.clone(),
        window: vec![witness.write, witness.list],
        lines: [write.line, list.line],
        steps,
        anomaly: Some(anomaly),
        explanation: format!(
            "the LIST of {prefix}* began after the {what} of {key} was acknowledged, with no other write of {key} in flight, yet it {wrong} {key}. It is an instance of {code} {anomaly} (steps 1 and 2)"
        ),
        shown_by: Some([witness.write, witness.list]),
    }
}
