//! The randomized workload: concurrent clients, each a sequence of operations on a few keys, every
//! invocation and completion recorded.
//!
//! Every write's body is unique (`<client>-<n>`), so a read's value names the write it saw and an
//! ETag names one value: a compare-and-set records the value whose write produced the ETag it
//! sends (contract C1). A client that gets an indeterminate answer continues as a new process, as
//! in Jepsen: the old one may still be "in flight" forever.
//!
//! With several endpoints, each operation goes to one picked at random (per operation, not per
//! client: a client that writes through one gateway and reads through another is what shows a
//! cross-gateway anomaly, read-your-writes included).

use super::client::{if_match, Cause, Client, Outcome, Refused, Version};
use super::recorder::Recorder;
use object_store::PutMode;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use witness_history::{Command, Reply, Value};

#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Workload {
    pub clients: usize,
    pub ops: usize,
    pub keys: usize,
    pub deadline: Option<Instant>,
    pub seed: u64,
    /// Every key of the run starts with this, so runs never see each other's objects.
    pub prefix: String,
}

/// Operations the run has started; shared by the clients and read by the progress bar.
#[derive(Debug, Default)]
pub struct Budget(AtomicUsize);

impl Budget {
    pub fn started(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

struct ClientRun<'a> {
    /// One client per endpoint.
    clients: &'a [Client],
    /// The endpoint of the operation being run.
    at: usize,
    recorder: &'a Recorder,
    workload: &'a Workload,
    id: usize,
    process: u64,
    writes: u64,
    /// The latest version of each key this client saw, for compare-and-set.
    known: HashMap<String, Version>,
    /// The last operation could not connect: wait before the next (see [`CONNECTION_BACKOFF`]).
    backoff: bool,
}

/// A client whose endpoint refused a connection waits this long before its next operation. A
/// killed gateway refuses at once: without the pause each client would record thousands of
/// indeterminate operations a second, which say nothing new and make the history slow to judge.
const CONNECTION_BACKOFF: Duration = Duration::from_millis(100);

impl ClientRun<'_> {
    fn client(&self) -> &Client {
        &self.clients[self.at]
    }

    fn invoke(&self, key: &str, command: Command) {
        let url = self.client().url();
        self.recorder.invoke(self.process, key, command, url);
    }

    fn body(&mut self) -> String {
        self.writes += 1;
        format!("{}-{}", self.id, self.writes)
    }

    /// Records the completion, with `reply` if it succeeded; an indeterminate one retires the
    /// process.
    fn complete<T>(&mut self, outcome: &Outcome<T>, reply: impl FnOnce(&T) -> Reply) {
        let (recorded, cause) = match outcome {
            Outcome::Ok(answer) => (witness_history::Outcome::Ok(reply(answer)), None),
            Outcome::Fail(_) => (witness_history::Outcome::Fail, None),
            Outcome::Info(cause) => (witness_history::Outcome::Info, Some(cause)),
        };
        self.recorder.complete(self.process, recorded, cause);
        self.backoff = matches!(outcome, Outcome::Info(Cause::Connection));
        if let Outcome::Info(_) = outcome {
            self.process += self.workload.clients as u64;
        }
    }

    async fn read(&mut self, key: &str) -> Result<(), Refused> {
        self.invoke(key, Command::Read);
        let outcome = self.client().get(key).await?;
        self.complete(&outcome, |found| {
            Reply::Read(found.as_ref().map(|v| Value::Str(v.body.clone())))
        });
        match outcome {
            Outcome::Ok(Some(version)) => {
                self.known.insert(key.to_string(), version);
            }
            Outcome::Ok(None) => {
                self.known.remove(key);
            }
            _ => {}
        }
        Ok(())
    }

    /// A PutObject of a fresh body; `command` says how it is recorded.
    async fn write(
        &mut self,
        key: &str,
        mode: PutMode,
        command: impl FnOnce(Value) -> Command,
    ) -> Result<(), Refused> {
        let body = self.body();
        let command = command(Value::Str(body.clone()));
        self.invoke(key, command);
        let outcome = self.client().put(key, &body, mode).await?;
        self.complete(&outcome, |_| Reply::Done);
        if let Outcome::Ok(etag) = outcome {
            self.known.insert(key.to_string(), Version { body, etag });
        }
        Ok(())
    }

    async fn delete(&mut self, key: &str) -> Result<(), Refused> {
        self.invoke(key, Command::Delete);
        let outcome = self.client().delete(key).await?;
        self.complete(&outcome, |_| Reply::Done);
        self.known.remove(key);
        Ok(())
    }

    async fn list(&mut self) -> Result<(), Refused> {
        let prefix = self.workload.prefix.clone();
        self.invoke(&prefix, Command::List);
        let outcome = self.client().list(&prefix).await?;
        self.complete(&outcome, |keys| Reply::Listed(keys.clone()));
        Ok(())
    }

    /// A compare-and-set on the version this client last saw, or a create when it saw none.
    async fn conditional(&mut self, key: &str) -> Result<(), Refused> {
        let seen = self
            .known
            .get(key)
            .and_then(|v| Some((v.body.clone(), v.etag.clone()?)));
        match seen {
            Some((seen, etag)) => {
                let cas = |new| Command::Cas {
                    expected: Value::Str(seen),
                    new,
                };
                self.write(key, if_match(&etag), cas).await
            }
            None => self.write(key, PutMode::Create, Command::Create).await,
        }
    }

    async fn step(&mut self, rng: &mut fastrand::Rng) -> Result<(), Refused> {
        let key = format!(
            "{}k{}",
            self.workload.prefix,
            rng.usize(..self.workload.keys)
        );
        self.at = pick_endpoint(rng, self.clients.len());
        match rng.u8(..100) {
            0..=34 => self.read(&key).await,
            35..=59 => self.write(&key, PutMode::Overwrite, Command::Write).await,
            60..=69 => self.delete(&key).await,
            70..=79 => self.list().await,
            80..=89 => self.write(&key, PutMode::Create, Command::Create).await,
            _ => self.conditional(&key).await,
        }
    }
}

/// The endpoint of the next operation: uniform over several; with one, no draw, so a seed gives
/// the same single-endpoint workload it always gave.
fn pick_endpoint(rng: &mut fastrand::Rng, endpoints: usize) -> usize {
    if endpoints > 1 {
        rng.usize(..endpoints)
    } else {
        0
    }
}

async fn run_client(
    clients: Arc<Vec<Client>>,
    recorder: Arc<Recorder>,
    workload: Arc<Workload>,
    budget: Arc<Budget>,
    id: usize,
) -> Result<(), Refused> {
    let mut rng = fastrand::Rng::with_seed(workload.seed.wrapping_add(id as u64));
    let mut run = ClientRun {
        clients: &clients,
        at: 0,
        recorder: &recorder,
        workload: &workload,
        id,
        process: id as u64,
        writes: 0,
        known: HashMap::new(),
        backoff: false,
    };
    while budget.0.fetch_add(1, Ordering::Relaxed) < workload.ops {
        if workload.deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        run.step(&mut rng).await?;
        if run.backoff {
            tokio::time::sleep(CONNECTION_BACKOFF).await;
        }
    }
    Ok(())
}

/// Runs the clients to the end of the budget (or the deadline). Stops early, with the reason,
/// when the endpoint refuses the credentials.
pub async fn run(
    clients: Arc<Vec<Client>>,
    recorder: Arc<Recorder>,
    workload: Arc<Workload>,
    budget: Arc<Budget>,
) -> Result<(), Refused> {
    let tasks: Vec<_> = (0..workload.clients)
        .map(|id| {
            tokio::spawn(run_client(
                Arc::clone(&clients),
                Arc::clone(&recorder),
                Arc::clone(&workload),
                Arc::clone(&budget),
                id,
            ))
        })
        .collect();
    let mut result = Ok(());
    for task in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(refused)) => result = Err(refused),
            Err(join) => result = Err(Refused(format!("a probe client failed: {join}"))),
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_spread_over_every_endpoint_and_one_endpoint_draws_nothing() {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut seen = [0usize; 3];
        for _ in 0..300 {
            seen[pick_endpoint(&mut rng, 3)] += 1;
        }
        assert!(seen.iter().all(|&n| n > 50), "uneven spread: {seen:?}");
        let (mut a, mut b) = (fastrand::Rng::with_seed(7), fastrand::Rng::with_seed(7));
        assert_eq!(pick_endpoint(&mut a, 1), 0);
        assert_eq!(
            a.u64(..),
            b.u64(..),
            "one endpoint must not consume randomness"
        );
    }
}
