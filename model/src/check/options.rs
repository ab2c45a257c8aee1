//! What a run may do: its strategy, threads, limits and reductions, checked before it starts.

use crate::named::named_enum;
use crate::search::FingerprintBits;
use crate::system::{ConfigError, Reductions};
use std::time::Duration;

named_enum!(
    /// How the checker explores the state space.
    Strategy, "strategy" {
        /// Breadth first: proves, and finds shortest counterexamples.
        Bfs => "bfs",
        /// Depth first: uses less memory.
        Dfs => "dfs",
        /// Random paths: samples, never proves.
        Simulation => "simulation",
    }
);

/// More checker threads than this only adds contention (and each one is an OS thread).
pub const MAX_THREADS: usize = 256;
/// Longer timeouts overflow clock arithmetic and are no different from none.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub strategy: Strategy,
    pub threads: usize,
    /// Stop exploring after this long; verdicts that need the whole space become `unknown`.
    pub timeout: Option<Duration>,
    /// Explore one representative per class of states equal up to renaming clients and cache
    /// nodes (every strategy: the model canonicalizes its successors itself).
    pub symmetry: bool,
    /// Leave out steps no property can observe (docs/design.md, "Reductions"). Off only in tests
    /// that show it changes no verdict and no shortest counterexample.
    pub reductions: Reductions,
    /// Seed for the simulation strategy.
    pub seed: u64,
    /// The least time between two calls of the run's progress callback.
    pub progress_every: Duration,
    /// BFS stops before its fingerprints and levels would hold more than this; `None`: as much
    /// as the machine has available.
    pub max_memory_bytes: Option<u64>,
    /// The width of the BFS's fingerprints, as asked; `None`: the strategy's own (see
    /// [`CheckOptions::stored_fingerprint_bits`]).
    pub fingerprint_bits: Option<FingerprintBits>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            strategy: Strategy::Bfs,
            threads: 1,
            timeout: None,
            symmetry: true,
            reductions: Reductions::all(),
            seed: 0,
            progress_every: Duration::from_millis(500),
            max_memory_bytes: None,
            fingerprint_bits: None,
        }
    }
}

impl CheckOptions {
    /// The fingerprints the run stores: 128-bit by default in the level search (BFS), which can
    /// store either width; stateright's DFS always stores its own 64-bit ones; a simulation
    /// stores nothing.
    pub fn stored_fingerprint_bits(&self) -> Option<FingerprintBits> {
        match self.strategy {
            Strategy::Bfs => Some(self.level_search_bits()),
            Strategy::Dfs => Some(FingerprintBits::Bits64),
            Strategy::Simulation => None,
        }
    }

    /// The width the level search stores: what was asked, else 128 bits, whose omission bound
    /// stays below 10⁻⁹ on every named configuration (`check/storage.rs`).
    pub fn level_search_bits(&self) -> FingerprintBits {
        self.fingerprint_bits.unwrap_or(FingerprintBits::Bits128)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.threads == 0 {
            return Err(ConfigError("--threads must be at least 1 (got 0)".into()));
        }
        if self.threads > MAX_THREADS {
            return Err(ConfigError(format!(
                "--threads must be at most {MAX_THREADS} (got {})",
                self.threads
            )));
        }
        if self.timeout.is_some_and(|t| t > MAX_TIMEOUT) {
            return Err(ConfigError(
                "--timeout must be at most 30 days; omit it to run to completion".into(),
            ));
        }
        if self.strategy != Strategy::Bfs && self.max_memory_bytes.is_some() {
            return Err(ConfigError(
                "--max-memory bounds the BFS; DFS keeps only fingerprints and simulation none"
                    .into(),
            ));
        }
        self.validate_fingerprint_bits()?;
        if self.strategy == Strategy::Simulation && self.timeout.is_none() {
            return Err(ConfigError(
                "--strategy simulation never runs out of paths to try; give it a --timeout".into(),
            ));
        }
        Ok(())
    }

    /// A width the strategy cannot store is refused rather than quietly replaced, so a report
    /// never claims a bound the run did not have.
    fn validate_fingerprint_bits(&self) -> Result<(), ConfigError> {
        let Some(asked) = self.fingerprint_bits else {
            return Ok(());
        };
        match self.strategy {
            Strategy::Bfs => Ok(()),
            Strategy::Dfs if asked == FingerprintBits::Bits64 => Ok(()),
            Strategy::Dfs => Err(ConfigError(format!(
                "--fingerprint-bits {asked} needs --strategy bfs: stateright's DFS stores 64-bit \
                 fingerprints"
            ))),
            Strategy::Simulation => Err(ConfigError(
                "--fingerprint-bits sets what BFS stores; a simulation stores no states".into(),
            )),
        }
    }
}
