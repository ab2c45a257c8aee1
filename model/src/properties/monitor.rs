//! The incremental monitor: one history event at a time, every property's rule applied, only the
//! summary the rules need kept (per-key floors, per-client last-seen versions, each client's one
//! pending operation with the floors it was invoked under).
//!
//! The logic is written once, over a [`MonitorStore`]: inside every model state the summary must
//! stay small and hashable, while a recorded history may have millions of operations and tens of
//! thousands of keys (see the trait for why the two need different stores).

use super::growable_store::GrowableStore;
use super::small_store::SmallStore;
use super::store::{KeySummary, MonitorStore, Pending};
use super::{
    linearizable, list_after_write, monotonic_reads, read_after_write, read_your_writes, replica,
    PropertyId, PropertySet,
};
use crate::history::{ClientId, Event, Key, Observed, Op, Ret, Seq};
use serde::Serialize;
use std::fmt;

/// The property monitor over store `S`: [`SmallStore`] in the model (for now), [`GrowableStore`]
/// for recorded histories.
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct Monitor<S = SmallStore> {
    store: S,
    violated: PropertySet,
    found: PropertySet,
}

/// The monitor for recorded and user histories: any number of keys and clients, u64 versions.
pub type HistoryMonitor = Monitor<GrowableStore>;

/// A history that is not well formed: the properties cannot judge it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum HistoryError {
    InvokeWhilePending { index: usize, client: ClientId },
    ReturnWithoutInvoke { index: usize, client: ClientId },
    ReturnDoesNotMatch { index: usize, client: ClientId },
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryError::InvokeWhilePending { index, client } => write!(
                f,
                "event {index}: {client} invokes an operation while its previous one has not returned"
            ),
            HistoryError::ReturnWithoutInvoke { index, client } => {
                write!(f, "event {index}: {client} returns without a pending operation")
            }
            HistoryError::ReturnDoesNotMatch { index, client } => write!(
                f,
                "event {index}: {client}'s response does not match its operation (ack for a write, read for a GET, listed for a LIST)"
            ),
        }
    }
}

impl std::error::Error for HistoryError {}

/// One violated rule (or one anomaly seen), with what was required and what was observed.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Serialize)]
pub struct Finding {
    pub property: PropertyId,
    /// Position of the event in the history that exposed it.
    pub event_index: usize,
    pub client: Option<ClientId>,
    pub key: Key,
    /// What the rule required at least (the floor in force).
    pub required: Observed,
    pub got: Observed,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = self
            .client
            .map(|c| c.to_string())
            .unwrap_or_else(|| "replica".to_string());
        let (key, got, required) = (self.key, self.got, self.required);
        write!(f, "{}: ", self.property)?;
        match self.property {
            PropertyId::ReadAfterWrite
            | PropertyId::NegativeCacheMiss
            | PropertyId::StaleOverwrite
            | PropertyId::ReadAfterDelete => write!(
                f,
                "{who} GET {key} → {got}, but {required} was acknowledged before the GET began"
            ),
            PropertyId::ListAfterWrite
            | PropertyId::ListOmitsPut
            | PropertyId::ListShowsDeleted => {
                write!(
                    f,
                    "{who} LIST saw {key} as {got}, but {required} was acknowledged before the LIST began"
                )
            }
            PropertyId::ReadYourWrites => write!(
                f,
                "{who} read {key} as {got}, older than its own acknowledged v{}",
                required.seq
            ),
            PropertyId::MonotonicReads | PropertyId::NonMonotonicRead => write!(
                f,
                "{who} read {key} as {got} after it had already read v{}",
                required.seq
            ),
            PropertyId::Linearizable if required == got => {
                write!(f, "{who} read {key} as {got}, a version no write produced")
            }
            PropertyId::Linearizable if required.seq == got.seq => write!(
                f,
                "{who} read {key} as {got}, but that version was written as {required}"
            ),
            PropertyId::Linearizable => write!(
                f,
                "{who} got v{} for {key}, but an operation that completed before it began had v{}",
                got.seq, required.seq
            ),
            PropertyId::ReplicaMonotonic => write!(
                f,
                "the replica went back from v{} to v{} for {key}",
                required.seq, got.seq
            ),
            _ => write!(f, "{who} {key}: required {required}, got {got}"),
        }
    }
}

impl Monitor<SmallStore> {
    /// The model's monitor.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S: MonitorStore> Monitor<S> {
    /// A monitor over `store` (a fresh store: nothing observed yet).
    pub fn with_store(store: S) -> Self {
        Monitor {
            store,
            violated: PropertySet::EMPTY,
            found: PropertySet::EMPTY,
        }
    }

    /// The summary as kept, for stores that want to inspect or pack it.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Always-properties violated so far (sticky).
    pub fn violated(&self) -> PropertySet {
        self.violated
    }

    /// Sometimes-properties (anomalies) seen so far (sticky).
    pub fn found(&self) -> PropertySet {
        self.found
    }

    /// The acknowledged write of `key` with the highest version (never written if none).
    pub fn acked(&self, key: Key) -> Observed {
        self.store.key(key).acked
    }

    /// The version the replica was last seen to hold for `key`.
    pub fn replica(&self, key: Key) -> Seq {
        self.store.replica(key)
    }

    /// Hashes what the monitor knows about one client, for symmetry reduction.
    pub fn hash_client<H: std::hash::Hasher>(&self, client: usize, hasher: &mut H) {
        let client = ClientId(u32::try_from(client).unwrap_or(u32::MAX));
        self.store.hash_client(client, hasher);
    }

    /// Renames clients: client `order[i]` becomes client `i`. For symmetry reduction only.
    pub fn permute_clients(&mut self, order: &[usize]) {
        self.store.permute_clients(order);
    }

    /// Feeds one event; `index` is its position (for findings). Every finding is also recorded in
    /// [`Monitor::violated`] / [`Monitor::found`] before `on_finding` sees it.
    pub fn observe(
        &mut self,
        index: usize,
        event: &Event,
        on_finding: &mut dyn FnMut(Finding),
    ) -> Result<(), HistoryError> {
        // Findings are rare: this vector allocates only when there is one.
        let mut findings = Vec::new();
        let mut found = |property, client, key, required, got| {
            findings.push(Finding {
                property,
                event_index: index,
                client,
                key,
                required,
                got,
            })
        };
        match event {
            Event::Invoke { client, op } => self.invoke(index, *client, *op)?,
            Event::Return { client, ret } => self.ret(index, *client, ret, &mut found)?,
            Event::ReplicaApplied { key, seq } => {
                let before = self.store.replica(*key);
                self.store.set_replica(*key, *seq);
                if !replica::holds_monotonic(before, *seq) {
                    let (required, got) = (version(before), version(*seq));
                    found(PropertyId::ReplicaMonotonic, None, *key, required, got);
                }
            }
        }
        for finding in findings {
            self.report(finding, on_finding);
        }
        Ok(())
    }

    /// [`Monitor::observe`] for callers that only need the sticky sets (the model).
    pub fn observe_quietly(&mut self, event: &Event) -> Result<(), HistoryError> {
        self.observe(0, event, &mut |_| {})
    }

    pub(super) fn report(&mut self, finding: Finding, on_finding: &mut dyn FnMut(Finding)) {
        match finding.property.expectation() {
            super::Expectation::Always => self.violated.insert(finding.property),
            super::Expectation::Sometimes => self.found.insert(finding.property),
        }
        on_finding(finding);
    }

    fn invoke(&mut self, index: usize, client: ClientId, op: Op) -> Result<(), HistoryError> {
        if self.store.pending(client).is_some() {
            return Err(HistoryError::InvokeWhilePending { index, client });
        }
        let pending = match op {
            Op::Put { key } | Op::Delete { key } => Pending::Write {
                key,
                put: matches!(op, Op::Put { .. }),
                completed: self.store.key(key).completed,
            },
            Op::Get { key } => {
                let KeySummary { acked, completed } = self.store.key(key);
                Pending::Get {
                    key,
                    acked,
                    completed,
                }
            }
            Op::List => Pending::List,
        };
        self.store.set_pending(client, Some(pending));
        if pending == Pending::List {
            for key in (0..self.store.key_count()).map(Key) {
                let floor = self.store.key(key).acked;
                self.store.set_list_floor(client, key, floor);
            }
        }
        Ok(())
    }

    fn ret(
        &mut self,
        index: usize,
        client: ClientId,
        ret: &Ret,
        found: &mut impl FnMut(PropertyId, Option<ClientId>, Key, Observed, Observed),
    ) -> Result<(), HistoryError> {
        let pending = self
            .store
            .pending(client)
            .ok_or(HistoryError::ReturnWithoutInvoke { index, client })?;
        let mut found =
            |property, key, required, got| found(property, Some(client), key, required, got);
        match (pending, ret) {
            (
                Pending::Write {
                    key,
                    put,
                    completed,
                },
                Ret::Ack { seq },
            ) => {
                if !linearizable::write_holds(completed, *seq) {
                    found(
                        PropertyId::Linearizable,
                        key,
                        version(completed),
                        version(*seq),
                    );
                }
                self.record_ack(client, key, *seq, put);
            }
            (
                Pending::Get {
                    key,
                    acked,
                    completed,
                },
                Ret::Read { observed },
            ) => self.get_returned(client, key, (acked, completed), *observed, &mut found),
            (Pending::List, Ret::Listed { entries }) => {
                self.list_returned(client, entries, &mut found)
            }
            _ => return Err(HistoryError::ReturnDoesNotMatch { index, client }),
        }
        self.store.set_pending(client, None);
        Ok(())
    }

    /// A GET returned `got`; `acked` and `completed` were the key's floors when it was invoked.
    fn get_returned(
        &mut self,
        client: ClientId,
        key: Key,
        (acked, completed): (Observed, Seq),
        got: Observed,
        found: &mut impl FnMut(PropertyId, Key, Observed, Observed),
    ) {
        if let Some(anomaly) = read_after_write::judge(acked, got) {
            found(PropertyId::ReadAfterWrite, key, acked, got);
            if anomaly != PropertyId::ReadAfterWrite {
                found(anomaly, key, acked, got);
            }
        }
        let own = self.store.own_write(client, key);
        if !read_your_writes::holds(own, got.seq) {
            found(PropertyId::ReadYourWrites, key, version(own), got);
        }
        let last = self.store.last_read(client, key);
        if !monotonic_reads::holds(last, got.seq) {
            found(PropertyId::MonotonicReads, key, version(last), got);
            found(PropertyId::NonMonotonicRead, key, version(last), got);
        }
        self.store.set_last_read(client, key, last.max(got.seq));
        if !linearizable::read_holds(completed, got.seq) {
            found(PropertyId::Linearizable, key, version(completed), got);
        }
        let mut summary = self.store.key(key);
        summary.completed = summary.completed.max(got.seq);
        self.store.set_key(key, summary);
    }

    /// A LIST returned `entries`; its floors are the ones stored when it was invoked.
    fn list_returned(
        &mut self,
        client: ClientId,
        entries: &[(Key, Observed)],
        found: &mut impl FnMut(PropertyId, Key, Observed, Observed),
    ) {
        let known = entries
            .iter()
            .map(|(k, _)| index(k.0) + 1)
            .max()
            .unwrap_or(0)
            .max(index(self.store.key_count()));
        // One pass over the entries instead of a search per key: listings can be long.
        let mut listed = vec![Observed::NEVER_WRITTEN; known];
        for (k, observed) in entries.iter().rev() {
            listed[index(k.0)] = *observed;
        }
        for (k, listed) in listed.into_iter().enumerate() {
            let key = Key(u32::try_from(k).unwrap_or(u32::MAX));
            let floor = self.store.list_floor(client, key);
            if let Some(anomaly) = list_after_write::judge(floor, listed) {
                found(PropertyId::ListAfterWrite, key, floor, listed);
                if anomaly != PropertyId::ListAfterWrite {
                    found(anomaly, key, floor, listed);
                }
            }
            let own = self.store.own_write(client, key);
            if !read_your_writes::holds(own, listed.seq) {
                found(PropertyId::ReadYourWrites, key, version(own), listed);
            }
        }
    }

    fn record_ack(&mut self, client: ClientId, key: Key, seq: Seq, put: bool) {
        let own = self.store.own_write(client, key);
        self.store.set_own_write(client, key, own.max(seq));
        let mut summary = self.store.key(key);
        summary.completed = summary.completed.max(seq);
        // Concurrent writes may be acknowledged out of version order; the floor is the newest.
        if seq > summary.acked.seq {
            summary.acked = Observed { seq, exists: put };
        }
        self.store.set_key(key, summary);
    }
}

fn index(i: u32) -> usize {
    usize::try_from(i).unwrap_or(usize::MAX)
}

/// A bare version for rules that compare numbers only.
fn version(seq: Seq) -> Observed {
    Observed { seq, exists: true }
}

/// What [`check_history`] concluded about a whole history.
#[derive(Clone, Debug, Default, Serialize)]
pub struct HistoryVerdict {
    pub events: usize,
    pub violated: Vec<PropertyId>,
    pub anomalies: Vec<PropertyId>,
    pub findings: Vec<Finding>,
}

impl HistoryVerdict {
    pub fn holds(&self, property: PropertyId) -> bool {
        !self.violated.contains(&property)
    }

    pub fn is_clean(&self) -> bool {
        self.violated.is_empty()
    }
}

/// Judges a complete recorded history with every property.
///
/// Besides the incremental rules, a whole history allows one more check that the model never
/// needs (it derives a read's presence from the write that made the version): every version a GET
/// or LIST reports must be one that some write of that key produced — with that write's presence —
/// or `v0` (never written). A read of a version no write produced, or a version reported as present
/// when its write was a DELETE (or the reverse), is not linearizable under any order.
pub fn check_history<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> Result<HistoryVerdict, HistoryError> {
    let events: Vec<&Event> = events.into_iter().collect();
    let mut monitor = HistoryMonitor::default();
    let mut findings = Vec::new();
    for (index, event) in events.iter().enumerate() {
        monitor.observe(index, event, &mut |f| findings.push(f))?;
    }
    for finding in phantom_reads(&events) {
        monitor.report(finding, &mut |f| findings.push(f));
    }
    Ok(HistoryVerdict {
        events: events.len(),
        violated: monitor.violated().iter().collect(),
        anomalies: monitor.found().iter().collect(),
        findings,
    })
}

/// Reads that report a version no write of the key produced, or with the wrong presence. Writes
/// still in flight at the end of the history have unknown versions, so a key with one is only
/// checked for presence mismatches against versions that are known.
fn phantom_reads(events: &[&Event]) -> Vec<Finding> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut written: BTreeMap<(Key, Seq), bool> = BTreeMap::new();
    let mut open: BTreeMap<ClientId, Op> = BTreeMap::new();
    for event in events {
        match event {
            Event::Invoke { client, op } => {
                open.insert(*client, *op);
            }
            Event::Return { client, ret } => {
                if let (Some(op), Ret::Ack { seq }) = (open.remove(client), ret) {
                    if let Some(key) = op.key() {
                        written.insert((key, *seq), matches!(op, Op::Put { .. }));
                    }
                }
            }
            Event::ReplicaApplied { .. } => {}
        }
    }
    let unacked: BTreeSet<Key> = open
        .values()
        .filter(|op| op.is_write())
        .filter_map(Op::key)
        .collect();
    let mut findings = Vec::new();
    let mut judge = |index: usize, client: ClientId, key: Key, got: Observed| {
        if got.seq == 0 {
            if got.exists {
                findings.push(phantom(index, client, key, got, Observed::NEVER_WRITTEN));
            }
            return;
        }
        match written.get(&(key, got.seq)) {
            Some(&exists) if exists != got.exists => {
                let required = Observed {
                    seq: got.seq,
                    exists,
                };
                findings.push(phantom(index, client, key, got, required));
            }
            None if !unacked.contains(&key) => {
                findings.push(phantom(index, client, key, got, got));
            }
            _ => {}
        }
    };
    for (index, event) in events.iter().enumerate() {
        if let Event::Return { client, ret } = event {
            match ret {
                Ret::Read { observed } => {
                    // The key of a GET is on its invocation; find the client's last GET.
                    let key = events[..index].iter().rev().find_map(|e| match e {
                        Event::Invoke {
                            client: c,
                            op: Op::Get { key },
                        } if c == client => Some(*key),
                        _ => None,
                    });
                    if let Some(key) = key {
                        judge(index, *client, key, *observed);
                    }
                }
                Ret::Listed { entries } => {
                    for (key, observed) in entries {
                        judge(index, *client, *key, *observed);
                    }
                }
                Ret::Ack { .. } => {}
            }
        }
    }
    findings
}

fn phantom(index: usize, client: ClientId, key: Key, got: Observed, required: Observed) -> Finding {
    Finding {
        property: PropertyId::Linearizable,
        event_index: index,
        client: Some(client),
        key,
        required,
        got,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "read-after-write: client 2 GET k0 → not found, but v1 was acknowledged before the GET began"
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
