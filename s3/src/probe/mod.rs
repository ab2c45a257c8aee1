//! `witness probe`: a randomized concurrent workload against one or several S3 endpoints (the
//! gateways of one store), recorded as a Jepsen history, optionally under a nemesis. With no
//! endpoint, the probe starts `witness serve` in-process on a free loopback port (with random
//! credentials) and probes that.

pub mod client;
pub mod evidence;
pub mod nemesis;
mod progress;
pub mod recorder;
pub mod report;
pub mod verdict;
pub mod workload;

use crate::faults::Fault;
use crate::serve::{self, Credentials, Limits, ServeConfig, ServeError};
use client::{Cause, Client, Endpoint};
use index_cache::Mode;
use nemesis::{Nemesis, Schedule};
use recorder::{Recorded, Recorder};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use witness_history::History;
use workload::{Budget, Workload};

/// What the probe talks to.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// The gateways of one store: each operation goes to one of them.
    Remote {
        urls: Vec<String>,
        credentials: Credentials,
    },
    /// `witness serve` in-process.
    Embedded {
        mode: Mode,
        nodes: usize,
        spread: usize,
        /// Faults injected per second.
        faults: Option<f64>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProbeConfig {
    pub target: Target,
    pub bucket: String,
    pub region: String,
    pub clients: usize,
    pub ops: usize,
    pub keys: usize,
    pub duration: Option<Duration>,
    pub seed: u64,
    pub timeout: Duration,
    /// Faults to inject on a schedule (`--nemesis`), if any.
    pub nemesis: Option<Schedule>,
}

/// What a probe run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeRun {
    /// The endpoints probed, in the order given.
    pub endpoints: Vec<String>,
    /// Every key of the run starts with this.
    pub prefix: String,
    /// Every operation as recorded, in witness-history's own types, with the nemesis's faults.
    pub history: History,
    /// Why the indeterminate operations were.
    pub indeterminate: BTreeMap<Cause, usize>,
    /// Faults the embedded server injected, in order.
    pub faults: Vec<String>,
    pub elapsed: Duration,
}

/// Why a probe could not run (exit 2).
#[derive(Debug)]
pub enum ProbeError {
    BadInput(String),
    Serve(ServeError),
    Unreachable(String),
    Refused(String),
    Runtime(std::io::Error),
    /// The probe itself went wrong (a bug, reported rather than hidden).
    Internal(String),
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::BadInput(why) => write!(f, "{why}"),
            ProbeError::Serve(e) => write!(f, "cannot start the embedded server: {e}"),
            ProbeError::Unreachable(why) => write!(f, "endpoint not usable: {why}"),
            ProbeError::Refused(why) => write!(f, "the endpoint refused the probe: {why}"),
            ProbeError::Runtime(e) => write!(f, "cannot start the async runtime: {e}"),
            ProbeError::Internal(why) => write!(f, "the probe failed: {why}"),
        }
    }
}

impl std::error::Error for ProbeError {}

impl ProbeConfig {
    fn validate(&self) -> Result<(), ProbeError> {
        let positive = [
            ("--clients", self.clients),
            ("--ops", self.ops),
            ("--keys", self.keys),
        ];
        if let Some((flag, _)) = positive.iter().find(|(_, n)| *n == 0) {
            return Err(ProbeError::BadInput(format!("{flag} must be at least 1")));
        }
        if self.bucket.is_empty() {
            return Err(ProbeError::BadInput("--bucket must not be empty".into()));
        }
        if let Target::Remote { urls, .. } = &self.target {
            let mut seen = HashSet::new();
            if let Some(twice) = urls.iter().find(|url| !seen.insert(url.as_str())) {
                return Err(ProbeError::BadInput(format!(
                    "--endpoint {twice} is given twice"
                )));
            }
            if urls.is_empty() {
                return Err(ProbeError::BadInput("no --endpoint given".into()));
            }
        }
        if let Some(schedule) = &self.nemesis {
            if schedule.every.is_zero() {
                return Err(ProbeError::BadInput(
                    "--nemesis-every must be longer than 0".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Random credentials for the embedded server: nothing else on the machine can use it.
fn ephemeral_credentials() -> Credentials {
    let mut rng = fastrand::Rng::new();
    let token = |n: usize, rng: &mut fastrand::Rng| -> String {
        (0..n).map(|_| rng.alphanumeric()).collect()
    };
    Credentials {
        access_key: format!("WITNESS{}", token(13, &mut rng).to_uppercase()),
        secret_key: token(40, &mut rng),
    }
}

/// Starts the embedded server when the target is one; returns the URLs and credentials to use.
async fn endpoint(
    config: &ProbeConfig,
    faults: &Arc<Mutex<Vec<String>>>,
) -> Result<(Vec<String>, Credentials, Option<serve::Server>), ProbeError> {
    match &config.target {
        Target::Remote { urls, credentials } => Ok((urls.clone(), credentials.clone(), None)),
        Target::Embedded {
            mode,
            nodes,
            spread,
            faults: rate,
        } => {
            let credentials = ephemeral_credentials();
            let serve_config = ServeConfig {
                mode: *mode,
                nodes: *nodes,
                spread: *spread,
                addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
                data: None,
                credentials: credentials.clone(),
                faults: *rate,
                seed: config.seed,
                limits: Limits::default(),
            };
            let log = Arc::clone(faults);
            let fault_log = Arc::new(move |fault: &Fault| {
                log.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(fault.to_string());
            });
            let server = serve::start(&serve_config, fault_log)
                .await
                .map_err(ProbeError::Serve)?;
            Ok((
                vec![format!("http://{}", server.addr())],
                credentials,
                Some(server),
            ))
        }
    }
}

/// A prefix no earlier run used: the seed and the clock.
fn run_prefix(seed: u64) -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() % 100_000_000);
    format!("witness-probe-{seed}-{millis}/")
}

/// One client per endpoint, each with the bucket made sure of (a store whose gateways share
/// their metadata late may answer HeadBucket 404 on one of them: it is created there too).
async fn clients(
    config: &ProbeConfig,
    urls: &[String],
    credentials: &Credentials,
) -> Result<Vec<Client>, ProbeError> {
    let mut clients = Vec::with_capacity(urls.len());
    for url in urls {
        let endpoint = Endpoint {
            url: url.clone(),
            bucket: config.bucket.clone(),
            region: config.region.clone(),
            credentials: credentials.clone(),
            timeout: config.timeout,
        };
        let client = Client::new(&endpoint).map_err(ProbeError::BadInput)?;
        client
            .ensure_bucket()
            .await
            .map_err(ProbeError::Unreachable)?;
        clients.push(client);
    }
    Ok(clients)
}

async fn probe_async(config: &ProbeConfig) -> Result<ProbeRun, ProbeError> {
    config.validate()?;
    let faults = Arc::new(Mutex::new(Vec::new()));
    let (urls, credentials, server) = endpoint(config, &faults).await?;
    let clients = Arc::new(clients(config, &urls, &credentials).await?);
    let started = Instant::now();
    let workload = Arc::new(Workload {
        clients: config.clients,
        ops: config.ops,
        keys: config.keys,
        deadline: config.duration.map(|d| started + d),
        seed: config.seed,
        prefix: run_prefix(config.seed),
    });
    let recorder = Arc::new(Recorder::default());
    let nemesis = config
        .nemesis
        .clone()
        .map(|schedule| Nemesis::start(schedule, Arc::clone(&recorder)));
    let budget = Arc::new(Budget::default());
    let bar = progress::Bar::start(Arc::clone(&budget), config.ops);
    let result = workload::run(
        Arc::clone(&clients),
        Arc::clone(&recorder),
        Arc::clone(&workload),
        budget,
    )
    .await;
    let elapsed = started.elapsed();
    bar.finish();
    if let Some(nemesis) = nemesis {
        nemesis.stop().await;
    }
    result.map_err(|refused| ProbeError::Refused(refused.0))?;
    cleanup(&clients[0], &workload).await;
    drop(server);
    let Recorded {
        history,
        indeterminate,
    } = Arc::try_unwrap(recorder)
        .map_err(|_| ProbeError::Internal("a probe client outlived the run".into()))?
        .into_recorded()
        .map_err(ProbeError::Internal)?;
    let faults = std::mem::take(&mut *faults.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(ProbeRun {
        endpoints: urls,
        prefix: workload.prefix.clone(),
        history,
        indeterminate,
        faults,
        elapsed,
    })
}

/// Deletes the run's objects (best effort, not recorded): a probe leaves a bucket as it found it.
async fn cleanup(client: &Client, workload: &Workload) {
    for k in 0..workload.keys {
        let _ = client.delete(&format!("{}k{k}", workload.prefix)).await;
    }
}

/// Runs the probe on its own runtime (two workers, like the CI machine's cores).
pub fn probe(config: &ProbeConfig) -> Result<ProbeRun, ProbeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ProbeError::Runtime)?;
    runtime.block_on(probe_async(config))
}
