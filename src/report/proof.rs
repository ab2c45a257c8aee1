//! What a report records, in the shape of its JSON twin; the Markdown is written from it.

use crate::suite::SuiteRun;
use serde::{Deserialize, Serialize};
use witness_model::system::{ConfigName, Faults, OpMix, WitnessCfg};

/// The checker crate the proofs were run with. Pinned in the workspace (see docs/design.md); a
/// unit test keeps this in step with Cargo.lock.
pub const STATERIGHT_VERSION: &str = "0.30.2";
/// The model crate shares the workspace's version line; checked against Cargo.lock too.
pub const WITNESS_MODEL_VERSION: &str = "0.1.0";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Versions {
    pub witness: String,
    pub witness_model: String,
    pub stateright: String,
}

/// The commit the proofs were run on; `None` where git or a repository is not available.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct GitInfo {
    pub commit: Option<String>,
    /// Uncommitted changes existed: the proofs may not be of `commit` exactly.
    pub dirty: Option<bool>,
}

/// The sizes and faults shared by every run of the suite (mode, variant, mutant vary per run).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SuiteConfig {
    pub clients: u8,
    pub cache_nodes: u8,
    pub keys: u8,
    pub ops_per_client: u8,
    pub ops: OpMix,
    pub faults: Faults,
}

impl From<&WitnessCfg> for SuiteConfig {
    fn from(cfg: &WitnessCfg) -> SuiteConfig {
        SuiteConfig {
            clients: cfg.clients,
            cache_nodes: cfg.cache_nodes,
            keys: cfg.keys,
            ops_per_client: cfg.ops_per_client,
            ops: cfg.ops,
            faults: cfg.faults,
        }
    }
}

/// The JSON twin of the Markdown report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProofReport {
    pub versions: Versions,
    pub git: GitInfo,
    /// UTC, RFC 3339.
    pub generated_at: String,
    /// The named configuration the runs start from (`--config`), and whether flags changed it.
    pub configuration: ConfigName,
    pub customized: bool,
    pub config: SuiteConfig,
    pub description: String,
    /// The command that regenerates this report.
    pub command: String,
    pub threads: usize,
    pub timeout_seconds: Option<f64>,
    /// Every run complete and every verdict as expected.
    pub all_match: bool,
    pub complete: bool,
    pub mismatches: Vec<String>,
    pub runs: Vec<SuiteRun>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_match_cargo_lock() {
        let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
            .expect("Cargo.lock at the workspace root");
        for (name, version) in [
            ("stateright", STATERIGHT_VERSION),
            ("witness-model", WITNESS_MODEL_VERSION),
        ] {
            let entry = format!("name = \"{name}\"\nversion = \"{version}\"");
            assert!(lock.contains(&entry), "Cargo.lock has no {entry}");
        }
    }
}
