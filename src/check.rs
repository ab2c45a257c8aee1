//! `witness check`: one run; or, without `--mode`, the README's main job: strong mode's proof,
//! then eventual mode's anomalies.

use crate::cli::CheckArgs;
use crate::output::{self, CliError};
use crate::reproduce;
use crate::suite;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use witness_model::check::{run, CheckOptions, CheckReport};
use witness_model::system::{Mode, WitnessCfg};

pub fn check(args: &CheckArgs) -> Result<i32, CliError> {
    let base = args.cfg()?;
    let opts = args.options()?;
    let mut cfgs = Vec::new();
    for mode in args.protocol.check_modes() {
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
    let reports = run_each(args, &cfgs, &opts)?;
    if args.run.json {
        print_json(&reports, cfgs.len())?;
    }
    if cfgs.len() == 1 {
        return Ok(reports
            .first()
            .map_or(output::EXIT_INCOMPLETE, |(_, r)| output::check_exit_code(r)));
    }
    Ok(demo_exit_code(&reports))
}

/// Runs the configurations in order, printing each report as text as it completes (unless
/// `--json`); stops before the next one after Ctrl-C.
fn run_each(
    args: &CheckArgs,
    cfgs: &[WitnessCfg],
    opts: &CheckOptions,
) -> Result<Vec<(WitnessCfg, CheckReport)>, CliError> {
    let interrupt = crate::interrupt::flag();
    let mut reports = Vec::new();
    for cfg in cfgs {
        if interrupt.load(Ordering::Relaxed) {
            break;
        }
        let command = reproduce::check_command(args.config.name(), cfg, opts)?;
        let mut progress = output::ProgressLine::new(cfg.mode.name());
        let report = run(cfg, opts, Some(Arc::clone(&interrupt)), &mut |p| {
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
    Ok(reports)
}

/// One run: its object; the main job: an array of its runs.
fn print_json(reports: &[(WitnessCfg, CheckReport)], planned: usize) -> Result<(), CliError> {
    let runs: Vec<&CheckReport> = reports.iter().map(|(_, r)| r).collect();
    let json = match (planned, runs.first()) {
        (1, Some(only)) => output::to_json(only, "the report")?,
        (1, None) => return Ok(()),
        _ => output::to_json(&runs, "the report")?,
    };
    println!("{json}");
    Ok(())
}

/// `check` without --mode: success means strong mode proved every always-property and eventual
/// mode showed exactly the violations and anomalies docs/verdicts.md expects of it, less what the
/// configuration cannot reach (`witness_model::expected::unreachable`).
pub fn demo_exit_code(reports: &[(WitnessCfg, CheckReport)]) -> i32 {
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
