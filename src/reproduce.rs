//! Reproducing commands. [`to_args`] is the inverse of the clap definitions, read off them: each
//! argument struct serializes under its clap ids, and every field that differs from clap's
//! default becomes its flag, in the order `--help` lists them. The `reproducing` constructors
//! turn a run (a configuration and the checker's options) back into argument structs.

use crate::choices::VariantName;
use crate::cli::{
    default_threads, CheckArgs, ConfigArgs, ProtocolArgs, ReportArgs, RunArgs, SuiteArgs,
};
use crate::output::CliError;
use clap::ArgAction;
use serde::Serialize;
use serde_json::Value;
use witness_model::check::{CheckOptions, Strategy};
use witness_model::system::{ConfigName, WitnessCfg};

/// The flags that make clap parse `args` back into the same value.
pub fn to_args<T: clap::Args + Serialize>(args: &T) -> Result<Vec<String>, CliError> {
    let fields = serde_json::to_value(args)
        .map_err(|e| CliError::internal(format!("cannot write the arguments back: {e}")))?;
    let command = T::augment_args(clap::Command::new("witness"));
    let mut out = Vec::new();
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        let Some(value) = fields.get(id) else {
            continue;
        };
        let unknown = || CliError::internal(format!("cannot write --{id} = {value} back"));
        let flag = format!("--{}", arg.get_long().ok_or_else(unknown)?);
        match value {
            Value::Null => {}
            Value::Bool(on) if matches!(arg.get_action(), ArgAction::SetTrue) => {
                if *on {
                    out.push(flag);
                }
            }
            Value::Array(items) => {
                let texts = items.iter().map(text).collect::<Option<Vec<_>>>();
                let texts = texts.ok_or_else(unknown)?;
                match arg.get_value_delimiter() {
                    Some(delimiter) => {
                        out.extend([flag, texts.join(&delimiter.to_string())]);
                    }
                    None => {
                        for text in texts {
                            out.extend([flag.clone(), text]);
                        }
                    }
                }
            }
            single => {
                let text = text(single).ok_or_else(unknown)?;
                if arg.get_default_values() != [text.as_str()] {
                    out.extend([flag, text]);
                }
            }
        }
    }
    Ok(out)
}

/// A value as typed on the command line.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null | Value::Bool(_) | Value::Array(_) | Value::Object(_) => None,
    }
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

/// `witness SUBCOMMAND ARGS…`, quoted for a shell.
pub fn command_line(subcommand: &str, args: &[String]) -> String {
    ["witness", subcommand]
        .into_iter()
        .map(str::to_string)
        .chain(args.iter().map(|a| shell_quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

impl ConfigArgs {
    /// The flags that rebuild `cfg`'s sizes and faults from the named configuration `name`:
    /// only what differs from it.
    pub fn reproducing(name: ConfigName, cfg: &WitnessCfg) -> ConfigArgs {
        let named = name.cfg();
        let differs = |now: u8, was: u8| (now != was).then_some(now);
        // (--x, --no-x)
        let toggle = |now: bool, was: bool| (now && !was, was && !now);
        let (f, was) = (cfg.faults, named.faults);
        let (eviction, no_eviction) = toggle(f.eviction, was.eviction);
        let (node_restart, no_node_restart) = toggle(f.node_restart, was.node_restart);
        let (reorder, no_reorder) = toggle(f.replication_reorder, was.replication_reorder);
        let (duplicates, no_duplicates) =
            toggle(f.replication_duplicates, was.replication_duplicates);
        let (partition_split, no_partition_split) = toggle(f.partition_split, was.partition_split);
        ConfigArgs {
            config: Some(name),
            clients: differs(cfg.clients, named.clients),
            cache_nodes: differs(cfg.cache_nodes, named.cache_nodes),
            keys: differs(cfg.keys, named.keys),
            ops: differs(cfg.ops_per_client, named.ops_per_client),
            op_mix: (cfg.ops != named.ops).then(|| cfg.ops.names()),
            eviction,
            no_eviction,
            node_restart,
            no_node_restart,
            reorder,
            no_reorder,
            duplicates,
            no_duplicates,
            partition_split,
            no_partition_split,
            witness_restarts: differs(f.witness_restarts, was.witness_restarts),
            witness_nodes: differs(cfg.witness_nodes, named.witness_nodes),
            // Compared as configured, not as counted: `--keys` changes the slot count of a
            // configuration that has one slot per key.
            witness_slots: (cfg.witness_slots != named.witness_slots)
                .then(|| cfg.slots_per_witness_node()),
            witness_outages: differs(f.witness_outages, was.witness_outages),
            witness_failovers: differs(f.witness_failovers, was.witness_failovers),
        }
    }
}

impl ProtocolArgs {
    /// Mode, witness order and repair always, so the command says what it checks; the barrier
    /// where it is not the per-key one, or where the named configuration `name` has another.
    pub fn reproducing(name: ConfigName, cfg: &WitnessCfg) -> ProtocolArgs {
        let mut variants = VariantName::of(cfg.variant);
        let barrier = VariantName::Barrier(cfg.variant.barrier);
        if name.cfg().variant.barrier != cfg.variant.barrier && !variants.contains(&barrier) {
            variants.push(barrier);
        }
        ProtocolArgs {
            mode: Some(cfg.mode),
            variants,
            mutant: cfg.mutant,
        }
    }
}

impl RunArgs {
    /// The thread count is left to the machine that reruns: counts and verdicts do not depend on
    /// it. Output is text.
    fn reproducing(opts: &CheckOptions) -> RunArgs {
        RunArgs {
            threads: default_threads(),
            timeout: opts.timeout,
            json: false,
            no_symmetry: !opts.symmetry,
            fingerprint_bits: opts.fingerprint_bits,
        }
    }
}

impl CheckArgs {
    /// The `check` that reruns `cfg` with `opts`, starting from the named configuration `name`.
    pub fn reproducing(name: ConfigName, cfg: &WitnessCfg, opts: &CheckOptions) -> CheckArgs {
        CheckArgs {
            config: ConfigArgs::reproducing(name, cfg),
            protocol: ProtocolArgs::reproducing(name, cfg),
            run: RunArgs::reproducing(opts),
            strategy: opts.strategy,
            // Only a simulation draws from the seed.
            seed: match opts.strategy {
                Strategy::Simulation => opts.seed,
                Strategy::Bfs | Strategy::Dfs => CheckOptions::default().seed,
            },
            max_memory: opts.max_memory_bytes,
        }
    }
}

/// `witness check …` for one run.
pub fn check_command(
    name: ConfigName,
    cfg: &WitnessCfg,
    opts: &CheckOptions,
) -> Result<String, CliError> {
    let args = to_args(&CheckArgs::reproducing(name, cfg, opts))?;
    Ok(command_line("check", &args))
}

/// `witness report …` that regenerates the report `args` asked for.
pub fn report_command(args: &ReportArgs) -> Result<String, CliError> {
    let suite = &args.suite;
    let opts = CheckOptions {
        timeout: suite.run.timeout,
        symmetry: !suite.run.no_symmetry,
        fingerprint_bits: suite.run.fingerprint_bits,
        ..CheckOptions::default()
    };
    let reproducing = ReportArgs {
        out: args.out.clone(),
        suite: SuiteArgs {
            config: ConfigArgs::reproducing(suite.config.name(), &suite.config.base()),
            filter: suite.filter.clone(),
            run: RunArgs::reproducing(&opts),
        },
        force: false,
    };
    Ok(command_line("report", &to_args(&reproducing)?))
}

#[cfg(test)]
mod tests;
