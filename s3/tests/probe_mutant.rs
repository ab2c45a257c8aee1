//! Non-vacuity of `witness probe --mode strong --faults`: the same probe, against a server whose
//! witness forgets on restart and then answers "fresh" (the model's seeded bug
//! `witness-forgets-on-restart`), finds the stale reads the correct witness prevents.

use index_cache::{Config, IndexCache, Mode, Mutant, Protocol};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use witness_history::Status;
use witness_model::properties::PropertyId;
use witness_s3::faults::Fault;
use witness_s3::probe::verdict::ProbeJudgement;
use witness_s3::probe::{self, verdict, ProbeConfig, ProbeRun, Target};
use witness_s3::serve::{self, Credentials, Limits, ServeConfig};

fn probe_under_faults(mutant: Option<Mutant>, seed: u64) -> (ProbeRun, ProbeJudgement) {
    let credentials = Credentials {
        access_key: "WITNESSTESTKEY".into(),
        secret_key: "witness-test-secret".into(),
    };
    let serve_config = ServeConfig {
        mode: Mode::Strong,
        nodes: 3,
        spread: 2,
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        data: None,
        credentials: credentials.clone(),
        faults: Some(1000.0),
        seed,
        limits: Limits::default(),
    };
    let protocol = Protocol {
        mutant,
        ..Protocol::default()
    };
    let cache = IndexCache::builder(Config::new(3, Mode::Strong))
        .protocol(protocol)
        .build()
        .expect("valid cache");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime
        .block_on(serve::start_with(
            Arc::new(cache),
            &serve_config,
            Arc::new(|_: &Fault| {}),
        ))
        .expect("server starts");
    let config = ProbeConfig {
        target: Target::Remote {
            urls: vec![format!("http://{}", server.addr())],
            credentials,
        },
        bucket: "witness-probe".into(),
        region: "us-east-1".into(),
        clients: 4,
        ops: 1500,
        keys: 4,
        duration: None,
        seed,
        timeout: Duration::from_secs(5),
        nemesis: None,
    };
    let run = probe::probe(&config).expect("probe runs");
    drop(server);
    let judgement = verdict::judge(&run.history);
    (run, judgement)
}

#[test]
fn the_fault_probe_catches_a_witness_that_forgets_and_answers_fresh() {
    let (_, correct) = probe_under_faults(None, 3);
    for p in &correct.report.properties {
        assert_eq!(p.status, Status::Holds, "the correct witness: {p:?}");
    }
    // The forgetful witness answers "fresh" for a key it forgot, so a node's older entry is
    // served after a newer write was acknowledged: a read-after-write violation (A1–A3), shown
    // on one of the run's keys.
    let caught = (1..=3).find_map(|seed| {
        let (run, judgement) = probe_under_faults(Some(Mutant::WitnessForgetsOnRestart), seed);
        let shown = judgement.read_after_write_violation()?.clone();
        Some((run, judgement, shown))
    });
    let Some((run, judgement, shown)) = caught else {
        panic!("the seeded bug was never caught as a stale read in 3 probes");
    };
    assert_eq!(
        judgement.report.status(PropertyId::ReadAfterWrite),
        Some(Status::Violated)
    );
    let keys: Vec<String> = (0..4).map(|k| format!("{}k{k}", run.prefix)).collect();
    assert!(
        keys.contains(&shown.key),
        "{} is not a probed key",
        shown.key
    );
    let window_keys: Vec<&str> = shown
        .window
        .iter()
        .map(|&i| run.history.keys[run.history.operations[i].key].as_str())
        .collect();
    assert!(
        window_keys.iter().all(|k| *k == shown.key),
        "the window is on {}: {window_keys:?}",
        shown.key
    );
}
