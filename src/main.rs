//! `witness`: model-check the witness read barrier from the command line, browse it in the
//! stateright Explorer, and write reports a design review can cite. See docs/cli.md.

mod check;
mod choices;
mod cli;
mod explore;
mod history;
mod interrupt;
mod output;
mod replay;
mod report;
mod reproduce;
mod s3;
mod suite;
mod units;

use clap::Parser;
use cli::{Cli, Command};
use output::CliError;
use std::io::Write;

fn main() {
    exit_quietly_on_closed_pipe();
    let cli = Cli::parse();
    let code = match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", e.message);
            e.code()
        }
    };
    // Flush before exiting: `process::exit` skips destructors, and a piped stdout is buffered.
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

/// `witness history big.jsonl | head` closes stdout early and `println!` then panics. A closed
/// pipe means the reader has all it wanted, so exit the way Unix tools do (128 + SIGPIPE) instead
/// of printing a panic.
fn exit_quietly_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
}

fn dispatch(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        Some(Command::Check(args)) => check::check(&args),
        Some(Command::Suite(args)) => suite::suite(&args),
        Some(Command::Explore(args)) => explore::explore(&args),
        Some(Command::Report(args)) => report::report(&args),
        Some(Command::History(args)) => history::history(&args),
        Some(Command::Replay(args)) => replay::replay(&args),
        Some(Command::Serve(args)) => s3::serve(&args),
        Some(Command::Probe(args)) => s3::probe(&args),
        None => suite::suite(&cli.suite),
    }
}
