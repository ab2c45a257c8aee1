//! `witness history FILE... [--list LIST]`: many histories judged in one process, on every core
//! (a shared work queue: each thread takes the next file), one line per file in the order given,
//! then a summary. The exit code ranks the files: unreadable, then violated, then unknown.

use super::{budget, load, stream_events, Loaded};
use crate::cli::HistoryArgs;
use crate::output::{
    self, CliError, EXIT_BAD_INPUT, EXIT_INCOMPLETE, EXIT_INTERNAL, EXIT_OK, EXIT_VIOLATED,
};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;
use witness_history::{HistoryReport, Status};
use witness_model::properties::PropertyId;

/// One file's verdict, as its line says it.
enum Verdict {
    Linearizable,
    /// Something is violated. A violated weaker property (read-after-write, …) rules out
    /// linearizability too, so `undecided` (the search ran out of budget) does not weaken it.
    Violated {
        properties: Vec<PropertyId>,
        anomalies: Vec<PropertyId>,
        undecided: bool,
    },
    /// The budget ran out on `keys` key(s) after `explored` configurations; nothing violated.
    Unknown {
        keys: usize,
        explored: u64,
    },
    /// The file could not be judged: `exit` is what this failure alone would exit with (1 the
    /// file could not be read, 2 it is not a history, 4 `witness` failed on it).
    Unreadable {
        reason: String,
        exit: i32,
    },
}

pub fn run(args: &HistoryArgs) -> Result<i32, CliError> {
    if args.html.is_some() || args.to.is_some() {
        return Err(CliError::usage(
            "--html and --to take one history; give a single FILE (several files print one line each, or one JSON object each with --json)",
        ));
    }
    let paths = paths(args)?;
    let started = Instant::now();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, paths.len().max(1));
    let mut tally = [0usize; 4];
    let mut exits = Vec::new();
    judge_all(&paths, args, threads, &mut |path, verdict, seconds| {
        tally[rank(&verdict)] += 1;
        exits.push(exit_code(&verdict));
        print_line(args.json, path, &verdict, seconds);
    });
    let [linearizable, violated, unknown, unreadable] = tally;
    let seconds = started.elapsed().as_secs_f64();
    let summary = if args.json {
        serde_json::json!({"summary": {
            "files": paths.len(), "linearizable": linearizable, "violated": violated,
            "unknown": unknown, "unreadable": unreadable, "seconds": seconds, "threads": threads,
        }})
        .to_string()
    } else {
        format!(
            "{} file(s): {linearizable} linearizable, {violated} NOT linearizable, {unknown} unknown, {unreadable} unreadable; {seconds:.2} s on {threads} thread(s)",
            paths.len()
        )
    };
    emit(&summary);
    // The most serious outcome decides: witness failed, not a history, then a violation or a
    // file that could not be read, then a budget that ran out.
    let precedence = [
        EXIT_INTERNAL,
        EXIT_BAD_INPUT,
        EXIT_VIOLATED,
        EXIT_INCOMPLETE,
    ];
    Ok(precedence
        .into_iter()
        .find(|code| exits.contains(code))
        .unwrap_or(EXIT_OK))
}

fn exit_code(verdict: &Verdict) -> i32 {
    match verdict {
        Verdict::Linearizable => EXIT_OK,
        Verdict::Violated { .. } => EXIT_VIOLATED,
        Verdict::Unknown { .. } => EXIT_INCOMPLETE,
        Verdict::Unreadable { exit, .. } => *exit,
    }
}

/// The FILE arguments, then the paths `--list` names (one a line; blank lines skipped).
fn paths(args: &HistoryArgs) -> Result<Vec<PathBuf>, CliError> {
    let mut paths = args.files.clone();
    if let Some(list) = &args.list {
        let text =
            std::fs::read_to_string(list).map_err(|e| CliError::io("read --list", list, e))?;
        let lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        paths.extend(lines.map(PathBuf::from));
    }
    Ok(paths)
}

/// Judges every path on `threads` threads, handing each verdict to `report` in the order given
/// (a file judged early waits for the ones before it).
fn judge_all(
    paths: &[PathBuf],
    args: &HistoryArgs,
    threads: usize,
    report: &mut dyn FnMut(&Path, Verdict, f64),
) {
    let next = AtomicUsize::new(0);
    let (sender, results) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (sender, next) = (sender.clone(), &next);
            scope.spawn(move || loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = paths.get(index) else { return };
                let started = Instant::now();
                let verdict = judge(path, args);
                let seconds = started.elapsed().as_secs_f64();
                if sender.send((index, verdict, seconds)).is_err() {
                    return;
                }
            });
        }
        drop(sender);
        let mut waiting = BTreeMap::new();
        let mut due = 0;
        for (index, verdict, seconds) in results {
            waiting.insert(index, (verdict, seconds));
            while let Some((verdict, seconds)) = waiting.remove(&due) {
                report(&paths[due], verdict, seconds);
                due += 1;
            }
        }
    });
}

fn judge(path: &Path, args: &HistoryArgs) -> Verdict {
    let name = path.display().to_string();
    let judged = load(path, args.format).and_then(|loaded| match loaded {
        Loaded::Values(_, history) => Ok(of_report(&witness_history::judge_within(
            &history,
            &budget(args),
        ))),
        Loaded::Project(reader) => {
            let (checker, names, _) = stream_events(&name, reader, false)?;
            let verdict = checker.finish(names);
            Ok(of_properties(verdict.violated, verdict.anomalies, false))
        }
    });
    judged.unwrap_or_else(|e| {
        // The error names the file already; the line starts with it.
        let prefix = format!("{name}: ");
        Verdict::Unreadable {
            reason: e.message.trim_start_matches(&prefix).to_string(),
            exit: e.code(),
        }
    })
}

fn of_report(report: &HistoryReport) -> Verdict {
    let violated = report
        .properties
        .iter()
        .filter(|p| p.status == Status::Violated);
    let anomalies = report.violations.iter().filter_map(|v| v.anomaly);
    let undecided: Vec<_> = report.undecided().collect();
    let verdict = of_properties(
        violated.map(|p| p.property).collect(),
        anomalies.collect(),
        !undecided.is_empty(),
    );
    match verdict {
        Verdict::Linearizable if !undecided.is_empty() => Verdict::Unknown {
            keys: undecided.len(),
            explored: undecided.iter().filter_map(|k| k.explored).sum(),
        },
        other => other,
    }
}

fn of_properties(
    properties: Vec<PropertyId>,
    mut anomalies: Vec<PropertyId>,
    undecided: bool,
) -> Verdict {
    if properties.is_empty() {
        return Verdict::Linearizable;
    }
    let mut seen = Vec::new();
    anomalies.retain(|a| {
        !seen.contains(a) && {
            seen.push(*a);
            true
        }
    });
    Verdict::Violated {
        properties,
        anomalies,
        undecided,
    }
}

/// Index into the tally: linearizable, violated, unknown, unreadable.
fn rank(verdict: &Verdict) -> usize {
    match verdict {
        Verdict::Linearizable => 0,
        Verdict::Violated { .. } => 1,
        Verdict::Unknown { .. } => 2,
        Verdict::Unreadable { .. } => 3,
    }
}

fn print_line(json: bool, path: &Path, verdict: &Verdict, seconds: f64) {
    let file = path.display().to_string();
    if json {
        let mut object = json_of(verdict);
        object["file"] = serde_json::json!(file);
        object["seconds"] = serde_json::json!(seconds);
        emit(&object.to_string());
    } else {
        emit(&format!("{file}: {}", text_of(verdict)));
    }
}

fn text_of(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Linearizable => "linearizable".to_string(),
        Verdict::Violated {
            properties,
            anomalies,
            undecided,
        } => {
            let mut named: Vec<String> = anomalies
                .iter()
                .map(|a| format!("{} {a}", a.anomaly().unwrap_or_default()))
                .collect();
            if !properties.contains(&PropertyId::Linearizable) {
                let broken = properties.iter().map(|p| format!("{p} violated"));
                named.extend(broken);
            }
            if *undecided {
                named.push("the search itself ran out of budget".to_string());
            }
            match named.is_empty() {
                true => "NOT linearizable".to_string(),
                false => format!("NOT linearizable ({})", named.join("; ")),
            }
        }
        Verdict::Unknown { keys, explored } => format!(
            "unknown (budget: {keys} key(s) undecided after {} configurations)",
            output::thousands(usize::try_from(*explored).unwrap_or(usize::MAX))
        ),
        Verdict::Unreadable { reason, .. } => format!("unreadable: {reason}"),
    }
}

fn json_of(verdict: &Verdict) -> serde_json::Value {
    match verdict {
        Verdict::Linearizable => serde_json::json!({"verdict": "linearizable"}),
        Verdict::Violated {
            properties,
            anomalies,
            undecided,
        } => serde_json::json!({
            "verdict": "not-linearizable", "violated": properties,
            "anomalies": anomalies, "undecided": undecided,
        }),
        Verdict::Unknown { keys, explored } => serde_json::json!({
            "verdict": "unknown", "undecided_keys": keys, "explored": explored,
        }),
        Verdict::Unreadable { reason, .. } => {
            serde_json::json!({"verdict": "unreadable", "error": reason})
        }
    }
}

/// One line on standard output; a closed pipe (`| head`) is not worth a panic.
fn emit(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}
