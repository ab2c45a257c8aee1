//! The timeline picture: one self-contained HTML page (inline CSS and SVG, no script, nothing
//! fetched). Per key, each process's operations are bars on a time axis; a violating window is
//! drawn in red with its explanation beside it; a linearizable key shows one linearization as
//! numbered points.

use crate::linearize;
use crate::ops::{Command, History, Operation, Outcome, Reply, Status};
use crate::verdict::{HistoryReport, Violation};
use std::fmt::Write;

/// Keys with more operations are drawn in part (the violating window and what overlaps it, or the
/// first operations), so a page stays readable and small whatever the history's size.
const MAX_DRAWN: usize = 300;
/// Linearization points are searched for keys up to this size only.
const MAX_POINTS: usize = 2000;

const ROW: f64 = 28.0;
const LABEL: f64 = 110.0;
const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin:28px 0 6px}
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left}
.holds{color:#176317}.violated{color:#b00;font-weight:bold}.ambiguous{color:#8a6d00}
.key{display:flex;gap:20px;align-items:flex-start}.scroll{overflow-x:auto;max-width:70vw}
aside{max-width:28vw;border-left:4px solid #b00;padding:4px 12px;background:#fff5f5}
aside.ok{border-color:#176317;background:#f4fbf4}ol{padding-left:20px}
.note{color:#666;font-size:12px}";

/// The faults injected during the history, one row each (nothing when there were none).
fn nemesis_table(history: &History) -> String {
    if history.nemesis.is_empty() {
        return String::new();
    }
    let seconds =
        |t: Option<u64>| t.map_or("—".to_string(), |t| format!("{:.3} s", t as f64 / 1e9));
    let mut table = String::from(
        "<h2>Faults (nemesis)</h2><table><tr><th>fault</th><th>command</th><th>from</th><th>to</th><th>result</th></tr>",
    );
    for f in &history.nemesis {
        let _ = write!(
            table,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&f.name),
            escape(&f.command),
            seconds(f.start),
            seconds(f.end),
            escape(
                f.result
                    .as_deref()
                    .unwrap_or("still running when the history ended")
            )
        );
    }
    table.push_str("</table>");
    table
}

/// Renders the page for `history` and its `verdict`; `title` names the file.
pub fn render(history: &History, verdict: &HistoryReport, title: &str) -> String {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head><body><h1>History {t}</h1>",
        t = escape(title)
    );
    let _ = write!(
        page,
        "<p>{} operations on {} key(s) by {} process(es).</p><table>",
        history.operations.len(),
        history.keys.len(),
        history.processes().len()
    );
    for p in &verdict.properties {
        let (class, word) = match p.status {
            Status::Holds => ("holds", "holds"),
            Status::Violated => ("violated", "VIOLATED"),
            Status::OrderAmbiguous => ("ambiguous", "order ambiguous"),
            Status::Unknown => ("ambiguous", "unknown (budget ran out)"),
        };
        let _ = write!(
            page,
            "<tr><th>{}</th><td class=\"{class}\">{word}</td></tr>",
            p.property
        );
    }
    page.push_str("</table>");
    page.push_str(&nemesis_table(history));
    let by_key = history.by_key();
    // Violating keys first: they are what the reader came for.
    let mut keys: Vec<usize> = (0..history.keys.len()).collect();
    keys.sort_by_key(|&k| verdict.violations.iter().all(|v| v.key != history.keys[k]));
    for key in keys {
        let violation = verdict
            .violations
            .iter()
            .find(|v| v.key == history.keys[key]);
        let decided = verdict
            .per_key
            .iter()
            .all(|k| k.key != history.keys[key] || k.linearizable.is_some());
        key_section(&mut page, history, key, &by_key[key], (violation, decided));
    }
    page.push_str("</body></html>\n");
    page
}

fn key_section(
    page: &mut String,
    history: &History,
    key: usize,
    ops: &[usize],
    (violation, decided): (Option<&Violation>, bool),
) {
    let name = &history.keys[key];
    let _ = write!(
        page,
        "<section><h2>{}</h2><div class=\"key\"><div class=\"scroll\">",
        escape(name)
    );
    let drawn = drawn_ops(history, ops, violation);
    // An undecided key ran out of budget: searching it again for points would ignore the budget.
    let points = match violation {
        None if decided && ops.len() <= MAX_POINTS => linearize::linearization(history, ops)
            .map(|order| points(history, &order))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    timeline(page, history, &drawn, violation, &points);
    if drawn.len() < ops.len() {
        let which = match violation {
            Some(_) => "the window and the operations overlapping it",
            None => "the first ones",
        };
        let _ = write!(
            page,
            "<p class=\"note\">{} of {} operations drawn: {which}.</p>",
            drawn.len(),
            ops.len()
        );
    }
    page.push_str("</div>");
    match violation {
        Some(v) => {
            let anomaly = v
                .anomaly
                .map_or("no named S3 anomaly".to_string(), |a| a.to_string());
            let _ = write!(
                page,
                "<aside><b>not linearizable</b>: {} operations (lines {}–{}) cannot be linearized; {}.<ol>",
                v.window.len(),
                v.lines[0],
                v.lines[1],
                escape(&anomaly)
            );
            for step in &v.steps {
                let text = step.split_once(". ").map_or(step.as_str(), |(_, t)| t);
                let _ = write!(page, "<li>{}</li>", escape(text));
            }
            let _ = write!(page, "</ol><p>{}</p></aside>", escape(&v.explanation));
        }
        None if !decided => page.push_str(
            "<aside><b>undecided</b>: the budget ran out before linearizability was decided.</aside>",
        ),
        None => {
            let note = if points.is_empty() {
                "linearizable".to_string()
            } else {
                "linearizable: the numbered dots are one linearization (the order the operations take effect)".to_string()
            };
            let _ = write!(page, "<aside class=\"ok\">{note}</aside>");
        }
    }
    page.push_str("</div></section>");
}

/// The operations to draw: for a violating key the window and every operation that overlaps it
/// in time (so the red is in view without scrolling); otherwise the key's first operations.
fn drawn_ops(history: &History, ops: &[usize], violation: Option<&Violation>) -> Vec<usize> {
    let Some(v) = violation else {
        return ops[..ops.len().min(MAX_DRAWN)].to_vec();
    };
    let start = v
        .window
        .iter()
        .map(|&i| history.operations[i].call)
        .min()
        .unwrap_or(0);
    let end = v
        .window
        .iter()
        .filter_map(|&i| history.operations[i].ret)
        .max()
        .unwrap_or(start);
    let mut drawn: Vec<usize> = ops
        .iter()
        .copied()
        .filter(|&i| {
            let op = &history.operations[i];
            op.call <= end && op.ret.is_none_or(|r| r >= start)
        })
        .collect();
    drawn.truncate(MAX_DRAWN.max(v.window.len()));
    drawn
}

/// A point inside each operation's interval, in linearization order (greedy: as early as allowed).
fn points(history: &History, order: &[usize]) -> Vec<(usize, f64)> {
    let mut at = f64::MIN;
    order
        .iter()
        .map(|&i| {
            let op = &history.operations[i];
            at = (op.call as f64 + 0.3).max(at + 0.05);
            (i, at)
        })
        .collect()
}

/// The time axis of one key's drawing: positions are event indices, drawn from the first drawn
/// invocation to the last drawn completion.
struct Axis {
    first: f64,
    last: f64,
    scale: f64,
}

impl Axis {
    fn new(history: &History, drawn: &[usize]) -> Axis {
        let first = drawn
            .iter()
            .map(|&i| history.operations[i].call)
            .min()
            .unwrap_or(0) as f64;
        let last = drawn
            .iter()
            .map(|&i| history.operations[i].ret.unwrap_or(history.events))
            .max()
            .unwrap_or(0)
            .max(first as usize + 1) as f64;
        let scale = (14.0f64).max(900.0 / (last - first + 1.0));
        Axis { first, last, scale }
    }

    fn x(&self, position: f64) -> f64 {
        LABEL + (position - self.first) * self.scale
    }
}

/// One key's SVG: a row per process, a bar per drawn operation (the violating window in red),
/// and the linearization `points` numbered in order.
fn timeline(
    page: &mut String,
    history: &History,
    drawn: &[usize],
    violation: Option<&Violation>,
    points: &[(usize, f64)],
) {
    let mut rows: Vec<&str> = Vec::new();
    for &i in drawn {
        let p = history.operations[i].process.as_str();
        if !rows.contains(&p) {
            rows.push(p);
        }
    }
    let axis = Axis::new(history, drawn);
    let width = axis.x(axis.last + 1.0) + 20.0;
    let height = ROW * rows.len() as f64 + 30.0;
    let _ = write!(page, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" font-size=\"11\">");
    for (r, name) in rows.iter().enumerate() {
        let y = 20.0 + ROW * r as f64;
        let _ = write!(
            page,
            "<text x=\"4\" y=\"{:.0}\">client {}</text>",
            y + 16.0,
            escape(name)
        );
    }
    fault_bands(page, history, &axis, height);
    let row_of = |op: &Operation| rows.iter().position(|p| *p == op.process).unwrap_or(0);
    for &i in drawn {
        let op = &history.operations[i];
        let in_window = violation.is_some_and(|v| v.window.contains(&i));
        bar(
            page,
            history,
            op,
            &axis,
            20.0 + ROW * row_of(op) as f64,
            in_window,
        );
    }
    for (n, &(i, at)) in points.iter().enumerate() {
        let y = 20.0 + ROW * row_of(&history.operations[i]) as f64 + 20.0;
        let _ = write!(
            page,
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"#176317\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#176317\" font-size=\"9\">{}</text>",
            axis.x(at),
            axis.x(at) + 4.0,
            y + 8.0,
            n + 1
        );
    }
    page.push_str("</svg>");
}

/// Each fault of the nemesis that overlaps the drawing, as an orange band behind the bars. The
/// axis counts events, so a fault's times become the number of events recorded before them.
fn fault_bands(page: &mut String, history: &History, axis: &Axis, height: f64) {
    let mut times: Vec<u64> = history
        .operations
        .iter()
        .flat_map(|op| [op.call_time, op.ret.and(op.ret_time)])
        .flatten()
        .collect();
    times.sort_unstable();
    let position = |t: u64| times.partition_point(|&at| at < t) as f64;
    for fault in &history.nemesis {
        let Some(start) = fault.start.map(position) else {
            continue;
        };
        let end = fault.end.map_or(axis.last + 1.0, position).max(start + 0.3);
        let (from, to) = (start.max(axis.first), end.min(axis.last + 1.0));
        if from >= to {
            continue;
        }
        let _ = write!(
            page,
            "<g><title>nemesis {}: {} → {}</title><rect x=\"{:.1}\" y=\"0\" width=\"{:.1}\" height=\"{height:.0}\" fill=\"#ffd9a8\" opacity=\"0.6\"/><text x=\"{:.1}\" y=\"12\" fill=\"#a35200\">{}</text></g>",
            escape(&fault.name),
            escape(&fault.command),
            escape(fault.result.as_deref().unwrap_or("still running")),
            axis.x(from),
            (axis.x(to) - axis.x(from)).max(2.0),
            axis.x(from) + 2.0,
            escape(&fault.name)
        );
    }
}

/// One operation's bar at height `y`, from its invocation to its completion (to the axis's end
/// when its outcome is unknown), coloured by kind and outcome, red when `in_window`.
fn bar(page: &mut String, history: &History, op: &Operation, axis: &Axis, y: f64, in_window: bool) {
    let end = op.finished().map_or(axis.last + 1.0, |r| r as f64);
    let (fill, dash) = match (&op.outcome, op.command.is_write()) {
        (Outcome::Info, _) => ("#fff3c4", " stroke-dasharray=\"4 3\""),
        (Outcome::Fail, _) => ("#e4e4e4", ""),
        (_, true) => ("#d6f5d6", ""),
        (_, false) => ("#d6e6ff", ""),
    };
    let (fill, stroke, weight) = if in_window {
        ("#ffb3b3", "#b00", 2.5)
    } else {
        (fill, "#555", 1.0)
    };
    let start = axis.x(op.call as f64);
    let _ = write!(
        page,
        "<g><title>{}</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"20\" rx=\"3\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{weight}\"{dash}/><text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
        escape(&op.describe(&history.keys[op.key])),
        start,
        y,
        (axis.x(end) - start).max(3.0),
        start + 3.0,
        y + 14.0,
        escape(&label(op))
    );
}

/// A bar's short label.
fn label(op: &Operation) -> String {
    let result = match &op.outcome {
        Outcome::Ok(Reply::Read(Some(v))) => format!("→{v}"),
        Outcome::Ok(Reply::Read(None)) => "→∅".to_string(),
        Outcome::Ok(_) => "✓".to_string(),
        Outcome::Fail => "✗".to_string(),
        Outcome::Info => "?".to_string(),
    };
    let what = match &op.command {
        Command::Read => "GET".to_string(),
        Command::Write(v) => format!("PUT {v}"),
        Command::Delete => "DEL".to_string(),
        Command::Cas { expected, new } => format!("CAS {expected}→{new}"),
        Command::Create(v) => format!("CREATE {v}"),
        Command::DeleteIf { expected } => format!("DELETE-IF {expected}"),
        Command::List => "LIST".to_string(),
    };
    format!("{what} {result}")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
