//! What the monitor reports: a finding (a rule broken, or an anomaly seen) and the errors that
//! make a history impossible to judge, each printable with the user's own names.

use super::catalogue::PropertyId;
use super::rule::FindingParts;
use super::rules;
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
    /// The property whose rule found it, whose words describe it: the property itself, the
    /// always-property of an anomaly, or a conditional write's property for a linearizability
    /// finding it made.
    #[serde(skip)]
    pub found_by: PropertyId,
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
        let key = names.key(finding.key).to_string();
        write!(f, "{}: ", finding.property)?;
        let parts = FindingParts {
            who: &who,
            key: &key,
            required: finding.required,
            got: finding.got,
        };
        rules::describe(finding.found_by, &parts, f)
    }
}
