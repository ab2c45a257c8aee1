//! Judge register histories recorded anywhere: Jepsen log lines, Jepsen/elle-cli JSON (contract
//! C1), Jepsen EDN. Values, not versions; string keys; outcomes `ok`, `fail` (no effect) and `info`
//! (unknown, pending to the end).
//!
//! The library API, for the CLI and for probes that record histories:
//!
//! ```
//! use witness_history::{judge, parse, Format};
//! let log = "{\"type\":\"invoke\",\"f\":\"write\",\"key\":\"k\",\"process\":0,\"value\":\"a\"}\n\
//!            {\"type\":\"ok\",\"f\":\"write\",\"key\":\"k\",\"process\":0,\"value\":\"a\"}\n\
//!            {\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k\",\"process\":1,\"value\":null}\n\
//!            {\"type\":\"ok\",\"f\":\"read\",\"key\":\"k\",\"process\":1,\"value\":null}\n";
//! let history = parse(log.as_bytes(), Some(Format::JepsenJson)).unwrap();
//! let verdict = judge(&history);
//! assert!(!verdict.holds());
//! let violation = &verdict.violations[0];
//! assert_eq!(violation.key, "k");
//! assert_eq!(violation.anomaly, Some(witness_model::properties::PropertyId::NegativeCacheMiss));
//! ```
//!
//! Linearizability is decided per key (P-compositionality) by a memoized Wing & Gong search, or
//! by the polynomial read-mapping method when every written value of the key is unique. It is the
//! general decider of the `linearizable` property of `witness_model::properties` for histories
//! that carry values instead of versions.

pub mod anomaly;
pub mod coverage;
pub mod export;
pub mod format;
pub mod html;
pub mod linearize;
pub mod list_evidence;
pub mod ops;
pub mod orders;
pub mod refusals;
pub mod text;
pub mod verdict;
pub mod versioned;
pub mod weak;

pub use format::events::Builder;
pub use format::{parse, parse_str, Format, ParseError};
pub use linearize::Budget;
pub use ops::{Command, History, NemesisOp, Operation, Outcome, Reply, Status, Value};
pub use verdict::{judge, judge_within, HistoryReport, KeyVerdict, PropertyVerdict, Violation};
