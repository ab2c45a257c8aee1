//! Non-vacuity of `witness probe --mode strong --faults`: the same probe, against a server whose
//! witness forgets on restart and then answers "fresh" (the model's seeded bug
//! `witness-forgets-on-restart`), finds the stale reads the correct witness prevents.

use index_cache::{Config, IndexCache, Mode, Mutant, Protocol};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use witness_s3::faults::Fault;
use witness_s3::probe::{self, verdict, ProbeConfig, Target};
use witness_s3::serve::{self, Credentials, ServeConfig};

fn probe_under_faults(mutant: Option<Mutant>, seed: u64) -> bool {
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
            url: format!("http://{}", server.addr()),
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
    };
    let run = probe::probe(&config).expect("probe runs");
    drop(server);
    verdict::judge(&run.history).holds()
}

#[test]
fn the_fault_probe_catches_a_witness_that_forgets_and_answers_fresh() {
    assert!(probe_under_faults(None, 3), "the correct witness holds");
    let caught =
        (1..=3).any(|seed| !probe_under_faults(Some(Mutant::WitnessForgetsOnRestart), seed));
    assert!(caught, "the seeded bug was never caught in 3 probes");
}
