//! The command line: clap definitions and their translation into the model's configuration and
//! the checker's options. Every flag takes a typed value whose names are the model's own
//! (`--variant witness-after-commit`), so help, errors, JSON and reports speak one vocabulary.
//! The argument structs also serialize under their clap ids: `reproduce.rs` reads a value back
//! into the flags that rebuild it.

use crate::choices::{ExportFormat, FormatOrAuto, MutantOrNone, VariantName};
use crate::output::CliError;
use crate::units::{parse_bytes, parse_duration, serialize_duration};
use clap::{Args, Parser, Subcommand};
use serde::{Serialize, Serializer};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use witness_model::check::{CheckOptions, Strategy};
use witness_model::search::FingerprintBits;
use witness_model::system::{Mode, Mutant, WitnessCfg};
use witness_s3::probe::nemesis::Fault;

mod config_args;
pub use config_args::ConfigArgs;

const ABOUT: &str = "Model-check the witness read barrier of an S3-style index tier";

const LONG_ABOUT: &str = "\
Model-check the witness read barrier of an S3-style index tier.

With no subcommand, `witness` runs the suite: every mode × protocol variant × seeded bug on the \
default configuration, compared against the expected verdicts (docs/verdicts.md).

Exit codes: 0 every always-property holds (suite: every verdict as expected) and every run was \
complete; 1 a property is violated (suite: a verdict differs from the expected one), or a file \
could not be read or written; 2 bad input; 3 a run stopped early (timeout or Ctrl-C) with nothing \
violated (history: --timeout left a verdict unknown); 4 internal error (witness itself failed; no \
verdict). `history` with several files: 2 if any is not a history, else 1 if any is violated or \
cannot be read, else 3 if any is unknown, else 0.";

#[derive(Debug, Parser)]
#[command(
    name = "witness",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `witness suite`, for running it without naming it.
    #[command(flatten)]
    pub suite: SuiteArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check one mode/variant/mutant on one configuration; print verdicts and shortest
    /// counterexamples.
    Check(CheckArgs),
    /// The design-review table: every mode × variant × mutant, compared with the expected verdicts.
    Suite(SuiteArgs),
    /// Browse the state space in the stateright Explorer (web UI).
    Explore(ExploreArgs),
    /// Run the suite and write a Markdown report and its JSON twin, for design reviews.
    Report(ReportArgs),
    /// Judge a recorded history (Jepsen log, Jepsen JSON, EDN or the project's JSON events).
    History(HistoryArgs),
    /// Run the model's shortest counterexamples (or random walks) on the real IndexCache, step
    /// by step, and judge the implementation with the same properties.
    Replay(ReplayArgs),
    /// Serve the IndexCache over the S3 API (SigV4 required), optionally injecting faults.
    Serve(ServeArgs),
    /// Probe an S3 endpoint (or an in-process `witness serve`) with a concurrent workload and
    /// judge the recorded history.
    Probe(ProbeArgs),
}

/// Which protocol one run checks.
#[derive(Debug, Args, Clone, Default, PartialEq, Serialize)]
pub struct ProtocolArgs {
    /// eventual: reads answer from the cache; strong: reads pass the witness barrier.
    /// `check` without --mode runs strong, then eventual (strong only with --mutant); other
    /// commands default to strong.
    #[arg(long, value_name = "MODE")]
    pub mode: Option<Mode>,
    /// A protocol variant axis (repeat to set both: a witness order and a repair).
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<VariantName>,
    /// A seeded bug (strong mode only).
    #[arg(long, value_name = "NAME")]
    pub mutant: Option<Mutant>,
}

impl ProtocolArgs {
    /// The modes `check` runs: the one asked for; otherwise strong mode's proof followed by
    /// eventual mode's anomalies (a mutant only exists in strong mode).
    pub fn check_modes(&self) -> Vec<Mode> {
        match (self.mode, self.mutant) {
            (Some(mode), _) => vec![mode],
            (None, Some(_)) => vec![Mode::Strong],
            (None, None) => vec![Mode::Strong, Mode::Eventual],
        }
    }

    /// Sets the mode, the mutant and each `--variant` named on top of the configuration's own
    /// variant (`fleet` runs witness-service unless told otherwise).
    pub fn apply(&self, cfg: &mut WitnessCfg) {
        cfg.mode = self.mode.unwrap_or(Mode::Strong);
        cfg.variant = self
            .variants
            .iter()
            .fold(cfg.variant, |variant, name| name.apply(variant));
        cfg.mutant = self.mutant;
    }
}

pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// How the checker runs.
#[derive(Debug, Args, Clone, PartialEq, Serialize)]
pub struct RunArgs {
    /// Checker threads (default: available cores). Counts and verdicts do not depend on it.
    #[arg(long, value_name = "N", default_value_t = default_threads())]
    pub threads: usize,
    /// Stop exploring after this long (30s, 5m, 1h); verdicts that need the whole space become
    /// unknown and the exit code is 3 unless something was violated.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    #[serde(serialize_with = "serialize_duration")]
    pub timeout: Option<Duration>,
    /// Print JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Explore every state instead of one per class of states equal up to renaming clients and
    /// cache nodes. Verdicts and shortest counterexamples are the same either way; only the state
    /// count and the time differ.
    #[arg(long)]
    pub no_symmetry: bool,
    /// Bits of the fingerprint BFS stores per state: 128 (default) omits a state with
    /// probability below 10⁻⁹ on every named configuration; 64 halves the table and is faster,
    /// at n(n−1)/2⁶⁵ (1% at 642 million states). DFS always stores 64.
    #[arg(long, value_name = "BITS")]
    pub fingerprint_bits: Option<FingerprintBits>,
}

#[derive(Debug, Args, Clone, PartialEq, Serialize)]
pub struct CheckArgs {
    #[command(flatten)]
    #[serde(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    #[serde(flatten)]
    pub protocol: ProtocolArgs,
    #[command(flatten)]
    #[serde(flatten)]
    pub run: RunArgs,
    /// Search strategy. BFS proves and finds shortest counterexamples; DFS uses less memory;
    /// simulation samples paths.
    #[arg(long, value_name = "STRATEGY", default_value_t = CheckOptions::default().strategy)]
    pub strategy: Strategy,
    /// Seed for --strategy simulation.
    #[arg(long, value_name = "N", default_value_t = CheckOptions::default().seed)]
    pub seed: u64,
    /// Stop the BFS before its state fingerprints and levels would hold more than this (512M,
    /// 8G); it then reports what it explored, as after a timeout. Default: stop only when the
    /// machine has no more memory available.
    #[arg(long, value_name = "SIZE", value_parser = parse_bytes)]
    pub max_memory: Option<u64>,
}

impl CheckArgs {
    pub fn cfg(&self) -> Result<WitnessCfg, CliError> {
        let mut cfg = self.config.base();
        self.protocol.apply(&mut cfg);
        cfg.validate()?;
        Ok(cfg)
    }

    /// The options as given, before [`CheckOptions::validate`].
    pub fn search_options(&self) -> CheckOptions {
        CheckOptions {
            strategy: self.strategy,
            threads: self.run.threads,
            timeout: self.run.timeout,
            symmetry: !self.run.no_symmetry,
            seed: self.seed,
            max_memory_bytes: self.max_memory,
            fingerprint_bits: self.run.fingerprint_bits,
            ..CheckOptions::default()
        }
    }

    pub fn options(&self) -> Result<CheckOptions, CliError> {
        let opts = self.search_options();
        opts.validate()?;
        Ok(opts)
    }
}

/// Restricts the suite to some of its rows.
#[derive(Debug, Args, Clone, Default, PartialEq, Serialize)]
pub struct RowFilter {
    /// Only rows of this mode.
    #[arg(long = "mode", value_name = "MODE")]
    pub modes: Vec<Mode>,
    /// Only rows whose variant has this axis value (repeatable; all must match).
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<VariantName>,
    /// Only rows with this mutant (`none`: the rows without a mutant; repeatable).
    #[arg(long = "mutant", value_name = "NAME")]
    pub mutants: Vec<MutantOrNone>,
}

impl RowFilter {
    pub fn is_empty(&self) -> bool {
        self.modes.is_empty() && self.variants.is_empty() && self.mutants.is_empty()
    }

    pub fn keeps(&self, cfg: &WitnessCfg) -> bool {
        let mode_ok = self.modes.is_empty() || self.modes.contains(&cfg.mode);
        let variant_ok = self.variants.iter().all(|v| v.matches(cfg.variant));
        let mutant_ok = self.mutants.is_empty() || self.mutants.contains(&MutantOrNone(cfg.mutant));
        mode_ok && variant_ok && mutant_ok
    }
}

#[derive(Debug, Args, Clone, PartialEq, Serialize)]
pub struct SuiteArgs {
    #[command(flatten)]
    #[serde(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    #[serde(flatten)]
    pub filter: RowFilter,
    #[command(flatten)]
    #[serde(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args, Clone, PartialEq, Serialize)]
pub struct ReportArgs {
    /// Directory the report is written to (created if missing).
    #[arg(long, value_name = "DIR")]
    #[serde(serialize_with = "path_text")]
    pub out: PathBuf,
    #[command(flatten)]
    #[serde(flatten)]
    pub suite: SuiteArgs,
    /// Overwrite existing report files.
    #[arg(long)]
    pub force: bool,
}

/// A path as a reproducing command prints it (lossy where it is not UTF-8: a command line is text).
fn path_text<S: Serializer>(path: &std::path::Path, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&path.to_string_lossy())
}

#[derive(Debug, Args)]
pub struct ExploreArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub protocol: ProtocolArgs,
    /// Address the Explorer listens on.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:3000")]
    pub addr: String,
    /// Checker threads.
    #[arg(long, value_name = "N", default_value_t = default_threads())]
    pub threads: usize,
    /// Ask the Explorer to run to completion at startup even when its own search would take
    /// minutes (by default it is asked only when the space is small).
    #[arg(long, conflicts_with = "no_run")]
    pub run: bool,
    /// Do not ask the Explorer to run to completion at startup: it then explores only the
    /// states you click through, and lists no discoveries until you press "Run to completion".
    #[arg(long)]
    pub no_run: bool,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub protocol: ProtocolArgs,
    /// Every refuted row of the suite (docs/verdicts.md) instead of one protocol.
    #[arg(long, conflicts_with_all = ["mode", "variants", "mutant"])]
    pub all: bool,
    /// Replay N random model walks instead of counterexamples, comparing every response.
    #[arg(long, value_name = "N")]
    pub random: Option<u32>,
    /// Seed of the first random walk (walk i uses seed + i).
    #[arg(long, value_name = "N", default_value_t = 1, requires = "random")]
    pub seed: u64,
    /// Longest random walk, in steps.
    #[arg(long, value_name = "N", default_value_t = 40, requires = "random")]
    pub length: usize,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The history file (docs/cli.md, "witness history"), or `-` for standard input. Several
    /// files are judged in parallel, one line each and a summary.
    #[arg(value_name = "FILE", required_unless_present = "list")]
    pub files: Vec<PathBuf>,
    /// Also judge every path listed in this file, one per line (as several FILEs).
    #[arg(long, value_name = "LIST")]
    pub list: Option<PathBuf>,
    /// Stop each file's linearizability search after this long (250ms, 30s, 0): past it the verdict
    /// is unknown, never a guess, and the exit code is 3 unless something was violated.
    #[arg(long, value_name = "D", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// The file's format; `auto` detects it from the first line.
    #[arg(long, value_name = "FORMAT", default_value_t = FormatOrAuto(None))]
    pub format: FormatOrAuto,
    /// Print the verdict as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Convert instead of judging: write the history to standard output in this format.
    #[arg(long, value_name = "FORMAT", conflicts_with = "json")]
    pub to: Option<ExportFormat>,
    /// Also write a self-contained timeline page (per key, each client's operations on a time
    /// axis, the violating window highlighted) to this file.
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
    /// Overwrite the --html file if it already exists.
    #[arg(long, requires = "html")]
    pub force: bool,
}

/// Credentials shared by `serve` and `probe`.
#[derive(Debug, Args)]
pub struct CredentialArgs {
    /// Access key id (default: $AWS_ACCESS_KEY_ID).
    #[arg(long)]
    pub access_key: Option<String>,
    /// Secret access key (default: $AWS_SECRET_ACCESS_KEY).
    #[arg(long)]
    pub secret_key: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Consistency mode of the index tier.
    #[arg(long, default_value_t = Mode::Strong)]
    pub mode: Mode,
    /// Number of cache nodes.
    #[arg(long, default_value_t = 3)]
    pub nodes: usize,
    /// Hot-key spread: how many ring nodes serve each key's reads.
    #[arg(long, default_value_t = 2)]
    pub spread: usize,
    /// Address to listen on (loopback by default; a non-loopback address exposes the server).
    #[arg(long, default_value = witness_s3::serve::DEFAULT_ADDR)]
    pub addr: SocketAddr,
    /// Directory for object bytes (default: memory).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Inject faults (evictions, node and witness restarts) at RATE per second, logged on stderr.
    #[arg(long, value_name = "RATE", num_args = 0..=1, default_missing_value = "20")]
    pub faults: Option<f64>,
    /// Seed of the fault injector.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Close a connection that has not sent a whole request header this long after it opened or
    /// after its previous response.
    #[arg(long, value_name = "D", default_value = "60s", value_parser = parse_duration)]
    pub header_timeout: Duration,
    /// Close a connection on which no byte moved this long (between requests, or while a
    /// response waits for the client to read it).
    #[arg(long, value_name = "D", default_value = "20s", value_parser = parse_duration)]
    pub idle_timeout: Duration,
    /// Answer 400 RequestTimeout to an upload whose body brings no byte this long.
    #[arg(long, value_name = "D", default_value = "20s", value_parser = parse_duration)]
    pub body_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,
    #[command(flatten)]
    pub credentials: CredentialArgs,
}

impl ServeArgs {
    /// The connection limits the flags set (their defaults are `Limits::default()`'s: a test
    /// holds the two together).
    pub fn limits(&self) -> witness_s3::serve::Limits {
        witness_s3::serve::Limits {
            header_timeout: self.header_timeout,
            idle_timeout: self.idle_timeout,
            body_timeout: self.body_timeout,
            max_connections: self.max_connections,
        }
    }
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// S3 endpoint URL; repeat it for the gateways of one store (each operation goes to one of
    /// them picked at random, per operation, and the history records which). Without it, the
    /// probe starts `witness serve` in-process on a free loopback port and probes that.
    #[arg(long = "endpoint", value_name = "URL")]
    pub endpoints: Vec<String>,
    /// Bucket to probe; created if missing. Objects go under a prefix unique to the run.
    #[arg(long, default_value = "witness-probe")]
    pub bucket: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// Operations in total.
    #[arg(long, default_value_t = 400)]
    pub ops: usize,
    /// Keys the operations share.
    /// (With 8, every eventual-mode run measured showed a read-after-write anomaly.)
    #[arg(long, default_value_t = 8)]
    pub keys: usize,
    /// Stop after this long even if operations remain (e.g. 30s, 2m, 500ms).
    #[arg(long, value_name = "D", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Seed of the workload.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Save the history (Jepsen JSON lines, contract C1) here.
    #[arg(long, value_name = "HISTORY")]
    pub out: Option<PathBuf>,
    /// Also write the checker's HTML timeline of the history here.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Overwrite --out / --html if they exist.
    #[arg(long)]
    pub force: bool,
    /// A request unanswered this long is indeterminate (Jepsen's :info).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Region for signing (default: $AWS_REGION, else us-east-1).
    #[arg(long)]
    pub region: Option<String>,
    /// A fault to inject, NAME=COMMAND (repeatable): every --nemesis-every, the next command in
    /// the order given (round-robin) runs under `sh -c`, recorded in the history as Jepsen's
    /// nemesis. E.g. --nemesis 'kill=scripts/clusters/seaweedfs kill 1'
    /// --nemesis 'restart=scripts/clusters/seaweedfs restart 1'.
    #[arg(long = "nemesis", value_name = "NAME=COMMAND", value_parser = Fault::parse)]
    pub nemesis: Vec<Fault>,
    /// Time between two faults (default 10s; the first runs this long after the start).
    #[arg(long, value_name = "D", value_parser = parse_duration, requires = "nemesis")]
    pub nemesis_every: Option<Duration>,
    /// Print the report as JSON on stdout instead of text (exit codes as for `check`).
    #[arg(long)]
    pub json: bool,
    /// Embedded server only: its consistency mode (default strong).
    #[arg(long)]
    pub mode: Option<Mode>,
    /// Embedded server only: inject faults at RATE per second.
    #[arg(long, value_name = "RATE", num_args = 0..=1, default_missing_value = "20")]
    pub faults: Option<f64>,
    #[command(flatten)]
    pub credentials: CredentialArgs,
}

#[cfg(test)]
mod tests;
