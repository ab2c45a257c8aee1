//! `witness report --out DIR`: the suite as a Markdown report and its JSON twin, for design
//! reviews. A report says what was proved, on which configuration, with how many states, on
//! which commit, and the exact command that reproduces each run.

mod markdown;
mod proof;
mod stamp;

use crate::cli::ReportArgs;
use crate::output::{self, thousands, CliError};
use crate::reproduce;
use crate::suite::{self, SuiteOutcome};
use proof::{ProofReport, SuiteConfig, Versions, STATERIGHT_VERSION, WITNESS_MODEL_VERSION};
use std::path::{Path, PathBuf};

fn file_stem(args: &ReportArgs, customized: bool) -> String {
    let name = args.suite.config.name();
    if customized {
        format!("suite-{name}-custom")
    } else {
        format!("suite-{name}")
    }
}

/// Makes sure the report can be written before minutes of checking: the directory exists and
/// takes files, and no existing report is overwritten without `--force`.
fn prepare(dir: &Path, targets: &[PathBuf], force: bool) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| CliError::io("create --out", dir, e))?;
    let probe = dir.join(format!(".witness-write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| CliError::io("write to --out", dir, e))?;
    let _ = std::fs::remove_file(&probe);
    if !force {
        for target in targets {
            if target.exists() {
                return Err(CliError::usage(format!(
                    "{} exists; pass --force to overwrite it",
                    target.display()
                )));
            }
        }
    }
    Ok(())
}

pub fn report(args: &ReportArgs) -> Result<i32, CliError> {
    let customized = args.suite.config.customized();
    let stem = file_stem(args, customized);
    let md_path = args.out.join(format!("{stem}.md"));
    let json_path = args.out.join(format!("{stem}.json"));
    // Validate the arguments (sizes, filters, threads) before touching the file system.
    suite::planned_rows(&args.suite)?;
    suite::suite_options(&args.suite)?;
    let command = reproduce::report_command(args)?;
    prepare(&args.out, &[md_path.clone(), json_path.clone()], args.force)?;

    let started = std::time::Instant::now();
    let outcome = suite::run_suite(&args.suite, &mut |index, total, run| {
        eprintln!(
            "[{}/{total}] {}: {} states, {:.1}s, {}; {} mismatch(es)",
            index + 1,
            suite::row_label(&run.report.config),
            thousands(run.report.unique_states),
            run.report.seconds,
            run.report.guarantee_summary(),
            run.mismatches.len()
        );
    })?;
    if outcome.interrupted {
        eprintln!("interrupted: no report written");
        return Ok(output::EXIT_INCOMPLETE);
    }
    let proof = proof_report(args, command, &outcome);
    let json = output::to_json(&proof, "the report")?;
    write(&json_path, &(json + "\n"))?;
    write(
        &md_path,
        &markdown::markdown(&proof, args.suite.filter.is_empty()),
    )?;
    println!(
        "wrote {} and {} ({} runs, {:.1}s)",
        md_path.display(),
        json_path.display(),
        proof.runs.len(),
        started.elapsed().as_secs_f64()
    );
    print!("{}", suite::summary(&args.suite, &outcome));
    Ok(outcome.exit_code())
}

/// What the report says, in the JSON's shape; the Markdown is written from it.
fn proof_report(args: &ReportArgs, command: String, outcome: &SuiteOutcome) -> ProofReport {
    let base = args.suite.config.base();
    ProofReport {
        versions: Versions {
            witness: env!("CARGO_PKG_VERSION").to_string(),
            witness_model: WITNESS_MODEL_VERSION.to_string(),
            stateright: STATERIGHT_VERSION.to_string(),
        },
        git: stamp::git_info(),
        generated_at: stamp::utc_now(),
        configuration: args.suite.config.name(),
        customized: args.suite.config.customized(),
        config: SuiteConfig::from(&base),
        description: output::describe_cfg(&base),
        command,
        threads: args.suite.run.threads,
        timeout_seconds: args.suite.run.timeout.map(|t| t.as_secs_f64()),
        all_match: outcome.mismatch_count() == 0 && outcome.all_complete(),
        complete: outcome.all_complete(),
        mismatches: suite::mismatch_lines(&outcome.runs),
        runs: outcome.runs.clone(),
    }
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(|e| CliError::io("write", path, e))
}
