//! Reproducing commands round-trip: the flags `to_args` writes parse back, through clap, into the
//! same arguments, configuration and options, for random values of every flag of `check`,
//! `suite` and `report`.

use super::{check_command, report_command, to_args};
use crate::choices::{MutantOrNone, VariantName};
use crate::cli::{
    default_threads, CheckArgs, Cli, Command, ConfigArgs, ProtocolArgs, ReportArgs, RowFilter,
    RunArgs, SuiteArgs,
};
use clap::Parser;
use proptest::prelude::*;
use proptest::sample::select;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;
use witness_model::check::{CheckOptions, Strategy as Search, MAX_THREADS, MAX_TIMEOUT};
use witness_model::search::FingerprintBits;
use witness_model::system::config::OpName;
use witness_model::system::{ConfigName, Faults, Mode, Mutant, OpMix, Variant, WitnessCfg};

fn parse(subcommand: &str, args: &[String]) -> Command {
    let argv = ["witness", subcommand].map(String::from);
    let argv = argv.into_iter().chain(args.iter().cloned());
    match Cli::try_parse_from(argv) {
        Ok(Cli {
            command: Some(command),
            ..
        }) => command,
        Ok(_) => panic!("{args:?}: no subcommand"),
        Err(e) => panic!("{args:?}: {e}"),
    }
}

fn names<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    select(all)
}

fn some_of<T: Copy + std::fmt::Debug + 'static>(
    all: &'static [T],
) -> impl Strategy<Value = Vec<T>> {
    prop::collection::vec(select(all), 0..4)
}

fn variant_name() -> impl Strategy<Value = VariantName> {
    select(<VariantName as clap::ValueEnum>::value_variants())
}

fn duration() -> impl Strategy<Value = Duration> {
    (0..=MAX_TIMEOUT.as_secs(), 0..1_000_000_000u32).prop_map(|(s, n)| Duration::new(s, n))
}

fn op_mix() -> impl Strategy<Value = OpMix> {
    prop::collection::vec(names(OpName::ALL), 1..4).prop_map(|ops| OpMix::of(&ops))
}

fn faults() -> impl Strategy<Value = Faults> {
    (any::<[bool; 5]>(), [0..4u8, 0..4, 0..4]).prop_map(
        |([e, n, r, d, s], [witness_restarts, witness_outages, witness_failovers])| Faults {
            eviction: e,
            node_restart: n,
            witness_restarts,
            replication_reorder: r,
            replication_duplicates: d,
            witness_outages,
            witness_failovers,
            partition_split: s,
        },
    )
}

/// Witness nodes and slots as a configuration holds them: no slot count where there is one slot
/// per key.
fn witness() -> impl Strategy<Value = (u8, Option<u8>)> {
    (1..=5u8, proptest::option::of(1..=4u8))
}

/// Any configuration the flags can express, valid or not: the round trip does not validate.
fn cfg() -> impl Strategy<Value = WitnessCfg> {
    let sizes = (1..=5u8, 1..=5u8, 1..=4u8, 1..=4u8);
    let protocol = (
        names(Mode::ALL),
        select(Variant::all()),
        proptest::option::of(names(Mutant::ALL)),
    );
    let parts = (sizes, op_mix(), faults(), witness());
    (parts, protocol).prop_map(
        |(((clients, cache_nodes, keys, ops_per_client), ops, faults, witness), protocol)| {
            let (witness_nodes, slots) = witness;
            let (mode, variant, mutant) = protocol;
            WitnessCfg {
                clients,
                cache_nodes,
                keys,
                ops_per_client,
                ops,
                mode,
                variant,
                mutant,
                faults,
                witness_nodes,
                witness_slots: slots.filter(|&s| s != keys),
            }
        },
    )
}

fn options() -> impl Strategy<Value = CheckOptions> {
    let memory = proptest::option::of(1..=u64::MAX);
    let search = (names(Search::ALL), any::<u64>(), any::<bool>());
    let bits = proptest::option::of(names(FingerprintBits::ALL));
    (search, proptest::option::of(duration()), memory, bits).prop_map(
        |((strategy, seed, symmetry), timeout, max_memory_bytes, fingerprint_bits)| CheckOptions {
            strategy,
            seed,
            symmetry,
            timeout,
            max_memory_bytes,
            fingerprint_bits,
            ..CheckOptions::default()
        },
    )
}

/// `--x`, `--no-x` or neither (clap keeps only the last of the two).
fn toggle() -> impl Strategy<Value = (bool, bool)> {
    select(&[(false, false), (true, false), (false, true)][..])
}

/// Raw configuration flags, not normalized against the named configuration.
fn config_args() -> impl Strategy<Value = ConfigArgs> {
    let sizes = [0..=5u8, 0..=5, 0..=4, 0..=4, 0..=3].map(proptest::option::of);
    let witness = [0..=5u8, 0..=4, 0..=3, 0..=3].map(proptest::option::of);
    let mix = proptest::option::of(prop::collection::vec(names(OpName::ALL), 1..5));
    let toggles = (toggle(), toggle(), toggle(), toggle(), toggle());
    let name = proptest::option::of(names(ConfigName::ALL));
    let parts = (sizes, witness, mix, toggles);
    (name, parts).prop_map(|(config, (sizes, witness, op_mix, toggles))| {
        let [clients, cache_nodes, keys, ops, witness_restarts] = sizes;
        let [witness_nodes, witness_slots, witness_outages, witness_failovers] = witness;
        let ((eviction, no_eviction), (node_restart, no_node_restart)) = (toggles.0, toggles.1);
        let ((reorder, no_reorder), (duplicates, no_duplicates)) = (toggles.2, toggles.3);
        let (partition_split, no_partition_split) = toggles.4;
        ConfigArgs {
            config,
            clients,
            cache_nodes,
            keys,
            ops,
            op_mix,
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
            witness_restarts,
            witness_nodes,
            witness_slots,
            witness_outages,
            witness_failovers,
        }
    })
}

fn run_args() -> impl Strategy<Value = RunArgs> {
    let flags = (1..=MAX_THREADS, any::<bool>(), any::<bool>());
    let bits = proptest::option::of(names(FingerprintBits::ALL));
    (flags, proptest::option::of(duration()), bits).prop_map(
        |((threads, json, no_symmetry), timeout, fingerprint_bits)| RunArgs {
            threads,
            timeout,
            json,
            no_symmetry,
            fingerprint_bits,
        },
    )
}

fn protocol_args() -> impl Strategy<Value = ProtocolArgs> {
    let mode = proptest::option::of(names(Mode::ALL));
    let mutant = proptest::option::of(names(Mutant::ALL));
    let variants = prop::collection::vec(variant_name(), 0..4);
    (mode, variants, mutant).prop_map(|(mode, variants, mutant)| ProtocolArgs {
        mode,
        variants,
        mutant,
    })
}

fn check_args() -> impl Strategy<Value = CheckArgs> {
    let search = (
        names(Search::ALL),
        any::<u64>(),
        proptest::option::of(1..=u64::MAX),
    );
    (config_args(), protocol_args(), run_args(), search).prop_map(
        |(config, protocol, run, (strategy, seed, max_memory))| CheckArgs {
            config,
            protocol,
            run,
            strategy,
            seed,
            max_memory,
        },
    )
}

fn suite_args() -> impl Strategy<Value = SuiteArgs> {
    let mutants = prop::collection::vec(
        select(<MutantOrNone as clap::ValueEnum>::value_variants()),
        0..4,
    );
    let filter = (
        some_of(Mode::ALL),
        prop::collection::vec(variant_name(), 0..4),
        mutants,
    );
    (config_args(), filter, run_args()).prop_map(|(config, (modes, variants, mutants), run)| {
        SuiteArgs {
            config,
            filter: RowFilter {
                modes,
                variants,
                mutants,
            },
            run,
        }
    })
}

proptest! {
    #[test]
    fn a_reproducing_check_rebuilds_its_run(
        name in names(ConfigName::ALL),
        cfg in cfg(),
        opts in options(),
    ) {
        let expected = CheckArgs::reproducing(name, &cfg, &opts);
        let Command::Check(check) = parse("check", &to_args(&expected).unwrap()) else {
            panic!("not a check")
        };
        let mut rebuilt = check.config.base();
        check.protocol.apply(&mut rebuilt);
        prop_assert_eq!(&rebuilt, &cfg);
        let got = check.search_options();
        prop_assert_eq!(got.strategy, opts.strategy);
        prop_assert_eq!(got.timeout, opts.timeout);
        prop_assert_eq!(got.symmetry, opts.symmetry);
        prop_assert_eq!(got.max_memory_bytes, opts.max_memory_bytes);
        prop_assert_eq!(got.fingerprint_bits, opts.fingerprint_bits);
        prop_assert_eq!(got.threads, default_threads());
        if opts.strategy == Search::Simulation {
            prop_assert_eq!(got.seed, opts.seed);
        }
        prop_assert_eq!(check, expected);
    }

    #[test]
    fn every_check_flag_round_trips(args in check_args()) {
        let Command::Check(parsed) = parse("check", &to_args(&args).unwrap()) else {
            panic!("not a check")
        };
        prop_assert_eq!(parsed, args);
    }

    #[test]
    fn every_suite_flag_round_trips(args in suite_args()) {
        let Command::Suite(parsed) = parse("suite", &to_args(&args).unwrap()) else {
            panic!("not a suite")
        };
        prop_assert_eq!(parsed, args);
    }

    #[test]
    fn every_report_flag_round_trips(
        suite in suite_args(),
        out in "[a-z0-9 ./_][a-z0-9 ./_-]{0,15}",
        force in any::<bool>(),
    ) {
        let args = ReportArgs { out: PathBuf::from(out), suite, force };
        let Command::Report(parsed) = parse("report", &to_args(&args).unwrap()) else {
            panic!("not a report")
        };
        prop_assert_eq!(parsed, args);
    }
}

/// Every flag of the struct has a serialized field under its clap id, so none can be left out
/// of a reproducing command unnoticed.
fn every_flag_is_serialized<T: clap::Args + Serialize>(value: &T) {
    let fields = serde_json::to_value(value).unwrap();
    for arg in T::augment_args(clap::Command::new("witness")).get_arguments() {
        let id = arg.get_id().as_str();
        assert!(fields.get(id).is_some(), "--{id} is not serialized");
    }
}

#[test]
fn every_flag_has_a_field() {
    let Command::Report(report) = parse("report", &["--out".into(), "x".into()]) else {
        panic!("not a report")
    };
    every_flag_is_serialized(&report);
    every_flag_is_serialized(&report.suite);
    let Command::Check(check) = parse("check", &[]) else {
        panic!("not a check")
    };
    every_flag_is_serialized(&check);
}

#[test]
fn the_default_run_reproduces_as_before() {
    let command = check_command(
        ConfigName::Default,
        &WitnessCfg::default_cfg(),
        &CheckOptions::default(),
    );
    assert_eq!(
        command.unwrap(),
        "witness check --config default --mode strong --variant witness-service \
         --variant repair-if-newer"
    );
    let Command::Report(report) = parse("report", &["--out".into(), "docs/proofs".into()]) else {
        panic!("not a report")
    };
    assert_eq!(
        report_command(&report).unwrap(),
        "witness report --out docs/proofs --config default"
    );
}

#[test]
fn quoting_only_where_needed() {
    use super::shell_quote;
    assert_eq!(shell_quote("--mode"), "--mode");
    assert_eq!(shell_quote("a b"), "'a b'");
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
}
