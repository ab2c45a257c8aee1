//! The incremental monitor: one history event at a time, every property's rule applied, only the
//! summary the rules need kept (per-key floors, per-client last-seen versions, each client's one
//! pending operation with the floors it was invoked under).
//!
//! The logic is written once, over a [`MonitorStore`]: inside every model state the summary must
//! stay small and hashable, while a recorded history may have millions of operations and tens of
//! thousands of keys (see the trait for why the two need different stores).

use super::catalogue::{Expectation, PropertyId};
use super::finding::{Finding, HistoryError};
use super::growable_store::GrowableStore;
use super::rule::{GetReturned, ListedKey, Refused, ReplicaApplied, WriteAcked};
use super::rules;
use super::set::PropertySet;
use super::small_store::SmallStore;
use super::store::{KeySummary, MonitorStore, Pending, PendingCondition, VersionFacts};
use crate::history::{ClientId, Event, Key, Observed, Op, Precondition, Ret, Seq};

/// The property monitor over store `S`: in the model a store packed into the state's words
/// (`system/monitor_store.rs`), [`GrowableStore`] for recorded histories, and [`SmallStore`] (the
/// default) for callers that replay a short history.
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct Monitor<S = SmallStore> {
    store: S,
    violated: PropertySet,
    found: PropertySet,
}

/// The monitor for recorded and user histories: any number of keys and clients, u64 versions.
pub type HistoryMonitor = Monitor<GrowableStore>;

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

    /// A monitor rebuilt from what [`Monitor::store`], [`Monitor::violated`] and
    /// [`Monitor::found`] returned (a state unpacked from words).
    pub fn from_parts(store: S, violated: PropertySet, found: PropertySet) -> Self {
        Monitor {
            store,
            violated,
            found,
        }
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

    /// Forgets what the monitor knows about a client that will invoke nothing more: its own writes
    /// and last reads are consulted only by its own later operations, so they are dead, and
    /// dropping them lets states that differ only there be one state. The model calls this after a
    /// client's last response; a history checker, which cannot know a client is done, never does.
    pub fn retire_client(&mut self, client: ClientId) {
        debug_assert!(
            self.store.pending(client).is_none(),
            "{client} is still busy"
        );
        for k in 0..self.store.key_count() {
            self.store.set_own_write(client, Key(k), 0);
            self.store.set_last_read(client, Key(k), 0);
        }
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
        let mut found = |(property, found_by), client, key, required, got| {
            findings.push(Finding {
                property,
                found_by,
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
                let applied = ReplicaApplied {
                    before,
                    after: *seq,
                };
                rules::on_replica(&applied, &mut |property, by, required, got| {
                    found((property, by), None, *key, required, got)
                });
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
            Expectation::Always => self.violated.insert(finding.property),
            Expectation::Sometimes => self.found.insert(finding.property),
        }
        on_finding(finding);
    }

    fn invoke(&mut self, index: usize, client: ClientId, op: Op) -> Result<(), HistoryError> {
        if self.store.pending(client).is_some() {
            return Err(HistoryError::InvokeWhilePending { index, client });
        }
        let pending = match (op.key(), op.write_kind()) {
            (Some(key), Some((put, precondition))) => self.write_invoked(key, put, precondition),
            (Some(key), None) => {
                let KeySummary { acked, completed } = self.store.key(key);
                Pending::Get {
                    key,
                    acked,
                    completed,
                }
            }
            (None, _) => Pending::List,
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

    /// A PUT or DELETE of `key` is invoked: conditional writes of the key already pending may
    /// now meet its version, and a conditional one meets any write already pending.
    fn write_invoked(
        &mut self,
        key: Key,
        put: bool,
        precondition: Option<Precondition>,
    ) -> Pending {
        let mut overlapped = false;
        for other in (0..self.store.client_count()).map(ClientId) {
            let Some(Pending::Write {
                key: other_key,
                condition: other_condition,
                ..
            }) = self.store.pending(other)
            else {
                continue;
            };
            if other_key != key {
                continue;
            }
            overlapped = true;
            if let Some(condition) = other_condition.filter(|c| !c.overlapped) {
                self.mark_overlapped(other, condition);
            }
        }
        let KeySummary { acked, completed } = self.store.key(key);
        Pending::Write {
            key,
            put,
            completed,
            condition: precondition.map(|precondition| PendingCondition {
                precondition,
                acked,
                overlapped,
            }),
        }
    }

    fn ret(
        &mut self,
        index: usize,
        client: ClientId,
        ret: &Ret,
        found: &mut impl FnMut((PropertyId, PropertyId), Option<ClientId>, Key, Observed, Observed),
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
                    condition,
                },
                Ret::Ack { seq },
            ) => {
                let precondition = condition.map(|c| c.precondition);
                let ack = self.write_acked(key, *seq, put, completed, precondition);
                rules::on_ack(&ack, &mut |property, by, required, got| {
                    found((property, by), key, required, got)
                });
                self.record_ack(client, key, *seq, put);
            }
            (
                Pending::Write {
                    key,
                    condition: Some(condition),
                    ..
                },
                Ret::PreconditionFailed,
            ) => {
                let refused = Refused {
                    precondition: condition.precondition,
                    current: condition.acked,
                    overlapped: condition.overlapped,
                };
                rules::on_refused(&refused, &mut |property, by, required, got| {
                    found((property, by), key, required, got)
                });
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
        found: &mut impl FnMut((PropertyId, PropertyId), Key, Observed, Observed),
    ) {
        let get = GetReturned {
            acked,
            completed,
            own_write: self.store.own_write(client, key),
            last_read: self.store.last_read(client, key),
            got,
        };
        rules::on_get(&get, &mut |property, by, required, got| {
            found((property, by), key, required, got)
        });
        let last = get.last_read.max(got.seq);
        self.store.set_last_read(client, key, last);
        let mut summary = self.store.key(key);
        summary.completed = summary.completed.max(got.seq);
        self.store.set_key(key, summary);
    }

    /// A LIST returned `entries`; its floors are the ones stored when it was invoked.
    fn list_returned(
        &mut self,
        client: ClientId,
        entries: &[(Key, Observed)],
        found: &mut impl FnMut((PropertyId, PropertyId), Key, Observed, Observed),
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
            let entry = ListedKey {
                acked: self.store.list_floor(client, key),
                own_write: self.store.own_write(client, key),
                last_read: self.store.last_read(client, key),
                listed,
            };
            rules::on_listed(&entry, &mut |property, by, required, got| {
                found((property, by), key, required, got)
            });
            // A listing is a read of every key it covers: the next read must not go back on it.
            let last = entry.last_read.max(listed.seq);
            if last != entry.last_read {
                self.store.set_last_read(client, key, last);
                // A key known only from a listing must stay known, so that a later listing that
                // omits it is judged for it.
                self.store.note_key(key);
            }
        }
    }

    /// `client`'s pending conditional write, with `condition`, now overlapped by another write.
    fn mark_overlapped(&mut self, client: ClientId, condition: PendingCondition) {
        if let Some(Pending::Write {
            key,
            put,
            completed,
            ..
        }) = self.store.pending(client)
        {
            let condition = Some(PendingCondition {
                overlapped: true,
                ..condition
            });
            let pending = Pending::Write {
                key,
                put,
                completed,
                condition,
            };
            self.store.set_pending(client, Some(pending));
        }
    }

    /// What the rules are told of a write acknowledged as `seq`, after recording what its
    /// acknowledgement teaches about the kinds of `seq` and `seq - 1` (`conditional.rs`).
    fn write_acked(
        &mut self,
        key: Key,
        seq: Seq,
        put: bool,
        completed: Seq,
        precondition: Option<Precondition>,
    ) -> WriteAcked {
        let mut this = self.version_facts(key, seq);
        let replaced_by_create = put && this.absent_required;
        if put {
            this.put = true;
            self.store.set_version_facts(key, seq, this);
        }
        let replaced = seq.saturating_sub(1);
        let mut before = self.version_facts(key, replaced);
        if precondition == Some(Precondition::Absent) && replaced > 0 && !before.put {
            before.absent_required = true;
            self.store.set_version_facts(key, replaced, before);
        }
        WriteAcked {
            completed,
            seq,
            precondition,
            predecessor_put: before.put,
            replaced_by_create,
        }
    }

    fn version_facts(&self, key: Key, seq: Seq) -> VersionFacts {
        if seq == 0 {
            VersionFacts::default()
        } else {
            self.store.version_facts(key, seq)
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

#[cfg(test)]
mod tests {
    //! The rules are written once; these tests hold the two stores to the same results, including
    //! the trait's default client renaming (the one a packed store inherits).
    use super::*;
    use crate::history::Ret;

    /// Random well-formed events (any responses: the point is agreement, not validity).
    fn events(seed: u64, count: usize) -> Vec<Event> {
        let mut rng = seed | 1;
        let mut next = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let mut busy: [Option<Op>; 3] = [None; 3];
        let mut out = Vec::new();
        while out.len() < count {
            let c = next(3) as usize;
            let client = ClientId(c as u32);
            let key = Key(next(2) as u32);
            let observed = |seq, exists| Observed { seq, exists };
            out.push(match busy[c].take() {
                None => {
                    let op = [
                        Op::Put { key },
                        Op::Delete { key },
                        Op::Get { key },
                        Op::List,
                        Op::PutIf {
                            key,
                            precondition: Precondition::Absent,
                        },
                        Op::PutIf {
                            key,
                            precondition: Precondition::Matches(next(4)),
                        },
                        Op::DeleteIf {
                            key,
                            matches: next(4),
                        },
                    ][next(7) as usize];
                    busy[c] = Some(op);
                    Event::Invoke { client, op }
                }
                Some(op) => {
                    let ret = match op {
                        Op::Put { .. } | Op::Delete { .. } => Ret::Ack { seq: next(6) },
                        Op::PutIf { .. } | Op::DeleteIf { .. } if next(3) == 0 => {
                            Ret::PreconditionFailed
                        }
                        Op::PutIf { .. } | Op::DeleteIf { .. } => Ret::Ack { seq: next(6) },
                        Op::Get { .. } => Ret::Read {
                            observed: observed(next(6), next(2) == 0),
                        },
                        Op::List => Ret::Listed {
                            entries: vec![(Key(1), observed(next(6), true))],
                        },
                    };
                    Event::Return { client, ret }
                }
            });
            if next(10) == 0 {
                out.push(Event::ReplicaApplied { key, seq: next(6) });
            }
        }
        out
    }

    fn run<S: MonitorStore>(monitor: &mut Monitor<S>, events: &[Event]) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (i, e) in events.iter().enumerate() {
            monitor
                .observe(i, e, &mut |f| findings.push(f))
                .expect("well formed");
        }
        findings
    }

    #[test]
    fn both_stores_reach_the_same_findings_before_and_after_renaming_clients() {
        for seed in 1..40 {
            let history = events(seed, 200);
            let (first, rest) = history.split_at(100);
            let mut small = Monitor::new();
            let mut growable = HistoryMonitor::default();
            assert_eq!(
                run(&mut small, first),
                run(&mut growable, first),
                "seed {seed}"
            );
            small.permute_clients(&[2, 0, 1]);
            growable.permute_clients(&[2, 0, 1]);
            // Renamed the same way: the rest of the history (with pending operations carried
            // over to their new names) is judged the same.
            let renamed: Vec<Event> = rest.iter().map(|e| rename(e, &[1, 2, 0])).collect();
            assert_eq!(
                run(&mut small, &renamed),
                run(&mut growable, &renamed),
                "seed {seed}"
            );
            assert_eq!(small.violated(), growable.violated());
            assert_eq!(small.found(), growable.found());
        }
    }

    #[test]
    fn a_listing_that_goes_back_on_an_earlier_one_is_a_non_monotonic_read_in_either_store() {
        // Client 1's PUT is committed but never acknowledged: k0 is known only from the listing.
        let (writer, reader) = (ClientId(0), ClientId(1));
        let k0 = Key(0);
        let listed = |entries: Vec<(Key, Observed)>| Event::Return {
            client: reader,
            ret: Ret::Listed { entries },
        };
        let history = [
            Event::Invoke {
                client: writer,
                op: Op::Put { key: k0 },
            },
            Event::Invoke {
                client: reader,
                op: Op::List,
            },
            listed(vec![(
                k0,
                Observed {
                    seq: 1,
                    exists: true,
                },
            )]),
            Event::Invoke {
                client: reader,
                op: Op::List,
            },
            listed(Vec::new()),
        ];
        let mut small = Monitor::new();
        let mut growable = HistoryMonitor::default();
        for findings in [run(&mut small, &history), run(&mut growable, &history)] {
            let properties: Vec<PropertyId> = findings.iter().map(|f| f.property).collect();
            assert_eq!(
                properties,
                [PropertyId::MonotonicReads, PropertyId::NonMonotonicRead]
            );
        }
    }

    /// Client `c` is called `to[c]` after `permute_clients(order)` with `order[to[c]] == c`.
    fn rename(event: &Event, to: &[u32]) -> Event {
        match event {
            Event::Invoke { client, op } => Event::Invoke {
                client: ClientId(to[client.index()]),
                op: *op,
            },
            Event::Return { client, ret } => Event::Return {
                client: ClientId(to[client.index()]),
                ret: ret.clone(),
            },
            other => other.clone(),
        }
    }
}
