//! `witness`: model-check the witness read barrier from the command line, browse it in the
//! stateright Explorer, and write reports a design review can cite. See docs/cli.md.

mod cli;
mod explore;
mod output;
mod report;
mod suite;

use clap::Parser;
use cli::{CheckArgs, Cli, CliError, Command};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use witness_model::check::{run, Strategy};

fn main() {
    let cli = Cli::parse();
    let code = match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", e.message);
            e.code
        }
    };
    // Flush before exiting: `process::exit` skips destructors, and a piped stdout is buffered.
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

fn dispatch(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        Some(Command::Check(args)) => check(&args),
        Some(Command::Suite(args)) => suite::suite(&args),
        Some(Command::Explore(args)) => explore::explore(&args),
        Some(Command::Report(args)) => report::report(&args),
        None => suite::suite(&cli.suite),
    }
}

static INTERRUPT: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The Ctrl-C flag. The first Ctrl-C asks the running check to stop and print what it explored;
/// a second one exits at once, for when even that takes too long.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    Arc::clone(INTERRUPT.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let handler_flag = Arc::clone(&flag);
        let installed = ctrlc::set_handler(move || {
            if handler_flag.swap(true, Ordering::SeqCst) {
                eprintln!("\ninterrupted again: exiting without results");
                std::process::exit(130);
            }
            eprintln!("\ninterrupted: stopping exploration, printing what was found so far (Ctrl-C again to quit)");
        });
        if let Err(e) = installed {
            // Without the handler Ctrl-C still ends the process, only without partial results.
            eprintln!("warning: cannot install the Ctrl-C handler: {e}");
        }
        flag
    }))
}

fn check(args: &CheckArgs) -> Result<i32, CliError> {
    let cfg = args.cfg()?;
    let opts = args.options()?;
    if opts.strategy == Strategy::Simulation {
        // witness_model::check::run stops a run through the model's boundary, which ends each
        // simulated trace but not the simulation itself: a simulation run would never return.
        // Refuse it until the runner stops simulations (reported to the model's owner).
        return Err(CliError::usage(
            "--strategy simulation is not available yet: the runner cannot stop a simulation \
             (use bfs, or dfs with --symmetry)",
        ));
    }
    if let Some(warning) = output::state_space_warning(&cfg) {
        eprintln!("{warning}");
    }
    let command = cli::command_line(
        &std::iter::once("check".to_string())
            .chain(cli::cfg_args(&args.config.config, &cfg))
            .collect::<Vec<_>>(),
    );
    let interrupt = interrupt_flag();
    let mut progress = output::ProgressLine::new("");
    let report = run(&cfg, &opts, Some(Arc::clone(&interrupt)), &mut |p| {
        progress.update(p)
    })?;
    progress.finish();
    if args.run.json {
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::usage(format!("cannot encode the report as JSON: {e}")))?;
        println!("{json}");
    } else {
        print!(
            "{}",
            output::render_check(&report, &command, interrupt.load(Ordering::Relaxed))
        );
    }
    Ok(output::check_exit_code(&report))
}
