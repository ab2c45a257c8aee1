//! Judging a whole recorded history, event by event: the [`Monitor`](super::monitor::Monitor)'s rules plus
//! the one check only a whole history allows (reads of versions no write produced).
//!
//! Memory is independent of the history's length: per key and per client summaries, the
//! (client, key) pairs that occurred, the operations in flight, and what the phantom-read check
//! keeps (see `phantom_reads.rs`): per key the versions not yet below every read's floor, and the
//! reads of versions whose write has not been acknowledged yet.

use super::catalogue::PropertyId;
use super::finding::{Finding, HistoryError};
use super::monitor::HistoryMonitor;
use super::phantom_reads::PhantomReads;
use super::store::{MonitorStore, Pending};
use crate::history::{ClientId, Event, Key, Observed, Op, Ret};
use crate::history_json::{read_events, ReadError};
use crate::names::{Name, Names};
use serde::Serialize;
use std::fmt;
use std::io::BufRead;

/// What a whole history was judged to be.
#[derive(Clone, Debug, Default)]
pub struct HistoryVerdict {
    pub events: usize,
    pub violated: Vec<PropertyId>,
    pub anomalies: Vec<PropertyId>,
    pub findings: Vec<Finding>,
    /// The names the history gave its keys and clients (empty for index-only histories).
    pub names: Names,
}

impl HistoryVerdict {
    pub fn holds(&self, property: PropertyId) -> bool {
        !self.violated.contains(&property)
    }

    pub fn is_clean(&self) -> bool {
        self.violated.is_empty()
    }

    /// A finding in the user's words: keys and clients named as the history wrote them.
    pub fn describe(&self, finding: &Finding) -> String {
        finding.named(&self.names).to_string()
    }
}

/// The verdict as JSON: findings carry the names as written and their message.
impl Serialize for HistoryVerdict {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct NamedFinding {
            property: PropertyId,
            event_index: usize,
            client: Option<Name>,
            key: Name,
            required: Observed,
            got: Observed,
            message: String,
        }
        #[derive(Serialize)]
        struct Verdict<'a> {
            events: usize,
            keys: usize,
            clients: usize,
            violated: &'a [PropertyId],
            anomalies: &'a [PropertyId],
            findings: Vec<NamedFinding>,
        }
        let findings = self
            .findings
            .iter()
            .map(|f| NamedFinding {
                property: f.property,
                event_index: f.event_index,
                client: f.client.map(|c| self.names.client_name(c)),
                key: self.names.key_name(f.key),
                required: f.required,
                got: f.got,
                message: self.describe(f),
            })
            .collect();
        Verdict {
            events: self.events,
            keys: self.names.keys.len(),
            clients: self.names.clients.len(),
            violated: &self.violated,
            anomalies: &self.anomalies,
            findings,
        }
        .serialize(serializer)
    }
}

/// Feeds a history one event at a time; [`HistoryChecker::finish`] gives the verdict. Keys and
/// clients must be dense indices (as the JSON reader and the recorder assign them).
#[derive(Debug, Default)]
pub struct HistoryChecker {
    monitor: HistoryMonitor,
    phantoms: PhantomReads,
    events: usize,
    findings: Vec<Finding>,
}

impl HistoryChecker {
    pub fn observe(&mut self, event: &Event) -> Result<(), HistoryError> {
        let index = self.events;
        let pending = match event {
            Event::Return { client, .. } => self.monitor.store().pending(*client),
            _ => None,
        };
        let findings = &mut self.findings;
        self.monitor
            .observe(index, event, &mut |f| findings.push(f))?;
        match (event, pending) {
            (Event::Invoke { op, .. }, _) => {
                let acked = op.key().map(|key| self.monitor.acked(key));
                self.phantoms.invoked(*op, acked);
            }
            (Event::Return { client, ret }, Some(pending)) => {
                let acked = |key| self.monitor.acked(key);
                self.phantoms.returned(index, *client, pending, ret, acked);
            }
            _ => {}
        }
        self.events += 1;
        Ok(())
    }

    pub fn finish(mut self, names: Names) -> HistoryVerdict {
        let store = self.monitor.store();
        let in_flight: Vec<Key> = (0..store.client_count())
            .filter_map(|c| match store.pending(ClientId(c)) {
                Some(Pending::Write { key, .. }) => Some(key),
                _ => None,
            })
            .collect();
        for finding in self.phantoms.finish(&in_flight) {
            let findings = &mut self.findings;
            self.monitor.report(finding, &mut |f| findings.push(f));
        }
        HistoryVerdict {
            events: self.events,
            violated: self.monitor.violated().iter().collect(),
            anomalies: self.monitor.found().iter().collect(),
            findings: self.findings,
            names,
        }
    }
}

/// Judges a complete recorded history with every property.
///
/// Besides the incremental rules, a whole history allows one more check that the model never
/// needs (it derives a read's presence from the write that made the version): every version a GET
/// or LIST reports must be one that some write of that key produced — with that write's presence —
/// or `v0` (never written). A read of a version no write produced, or a version reported as present
/// when its write was a DELETE (or the reverse), is not linearizable under any order.
///
/// Keys and clients may be any indices; they are renumbered densely for the store and reported
/// as given.
pub fn check_history<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> Result<HistoryVerdict, HistoryError> {
    let mut names = Names::default();
    let mut checker = HistoryChecker::default();
    for event in events {
        let dense = densely(event, &mut names);
        checker.observe(&dense).map_err(|e| e.renamed(&names))?;
    }
    let mut verdict = checker.finish(Names::default());
    for finding in &mut verdict.findings {
        finding.client = finding.client.map(|c| original_client(&names, c));
        finding.key = original_key(&names, finding.key);
    }
    Ok(verdict)
}

/// Why [`check_history_stream`] could not judge a history.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum StreamError {
    /// Unreadable, or not the project's JSON.
    Read(ReadError),
    /// Readable but not well formed, shown with the history's own names.
    Malformed(String),
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Read(e) => e.fmt(f),
            StreamError::Malformed(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for StreamError {}

/// Judges a history in the project's JSON (one event per line, or a JSON array; docs/cli.md)
/// read from `reader` as it is parsed: memory does not grow with the number of events (see the
/// module documentation for what it does grow with). Keys and clients are integers or strings and
/// are reported as written.
pub fn check_history_stream(reader: impl BufRead) -> Result<HistoryVerdict, StreamError> {
    let mut names = Names::default();
    let mut checker = HistoryChecker::default();
    let judged = read_events(reader, &mut names, &mut |event| checker.observe(&event))
        .map_err(StreamError::Read)?;
    if let Err(e) = judged {
        return Err(StreamError::Malformed(e.named(&names).to_string()));
    }
    Ok(checker.finish(names))
}

/// `event` with its keys and clients renumbered densely in order of first appearance.
fn densely(event: &Event, names: &mut Names) -> Event {
    let mut key = |k: Key| Key(names.keys.int(k.0.into()).unwrap_or(u32::MAX));
    match event {
        Event::Invoke { client, op } => {
            let op = match *op {
                Op::Put { key: k } => Op::Put { key: key(k) },
                Op::Delete { key: k } => Op::Delete { key: key(k) },
                Op::Get { key: k } => Op::Get { key: key(k) },
                Op::List => Op::List,
                Op::PutIf {
                    key: k,
                    precondition,
                } => Op::PutIf {
                    key: key(k),
                    precondition,
                },
                Op::DeleteIf { key: k, matches } => Op::DeleteIf {
                    key: key(k),
                    matches,
                },
            };
            let client = ClientId(names.clients.int(client.0.into()).unwrap_or(u32::MAX));
            Event::Invoke { client, op }
        }
        Event::Return { client, ret } => {
            let ret = match ret {
                Ret::Listed { entries } => Ret::Listed {
                    entries: entries.iter().map(|&(k, o)| (key(k), o)).collect(),
                },
                other => other.clone(),
            };
            let client = ClientId(names.clients.int(client.0.into()).unwrap_or(u32::MAX));
            Event::Return { client, ret }
        }
        Event::ReplicaApplied { key: k, seq } => Event::ReplicaApplied {
            key: key(*k),
            seq: *seq,
        },
    }
}

fn original_client(names: &Names, client: ClientId) -> ClientId {
    match names.clients.get(client.0) {
        Some(&Name::Int(n)) => ClientId(u32::try_from(n).unwrap_or(u32::MAX)),
        _ => client,
    }
}

fn original_key(names: &Names, key: Key) -> Key {
    match names.keys.get(key.0) {
        Some(&Name::Int(n)) => Key(u32::try_from(n).unwrap_or(u32::MAX)),
        _ => key,
    }
}

impl HistoryError {
    fn renamed(self, names: &Names) -> HistoryError {
        match self {
            HistoryError::InvokeWhilePending { index, client } => {
                HistoryError::InvokeWhilePending {
                    index,
                    client: original_client(names, client),
                }
            }
            HistoryError::ReturnWithoutInvoke { index, client } => {
                HistoryError::ReturnWithoutInvoke {
                    index,
                    client: original_client(names, client),
                }
            }
            HistoryError::ReturnDoesNotMatch { index, client } => {
                HistoryError::ReturnDoesNotMatch {
                    index,
                    client: original_client(names, client),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Seq;

    const C1: ClientId = ClientId(0);
    const C2: ClientId = ClientId(1);
    const K: Key = Key(0);

    fn invoke(client: ClientId, op: Op) -> Event {
        Event::Invoke { client, op }
    }

    fn ack(client: ClientId, seq: Seq) -> Event {
        Event::Return {
            client,
            ret: Ret::Ack { seq },
        }
    }

    fn read(client: ClientId, seq: Seq, exists: bool) -> Event {
        Event::Return {
            client,
            ret: Ret::Read {
                observed: Observed { seq, exists },
            },
        }
    }

    #[test]
    fn a1_negative_cache_miss_is_named_and_located() {
        let history = [
            invoke(C2, Op::Get { key: K }),
            read(C2, 0, false),
            invoke(C1, Op::Put { key: K }),
            ack(C1, 1),
            invoke(C2, Op::Get { key: K }),
            read(C2, 0, false),
        ];
        let verdict = check_history(&history).unwrap();
        assert_eq!(
            verdict.violated,
            vec![PropertyId::ReadAfterWrite, PropertyId::Linearizable]
        );
        assert_eq!(verdict.anomalies, vec![PropertyId::NegativeCacheMiss]);
        let raw = verdict
            .findings
            .iter()
            .find(|f| f.property == PropertyId::ReadAfterWrite)
            .unwrap();
        assert_eq!(raw.event_index, 5);
        assert_eq!(
            raw.to_string(),
            "read-after-write: client 2 GET k0 → absent, but v1 was acknowledged before the GET began"
        );
    }

    #[test]
    fn a_concurrent_read_may_return_either_version() {
        let history = [
            invoke(C1, Op::Put { key: K }),
            invoke(C2, Op::Get { key: K }),
            read(C2, 0, false),
            ack(C1, 1),
        ];
        assert!(check_history(&history).unwrap().is_clean());
    }

    #[test]
    fn reads_of_versions_no_write_produced_are_not_linearizable() {
        let wrong_presence = [
            invoke(C1, Op::Put { key: K }),
            ack(C1, 1),
            invoke(C2, Op::Get { key: K }),
            read(C2, 1, false),
        ];
        let verdict = check_history(&wrong_presence).unwrap();
        assert_eq!(verdict.violated, vec![PropertyId::Linearizable]);
        let invented = [invoke(C2, Op::Get { key: K }), read(C2, 5, true)];
        let verdict = check_history(&invented).unwrap();
        assert_eq!(verdict.violated, vec![PropertyId::Linearizable]);
        assert!(verdict.findings[0]
            .to_string()
            .contains("no write produced"));
        // A version from a write still in flight is fine.
        let in_flight = [
            invoke(C1, Op::Put { key: K }),
            invoke(C2, Op::Get { key: K }),
            read(C2, 1, true),
        ];
        assert!(check_history(&in_flight).unwrap().is_clean());
    }

    #[test]
    fn a_read_in_flight_keeps_the_versions_it_may_still_report() {
        // C2's GET began before v1; three writes complete meanwhile. Its answer v1 must still be
        // checked for presence: v1 was a PUT.
        let mut history = vec![invoke(C2, Op::Get { key: K })];
        for (seq, op) in [(1, Op::Put { key: K }), (2, Op::Delete { key: K })] {
            history.extend([invoke(C1, op), ack(C1, seq)]);
        }
        history.extend([invoke(C1, Op::Put { key: K }), ack(C1, 3)]);
        let mut clean = history.clone();
        clean.push(read(C2, 1, true));
        assert!(check_history(&clean).unwrap().is_clean());
        history.push(read(C2, 1, false));
        let verdict = check_history(&history).unwrap();
        assert_eq!(verdict.violated, vec![PropertyId::Linearizable]);
        assert_eq!(verdict.findings[0].event_index, 7);
        assert!(verdict.findings[0]
            .to_string()
            .contains("but that version was written as v1"));
    }

    #[test]
    fn a_dropped_version_read_later_is_still_a_violation() {
        let history = [
            invoke(C1, Op::Put { key: K }),
            ack(C1, 1),
            invoke(C1, Op::Delete { key: K }),
            ack(C1, 2),
            invoke(C2, Op::Get { key: K }),
            read(C2, 1, false),
        ];
        let verdict = check_history(&history).unwrap();
        assert_eq!(
            verdict.violated,
            vec![PropertyId::ReadAfterWrite, PropertyId::Linearizable]
        );
        assert!(verdict.findings.iter().all(|f| f.event_index == 5));
    }

    #[test]
    fn malformed_histories_are_errors_not_verdicts() {
        assert_eq!(
            check_history(&[ack(C1, 1)]).unwrap_err(),
            HistoryError::ReturnWithoutInvoke {
                index: 0,
                client: C1
            }
        );
        let twice = [invoke(C1, Op::List), invoke(C1, Op::List)];
        assert!(matches!(
            check_history(&twice),
            Err(HistoryError::InvokeWhilePending { index: 1, .. })
        ));
        let mismatch = [invoke(C1, Op::List), ack(C1, 1)];
        assert!(matches!(
            check_history(&mismatch),
            Err(HistoryError::ReturnDoesNotMatch { .. })
        ));
    }
}
