//! `witness report --out DIR`: the suite as a Markdown report and its JSON twin, for design
//! reviews. A report says what was proved, on which configuration, with how many states, on
//! which commit, and the exact command that reproduces each run.

mod markdown;

use crate::cli::ReportArgs;
use crate::output::{self, thousands, CliError};
use crate::reproduce;
use crate::suite::{self, SuiteOutcome, SuiteRun};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use witness_model::system::{ConfigName, Faults, OpMix, WitnessCfg};

/// The checker crate the proofs were run with. Pinned in the workspace (see docs/design.md); a
/// unit test keeps this in step with Cargo.lock.
pub const STATERIGHT_VERSION: &str = "0.30.2";
/// The model crate shares the workspace's version line; checked against Cargo.lock too.
pub const WITNESS_MODEL_VERSION: &str = "0.1.0";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Versions {
    pub witness: String,
    pub witness_model: String,
    pub stateright: String,
}

/// The commit the proofs were run on; `None` where git or a repository is not available.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct GitInfo {
    pub commit: Option<String>,
    /// Uncommitted changes existed: the proofs may not be of `commit` exactly.
    pub dirty: Option<bool>,
}

/// The sizes and faults shared by every run of the suite (mode, variant, mutant vary per run).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SuiteConfig {
    pub clients: u8,
    pub cache_nodes: u8,
    pub keys: u8,
    pub ops_per_client: u8,
    pub ops: OpMix,
    pub faults: Faults,
}

impl From<&WitnessCfg> for SuiteConfig {
    fn from(cfg: &WitnessCfg) -> SuiteConfig {
        SuiteConfig {
            clients: cfg.clients,
            cache_nodes: cfg.cache_nodes,
            keys: cfg.keys,
            ops_per_client: cfg.ops_per_client,
            ops: cfg.ops,
            faults: cfg.faults,
        }
    }
}

/// The JSON twin of the Markdown report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProofReport {
    pub versions: Versions,
    pub git: GitInfo,
    /// UTC, RFC 3339.
    pub generated_at: String,
    /// The named configuration the runs start from (`--config`), and whether flags changed it.
    pub configuration: ConfigName,
    pub customized: bool,
    pub config: SuiteConfig,
    pub description: String,
    /// The command that regenerates this report.
    pub command: String,
    pub threads: usize,
    pub timeout_seconds: Option<f64>,
    /// Every run complete and every verdict as expected.
    pub all_match: bool,
    pub complete: bool,
    pub mismatches: Vec<String>,
    pub runs: Vec<SuiteRun>,
}

/// Runs git in the checkout the binary was built from, so a report names the commit of the code
/// that produced it even when `witness` runs from another directory.
fn git(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn git_info() -> GitInfo {
    let commit = git(&["rev-parse", "HEAD"]).map(|s| s.trim().to_string());
    let dirty = commit
        .as_ref()
        // Untracked files (scratch notes, a benchmark log) are not part of the build.
        .and_then(|_| git(&["status", "--porcelain", "--untracked-files=no"]))
        .map(|s| !s.trim().is_empty());
    GitInfo { commit, dirty }
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm); avoids a date crate for
/// one timestamp.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

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
            "[{}/{total}] {}: {} states, {:.1}s, {} mismatch(es)",
            index + 1,
            suite::row_label(&run.report.config),
            thousands(run.report.unique_states),
            run.report.seconds,
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
        git: git_info(),
        generated_at: utc_now(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_match_cargo_lock() {
        let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
            .expect("Cargo.lock at the workspace root");
        for (name, version) in [
            ("stateright", STATERIGHT_VERSION),
            ("witness-model", WITNESS_MODEL_VERSION),
        ] {
            let entry = format!("name = \"{name}\"\nversion = \"{version}\"");
            assert!(lock.contains(&entry), "Cargo.lock has no {entry}");
        }
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
