//! `witness history FILE`: judge a history recorded anywhere. Value-based histories (Jepsen log
//! lines, Jepsen/elle-cli JSON, EDN) go to witness-history's per-key linearizability checker; the
//! project's own versioned events are streamed through the same property monitor the model and the
//! implementation's tests use. Several files (`FILE...`, `--list`) are judged in `batch`.

use crate::choices::{ExportFormat, FormatOrAuto};
use crate::cli::HistoryArgs;
use crate::output::{self, CliError, EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATED};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use witness_history::{Budget, Format, History, HistoryReport};
use witness_model::history::Event;
use witness_model::history_json::{read_events, ReadError};
use witness_model::names::Names;
use witness_model::properties::{HistoryChecker, HistoryVerdict, PropertyId};

mod batch;

pub fn history(args: &HistoryArgs) -> Result<i32, CliError> {
    match (&args.files[..], &args.list) {
        ([path], None) => single(args, path),
        _ => batch::run(args),
    }
}

/// A history read and parsed, not yet judged.
enum Loaded {
    Values(Format, History),
    /// The project's events, still to be streamed through the monitor.
    Project(Box<dyn BufRead>),
}

/// Opens `path`, detects its format unless `format` names it, and parses a value history.
fn load(path: &Path, format: FormatOrAuto) -> Result<Loaded, CliError> {
    let name = path.display().to_string();
    let mut reader = open(path)?;
    let format = match format.0 {
        None => detect(&mut reader, path)?,
        Some(given) => given,
    };
    if format == Format::Project {
        return Ok(Loaded::Project(reader));
    }
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::io("read history", path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        CliError::usage(format!(
            "{name}: expected UTF-8 text, found a byte that is not ({e})"
        ))
    })?;
    let history = witness_history::parse_str(&text, format)
        .map_err(|e| CliError::usage(format!("{name}: {e}")))?;
    Ok(Loaded::Values(format, history))
}

/// The budget of one file's linearizability search, starting now.
fn budget(args: &HistoryArgs) -> Budget {
    args.timeout.map_or_else(Budget::unlimited, Budget::within)
}

/// One file, judged in detail.
fn single(args: &HistoryArgs, path: &Path) -> Result<i32, CliError> {
    let name = path.display().to_string();
    let (format, history) = match load(path, args.format)? {
        Loaded::Project(reader) => return versioned(args, &name, reader),
        Loaded::Values(format, history) => (format, history),
    };
    if let Some(to) = args.to {
        convert(&name, &history, to)?;
        return Ok(EXIT_OK);
    }
    let verdict = witness_history::judge_within(&history, &budget(args));
    if let Some(out) = &args.html {
        write_html(args, out, &name, &history, &verdict)?;
    }
    if args.json {
        print_json(&name, format, &verdict)?;
    } else {
        print_text(&name, format, &history, &verdict);
    }
    Ok(exit_code(&verdict))
}

/// A violation is certain whatever the budget left undecided, so it outranks an unknown.
fn exit_code(verdict: &HistoryReport) -> i32 {
    if !verdict.holds() {
        EXIT_VIOLATED
    } else if verdict.undecided().next().is_some() {
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    }
}

fn open(path: &Path) -> Result<Box<dyn BufRead>, CliError> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            std::io::stdin(),
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| CliError::io("read history", path, e))?;
    Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
}

/// The format, from the first buffered bytes (nothing is consumed).
fn detect(reader: &mut Box<dyn BufRead>, path: &Path) -> Result<Format, CliError> {
    let head = reader
        .fill_buf()
        .map_err(|e| CliError::io("read history", path, e))?;
    let name = path.display();
    Format::detect(&String::from_utf8_lossy(head)).ok_or_else(|| {
        CliError::usage(format!(
            "{name}: line 1: expected a Jepsen log line, a JSON object or array, or an EDN map (see docs/cli.md, \"witness history\")"
        ))
    })
}

/// `--to FORMAT`: the history on standard output, judged by nothing.
fn convert(name: &str, history: &History, to: ExportFormat) -> Result<(), CliError> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match to {
        ExportFormat::JepsenJson => witness_history::export::jepsen_json(history, &mut out),
    };
    written.and_then(|()| out.flush()).map_err(|e| {
        let doing = format!("write the conversion of {name} to");
        CliError::io(&doing, Path::new("standard output"), e)
    })
}

fn write_html(
    args: &HistoryArgs,
    out: &std::path::Path,
    name: &str,
    history: &History,
    verdict: &HistoryReport,
) -> Result<(), CliError> {
    if out.exists() && !args.force {
        return Err(CliError::usage(format!(
            "{} exists; pass --force to overwrite it",
            out.display()
        )));
    }
    let page = witness_history::html::render(history, verdict, name);
    std::fs::write(out, page).map_err(|e| CliError::io("write", out, e))
}

fn print_json(name: &str, format: Format, verdict: &HistoryReport) -> Result<(), CliError> {
    let object = serde_json::json!({
        "file": name,
        "format": format,
        "keys": verdict.keys,
        "operations": verdict.operations,
        "properties": verdict.properties,
        "per_key": verdict.per_key,
        "violations": verdict.violations,
        "violation": verdict.violations.first(),
        "undecided": verdict.undecided().map(|k| &k.key).collect::<Vec<_>>(),
    });
    println!("{}", output::to_json(&object, "the verdict")?);
    Ok(())
}

fn print_text(name: &str, format: Format, history: &History, verdict: &HistoryReport) {
    let mut text = format!(
        "history {name} ({format}): {} operations on {} key(s) by {} process(es)\n",
        verdict.operations,
        verdict.keys,
        history.processes().len()
    );
    for p in &verdict.properties {
        let word = witness_history::text::status_word(p.status);
        text += &format!("  {:<20} {word}\n", p.property.name());
    }
    text += &undecided_text(verdict);
    let clean = verdict
        .per_key
        .iter()
        .filter(|k| k.linearizable == Some(true))
        .count();
    if clean > 0 && !verdict.violations.is_empty() {
        text += &format!("  {clean} key(s) linearizable\n");
    }
    text += &witness_history::text::violations(&verdict.violations, true);
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// What the budget left undecided, in one line (nothing when everything was decided).
fn undecided_text(verdict: &HistoryReport) -> String {
    let undecided: Vec<_> = verdict.undecided().collect();
    if undecided.is_empty() {
        return String::new();
    }
    let explored: u64 = undecided.iter().filter_map(|k| k.explored).sum();
    format!(
        "  --timeout reached: {} of {} key(s) undecided after {} configurations explored; linearizability is unknown, not guessed\n",
        undecided.len(),
        verdict.keys,
        output::thousands(usize::try_from(explored).unwrap_or(usize::MAX)),
    )
}

/// The project's versioned events, streamed through the shared monitor (memory does not grow
/// with the number of events). `--to` and `--html` need the events as values, so they keep them.
fn versioned(args: &HistoryArgs, path: &str, reader: Box<dyn BufRead>) -> Result<i32, CliError> {
    let keep = args.to.is_some() || args.html.is_some();
    let (checker, names, kept) = stream_events(path, reader, keep)?;
    if keep {
        let values = witness_history::versioned::from_events(&kept, &names);
        if let Some(to) = args.to {
            convert(path, &values, to)?;
            return Ok(EXIT_OK);
        }
        if let Some(out) = &args.html {
            let judged = witness_history::judge(&values);
            write_html(args, out, path, &values, &judged)?;
        }
    }
    let verdict = checker.finish(names);
    if args.json {
        print_versioned_json(&verdict)?;
    } else {
        print_versioned_text(path, &verdict);
    }
    Ok(if verdict.is_clean() {
        EXIT_OK
    } else {
        EXIT_VIOLATED
    })
}

/// Feeds every event to the monitor, keeping the events themselves only when `keep`.
fn stream_events(
    path: &str,
    reader: Box<dyn BufRead>,
    keep: bool,
) -> Result<(HistoryChecker, Names, Vec<Event>), CliError> {
    let mut names = Names::default();
    let mut checker = HistoryChecker::default();
    let mut kept: Vec<Event> = Vec::new();
    let judged = read_events(reader, &mut names, &mut |event| {
        checker.observe(&event)?;
        if keep {
            kept.push(event);
        }
        Ok(())
    })
    .map_err(|e| match e {
        ReadError::Io(io) => CliError::io("read history", Path::new(path), io),
        ReadError::Syntax { .. } => CliError::usage(format!(
            "{path} is not a history (JSON events, one per line or in an array; see docs/cli.md): {e}"
        )),
    })?;
    if let Err(e) = judged {
        let e: witness_model::properties::HistoryError = e;
        return Err(CliError::usage(format!(
            "{path} is not a well-formed history: {}",
            e.named(&names)
        )));
    }
    Ok((checker, names, kept))
}

fn print_versioned_json(verdict: &HistoryVerdict) -> Result<(), CliError> {
    let mut json = serde_json::to_value(verdict)
        .map_err(|e| CliError::internal(format!("cannot encode the verdict as JSON: {e}")))?;
    json["format"] = serde_json::json!(Format::Project);
    println!("{}", output::to_json(&json, "the verdict")?);
    Ok(())
}

fn print_versioned_text(path: &str, verdict: &HistoryVerdict) {
    let mut text = format!("history {path} (project): {} events\n", verdict.events);
    let state_based = [PropertyId::ReplicaConverges, PropertyId::WitnessSafety];
    for property in PropertyId::always() {
        let line = if state_based.contains(&property) {
            "not judged (needs the system's state, not only its history)"
        } else if verdict.holds(property) {
            "holds"
        } else {
            "VIOLATED"
        };
        text += &format!("  {:<20} {line}\n", property.name());
    }
    for anomaly in &verdict.anomalies {
        text += &format!("  {:<20} found\n", anomaly.name());
    }
    if !verdict.findings.is_empty() {
        text += "\n";
        for finding in &verdict.findings {
            text += &format!(
                "  event {}: {}\n",
                finding.event_index,
                verdict.describe(finding)
            );
        }
    }
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
