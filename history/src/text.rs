//! A verdict as text for humans: the word for each status and a violation's report (what is
//! violated on which key, the window as numbered steps in the model's words, and why). `witness
//! history` and `witness probe` both print these, so a counterexample reads the same in both.

use crate::verdict::{Status, Violation};
use witness_model::properties::PropertyId;

/// How a property's status is printed.
pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Holds => "holds",
        Status::Violated => "VIOLATED",
        Status::OrderAmbiguous => {
            "order ambiguous (the history does not fix the order of the writes)"
        }
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
