//! `witness history FILE`: judge a history recorded anywhere. Value-based histories (Jepsen log
//! lines, Jepsen/elle-cli JSON, EDN) go to witness-history's per-key linearizability checker; the
//! project's own versioned events go to the same property monitor the model and the
//! implementation's tests use.

use crate::cli::{CliError, HistoryArgs};
use crate::output::{EXIT_OK, EXIT_VIOLATED};
use std::io::Read;
use witness_history::{Format, History, Status, Verdict};
use witness_model::history::Event;
use witness_model::properties::{check_history, PropertyId};

pub fn history(args: &HistoryArgs) -> Result<i32, CliError> {
    let name = args.file.display().to_string();
    let text = read_input(args)?;
    let format = match args.format.as_str() {
        "auto" => Format::detect(&text).ok_or_else(|| {
            CliError::usage(format!(
                "{name}: line 1: expected a Jepsen log line, a JSON object or array, or an EDN map (see docs/cli.md, \"witness history\")"
            ))
        })?,
        given => Format::from_name(given)
            .ok_or_else(|| CliError::usage(format!("unknown format {given}")))?,
    };
    if format == Format::Project {
        let events: Vec<Event> = serde_json::from_str(&text).map_err(|e| {
            CliError::usage(format!(
                "{name}: line {}: expected the project's JSON events (see docs/cli.md): {e}",
                e.line()
            ))
        })?;
        if args.to.is_some() {
            convert(&name, &witness_history::versioned::from_events(&events))?;
            return Ok(EXIT_OK);
        }
        return versioned(args, &name, &events);
    }
    let history = witness_history::parse_str(&text, format)
        .map_err(|e| CliError::usage(format!("{name}: {e}")))?;
    if args.to.is_some() {
        convert(&name, &history)?;
        return Ok(EXIT_OK);
    }
    let verdict = witness_history::judge(&history);
    if let Some(out) = &args.html {
        write_html(args, out, &name, &history, &verdict)?;
    }
    if args.json {
        print_json(&name, format, &verdict)?;
    } else {
        print_text(&name, format, &history, &verdict);
    }
    Ok(if verdict.holds() {
        EXIT_OK
    } else {
        EXIT_VIOLATED
    })
}

fn read_input(args: &HistoryArgs) -> Result<String, CliError> {
    let name = args.file.display();
    let mut bytes = Vec::new();
    let read = if args.file.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(&args.file).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    read.map_err(|e| CliError::usage(format!("cannot read history {name}: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        CliError::usage(format!(
            "{name}: expected UTF-8 text, found a byte that is not ({e})"
        ))
    })
}

/// `--to jepsen-json`: the history on standard output, judged by nothing.
fn convert(name: &str, history: &History) -> Result<(), CliError> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    witness_history::export::jepsen_json(history, &mut out)
        .map_err(|e| CliError::usage(format!("cannot write the conversion of {name}: {e}")))
}

fn write_html(
    args: &HistoryArgs,
    out: &std::path::Path,
    name: &str,
    history: &History,
    verdict: &Verdict,
) -> Result<(), CliError> {
    if out.exists() && !args.force {
        return Err(CliError::usage(format!(
            "{} exists; pass --force to overwrite it",
            out.display()
        )));
    }
    let page = witness_history::html::render(history, verdict, name);
    std::fs::write(out, page)
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", out.display())))
}

fn print_json(name: &str, format: Format, verdict: &Verdict) -> Result<(), CliError> {
    let object = serde_json::json!({
        "file": name,
        "format": format,
        "keys": verdict.keys,
        "operations": verdict.operations,
        "properties": verdict.properties,
        "per_key": verdict.per_key,
        "violations": verdict.violations,
        "violation": verdict.violations.first(),
    });
    let text = serde_json::to_string_pretty(&object)
        .map_err(|e| CliError::usage(format!("cannot encode the verdict as JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

fn print_text(name: &str, format: Format, history: &History, verdict: &Verdict) {
    println!(
        "history {name} ({format}): {} operations on {} key(s) by {} process(es)",
        verdict.operations,
        verdict.keys,
        history.processes().len()
    );
    for p in &verdict.properties {
        let word = match p.status {
            Status::Holds => "holds",
            Status::Violated => "VIOLATED",
            Status::OrderAmbiguous => "order ambiguous",
        };
        println!("  {:<20} {word}", p.property.name());
    }
    let clean = verdict.per_key.iter().filter(|k| k.linearizable).count();
    if clean > 0 && !verdict.violations.is_empty() {
        println!("  {clean} key(s) linearizable");
    }
    for v in &verdict.violations {
        println!();
        println!(
            "key {}: not linearizable; the smallest window that cannot be linearized is {} operation(s), lines {}–{}:",
            v.key,
            v.window.len(),
            v.lines[0],
            v.lines[1]
        );
        for step in &v.steps {
            println!("  {step}");
        }
        println!("  {}", v.explanation);
    }
}

/// The project's versioned events: the shared monitor (`check_history`).
fn versioned(args: &HistoryArgs, path: &str, events: &[Event]) -> Result<i32, CliError> {
    let verdict = check_history(events)
        .map_err(|e| CliError::usage(format!("{path} is not a well-formed history: {e}")))?;
    if let Some(out) = &args.html {
        let values = witness_history::versioned::from_events(events);
        let judged = witness_history::judge(&values);
        write_html(args, out, path, &values, &judged)?;
    }
    if args.json {
        let mut json = serde_json::to_value(&verdict)
            .map_err(|e| CliError::usage(format!("cannot encode the verdict as JSON: {e}")))?;
        json["format"] = serde_json::json!(Format::Project);
        let text = serde_json::to_string_pretty(&json)
            .map_err(|e| CliError::usage(format!("cannot encode the verdict as JSON: {e}")))?;
        println!("{text}");
    } else {
        println!("history {path} (project): {} events", verdict.events);
        let state_based = [PropertyId::ReplicaConverges, PropertyId::WitnessSafety];
        for property in PropertyId::always() {
            let line = if state_based.contains(&property) {
                "not judged (needs the system's state, not only its history)".to_string()
            } else if verdict.holds(property) {
                "holds".to_string()
            } else {
                "VIOLATED".to_string()
            };
            println!("  {:<20} {line}", property.name());
        }
        for anomaly in &verdict.anomalies {
            println!("  {:<20} found", anomaly.name());
        }
        if !verdict.findings.is_empty() {
            println!();
            for finding in &verdict.findings {
                println!("  event {}: {finding}", finding.event_index);
            }
        }
    }
    Ok(if verdict.is_clean() {
        EXIT_OK
    } else {
        EXIT_VIOLATED
    })
}
