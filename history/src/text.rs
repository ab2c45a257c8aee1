//! A verdict as text for humans: the word for each status and a violation's report (what is
//! violated on which key, the window as numbered steps in the model's words, and why). `witness
//! history` and `witness probe` both print these, so a counterexample reads the same in both.

use crate::ops::Status;
use crate::verdict::Violation;
use witness_model::properties::PropertyId;

/// How a property's status is printed.
pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Holds => "holds",
        Status::Violated => "VIOLATED",
        Status::OrderAmbiguous => {
            "order ambiguous (the history does not fix the order of the writes)"
        }
        Status::Unknown => "unknown (the budget ran out before it was decided)",
    }
}

/// A violation's report: a header naming the property and the key, the window's numbered steps,
/// and the explanation. `file_lines` adds the window's lines in the history file to the header
/// (only when there is a file the reader can open).
pub fn violation(v: &Violation, file_lines: bool) -> String {
    let lines = if file_lines {
        format!(", lines {}–{}", v.lines[0], v.lines[1])
    } else {
        String::new()
    };
    let n = v.window.len();
    let mut text = match v.property {
        PropertyId::Linearizable => format!(
            "key {}: not linearizable; the smallest window that cannot be linearized is {n} operation(s){lines}:\n",
            v.key
        ),
        // A LIST's evidence is certain: it does not depend on an order of the writes.
        PropertyId::ListAfterWrite => format!(
            "key {}: list-after-write violated; shown by {n} operation(s){lines}:\n",
            v.key
        ),
        other => format!(
            "key {}: {other} violated in every order of its writes the history allows; shown by {n} operation(s){lines}:\n",
            v.key
        ),
    };
    for step in &v.steps {
        text += &format!("  {step}\n");
    }
    text += &format!("  {}\n", v.explanation);
    text
}

/// Every violation, each after a blank line; a window already shown for its key is not repeated
/// (the later property is named on one line instead).
pub fn violations(all: &[Violation], file_lines: bool) -> String {
    let mut text = String::new();
    for (n, v) in all.iter().enumerate() {
        let shown = all[..n]
            .iter()
            .find(|earlier| earlier.key == v.key && earlier.window == v.window);
        text += "\n";
        text += &match shown {
            Some(earlier) => format!(
                "key {}: {} violated too, in every order of its writes the history allows, shown by the same {} operation(s) as {}\n",
                v.key,
                v.property,
                v.window.len(),
                earlier.property
            ),
            None => violation(v, file_lines),
        };
    }
    text
}
