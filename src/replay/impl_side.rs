//! The implementation half of `witness replay`: the real `IndexCache`, one OS thread per model
//! client, each stopped at the pause points (`index_cache::pause`) and released one step at a
//! time, faults applied by the driver between steps, and the recorded history judged with the
//! shared property monitor after every step.

use index_cache::pause::{self, Point};
use index_cache::{Config, IndexCache, Location, Mode, NodeId, Protocol, Recorder, Seq as ImplSeq};
use std::collections::BTreeSet;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use witness_model::history::{ClientId, Event, Key, Op};
use witness_model::properties::{witness_safety, Monitor, PropertyId};
use witness_model::system::{Action, WitnessCfg};

/// How long a released thread may take to reach its next pause point before the replay calls it
/// stuck (it has no lock held across a pause, so only a bug makes it wait).
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// The cache key a model key stands for.
pub fn key_name(key: Key) -> String {
    format!("k{}", key.0)
}

enum Report {
    Paused(Point),
    Done,
}

/// One model client: a thread that runs the operations it is sent, pausing at every point.
struct Worker {
    run: Option<Sender<(Op, NodeId)>>,
    release: Sender<()>,
    reports: Receiver<Report>,
    in_flight: Option<Op>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    fn spawn(cache: &Arc<IndexCache>, client: ClientId) -> Worker {
        let (run_tx, run_rx) = channel::<(Op, NodeId)>();
        let (release_tx, release_rx) = channel::<()>();
        let (report_tx, report_rx) = channel::<Report>();
        let cache = Arc::clone(cache);
        let thread = std::thread::spawn(move || {
            let paused = report_tx.clone();
            pause::attach(Box::new(move |point| {
                // A driver that went away leaves nothing to wait for: run to the end.
                if paused.send(Report::Paused(point)).is_ok() {
                    let _ = release_rx.recv();
                }
            }));
            let mut written = 0u64;
            for (op, node) in run_rx {
                operate(&cache, client, op, node, &mut written);
                if report_tx.send(Report::Done).is_err() {
                    break;
                }
            }
            pause::detach();
        });
        Worker {
            run: Some(run_tx),
            release: release_tx,
            reports: report_rx,
            in_flight: None,
            thread: Some(thread),
        }
    }

    /// Waits until the thread pauses or finishes its operation.
    fn settle(&mut self) -> Result<Option<Point>, String> {
        match self.reports.recv_timeout(STEP_TIMEOUT) {
            Ok(Report::Paused(point)) => Ok(Some(point)),
            Ok(Report::Done) => {
                self.in_flight = None;
                Ok(None)
            }
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "the implementation's thread did not reach its next step within {STEP_TIMEOUT:?}"
            )),
            Err(RecvTimeoutError::Disconnected) => {
                Err("the implementation's thread stopped (it panicked)".to_string())
            }
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the run channel ends the thread's loop once its operation (if any) finishes;
        // releases let a paused operation finish.
        self.run = None;
        while self.in_flight.is_some() && self.release.send(()).is_ok() {
            if !matches!(self.settle(), Ok(Some(_))) {
                break;
            }
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One operation through the recorded client API (errors cannot happen: nodes and keys come from
/// a validated configuration; if one did, the missing response shows up as a divergence).
fn operate(cache: &IndexCache, client: ClientId, op: Op, node: NodeId, written: &mut u64) {
    let c = cache.client(client);
    let _ = match op {
        Op::Put { key } => {
            *written += 1;
            let location = Location(u64::from(client.0) << 32 | *written);
            c.put(node, &key_name(key), location).map(drop)
        }
        Op::Delete { key } => c.delete(node, &key_name(key)).map(drop),
        Op::Get { key } => c.read(node, &key_name(key)).map(drop),
        Op::List => c.list(node).map(drop),
        // `runs_on_impl` turns away configurations with conditional writes.
        Op::PutIf { .. } | Op::DeleteIf { .. } => return,
    };
}

/// The implementation, driven step by step.
pub struct ImplRun {
    cache: Arc<IndexCache>,
    workers: Vec<Worker>,
    keys: Vec<Key>,
    strong: bool,
    monitor: Monitor,
    seen: usize,
}

impl ImplRun {
    pub fn new(cfg: &WitnessCfg) -> Result<ImplRun, String> {
        let keys: Vec<Key> = (0..u32::from(cfg.keys)).map(Key).collect();
        let names: Vec<String> = keys.iter().map(|&k| key_name(k)).collect();
        let protocol = Protocol {
            variant: cfg.variant,
            mutant: cfg.mutant,
        };
        let cache = IndexCache::builder(Config::new(usize::from(cfg.cache_nodes), cfg.mode))
            .protocol(protocol)
            .recorder(Recorder::with_keys(&names))
            .build()
            .map_err(|e| format!("cannot build the cache: {e}"))?;
        let cache = Arc::new(cache);
        let workers = (0..cfg.clients)
            .map(|c| Worker::spawn(&cache, ClientId(u32::from(c))))
            .collect();
        let mut monitor = Monitor::new();
        // The same starting replica summary as the model's initial state.
        for &key in &keys {
            let start = Event::ReplicaApplied { key, seq: 0 };
            monitor
                .observe_quietly(&start)
                .map_err(|e| format!("monitor: {e}"))?;
        }
        Ok(ImplRun {
            cache,
            workers,
            keys,
            strong: cfg.mode == Mode::Strong,
            monitor,
            seen: 0,
        })
    }

    fn worker(&mut self, client: ClientId) -> Result<&mut Worker, String> {
        self.workers
            .get_mut(client.index())
            .ok_or_else(|| format!("{client} is not in the configuration"))
    }

    /// Takes the model's action on the implementation. Returns the pause point the client's
    /// thread stopped at (None: its operation finished, or the action was not a client's) and the
    /// history events the step produced.
    pub fn step(&mut self, action: &Action) -> Result<(Option<Point>, Vec<Event>), String> {
        let point = match *action {
            Action::Invoke { client, op, node } => {
                let worker = self.worker(client)?;
                let run = worker.run.as_ref().ok_or("the client's thread is gone")?;
                run.send((op, node))
                    .map_err(|_| "the client's thread stopped".to_string())?;
                worker.in_flight = Some(op);
                worker.settle()?
            }
            Action::Step {
                quorum: Some(quorum),
                ..
            } => {
                return Err(format!(
                    "a query answered by {quorum}: the implementation has one witness"
                ))
            }
            Action::Step {
                client,
                quorum: None,
            } => {
                let worker = self.worker(client)?;
                if worker.in_flight.is_none() {
                    return Err(format!(
                        "{client}'s operation already finished on the implementation"
                    ));
                }
                worker
                    .release
                    .send(())
                    .map_err(|_| "the client's thread stopped".to_string())?;
                worker.settle()?
            }
            Action::Evict { .. }
            | Action::EvictListing { .. }
            | Action::RestartNode { .. }
            | Action::RestartWitness { .. }
            | Action::FailOverWitness { .. }
            | Action::WitnessUnreachable { .. }
            | Action::WitnessReachable { .. }
            | Action::Deliver { .. }
            | Action::SplitPartition => {
                self.fault(action)?;
                None
            }
        };
        Ok((point, self.new_events()?))
    }

    /// Runs the client's operation to its end without pausing again; returns the events.
    pub fn finish(&mut self, client: ClientId) -> Result<Vec<Event>, String> {
        let worker = self.worker(client)?;
        while worker.in_flight.is_some() {
            worker
                .release
                .send(())
                .map_err(|_| "the client's thread stopped".to_string())?;
            worker.settle()?;
        }
        self.new_events()
    }

    fn fault(&self, action: &Action) -> Result<(), String> {
        let done =
            match action {
                Action::Evict { node, key } => self.cache.evict(*node, &key_name(*key)),
                Action::EvictListing { node } => self.cache.evict_listing(*node),
                Action::RestartNode { node } => self.cache.restart_node(*node),
                Action::RestartWitness { node } if node.0 == 0 => {
                    self.cache.restart_witness();
                    Ok(())
                }
                Action::RestartWitness { .. }
                | Action::FailOverWitness { .. }
                | Action::WitnessUnreachable { .. }
                | Action::WitnessReachable { .. } => {
                    return Err(format!(
                    "{action:?}: the implementation has one witness, which never fails over or \
                     becomes unreachable"
                ))
                }
                Action::SplitPartition => return Err(
                    "a partition split: the implementation's partitions are fixed when it starts"
                        .to_string(),
                ),
                Action::Deliver { key, seq, keep } => {
                    let wanted = (key_name(*key), ImplSeq::from(*seq));
                    let Some(index) = self
                        .cache
                        .pending_replication()
                        .iter()
                        .position(|m| *m == wanted)
                    else {
                        return Err(format!("no replication message {key}@v{seq} in flight"));
                    };
                    self.cache.deliver_replication(index, *keep);
                    Ok(())
                }
                Action::Invoke { .. } | Action::Step { .. } => Ok(()),
            };
        done.map_err(|e| format!("the implementation refused the fault: {e}"))
    }

    fn new_events(&mut self) -> Result<Vec<Event>, String> {
        let recorder = self.cache.recorder().ok_or("the cache has no recorder")?;
        let history = recorder
            .history()
            .map_err(|e| format!("the history cannot be judged: {e}"))?;
        let fresh = history.get(self.seen..).unwrap_or_default().to_vec();
        self.seen = history.len();
        for event in &fresh {
            self.monitor
                .observe_quietly(event)
                .map_err(|e| format!("the implementation's history is malformed: {e}"))?;
        }
        Ok(fresh)
    }

    /// The always-properties violated now: the history properties from the shared monitor, the
    /// witness's safety on its current table (strong mode: eventual mode keeps no witness), and
    /// replica convergence once nothing is in flight.
    pub fn violated(&self) -> BTreeSet<PropertyId> {
        let mut violated: BTreeSet<PropertyId> = self.monitor.violated().iter().collect();
        if self.strong && !self.witness_safe() {
            violated.insert(PropertyId::WitnessSafety);
        }
        let writing = self
            .workers
            .iter()
            .any(|w| matches!(w.in_flight, Some(op) if op.is_write()));
        let quiescent = !writing && self.cache.pending_replication().is_empty();
        if quiescent && !self.cache.replica_converged() {
            violated.insert(PropertyId::ReplicaConverges);
        }
        violated
    }

    fn witness_safe(&self) -> bool {
        self.keys.iter().all(|&key| {
            let name = key_name(key);
            let known = self.cache.witness_known(&name).ok().flatten();
            let persisted = self.cache.persisted(&name).map_or(0, |e| e.seq);
            witness_safety::holds(self.monitor.acked(key), known, persisted)
        })
    }
}
