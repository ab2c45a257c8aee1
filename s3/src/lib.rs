//! `witness serve` and `witness probe`: the witness protocol over the S3 API.
//!
//! - [`serve`]: the `IndexCache` behind an S3-compatible endpoint (s3s: S3 protocol and SigV4).
//! - [`probe`]: a randomized concurrent workload against any S3 endpoint (object_store as the
//!   client), recorded as a Jepsen history (contract C1) and judged by the value-based checker.

pub mod blobs;
mod connection;
pub mod durable;
pub mod faults;
pub mod files;
mod group_commit;
pub mod limits;
pub mod listing;
pub mod objects;
pub mod probe;
pub mod serve;
pub mod server;
