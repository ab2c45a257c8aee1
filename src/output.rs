//! What users read: exit codes and errors, the progress line, the one-line configuration
//! summary, verdict lines and counterexamples, and the warning for configurations a proof cannot
//! finish.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};
use witness_model::check::{CheckReport, Progress, PropertyResult, Verdict};
use witness_model::expected;
use witness_model::properties::{Expectation, PropertyId};
use witness_model::system::config::OpName;
use witness_model::system::{Faults, WitnessCfg};

pub const EXIT_OK: i32 = 0;
/// A property is violated (`suite`: a verdict differs), or a file could not be read or written.
pub const EXIT_VIOLATED: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;
pub const EXIT_INCOMPLETE: i32 = 3;
/// `witness` itself failed on valid input (output it could not encode, say): no verdict.
pub const EXIT_INTERNAL: i32 = 4;

/// What went wrong, which decides the exit code.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ErrorKind {
    /// The user typed something `witness` cannot run (exit 2).
    Usage,
    /// A file or stream could not be read or written (exit 1).
    Io,
    /// `witness` failed on valid input (exit 4).
    Internal,
}

/// A failure the user can act on: one line on stderr and a documented exit code.
#[derive(Debug)]
pub struct CliError {
    pub kind: ErrorKind,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            kind: ErrorKind::Usage,
            message: message.into(),
        }
    }

    /// `cannot {doing} {path}: {error}`.
    pub fn io(doing: &str, path: &Path, error: impl std::fmt::Display) -> CliError {
        CliError {
            kind: ErrorKind::Io,
            message: format!("cannot {doing} {}: {error}", path.display()),
        }
    }

    pub fn internal(message: impl Into<String>) -> CliError {
        CliError {
            kind: ErrorKind::Internal,
            message: message.into(),
        }
    }

    pub fn code(&self) -> i32 {
        match self.kind {
            ErrorKind::Usage => EXIT_BAD_INPUT,
            ErrorKind::Io => EXIT_VIOLATED,
            ErrorKind::Internal => EXIT_INTERNAL,
        }
    }
}

impl From<witness_model::system::ConfigError> for CliError {
    fn from(e: witness_model::system::ConfigError) -> CliError {
        CliError::usage(e.0)
    }
}

/// A configuration the checker refuses is the user's to fix; a panicked checker thread is a bug,
/// and never a verdict.
impl From<witness_model::check::CheckError> for CliError {
    fn from(e: witness_model::check::CheckError) -> CliError {
        match e {
            witness_model::check::CheckError::Config(e) => CliError::from(e),
            panicked @ witness_model::check::CheckError::Panicked { .. } => {
                CliError::internal(panicked.to_string())
            }
        }
    }
}

/// JSON output failed to encode: the types are plain data, so this is `witness`'s fault.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T, what: &str) -> Result<String, CliError> {
    serde_json::to_string_pretty(value)
        .map_err(|e| CliError::internal(format!("cannot encode {what} as JSON: {e}")))
}

/// Exit code of one check: a violation wins over an incomplete run, because it is a definite
/// answer whatever the unexplored states hold.
pub fn check_exit_code(report: &CheckReport) -> i32 {
    if report.any_violated() {
        EXIT_VIOLATED
    } else if !report.complete {
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    }
}

/// Groups digits by thousands: state counts run into the millions.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect();
    groups.join(",")
}

/// "1 client", "2 clients".
fn plural(n: u8, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The faults a configuration allows, in words.
fn describe_faults(f: Faults) -> String {
    let mut faults = Vec::new();
    if f.eviction {
        faults.push("cache evictions".to_string());
    }
    if f.node_restart {
        faults.push("cache node restarts".to_string());
    }
    if f.witness_restarts > 0 {
        faults.push(plural(
            f.witness_restarts,
            "witness restart",
            "witness restarts",
        ));
    }
    if f.witness_outages > 0 {
        faults.push(plural(
            f.witness_outages,
            "witness outage",
            "witness outages",
        ));
    }
    if f.witness_failovers > 0 {
        faults.push(plural(
            f.witness_failovers,
            "witness failover",
            "witness failovers",
        ));
    }
    if f.replication_reorder {
        faults.push("reordered replication".to_string());
    }
    if f.replication_duplicates {
        faults.push("duplicate replication".to_string());
    }
    if f.partition_split {
        faults.push("a partition split".to_string());
    }
    if faults.is_empty() {
        "no faults".to_string()
    } else {
        faults.join(", ")
    }
}

/// One line that says what a configuration is, in the words of the docs.
pub fn describe_cfg(cfg: &WitnessCfg) -> String {
    let ops: Vec<String> = cfg
        .ops
        .names()
        .iter()
        .map(|op: &OpName| op.name().to_uppercase())
        .collect();
    let faults = describe_faults(cfg.faults);
    let witness = if cfg.witness_nodes > 1 || cfg.slots_per_witness_node() < cfg.keys {
        format!(
            ", {} of {} each",
            plural(cfg.witness_nodes, "witness node", "witness nodes"),
            plural(cfg.slots_per_witness_node(), "slot", "slots")
        )
    } else {
        String::new()
    };
    format!(
        "{} × {} each ({}), {}, {}{witness}; {}",
        plural(cfg.clients, "client", "clients"),
        plural(cfg.ops_per_client, "operation", "operations"),
        ops.join("/"),
        plural(cfg.cache_nodes, "cache node", "cache nodes"),
        plural(cfg.keys, "key", "keys"),
        faults
    )
}

/// A run's identity: mode, variant and mutant.
pub fn describe_run(mode: &str, variant: &str, mutant: Option<&str>) -> String {
    format!(
        "{mode} mode, variant {variant}, {}",
        mutant.map_or("no mutant".to_string(), |m| format!("mutant {m}"))
    )
}

/// A rough size score for a configuration: how many operations can interleave with another
/// client's (clients × operations each × the other clients), plus one per key beyond the first.
/// Faults multiply the space by a roughly constant factor and are left out. Calibrated with BFS,
/// symmetry and the reductions on 2 cores (docs/design.md, "Sizes and speed"): `default` scores 4
/// (0.5–0.9 million states, under 1 s), `large` 7 (0.7–1.6 million) complete in seconds;
/// `medium` scores 12 and passes 800 million states and 15 GB (it stopped there, out of memory, on
/// 24 GB); `wide` scores 13 and does not fit either. Documented in docs/cli.md.
pub fn size_score(cfg: &WitnessCfg) -> u32 {
    let clients = u32::from(cfg.clients);
    clients * u32::from(cfg.ops_per_client) * clients.saturating_sub(1)
        + u32::from(cfg.keys.saturating_sub(1))
}

/// The score from which a check is warned to take minutes or more and gigabytes: between the
/// largest configuration measured to complete in seconds (7) and `medium` (12, ten minutes).
pub const WARN_SCORE: u32 = 8;

pub fn state_space_warning(cfg: &WitnessCfg) -> Option<String> {
    let score = size_score(cfg);
    (score >= WARN_SCORE).then(|| {
        format!(
            "warning: this configuration ({}) has size score {score} (default 4, about 0.5–0.9 \
             million states in a second; large 7, about 0.7–1.6 million; medium 12, over 800 \
             million states and 15 GB after 16 minutes on 2 cores, where it ran out of 24 GB; \
             wide 13 does not fit either); an exhaustive check may take long or stop when memory \
             runs out. Consider --timeout, --max-memory or fewer clients/operations/keys.",
            describe_cfg(cfg)
        )
    })
}

/// The progress line on stderr: redrawn in place on a terminal; elsewhere (CI logs, pipes) one
/// line every ten seconds so logs show the run is alive without filling up.
pub struct ProgressLine {
    tty: bool,
    label: String,
    last_line: Option<Instant>,
    drawn: bool,
}

impl ProgressLine {
    pub fn new(label: impl Into<String>) -> ProgressLine {
        ProgressLine {
            tty: std::io::stderr().is_terminal(),
            label: label.into(),
            last_line: None,
            drawn: false,
        }
    }

    pub fn text(label: &str, p: &Progress) -> String {
        format!(
            "{label}{}{} states, {} unique, depth {}, {:.0} states/s, {:.1}s",
            if label.is_empty() { "" } else { ": " },
            thousands(p.total_states),
            thousands(p.unique_states),
            p.max_depth,
            p.states_per_second(),
            p.elapsed.as_secs_f64()
        )
    }

    pub fn update(&mut self, p: Progress) {
        let line = ProgressLine::text(&self.label, &p);
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
            self.drawn = true;
        } else if self
            .last_line
            .map_or(p.elapsed >= Duration::from_secs(10), |t| {
                t.elapsed() >= Duration::from_secs(10)
            })
        {
            let _ = writeln!(err, "{line}");
            self.last_line = Some(Instant::now());
        }
    }

    /// Clears the in-place line so what follows starts on a clean line.
    pub fn finish(&mut self) {
        if self.tty && self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.drawn = false;
        }
    }
}

/// Steps of a trace (its numbered lines).
pub fn trace_steps(result: &PropertyResult) -> usize {
    result.steps()
}

/// "N steps", or "no path" where the run stopped before the path was derived (Ctrl-C): a
/// discovery is never shown as a 0-step counterexample.
pub fn steps_text(result: &PropertyResult) -> String {
    match trace_steps(result) {
        0 => "no path".to_string(),
        steps => format!("{steps} steps"),
    }
}

pub fn verdict_text(report: &CheckReport, result: &PropertyResult) -> String {
    match result.verdict {
        Verdict::Holds => format!(
            "holds (exhaustive, {} states)",
            thousands(report.unique_states)
        ),
        Verdict::Violated => format!("VIOLATED ({})", steps_text(result)),
        Verdict::Found => format!("found ({})", steps_text(result)),
        Verdict::NotFound => format!(
            "not found (exhaustive, {} states)",
            thousands(report.unique_states)
        ),
        Verdict::Unknown => "unknown (stopped early)".to_string(),
    }
}

/// The human output of `witness check`.
pub fn render_check(report: &CheckReport, command: &str) -> String {
    let mut out = String::new();
    let mutant = report.mutant.as_deref();
    out.push_str(&format!(
        "witness check: {}\n",
        describe_run(&report.mode, &report.variant, mutant)
    ));
    out.push_str(&format!(
        "configuration: {}\n",
        describe_cfg(&report.config)
    ));
    out.push_str(&format!("reproduce: {command}\n"));
    let how = match &report.stopped_by {
        None => "complete".to_string(),
        Some(reason) => format!("STOPPED EARLY ({reason}): only the states explored so far"),
    };
    out.push_str(&format!(
        "explored {} states ({} unique), max depth {}, {:.1}s, {how}\n",
        thousands(report.total_states),
        thousands(report.unique_states),
        report.max_depth,
        report.seconds
    ));
    out.push_str(&format!("stored: {}\n", report.storage.describe()));
    out.push_str(&format!("summary: {}\n", report.guarantee_summary()));
    out.push_str(&format!("assumes: {}\n", report.assumes));
    out.push_str(&verdict_lines(report));
    out.push_str(&unreachable_text(&report.config));
    for result in grouped(report) {
        if result.trace.is_empty() {
            continue;
        }
        let what = match result.property.expectation() {
            Expectation::Always => "violated",
            Expectation::Sometimes => "found",
        };
        out.push_str(&format!(
            "\n{} {what}, shortest path ({} steps) — {}:\n",
            result.property,
            trace_steps(result),
            result.property.summary()
        ));
        for line in &result.trace {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// A run's results group by group (S3's published guarantees first), in the catalogue's order
/// within a group.
pub fn grouped(report: &CheckReport) -> impl Iterator<Item = &PropertyResult> {
    PropertyId::by_guarantee().filter_map(|p| report.result(p))
}

/// One line per property under its group's title.
fn verdict_lines(report: &CheckReport) -> String {
    let width = report
        .properties
        .iter()
        .map(|p| p.property.name().len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let mut group = None;
    for result in grouped(report) {
        let guarantee = result.property.guarantee();
        if group != Some(guarantee) {
            out.push_str(&format!("\n{}:\n", guarantee.title()));
            group = Some(guarantee);
        }
        out.push_str(&format!(
            "  {:width$}  {:9}  {}\n",
            result.property.name(),
            format!("{:?}", result.expectation).to_lowercase(),
            verdict_text(report, result)
        ));
    }
    out
}

/// What the configuration cannot reach, under the verdicts: a proof of those properties says
/// nothing, and an anomaly among them is not found for want of operations, not thanks to the
/// protocol. Empty for the named configurations but `large`.
pub fn unreachable_text(cfg: &WitnessCfg) -> String {
    let mut out = unreachable_block(&expected::unreachable(cfg));
    out.push_str(&cannot_fail_block());
    out
}

/// The parts of properties no run of the model can break (`expected::CANNOT_FAIL`), under the
/// verdicts of every run.
pub fn cannot_fail_block() -> String {
    let mut out = "
cannot fail in this model (a \"holds\" says nothing of these):
"
    .to_string();
    for claim in expected::CANNOT_FAIL {
        out.push_str(&format!(
            "  {}, {}: {}
",
            claim.property, claim.part, claim.why
        ));
    }
    out
}

pub fn unreachable_block(claims: &[expected::Unreachable]) -> String {
    if claims.is_empty() {
        return String::new();
    }
    let mut out = "\nnot reachable on this configuration (so these hold, or are not found, for \
                   want of operations):\n"
        .to_string();
    for claim in claims {
        let names: Vec<&str> = claim.properties.iter().map(|p| p.name()).collect();
        out.push_str(&format!("  {}: {}\n", names.join(", "), claim.why));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(5_611_006), "5,611,006");
    }

    #[test]
    fn heuristic_warns_only_beyond_what_was_measured_to_finish() {
        // Measured to finish on 2 cores: small, default, large, 2 clients × 3 operations.
        let two_by_three = WitnessCfg {
            ops_per_client: 3,
            ..WitnessCfg::default_cfg()
        };
        for finishes in [
            WitnessCfg::small(),
            WitnessCfg::default_cfg(),
            WitnessCfg::large(),
            two_by_three,
        ] {
            assert!(state_space_warning(&finishes).is_none(), "{finishes:?}");
        }
        // Measured to take minutes and gigabytes (medium) or not to fit (wide, medium with 2 keys).
        assert_eq!(size_score(&WitnessCfg::medium()), 12);
        assert!(state_space_warning(&WitnessCfg::medium()).is_some());
        assert!(state_space_warning(&WitnessCfg::wide()).is_some());
    }
}
