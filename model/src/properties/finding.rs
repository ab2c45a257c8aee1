//! What the monitor reports: a finding (a rule broken, or an anomaly seen) and the errors that
//! make a history impossible to judge, each printable with the user's own names.

use super::PropertyId;
use crate::history::{ClientId, Key, Observed};
use crate::names::Names;
use serde::Serialize;
use std::fmt;

/// A value shown with the names of a history's keys and clients.
#[derive(Clone, Copy)]
pub struct Named<'a, T>(&'a T, &'a Names);

/// A history that is not well formed: the properties cannot judge it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum HistoryError {
    InvokeWhilePending { index: usize, client: ClientId },
    ReturnWithoutInvoke { index: usize, client: ClientId },
    ReturnDoesNotMatch { index: usize, client: ClientId },
}

impl HistoryError {
    /// The error with clients named as in `names` (as the user wrote them).
    pub fn named<'a>(&'a self, names: &'a Names) -> Named<'a, HistoryError> {
        Named(self, names)
    }
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.named(&Names::default()).fmt(f)
    }
}

impl fmt::Display for Named<'_, HistoryError> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Named(error, names) = *self;
        match *error {
            HistoryError::InvokeWhilePending { index, client } => write!(
                f,
                "event {index}: {} invokes an operation while its previous one has not returned",
                names.client(client)
            ),
            HistoryError::ReturnWithoutInvoke { index, client } => write!(
                f,
                "event {index}: {} returns without a pending operation",
                names.client(client)
            ),
            HistoryError::ReturnDoesNotMatch { index, client } => write!(
                f,
                "event {index}: {}'s response does not match its operation (ack for a write, read for a GET, listed for a LIST)",
                names.client(client)
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

impl Finding {
    /// The finding with keys and clients named as in `names` (as the user wrote them).
    pub fn named<'a>(&'a self, names: &'a Names) -> Named<'a, Finding> {
        Named(self, names)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.named(&Names::default()).fmt(f)
    }
}

impl fmt::Display for Named<'_, Finding> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Named(finding, names) = *self;
        let who = finding
            .client
            .map(|c| names.client(c).to_string())
            .unwrap_or_else(|| "replica".to_string());
        let key = names.key(finding.key);
        let (got, required) = (finding.got, finding.required);
        write!(f, "{}: ", finding.property)?;
        match finding.property {
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
