//! `witness history FILE`: the same property checkers the model and the implementation's tests
//! use, applied to a history recorded anywhere else.

use crate::cli::{CliError, HistoryArgs};
use crate::output::{EXIT_OK, EXIT_VIOLATED};
use std::io::BufReader;
use witness_model::properties::{check_history_stream, PropertyId, StreamError};

pub fn history(args: &HistoryArgs) -> Result<i32, CliError> {
    let path = args.file.display();
    // Streamed: memory stays flat however long the history (docs/cli.md).
    let judged = if args.file.as_os_str() == "-" {
        check_history_stream(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&args.file)
            .map_err(|e| CliError::usage(format!("cannot read history {path}: {e}")))?;
        check_history_stream(BufReader::with_capacity(1 << 16, file))
    };
    let verdict = judged.map_err(|e| match e {
        StreamError::Read(e) => CliError::usage(format!(
            "{path} is not a history (JSON events, one per line or in an array; see docs/cli.md): {e}"
        )),
        StreamError::Malformed(e) => {
            CliError::usage(format!("{path} is not a well-formed history: {e}"))
        }
    })?;
    if args.json {
        let json = serde_json::to_string_pretty(&verdict)
            .map_err(|e| CliError::usage(format!("cannot encode the verdict as JSON: {e}")))?;
        println!("{json}");
    } else {
        println!("history {path}: {} events", verdict.events);
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
                println!(
                    "  event {}: {}",
                    finding.event_index,
                    verdict.describe(finding)
                );
            }
        }
    }
    Ok(if verdict.is_clean() {
        EXIT_OK
    } else {
        EXIT_VIOLATED
    })
}
