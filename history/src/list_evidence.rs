//! A list-after-write violation as evidence: the acknowledged write and the LIST that contradicts
//! it, in the model's words, named after the anomaly it is an instance of (A4 list-omits-put, A5
//! list-shows-deleted). `weak::list_after_write` finds the pair; this file only words it.

use crate::ops::History;
use crate::weak::ListWitness;
use witness_model::properties::PropertyId;

/// What a list-after-write violation shows, in words (`verdict` makes a `Violation` of it).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ListWords {
    /// The window's two steps, numbered, the LIST pointing at the write it contradicts.
    pub steps: Vec<String>,
    pub anomaly: PropertyId,
    pub explanation: String,
}

/// The words for `witness`: two operations, the write first.
pub fn words(history: &History, witness: &ListWitness) -> ListWords {
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
    ListWords {
        steps,
        anomaly,
        explanation: format!(
            "the LIST of {prefix}* began after the {what} of {key} was acknowledged, with no other write of {key} in flight, yet it {wrong} {key}. It is an instance of {code} {anomaly} (steps 1 and 2)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::{Command, Outcome, Reply, Value};
    use crate::{export, judge, parse, Builder, Format};
    use witness_model::properties::PropertyId;

    #[test]
    fn a_list_that_omits_an_acknowledged_put_is_shown_with_both_operations() {
        let mut b = Builder::default();
        let put = Command::Write(Value::Str("v".into()));
        let node = Some("http://a".to_string());
        b.invoke("0".into(), "p/k", put, Some(1), node)
            .expect("invoke");
        b.complete("0", Outcome::Ok(Reply::Done), Some(2))
            .expect("complete");
        b.nemesis("kill", "kill 1".into(), Some(3), false);
        b.invoke("1".into(), "p/", Command::List, Some(4), None)
            .expect("invoke");
        b.complete("1", Outcome::Ok(Reply::Listed(Vec::new())), Some(5))
            .expect("complete");
        b.nemesis("kill", "ok".into(), Some(6), true);
        let history = b.finish();
        let report = judge(&history);
        let v = report
            .violations
            .iter()
            .find(|v| v.property == PropertyId::ListAfterWrite)
            .expect("list-after-write is violated with a window");
        assert_eq!(v.window, [0, 1]);
        assert_eq!(v.anomaly, Some(PropertyId::ListOmitsPut));
        assert_eq!(v.shown_by, Some([0, 1]));
        assert!(v.steps[0].ends_with("(via http://a)"), "{:?}", v.steps);
        assert!(v.steps[1].contains("(stale: omits p/k"), "{:?}", v.steps);
        assert!(
            v.explanation.contains("A4 list-omits-put"),
            "{}",
            v.explanation
        );
        // The fault is written between the operations, as Jepsen's nemesis, and read back.
        let mut out = Vec::new();
        export::jepsen_json(&history, &mut out).expect("written");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[2].contains("\"process\":\"nemesis\""), "{text}");
        assert!(lines[0].contains("\"node\":\"http://a\""), "{text}");
        let again = parse(text.as_bytes(), Some(Format::JepsenJson)).expect("parses");
        assert_eq!(again.nemesis, history.nemesis);
        assert_eq!(again.operations.len(), 2);
    }
}
