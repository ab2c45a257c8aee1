//! `witness report --out DIR`: the suite as a Markdown report and its JSON twin, for design
//! reviews. A report says what was proved, on which configuration, with how many states, on
//! which commit, and the exact command that reproduces each run.

use crate::cli::{self, CliError, ReportArgs};
use crate::output::{self, thousands};
use crate::suite::{self, SuiteRun};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use witness_model::check::Verdict;
use witness_model::properties::PropertyId;
use witness_model::system::{Faults, OpMix, WitnessCfg};

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
    pub configuration: String,
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
    if customized {
        format!("suite-{}-custom", args.suite.config.config)
    } else {
        format!("suite-{}", args.suite.config.config)
    }
}

/// Makes sure the report can be written before minutes of checking: the directory exists and
/// takes files, and no existing report is overwritten without `--force`.
fn prepare(dir: &Path, targets: &[PathBuf], force: bool) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::usage(format!("cannot create --out {}: {e}", dir.display())))?;
    let probe = dir.join(format!(".witness-write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .map_err(|e| CliError::usage(format!("cannot write to --out {}: {e}", dir.display())))?;
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
    let base = args.suite.config.base()?;
    let customized = WitnessCfg::named(&args.suite.config.config).ok().as_ref() != Some(&base);
    let stem = file_stem(args, customized);
    let md_path = args.out.join(format!("{stem}.md"));
    let json_path = args.out.join(format!("{stem}.json"));
    // Validate the arguments (sizes, filters, threads) before touching the file system.
    suite::planned_rows(&args.suite)?;
    suite::suite_options(&args.suite)?;
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
    let mut command_args = vec![
        "report".to_string(),
        "--out".to_string(),
        args.out.display().to_string(),
    ];
    command_args.extend(cli::base_args(&args.suite.config.config, &base));
    command_args.extend(args.suite.filter.to_args());
    if let Some(t) = args.suite.run.timeout {
        command_args.extend(["--timeout".to_string(), format!("{}ms", t.as_millis())]);
    }
    if args.suite.run.no_symmetry {
        command_args.push("--no-symmetry".to_string());
    }
    let proof = ProofReport {
        versions: Versions {
            witness: env!("CARGO_PKG_VERSION").to_string(),
            witness_model: WITNESS_MODEL_VERSION.to_string(),
            stateright: STATERIGHT_VERSION.to_string(),
        },
        git: git_info(),
        generated_at: utc_now(),
        configuration: args.suite.config.config.clone(),
        customized,
        config: SuiteConfig::from(&base),
        description: output::describe_cfg(&base),
        command: cli::command_line(&command_args),
        threads: args.suite.run.threads,
        timeout_seconds: args.suite.run.timeout.map(|t| t.as_secs_f64()),
        all_match: outcome.mismatch_count() == 0 && outcome.all_complete(),
        complete: outcome.all_complete(),
        mismatches: suite::mismatch_lines(&outcome.runs),
        runs: outcome.runs.clone(),
    };
    let json = serde_json::to_string_pretty(&proof)
        .map_err(|e| CliError::usage(format!("cannot encode the report as JSON: {e}")))?;
    let markdown = markdown(&proof, args.suite.filter.is_empty());
    write(&json_path, &(json + "\n"))?;
    write(&md_path, &markdown)?;
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

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text)
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", path.display())))
}

fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Holds => "holds",
        Verdict::Violated => "**violated**",
        Verdict::Found => "found",
        Verdict::NotFound => "not found",
        Verdict::Unknown => "unknown (stopped early)",
    }
}

/// The Markdown report. Everything in it comes from `proof`, so the JSON twin carries the same
/// facts.
pub fn markdown(proof: &ProofReport, full_suite: bool) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Witness proof report: configuration `{}`{}\n",
        proof.configuration,
        if proof.customized {
            " (customized)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        md,
        "Generated by `witness` {} (witness-model {}, stateright {}) at {}.\n",
        proof.versions.witness,
        proof.versions.witness_model,
        proof.versions.stateright,
        proof.generated_at
    );
    let commit = match (&proof.git.commit, proof.git.dirty) {
        (Some(c), Some(true)) => format!("`{c}`, with uncommitted changes (dirty tree)"),
        (Some(c), _) => format!("`{c}` (clean tree)"),
        (None, _) => {
            "unknown (the binary's source checkout is not a git repository here)".to_string()
        }
    };
    let _ = writeln!(md, "- Commit: {commit}");
    let _ = writeln!(md, "- Configuration: {}", proof.description);
    let _ = writeln!(md, "- Regenerate: `{}`", proof.command);
    let _ = writeln!(md, "- Checker: breadth-first search, {} thread(s); state counts do not depend on the thread count, and every counterexample is re-derived as a shortest one.", proof.threads);
    let status = if proof.all_match {
        format!(
            "every run complete and every verdict as expected ({} runs{})",
            proof.runs.len(),
            if full_suite { "" } else { ", filtered" }
        )
    } else if !proof.complete {
        "some runs stopped early; `?` verdicts are not answers".to_string()
    } else {
        format!(
            "{} verdict(s) differ from the expected ones",
            proof.mismatches.len()
        )
    };
    let _ = writeln!(md, "- Result: {status}\n");

    let _ = writeln!(md, "## Summary\n");
    let mut header = "| run |".to_string();
    let mut rule = "|---|".to_string();
    for p in PropertyId::ALL {
        let _ = write!(header, " {} |", p.column());
        rule.push_str(":-:|");
    }
    header.push_str(" unique states | depth | time |");
    rule.push_str("--:|--:|--:|");
    let _ = writeln!(md, "{header}\n{rule}");
    for run in &proof.runs {
        let mut line = format!("| {} |", suite::row_label(&run.report.config));
        for c in suite::row_cells(run) {
            let _ = write!(line, " {c} |");
        }
        let _ = write!(
            line,
            " {} | {} | {:.1}s |",
            thousands(run.report.unique_states),
            run.report.max_depth,
            run.report.seconds
        );
        let _ = writeln!(md, "{line}");
    }
    let _ = writeln!(md, "\nCells: ✓ holds (exhaustively), ✗N violated (shortest counterexample: N steps), found (an example exists), – not found (exhaustively), ? unknown (stopped early); a trailing ! marks a verdict that differs from the expected one (docs/verdicts.md).\n");
    let _ = writeln!(
        md,
        "| column | property | expectation | meaning |\n|---|---|---|---|"
    );
    for p in PropertyId::ALL {
        let _ = writeln!(
            md,
            "| {} | `{}` | {} | {} |",
            p.column(),
            p.name(),
            format!("{:?}", p.expectation()).to_lowercase(),
            p.summary()
        );
    }
    if !proof.mismatches.is_empty() {
        let _ = writeln!(md, "\n### Verdicts that differ from the expected ones\n");
        for m in &proof.mismatches {
            let _ = writeln!(md, "- {m}");
        }
    }

    let _ = writeln!(md, "\n## Runs");
    for run in &proof.runs {
        let r = &run.report;
        let cfg = &r.config;
        let _ = writeln!(md, "\n### {}\n", suite::row_label(cfg));
        let _ = writeln!(
            md,
            "{}.\n",
            output::describe_run(&r.mode, &r.variant, r.mutant.as_deref())
        );
        let _ = writeln!(md, "- Reproduce: `{}`", run.command);
        let _ = writeln!(
            md,
            "- Explored: {} unique states ({} total), max depth {}, {:.1}s, {}",
            thousands(r.unique_states),
            thousands(r.total_states),
            r.max_depth,
            r.seconds,
            if r.complete {
                "complete"
            } else {
                "stopped early"
            }
        );
        let _ = writeln!(
            md,
            "- Expected: {}\n",
            suite::expected_why(cfg.mode, cfg.variant, cfg.mutant)
        );
        let _ = writeln!(md, "| property | verdict | expected |\n|---|---|---|");
        for result in &r.properties {
            let expected =
                suite::expected_verdict(cfg.mode, cfg.variant, cfg.mutant, result.property);
            let steps = match result.verdict {
                Verdict::Violated | Verdict::Found => {
                    format!(" ({})", output::steps_text(result))
                }
                _ => String::new(),
            };
            let differs = expected != result.verdict && result.verdict != Verdict::Unknown;
            let _ = writeln!(
                md,
                "| `{}` | {}{steps} | {}{} |",
                result.property,
                verdict_word(result.verdict),
                verdict_word(expected),
                if differs { " ⚠ differs" } else { "" }
            );
        }
        for result in r.properties.iter().filter(|p| !p.trace.is_empty()) {
            let what = if result.verdict == Verdict::Violated {
                "Counterexample"
            } else {
                "Example"
            };
            let length = match output::trace_steps(result) {
                0 => "no path: the run stopped before it was derived".to_string(),
                steps => format!("{steps} steps, shortest"),
            };
            let _ = writeln!(
                md,
                "\n{what} for `{}` ({length}):\n\n```text",
                result.property
            );
            for line in &result.trace {
                let _ = writeln!(md, "{line}");
            }
            let _ = writeln!(md, "```");
        }
    }
    md
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
