//! `witness`: model-check the witness read barrier from the command line, browse it in the
//! stateright Explorer, and write reports a design review can cite. See docs/cli.md.

mod cli;
mod explore;
mod history;
mod output;
mod replay;
mod report;
mod s3;
mod suite;

use clap::Parser;
use cli::{CheckArgs, Cli, CliError, Command};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use witness_model::check::run;
use witness_model::system::{Mode, WitnessCfg};

fn main() {
    exit_quietly_on_closed_pipe();
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
        Some(Command::Check(args)) => check(&args),
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
    let base = args.cfg()?;
    let opts = args.options()?;
    let modes = args.protocol.check_modes()?;
    let mut cfgs = Vec::new();
    for mode in modes {
        let cfg = WitnessCfg {
            mode,
            ..base.clone()
        };
        cfg.validate()?;
        cfgs.push(cfg);
    }
    if let Some(warning) = output::state_space_warning(&base) {
        eprintln!("{warning}");
    }
    let interrupt = interrupt_flag();
    let mut reports = Vec::new();
    for cfg in &cfgs {
        if interrupt.load(Ordering::Relaxed) {
            break;
        }
        let command = cli::command_line(
            &std::iter::once("check".to_string())
                .chain(cli::cfg_args(&args.config.config, cfg))
                .chain(search_args(&opts))
                .collect::<Vec<_>>(),
        );
        let mut progress = output::ProgressLine::new(cfg.mode.name());
        let report = run(cfg, &opts, Some(Arc::clone(&interrupt)), &mut |p| {
            progress.update(p)
        })?;
        progress.finish();
        if !args.run.json {
            print!("{}", output::render_check(&report, &command));
            if cfgs.len() > 1 {
                println!();
            }
        }
        reports.push((cfg.clone(), report));
    }
    if args.run.json {
        let encoded = if cfgs.len() == 1 {
            reports
                .first()
                .map(|(_, r)| serde_json::to_string_pretty(r))
                .transpose()
        } else {
            let all: Vec<_> = reports.iter().map(|(_, r)| r).collect();
            serde_json::to_string_pretty(&all).map(Some)
        };
        let json = encoded
            .map_err(|e| CliError::usage(format!("cannot encode the report as JSON: {e}")))?;
        if let Some(json) = json {
            println!("{json}");
        }
    }
    if cfgs.len() == 1 {
        return Ok(reports
            .first()
            .map_or(output::EXIT_INCOMPLETE, |(_, r)| output::check_exit_code(r)));
    }
    Ok(demo_exit_code(&reports))
}

/// The search flags that change what a run explores (the thread count does not).
fn search_args(opts: &witness_model::check::CheckOptions) -> Vec<String> {
    use witness_model::check::Strategy;
    let mut args = Vec::new();
    match opts.strategy {
        Strategy::Bfs => {}
        Strategy::Dfs => args.extend(["--strategy".into(), "dfs".into()]),
        Strategy::Simulation => {
            args.extend(["--strategy".into(), "simulation".into()]);
            args.extend(["--seed".into(), opts.seed.to_string()]);
        }
    }
    if !opts.symmetry {
        args.push("--no-symmetry".into());
    }
    if let Some(timeout) = opts.timeout {
        args.extend(["--timeout".into(), format!("{}ms", timeout.as_millis())]);
    }
    if let Some(bytes) = opts.max_memory_bytes {
        args.extend(["--max-memory".into(), bytes.to_string()]);
    }
    args
}

/// `check` without --mode: success means strong mode proved every always-property and eventual
/// mode showed exactly the violations and anomalies docs/verdicts.md expects of it.
fn demo_exit_code(reports: &[(WitnessCfg, witness_model::check::CheckReport)]) -> i32 {
    let mut code = output::EXIT_OK;
    if reports.len() < 2 || reports.iter().any(|(_, r)| !r.complete) {
        code = output::EXIT_INCOMPLETE;
    }
    for (cfg, report) in reports {
        let wrong = match cfg.mode {
            Mode::Strong => report.any_violated(),
            Mode::Eventual => !suite::compare(cfg, report).is_empty(),
        };
        if wrong {
            if cfg.mode == Mode::Eventual {
                eprintln!("eventual mode did not show the anomalies docs/verdicts.md expects");
            }
            code = output::EXIT_VIOLATED;
        }
    }
    code
}
