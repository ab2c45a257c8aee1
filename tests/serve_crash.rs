//! `witness serve --data DIR` loses nothing it acknowledged when killed: rounds of a concurrent
//! PUT/DELETE workload, each ended by SIGKILL at a random moment, each followed by a restart on the
//! same directory and a check that every key holds its last acknowledged write, or the write that
//! was in flight on it when the server died (which may or may not have taken effect), and that
//! LIST agrees with GET. The whole history (every round's writes, a write cut by a kill recorded
//! as `info`, and the reads after each restart) is then judged by the same checker as
//! `witness probe`: it must satisfy every property, linearizability included.
//!
//! The default test runs 20 rounds (well under a minute); the ignored one runs
//! `WITNESS_CRASH_ROUNDS` (default 200) for `scripts/test-all.sh slow`. Each prints its seed;
//! `WITNESS_CRASH_SEED` replays one.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use witness_history::{Command, Reply, Value};
use witness_s3::probe::client::{Client, Endpoint, Outcome};
use witness_s3::probe::recorder::Recorder;
use witness_s3::probe::verdict;
use witness_s3::serve::Credentials;

const CLIENTS: usize = 4;
const KEYS_PER_CLIENT: usize = 6;
/// Every key is under it, and LIST lists it.
const PREFIX: &str = "crash";
/// Process ids of the reads after each restart start here (writers' ids are below).
const CHECKER: u64 = 1 << 32;

fn key(c: usize, k: u64) -> String {
    format!("{PREFIX}/c{c}-k{k}")
}

fn credentials() -> Credentials {
    Credentials {
        access_key: "WITNESSCRASHKEY".into(),
        secret_key: "witness-crash-secret".into(),
    }
}

/// A small deterministic generator: kill points and operations replay from the seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A write as the history sees it: `Some(value)` is a PUT, `None` a DELETE.
type Write = Option<String>;

#[derive(Debug, Default)]
struct Keys {
    /// Each key's last acknowledged write (absent: never written or deleted).
    acked: BTreeMap<String, Write>,
    /// The write each key had in flight when the server died.
    in_flight: BTreeMap<String, Write>,
    acks: usize,
    /// Writes in flight at a kill, and how many of them were found to have taken effect.
    cut: usize,
    cut_but_kept: usize,
}

struct Served {
    child: Child,
    endpoint: Endpoint,
}

/// Starts `witness serve` on `data` and waits for the address it prints.
fn serve(data: &Path) -> Served {
    let creds = credentials();
    let mut child = common::witness()
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .args([
            "--access-key",
            &creds.access_key,
            "--secret-key",
            &creds.secret_key,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("witness serve starts");
    let stdout = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout).lines();
    let line = lines
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("witness serve printed no address: {:?}", child.wait()));
    // The rest of stdout is drained so that the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let endpoint = Endpoint {
        url,
        bucket: "crash".into(),
        region: "us-east-1".into(),
        credentials: credentials(),
        timeout: Duration::from_secs(5),
    };
    Served { child, endpoint }
}

/// One client's writes over its own keys until the server stops answering. A key is written
/// by one client only, so each key has at most one write in flight.
async fn writer(
    endpoint: Endpoint,
    (c, round, seed): (usize, usize, u64),
    keys: Arc<Mutex<Keys>>,
    recorder: Arc<Recorder>,
) {
    let client = Client::new(&endpoint).expect("client");
    let mut rng = Rng(seed | 1);
    // A new process each round: the one cut by the kill stays pending (`info`) forever.
    let process = (round * CLIENTS + c) as u64;
    for n in 0.. {
        let key = key(c, rng.below(KEYS_PER_CLIENT as u64));
        let write: Write = (rng.below(5) > 0).then(|| format!("r{round}.c{c}.n{n}"));
        let command = write
            .clone()
            .map_or(Command::Delete, |v| Command::Write(Value::Str(v)));
        recorder.invoke(process, &key, command, client.url());
        keys.lock()
            .expect("keys")
            .in_flight
            .insert(key.clone(), write.clone());
        let outcome = match &write {
            Some(value) => client
                .put(&key, value, object_store::PutMode::Overwrite)
                .await
                .map(|o| o.map(drop)),
            None => client.delete(&key).await,
        };
        if outcome != Ok(Outcome::Ok(())) {
            // The kill cuts the connection: the write's outcome is unknown.
            let cause = witness_s3::probe::client::Cause::Connection;
            recorder.complete(process, witness_history::Outcome::Info, Some(&cause));
            return;
        }
        recorder.complete(process, witness_history::Outcome::Ok(Reply::Done), None);
        let mut keys = keys.lock().expect("keys");
        keys.in_flight.remove(&key);
        keys.acked.insert(key, write);
        keys.acks += 1;
    }
}

/// Every key holds its last acknowledged write or its in-flight one; LIST shows exactly the
/// keys GET finds. What was found becomes the acknowledged state of the next round.
async fn check(endpoint: &Endpoint, keys: &mut Keys, round: usize, recorder: &Recorder) {
    let client = Client::new(endpoint).expect("client");
    let process = CHECKER + round as u64;
    let mut present = BTreeSet::new();
    let mut observed = BTreeMap::new();
    for c in 0..CLIENTS {
        for k in 0..KEYS_PER_CLIENT {
            let key = key(c, k as u64);
            recorder.invoke(process, &key, Command::Read, client.url());
            let found = match client.get(&key).await.expect("credentials") {
                Outcome::Ok(v) => v.map(|v| v.body),
                other => panic!("round {round}: GET {key} after restart: {other:?}"),
            };
            let read = Reply::Read(found.clone().map(Value::Str));
            recorder.complete(process, witness_history::Outcome::Ok(read), None);
            let acked = keys.acked.get(&key).cloned().flatten();
            let in_flight = keys.in_flight.get(&key).cloned();
            assert!(
                found == acked || in_flight.as_ref() == Some(&found),
                "round {round}: {key} holds {found:?}; last acknowledged {acked:?}, in flight {in_flight:?}"
            );
            if let Some(write) = &in_flight {
                keys.cut += 1;
                keys.cut_but_kept += usize::from(*write == found && found != acked);
            }
            if found.is_some() {
                present.insert(key.clone());
            }
            observed.insert(key, found);
        }
    }
    recorder.invoke(process, PREFIX, Command::List, client.url());
    let listed = match client.list(PREFIX).await.expect("credentials") {
        Outcome::Ok(keys) => keys,
        other => panic!("round {round}: LIST after restart: {other:?}"),
    };
    let reply = Reply::Listed(listed.clone());
    recorder.complete(process, witness_history::Outcome::Ok(reply), None);
    let listed: BTreeSet<String> = listed.into_iter().collect();
    assert_eq!(listed, present, "round {round}: LIST agrees with GET");
    keys.acked = observed;
    keys.in_flight.clear();
}

fn run(rounds: usize) {
    let seed = std::env::var("WITNESS_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            now.map_or(1, |d| d.as_nanos() as u64) | 1
        });
    eprintln!("crash test: {rounds} rounds, WITNESS_CRASH_SEED={seed}");
    let scratch = tempfile::tempdir().expect("scratch dir");
    let data = scratch.path().join("data");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut rng = Rng(seed);
    let mut keys = Keys::default();
    let recorder = Arc::new(Recorder::default());
    let started = Instant::now();
    let mut served = serve(&data);
    runtime.block_on(async {
        let client = Client::new(&served.endpoint).expect("client");
        client.ensure_bucket().await.expect("bucket created");
    });
    for round in 0..rounds {
        let shared = Arc::new(Mutex::new(std::mem::take(&mut keys)));
        let kill_after = Duration::from_millis(50 + rng.below(600));
        runtime.block_on(async {
            let writers: Vec<_> = (0..CLIENTS)
                .map(|c| {
                    let (e, k) = (served.endpoint.clone(), Arc::clone(&shared));
                    let r = Arc::clone(&recorder);
                    tokio::spawn(writer(e, (c, round, rng.below(u64::MAX)), k, r))
                })
                .collect();
            tokio::time::sleep(kill_after).await;
            served.child.kill().expect("SIGKILL");
            served.child.wait().expect("reaped");
            for w in writers {
                w.await.expect("writer");
            }
        });
        keys = std::mem::take(&mut *shared.lock().expect("keys"));
        served = serve(&data);
        runtime.block_on(check(&served.endpoint, &mut keys, round, &recorder));
    }
    let _ = served.child.kill();
    let _ = served.child.wait();
    eprintln!(
        "crash test: {rounds} rounds, {} acknowledged writes, all kept; {} writes cut by a kill, \
         {} of them found done; in {:.1?}",
        keys.acks,
        keys.cut,
        keys.cut_but_kept,
        started.elapsed()
    );
    assert!(
        keys.acks > rounds,
        "the workload wrote too little to test anything"
    );
    let history = Arc::try_unwrap(recorder)
        .expect("every writer ended")
        .into_recorded()
        .expect("a well-formed history")
        .history;
    let judged = verdict::judge(&history);
    assert!(
        judged.holds(),
        "the history across the crashes violates a property: {:#?}",
        judged.report.violations.first()
    );
    eprintln!(
        "crash test: the history of {} operations satisfies every property",
        history.operations.len()
    );
}

#[test]
fn sigkill_loses_no_acknowledged_write_20_rounds() {
    run(20);
}

#[test]
#[ignore = "minutes: scripts/test-all.sh slow"]
fn sigkill_loses_no_acknowledged_write_long() {
    let rounds = std::env::var("WITNESS_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    run(rounds);
}
