//! PUT latency and throughput of an in-process `witness serve`, to weigh what durability costs:
//!
//! ```sh
//! cargo run --release -p witness-s3 --example put_latency -- [DATA_DIR] [CLIENTS] [PUTS] [BYTES]
//! ```
//!
//! Without `DATA_DIR` (or with `-`) the server keeps everything in memory. Each client PUTs its
//! share of `PUTS` objects of `BYTES` bytes over 64 keys of its own (so keys are overwritten, as
//! the freed-bytes path is part of the cost), one request at a time, through the probe's SigV4
//! client; the run prints throughput, the latency percentiles and the process's resident memory
//! (server and client together) at the end: with keys overwritten, it should not grow with
//! `PUTS`.

use index_cache::Mode;
use object_store::PutMode;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use witness_s3::faults::Fault;
use witness_s3::probe::client::{Client, Endpoint, Outcome};
use witness_s3::serve::{self, Credentials, Limits, ServeConfig};

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> Result<T, String> {
    match args.get(i) {
        None => Ok(default),
        Some(s) => s
            .parse()
            .map_err(|_| format!("argument {i} ({s:?}) is not a number")),
    }
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = args.first().filter(|d| *d != "-").map(PathBuf::from);
    let clients: usize = arg(&args, 1, 4)?;
    let puts: usize = arg(&args, 2, 2000)?;
    let bytes: usize = arg(&args, 3, 1024)?;
    if clients == 0 || puts < clients {
        return Err("need at least one client and one PUT per client".into());
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(run(data, clients, puts, bytes))
}

async fn run(
    data: Option<PathBuf>,
    clients: usize,
    puts: usize,
    bytes: usize,
) -> Result<(), String> {
    let credentials = Credentials {
        access_key: "WITNESSBENCHKEY".into(),
        secret_key: "witness-bench-secret".into(),
    };
    let config = ServeConfig {
        mode: Mode::Strong,
        nodes: 3,
        spread: 2,
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        data: data.clone(),
        credentials: credentials.clone(),
        faults: None,
        seed: 1,
        limits: Limits::default(),
    };
    let server = serve::start(&config, Arc::new(|_: &Fault| {}))
        .await
        .map_err(|e| e.to_string())?;
    let endpoint = Endpoint {
        url: format!("http://{}", server.addr()),
        bucket: "bench".into(),
        region: "us-east-1".into(),
        credentials,
        timeout: Duration::from_secs(30),
    };
    Client::new(&endpoint)?.ensure_bucket().await?;
    let body = "x".repeat(bytes);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (endpoint, body) = (endpoint.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let client = Client::new(&endpoint)?;
            let mut latencies = Vec::new();
            for i in 0..puts / clients {
                let t = Instant::now();
                match client
                    .put(&format!("c{c}/k{}", i % 64), &body, PutMode::Overwrite)
                    .await
                {
                    Ok(Outcome::Ok(_)) => latencies.push(t.elapsed()),
                    other => return Err(format!("PUT failed: {other:?}")),
                }
            }
            Ok::<_, String>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.map_err(|e| e.to_string())??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    let store = data.map_or("memory".to_string(), |d| d.display().to_string());
    println!(
        "{} PUTs of {bytes} B, {clients} clients, data {store}: {:.0} PUT/s, p50 {:?}, p99 {:?}, max {:?}, {}",
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        at(0.5),
        at(0.99),
        at(1.0),
        resident(),
    );
    Ok(())
}

/// The process's resident set (Linux), as `/proc/self/status` says it.
fn resident() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_string)
        })
        .map_or("VmRSS: unknown".into(), |l| {
            l.split_whitespace().collect::<Vec<_>>().join(" ")
        })
}
