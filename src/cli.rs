//! The command line: clap definitions and their translation into the model's configuration and
//! the checker's options. Names users type are the model's own (`--variant witness-after-commit`),
//! so help, errors, JSON and reports all speak one vocabulary.

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};
use std::time::Duration;
use witness_model::check::{CheckOptions, Strategy};
use witness_model::system::{
    ConfigName, Mode, Mutant, OpMix, Repair, Variant, WitnessCfg, WitnessOrder,
};

/// A failure the user can act on: one line on stderr and a documented exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    /// Bad input (exit 2).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            code: crate::output::EXIT_BAD_INPUT,
            message: message.into(),
        }
    }
}

impl From<witness_model::system::ConfigError> for CliError {
    fn from(e: witness_model::system::ConfigError) -> CliError {
        CliError::usage(e.0)
    }
}

const ABOUT: &str = "Model-check the witness read barrier of an S3-style index tier";

const LONG_ABOUT: &str = "\
Model-check the witness read barrier of an S3-style index tier.

With no subcommand, `witness` runs the suite: every mode × protocol variant × seeded bug on the \
default configuration, compared against the expected verdicts (docs/verdicts.md).

Exit codes: 0 every always-property holds (suite: every verdict as expected) and every run was \
complete; 1 a property is violated (suite: a verdict differs from the expected one); 2 bad input; \
3 a run stopped early (timeout or Ctrl-C) with nothing violated.";

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
    Serve(crate::s3::ServeArgs),
    /// Probe an S3 endpoint (or an in-process `witness serve`) with a concurrent workload and
    /// judge the recorded history.
    Probe(crate::s3::ProbeArgs),
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
    /// The history file (docs/cli.md, "witness history"), or `-` for standard input.
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,
    /// The file's format; `auto` detects it from the first line.
    #[arg(long, value_name = "FORMAT", default_value = "auto",
          value_parser = PossibleValuesParser::new(["auto", "jepsen-log", "jepsen-json", "edn", "project"]))]
    pub format: String,
    /// Print the verdict as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Convert instead of judging: write the history to standard output in this format.
    #[arg(long, value_name = "FORMAT", conflicts_with = "json",
          value_parser = PossibleValuesParser::new(["jepsen-json"]))]
    pub to: Option<String>,
    /// Also write a self-contained timeline page (per key, each client's operations on a time
    /// axis, the violating window highlighted) to this file.
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<std::path::PathBuf>,
    /// Overwrite the --html file if it already exists.
    #[arg(long, requires = "html")]
    pub force: bool,
}

/// The model's sizes and faults.
#[derive(Debug, Args, Clone, Default)]
pub struct ConfigArgs {
    /// Named configuration the sizes and faults start from.
    #[arg(long, value_name = "NAME", default_value = "default",
          value_parser = PossibleValuesParser::new(ConfigName::ALL.iter().map(|c| c.name())))]
    pub config: String,
    /// Number of clients.
    #[arg(long, value_name = "N")]
    pub clients: Option<u8>,
    /// Number of cache nodes.
    #[arg(long, value_name = "N")]
    pub cache_nodes: Option<u8>,
    /// Number of keys (all in one partition).
    #[arg(long, value_name = "N")]
    pub keys: Option<u8>,
    /// Operations each client issues.
    #[arg(long, value_name = "N")]
    pub ops: Option<u8>,
    /// Which operations clients may invoke (comma-separated).
    #[arg(long, value_name = "OPS", value_delimiter = ',',
          value_parser = PossibleValuesParser::new(["put", "delete", "get", "list"]))]
    pub op_mix: Option<Vec<String>>,
    /// Cache nodes may evict an entry or their listing at any time.
    #[arg(long, overrides_with = "no_eviction")]
    pub eviction: bool,
    #[arg(long, overrides_with = "eviction", hide = true)]
    pub no_eviction: bool,
    /// Cache nodes may restart, losing everything they hold.
    #[arg(long, overrides_with = "no_node_restart")]
    pub node_restart: bool,
    #[arg(long, overrides_with = "node_restart", hide = true)]
    pub no_node_restart: bool,
    /// How many times the witness may restart with empty memory.
    #[arg(long, value_name = "N")]
    pub witness_restarts: Option<u8>,
    /// Replication deliveries may arrive in any order.
    #[arg(long, overrides_with = "no_reorder")]
    pub reorder: bool,
    #[arg(long, overrides_with = "reorder", hide = true)]
    pub no_reorder: bool,
    /// A replication delivery may be delivered again (at-least-once).
    #[arg(long, overrides_with = "no_duplicates")]
    pub duplicates: bool,
    #[arg(long, overrides_with = "duplicates", hide = true)]
    pub no_duplicates: bool,
}

fn switch(on: bool, off: bool) -> Option<bool> {
    match (on, off) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

impl ConfigArgs {
    /// The configuration without mode, variant and mutant (those belong to a run).
    pub fn base(&self) -> Result<WitnessCfg, CliError> {
        let mut cfg = WitnessCfg::named(&self.config)?;
        if let Some(n) = self.clients {
            cfg.clients = n;
        }
        if let Some(n) = self.cache_nodes {
            cfg.cache_nodes = n;
        }
        if let Some(n) = self.keys {
            cfg.keys = n;
        }
        if let Some(n) = self.ops {
            cfg.ops_per_client = n;
        }
        if let Some(mix) = &self.op_mix {
            let has = |name: &str| mix.iter().any(|m| m == name);
            cfg.ops = OpMix {
                put: has("put"),
                delete: has("delete"),
                get: has("get"),
                list: has("list"),
            };
        }
        if let Some(on) = switch(self.eviction, self.no_eviction) {
            cfg.faults.eviction = on;
        }
        if let Some(on) = switch(self.node_restart, self.no_node_restart) {
            cfg.faults.node_restart = on;
        }
        if let Some(n) = self.witness_restarts {
            cfg.faults.witness_restarts = n;
        }
        if let Some(on) = switch(self.reorder, self.no_reorder) {
            cfg.faults.replication_reorder = on;
        }
        if let Some(on) = switch(self.duplicates, self.no_duplicates) {
            cfg.faults.replication_duplicates = on;
        }
        Ok(cfg)
    }
}

fn mode_names() -> PossibleValuesParser {
    PossibleValuesParser::new(Mode::ALL.iter().map(|m| m.name()))
}

fn variant_names() -> PossibleValuesParser {
    PossibleValuesParser::new(
        WitnessOrder::ALL
            .iter()
            .map(|v| v.name())
            .chain(Repair::ALL.iter().map(|v| v.name())),
    )
}

fn mutant_names() -> PossibleValuesParser {
    PossibleValuesParser::new(Mutant::ALL.iter().map(|m| m.name()))
}

fn mutant_or_none_names() -> PossibleValuesParser {
    PossibleValuesParser::new(std::iter::once("none").chain(Mutant::ALL.iter().map(|m| m.name())))
}

/// Which protocol one run checks.
#[derive(Debug, Args, Clone, Default)]
pub struct ProtocolArgs {
    /// eventual: reads answer from the cache; strong: reads pass the witness barrier.
    /// `check` without --mode runs strong, then eventual (strong only with --mutant); other
    /// commands default to strong.
    #[arg(long, value_name = "MODE", value_parser = mode_names())]
    pub mode: Option<String>,
    /// A protocol variant axis (repeat to set both: a witness order and a repair).
    #[arg(long = "variant", value_name = "NAME", value_parser = variant_names())]
    pub variants: Vec<String>,
    /// A seeded bug (strong mode only).
    #[arg(long, value_name = "NAME", value_parser = mutant_names())]
    pub mutant: Option<String>,
}

impl ProtocolArgs {
    /// The modes `check` runs: the one asked for; otherwise strong mode's proof followed by
    /// eventual mode's anomalies (a mutant only exists in strong mode).
    pub fn check_modes(&self) -> Result<Vec<Mode>, CliError> {
        Ok(match (&self.mode, &self.mutant) {
            (Some(mode), _) => vec![mode.parse()?],
            (None, Some(_)) => vec![Mode::Strong],
            (None, None) => vec![Mode::Strong, Mode::Eventual],
        })
    }

    pub fn apply(&self, cfg: &mut WitnessCfg) -> Result<(), CliError> {
        cfg.mode = self.mode.as_deref().unwrap_or("strong").parse()?;
        cfg.variant = parse_variant(&self.variants)?;
        cfg.mutant = self
            .mutant
            .as_deref()
            .map(str::parse::<Mutant>)
            .transpose()?;
        Ok(())
    }
}

pub fn parse_variant(names: &[String]) -> Result<Variant, CliError> {
    let mut variant = Variant::default();
    for name in names {
        variant = variant.with(name)?;
    }
    Ok(variant)
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// How long a run may take: `90s`, `5m`, `1h`, `250ms`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (examples: 30s, 5m, 1h, 250ms)"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown duration unit '{other}' in '{text}' (use ms, s, m or h)"
            ))
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("'{text}' is out of range"))
}

/// A size in bytes: a number with an optional binary unit (K, M, G, T; 1K = 1024).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size (examples: 512M, 8G)"))?;
    if unit.starts_with('.') {
        return Err(format!(
            "'{text}' is not a whole number: use a smaller unit (1.5G is 1536M)"
        ));
    }
    if value == 0 {
        return Err("a size must be more than 0".to_string());
    }
    let shift = match unit
        .trim()
        .trim_end_matches(['B', 'b'])
        .to_ascii_uppercase()
        .as_str()
    {
        "" => 0,
        "K" | "KI" => 10,
        "M" | "MI" => 20,
        "G" | "GI" => 30,
        "T" | "TI" => 40,
        _ => {
            return Err(format!(
                "unknown size unit in '{text}' (use K, M, G or T, e.g. 8G)"
            ))
        }
    };
    value
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("'{text}' is out of range"))
}

/// How the checker runs.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Checker threads (default: available cores). Counts and verdicts do not depend on it.
    #[arg(long, value_name = "N", default_value_t = default_threads())]
    pub threads: usize,
    /// Stop exploring after this long (30s, 5m, 1h); verdicts that need the whole space become
    /// unknown and the exit code is 3 unless something was violated.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Print JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Explore every state instead of one per class of states equal up to renaming clients and
    /// cache nodes. Verdicts and shortest counterexamples are the same either way; only the state
    /// count and the time differ.
    #[arg(long)]
    pub no_symmetry: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub protocol: ProtocolArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// Search strategy. BFS proves and finds shortest counterexamples; DFS uses less memory;
    /// simulation samples paths.
    #[arg(long, value_name = "STRATEGY", default_value = "bfs",
          value_parser = PossibleValuesParser::new(["bfs", "dfs", "simulation"]))]
    pub strategy: String,
    /// Seed for --strategy simulation.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Stop the BFS before its state fingerprints and levels would hold more than this (512M,
    /// 8G); it then reports what it explored, as after a timeout. Default: stop only when the
    /// machine has no more memory available.
    #[arg(long, value_name = "SIZE", value_parser = parse_bytes)]
    pub max_memory: Option<u64>,
}

impl CheckArgs {
    pub fn cfg(&self) -> Result<WitnessCfg, CliError> {
        let mut cfg = self.config.base()?;
        self.protocol.apply(&mut cfg)?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn options(&self) -> Result<CheckOptions, CliError> {
        let opts = CheckOptions {
            strategy: self.strategy.parse::<Strategy>()?,
            threads: self.run.threads,
            timeout: self.run.timeout,
            symmetry: !self.run.no_symmetry,
            seed: self.seed,
            max_memory_bytes: self.max_memory,
            ..CheckOptions::default()
        };
        opts.validate()?;
        Ok(opts)
    }
}

/// Restricts the suite to some of its rows.
#[derive(Debug, Args, Clone, Default)]
pub struct RowFilter {
    /// Only rows of this mode.
    #[arg(long = "mode", value_name = "MODE", value_parser = mode_names())]
    pub modes: Vec<String>,
    /// Only rows whose variant has this axis value (repeatable; all must match).
    #[arg(long = "variant", value_name = "NAME", value_parser = variant_names())]
    pub variants: Vec<String>,
    /// Only rows with this mutant (`none`: the rows without a mutant; repeatable).
    #[arg(long = "mutant", value_name = "NAME", value_parser = mutant_or_none_names())]
    pub mutants: Vec<String>,
}

impl RowFilter {
    pub fn is_empty(&self) -> bool {
        self.modes.is_empty() && self.variants.is_empty() && self.mutants.is_empty()
    }

    pub fn keeps(&self, mode: Mode, variant: Variant, mutant: Option<Mutant>) -> bool {
        let mode_ok = self.modes.is_empty() || self.modes.iter().any(|m| m == mode.name());
        let variant_ok = self
            .variants
            .iter()
            .all(|v| v == variant.witness_order.name() || v == variant.repair.name());
        let mutant_name = mutant.map_or("none", Mutant::name);
        let mutant_ok = self.mutants.is_empty() || self.mutants.iter().any(|m| m == mutant_name);
        mode_ok && variant_ok && mutant_ok
    }

    /// The filter as command-line flags, for reproducing commands.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for m in &self.modes {
            args.extend(["--mode".to_string(), m.clone()]);
        }
        for v in &self.variants {
            args.extend(["--variant".to_string(), v.clone()]);
        }
        for m in &self.mutants {
            args.extend(["--mutant".to_string(), m.clone()]);
        }
        args
    }
}

#[derive(Debug, Args, Clone)]
pub struct SuiteArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub filter: RowFilter,
    #[command(flatten)]
    pub run: RunArgs,
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
    /// Do not ask the Explorer to run to completion at startup: it then explores only the
    /// states you click through, and lists no discoveries until you press "Run to completion".
    #[arg(long)]
    pub no_run: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// Directory the report is written to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,
    /// Overwrite existing report files.
    #[arg(long)]
    pub force: bool,
}

/// The flags that rebuild `cfg` (sizes, faults, mode, variant, mutant) from the named
/// configuration `base_name`: the reproducing command of a run.
pub fn cfg_args(base_name: &str, cfg: &WitnessCfg) -> Vec<String> {
    let mut args = base_args(base_name, cfg);
    args.extend(["--mode".to_string(), cfg.mode.name().to_string()]);
    args.extend([
        "--variant".to_string(),
        cfg.variant.witness_order.name().to_string(),
    ]);
    args.extend([
        "--variant".to_string(),
        cfg.variant.repair.name().to_string(),
    ]);
    if let Some(m) = cfg.mutant {
        args.extend(["--mutant".to_string(), m.name().to_string()]);
    }
    args
}

/// The flags that rebuild `cfg`'s sizes and faults from the named configuration `base_name`.
pub fn base_args(base_name: &str, cfg: &WitnessCfg) -> Vec<String> {
    let base = WitnessCfg::named(base_name).unwrap_or_else(|_| WitnessCfg::default_cfg());
    let mut args = vec!["--config".to_string(), base_name.to_string()];
    let mut push = |flag: &str, value: Option<String>| {
        args.push(flag.to_string());
        if let Some(v) = value {
            args.push(v);
        }
    };
    if cfg.clients != base.clients {
        push("--clients", Some(cfg.clients.to_string()));
    }
    if cfg.cache_nodes != base.cache_nodes {
        push("--cache-nodes", Some(cfg.cache_nodes.to_string()));
    }
    if cfg.keys != base.keys {
        push("--keys", Some(cfg.keys.to_string()));
    }
    if cfg.ops_per_client != base.ops_per_client {
        push("--ops", Some(cfg.ops_per_client.to_string()));
    }
    if cfg.ops != base.ops {
        let mix: Vec<&str> = [
            (cfg.ops.put, "put"),
            (cfg.ops.delete, "delete"),
            (cfg.ops.get, "get"),
            (cfg.ops.list, "list"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
        push("--op-mix", Some(mix.join(",")));
    }
    let (f, b) = (cfg.faults, base.faults);
    let toggles = [
        (f.eviction, b.eviction, "eviction"),
        (f.node_restart, b.node_restart, "node-restart"),
        (f.replication_reorder, b.replication_reorder, "reorder"),
        (
            f.replication_duplicates,
            b.replication_duplicates,
            "duplicates",
        ),
    ];
    for (now, was, name) in toggles {
        if now != was {
            let flag = if now {
                format!("--{name}")
            } else {
                format!("--no-{name}")
            };
            push(&flag, None);
        }
    }
    if f.witness_restarts != b.witness_restarts {
        push("--witness-restarts", Some(f.witness_restarts.to_string()));
    }
    args
}

/// Quotes an argument for a POSIX shell only where needed, so commands paste as they are.
pub fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./,:=+@".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

pub fn command_line(args: &[String]) -> String {
    std::iter::once("witness".to_string())
        .chain(args.iter().map(|a| shell_quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 parsecs").is_err());
    }

    #[test]
    fn reproducing_flags_rebuild_the_configuration() {
        let mut cfg = WitnessCfg::small();
        cfg.clients = 3;
        cfg.faults.replication_duplicates = !cfg.faults.replication_duplicates;
        cfg.faults.witness_restarts = 0;
        cfg.ops.list = false;
        cfg.mutant = Some(Mutant::SkipWitnessOnMiss);
        let args = cfg_args("small", &cfg);
        let cli = Cli::try_parse_from(
            std::iter::once("witness".to_string())
                .chain(["check".to_string()])
                .chain(args),
        )
        .unwrap();
        let Some(Command::Check(check)) = cli.command else {
            panic!("not a check")
        };
        assert_eq!(check.cfg().unwrap(), cfg);
    }

    #[test]
    fn quoting_only_where_needed() {
        assert_eq!(shell_quote("--mode"), "--mode");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
