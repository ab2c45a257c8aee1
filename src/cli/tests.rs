//! The clap definitions hold together; `--x` / `--no-x` pairs override each other and are listed
//! in `--help`.

use super::*;
use clap::CommandFactory;

#[test]
fn clap_definitions_are_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn the_last_of_a_toggle_pair_wins() {
    // `--no-x` after `--x` wins, and the other way round: the last one typed counts.
    let cli = Cli::try_parse_from(["witness", "check", "--eviction", "--no-eviction"]);
    let Some(Command::Check(check)) = cli.map(|c| c.command).ok().flatten() else {
        panic!("not a check")
    };
    assert!(!check.config.base().faults.eviction);
    let cli = Cli::try_parse_from(["witness", "check", "--config", "small", "--eviction"]);
    let Some(Command::Check(check)) = cli.map(|c| c.command).ok().flatten() else {
        panic!("not a check")
    };
    assert!(check.config.base().faults.eviction);
    assert!(check.config.customized());
}

#[test]
fn the_no_flags_are_listed_in_help() {
    let help = CheckArgs::augment_args(clap::Command::new("check")).render_help();
    for flag in [
        "--no-eviction",
        "--no-node-restart",
        "--no-reorder",
        "--no-duplicates",
    ] {
        assert!(help.to_string().contains(flag), "{flag} missing from help");
    }
}

#[test]
fn serve_flags_default_to_the_servers_own_limits() {
    let cli = Cli::try_parse_from(["witness", "serve"]);
    let Some(Command::Serve(serve)) = cli.map(|c| c.command).ok().flatten() else {
        panic!("not a serve")
    };
    assert_eq!(serve.limits(), witness_s3::serve::Limits::default());
}

#[test]
fn probe_endpoints_and_faults_repeat_in_the_order_given() {
    let cli = Cli::try_parse_from([
        "witness",
        "probe",
        "--endpoint",
        "http://a",
        "--endpoint",
        "http://b",
        "--nemesis",
        "kill=k 1",
        "--nemesis",
        "restart=r 1",
        "--nemesis-every",
        "3s",
    ]);
    let Some(Command::Probe(probe)) = cli.map(|c| c.command).ok().flatten() else {
        panic!("not a probe")
    };
    assert_eq!(probe.endpoints, ["http://a", "http://b"]);
    let names: Vec<&str> = probe.nemesis.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["kill", "restart"]);
    assert_eq!(probe.nemesis_every, Some(Duration::from_secs(3)));
    let bad = Cli::try_parse_from(["witness", "probe", "--nemesis", "no-equals-sign"]);
    let error = bad.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(error.contains("NAME=COMMAND"), "{error}");
}
