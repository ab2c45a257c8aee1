//! `witness suite`: every mode × variant × mutant on one configuration, one row each, compared
//! with the expected verdicts of `witness_model::expected` (documented in docs/verdicts.md).

use crate::cli::SuiteArgs;
use crate::output::{self, thousands, CliError, EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATED};
use crate::reproduce;
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use witness_model::check::{run, CheckOptions, CheckReport, PropertyResult, Verdict};
use witness_model::expected::{self, Unreachable};
use witness_model::properties::{Guarantee, PropertyId};
use witness_model::system::{ConfigName, WitnessCfg};

/// One property whose verdict differs from the expected one.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Mismatch {
    pub property: PropertyId,
    pub expected: Verdict,
    pub actual: Verdict,
}

/// A suite row: the check report plus how to reproduce it and how it compares.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SuiteRun {
    #[serde(flatten)]
    pub report: CheckReport,
    /// The `witness check` command line that reproduces this run.
    pub command: String,
    /// Verdicts that differ from the expected ones (`unknown` verdicts of a run stopped early are
    /// not counted here: they are not an answer).
    pub mismatches: Vec<Mismatch>,
}

/// The verdicts of `report` that differ from those expected of `cfg`
/// (`witness_model::expected::expected_verdict`: the default configuration's row, less what `cfg`
/// cannot reach).
pub fn compare(cfg: &WitnessCfg, report: &CheckReport) -> Vec<Mismatch> {
    report
        .properties
        .iter()
        .filter(|r| r.verdict != Verdict::Unknown)
        .filter_map(|r| {
            let expected = expected::expected_verdict(cfg, r.property);
            (expected != r.verdict).then_some(Mismatch {
                property: r.property,
                expected,
                actual: r.verdict,
            })
        })
        .collect()
}

/// The runs a suite makes, after the row filter, each with its full configuration.
pub fn planned_rows(args: &SuiteArgs) -> Result<Vec<WitnessCfg>, CliError> {
    let base = args.config.base();
    let mut rows = Vec::new();
    for cfg in expected::suite_cfgs(&base) {
        if args.filter.keeps(&cfg) {
            cfg.validate()?;
            rows.push(cfg);
        }
    }
    if rows.is_empty() {
        return Err(CliError::usage(
            "no suite row matches the given --mode/--variant/--mutant filters",
        ));
    }
    Ok(rows)
}

/// The checker's options for every row.
pub fn suite_options(args: &SuiteArgs) -> Result<CheckOptions, CliError> {
    let opts = CheckOptions {
        threads: args.run.threads,
        timeout: args.run.timeout,
        symmetry: !args.run.no_symmetry,
        fingerprint_bits: args.run.fingerprint_bits,
        ..CheckOptions::default()
    };
    opts.validate()?;
    Ok(opts)
}

pub struct SuiteOutcome {
    pub runs: Vec<SuiteRun>,
    /// Rows not run because of Ctrl-C.
    pub skipped: usize,
    pub interrupted: bool,
}

impl SuiteOutcome {
    pub fn mismatch_count(&self) -> usize {
        self.runs.iter().map(|r| r.mismatches.len()).sum()
    }

    pub fn all_complete(&self) -> bool {
        self.skipped == 0 && self.runs.iter().all(|r| r.report.complete)
    }

    pub fn exit_code(&self) -> i32 {
        if self.mismatch_count() > 0 {
            EXIT_VIOLATED
        } else if !self.all_complete() {
            EXIT_INCOMPLETE
        } else {
            EXIT_OK
        }
    }
}

/// Runs the rows in order, calling `on_row` as each completes (rows take seconds to a minute;
/// users see the table grow).
pub fn run_suite(
    args: &SuiteArgs,
    on_row: &mut dyn FnMut(usize, usize, &SuiteRun),
) -> Result<SuiteOutcome, CliError> {
    let rows = planned_rows(args)?;
    let opts = suite_options(args)?;
    for cfg in &rows {
        if let Some(warning) = output::state_space_warning(cfg) {
            eprintln!("{warning}");
            break;
        }
    }
    // A row's command runs it to completion: the suite's timeout bounds the suite, not the row.
    let reproduced = CheckOptions {
        timeout: None,
        ..opts.clone()
    };
    let interrupt = crate::interrupt::flag();
    let mut runs = Vec::new();
    let total = rows.len();
    for (index, cfg) in rows.iter().enumerate() {
        if interrupt.load(Ordering::Relaxed) {
            return Ok(SuiteOutcome {
                skipped: total - index,
                runs,
                interrupted: true,
            });
        }
        let label = format!("[{}/{total}] {} ", index + 1, row_label(cfg));
        let mut progress = output::ProgressLine::new(label);
        let report = run(cfg, &opts, Some(Arc::clone(&interrupt)), &mut |p| {
            progress.update(p)
        })?;
        progress.finish();
        // A row that runs on its mutant's home configuration is reproduced from that one.
        let name = cfg
            .mutant
            .and_then(expected::home_config)
            .unwrap_or(args.config.name());
        let command = reproduce::check_command(name, cfg, &reproduced)?;
        let mismatches = compare(cfg, &report);
        let row = SuiteRun {
            report,
            command,
            mismatches,
        };
        on_row(index, total, &row);
        runs.push(row);
    }
    Ok(SuiteOutcome {
        runs,
        skipped: 0,
        interrupted: interrupt.load(Ordering::Relaxed),
    })
}

/// Short column headers, under their group's title: the always-properties by initials, the
/// anomalies by the brief's ids.
pub fn legend() -> Vec<String> {
    let mut lines = Vec::new();
    for group in Guarantee::ALL {
        lines.push(format!("{}:", group.title()));
        for p in group.properties() {
            lines.push(format!("  {:4} {}: {}", p.column(), p.name(), p.summary()));
        }
    }
    lines
}

/// A variant name without its axis (`witness-after-commit` → `after-commit`, `repair-if-newer` →
/// `if-newer`): the table's column is narrow and the axis is clear from the position.
fn without_axis(name: &'static str) -> &'static str {
    name.split_once('-').map_or(name, |(_axis, rest)| rest)
}

/// A row's name in the table: mode and variant, or the mutant (mutant rows use the default
/// variant).
pub fn row_label(cfg: &WitnessCfg) -> String {
    match cfg.mutant {
        Some(m) => format!("{} mutant {m}", cfg.mode),
        None => {
            let mut label = format!(
                "{} {} {}",
                cfg.mode,
                without_axis(cfg.variant.witness_order.name()),
                without_axis(cfg.variant.repair.name())
            );
            if cfg.variant.barrier.records_seq() {
                label = format!("{label} {}", cfg.variant.barrier);
            }
            label
        }
    }
}

/// ✓ holds, ✗N violated (shortest counterexample N steps), found, – not found, ? unknown; a
/// trailing ! marks a verdict that differs from the expected one.
pub fn cell(result: &PropertyResult, mismatched: bool) -> String {
    let text = match result.verdict {
        Verdict::Holds => "✓".to_string(),
        Verdict::Violated => match output::trace_steps(result) {
            0 => "✗".to_string(),
            steps => format!("✗{steps}"),
        },
        Verdict::Found => "found".to_string(),
        Verdict::NotFound => "–".to_string(),
        Verdict::Unknown => "?".to_string(),
    };
    if mismatched {
        format!("{text}!")
    } else {
        text
    }
}

/// A row's cells, in the columns' order ([`PropertyId::by_guarantee`]).
pub fn row_cells(run: &SuiteRun) -> Vec<String> {
    PropertyId::by_guarantee()
        .map(|p| {
            let mismatched = run.mismatches.iter().any(|m| m.property == p);
            run.report
                .result(p)
                .map_or("?".to_string(), |r| cell(r, mismatched))
        })
        .collect()
}

const LABEL_WIDTH: usize = 44;
const CELL_WIDTH: usize = 6;

fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

/// Opens each group's columns in the table.
const GROUP_SEPARATOR: &str = "│ ";

/// `cells` (one per column, in [`PropertyId::by_guarantee`]'s order) with a separator before each
/// group's first column.
fn grouped_cells(cells: &[String]) -> String {
    let mut line = String::new();
    let mut group = None;
    for (p, text) in PropertyId::by_guarantee().zip(cells) {
        if group != Some(p.guarantee()) {
            line.push_str(GROUP_SEPARATOR);
            group = Some(p.guarantee());
        }
        line.push_str(&pad(text, CELL_WIDTH));
    }
    line
}

/// Two lines: the groups' short titles over their columns, then the columns.
pub fn table_header() -> String {
    let mut groups = pad("", LABEL_WIDTH);
    for group in Guarantee::ALL {
        let width = group.properties().count() * CELL_WIDTH;
        groups.push_str(GROUP_SEPARATOR);
        groups.push_str(&pad(group.short_title(), width));
    }
    let columns: Vec<String> = PropertyId::by_guarantee()
        .map(|p| p.column().to_string())
        .collect();
    let mut line = pad("run", LABEL_WIDTH);
    line.push_str(&grouped_cells(&columns));
    line.push_str("   states       time");
    format!("{}\n{line}", groups.trim_end())
}

pub fn table_row(run: &SuiteRun) -> String {
    let mut line = pad(&row_label(&run.report.config), LABEL_WIDTH);
    line.push_str(&grouped_cells(&row_cells(run)));
    let complete = if run.report.complete {
        ""
    } else {
        " (stopped early)"
    };
    line.push_str(&format!(
        " {:>10} {:>9.1}s{complete}",
        thousands(run.report.unique_states),
        run.report.seconds
    ));
    line
}

pub fn mismatch_lines(runs: &[SuiteRun]) -> Vec<String> {
    let mut lines = Vec::new();
    for run in runs {
        for m in &run.mismatches {
            lines.push(format!(
                "{}: {} expected {}, got {}",
                row_label(&run.report.config),
                m.property,
                m.expected,
                m.actual
            ));
        }
    }
    lines
}

/// Each row in one line: its label and its [`CheckReport::guarantee_summary`].
pub fn row_summaries(runs: &[SuiteRun]) -> String {
    let labels: Vec<String> = runs.iter().map(|r| row_label(&r.report.config)).collect();
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (label, run) in labels.iter().zip(runs) {
        out.push_str(&format!(
            "  {}  {}\n",
            pad(label, width),
            run.report.guarantee_summary()
        ));
    }
    out
}

/// The closing lines of the suite: each row in one line, the mismatch list and what the exit code
/// means.
pub fn summary(args: &SuiteArgs, outcome: &SuiteOutcome) -> String {
    let mut out = String::new();
    if !outcome.runs.is_empty() {
        out.push_str("\nin short:\n");
        out.push_str(&row_summaries(&outcome.runs));
    }
    let mismatches = mismatch_lines(&outcome.runs);
    let seconds: f64 = outcome.runs.iter().map(|r| r.report.seconds).sum();
    if mismatches.is_empty() {
        out.push_str(&format!(
            "\nevery verdict matches the expected one ({} runs, {seconds:.1}s)\n",
            outcome.runs.len()
        ));
    } else {
        out.push_str(&format!(
            "\n{} verdict(s) differ from the expected ones (docs/verdicts.md):\n",
            mismatches.len()
        ));
        for line in mismatches {
            out.push_str(&format!("  {line}\n"));
        }
    }
    let unknown = outcome.runs.iter().filter(|r| !r.report.complete).count();
    if unknown > 0 {
        out.push_str(&format!(
            "{unknown} run(s) stopped early: their `?` verdicts are not answers\n"
        ));
    }
    if outcome.skipped > 0 {
        out.push_str(&format!(
            "interrupted: {} run(s) not started\n",
            outcome.skipped
        ));
    }
    if args.config.base() != ConfigName::Default.cfg() {
        out.push_str(
            "note: the expected verdicts are those of --config default, less what this \
             configuration cannot reach; on another configuration a difference may still be \
             legitimate (some anomalies need evictions or a second client)\n",
        );
    }
    let mut claims: Vec<Unreachable> = Vec::new();
    for claim in outcome
        .runs
        .iter()
        .flat_map(|r| expected::unreachable(&r.report.config))
    {
        if !claims.contains(&claim) {
            claims.push(claim);
        }
    }
    out.push_str(&output::unreachable_block(&claims));
    out
}

pub fn suite(args: &SuiteArgs) -> Result<i32, CliError> {
    let json = args.run.json;
    // Bad input fails before any output: the table header would suggest a run that never starts.
    planned_rows(args)?;
    suite_options(args)?;
    if !json {
        println!(
            "witness suite on {}: {}",
            args.config.name(),
            output::describe_cfg(&args.config.base())
        );
        for line in legend() {
            println!("  {line}");
        }
        println!("  cells: ✓ holds, ✗N violated (shortest counterexample: N steps), found, – not found, ? unknown; ! differs from expected\n");
        println!("{}", table_header());
    }
    let outcome = run_suite(args, &mut |index, total, run| {
        if json {
            eprintln!(
                "[{}/{total}] {}: {}; {} mismatch(es)",
                index + 1,
                row_label(&run.report.config),
                run.report.guarantee_summary(),
                run.mismatches.len()
            );
        } else {
            println!("{}", table_row(run));
        }
    })?;
    if json {
        let runs = output::to_json(&outcome.runs, "the suite")?;
        println!("{runs}");
        eprint!("{}", summary(args, &outcome));
    } else {
        print!("{}", summary(args, &outcome));
    }
    Ok(outcome.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_group_title_sits_over_its_columns() {
        let header = table_header();
        let (groups, columns) = header.split_once('\n').expect("two header lines");
        let separators = |line: &str| -> Vec<usize> {
            line.chars()
                .enumerate()
                .filter(|&(_, c)| c == '│')
                .map(|(at, _)| at)
                .collect()
        };
        assert_eq!(separators(groups).len(), Guarantee::ALL.len());
        assert_eq!(separators(groups), separators(columns), "{header}");
        for group in Guarantee::ALL {
            // Narrower than its columns, so a space stays before the next separator.
            let width = group.properties().count() * CELL_WIDTH;
            assert!(group.short_title().len() < width, "{group:?}");
        }
    }
}
