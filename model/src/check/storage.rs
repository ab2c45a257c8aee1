//! How a run stored the states it had seen, and what that risks. Every strategy that stores
//! states (the level search, stateright's BFS and DFS) keeps a 64-bit fingerprint of each one, so
//! two distinct states can share a fingerprint; the second is then taken for seen, and it and the
//! states reached only through it are never explored. A proof states that risk beside its verdict.

use super::options::Strategy;
use serde::{Deserialize, Serialize};

/// Bits of every fingerprint the checkers store.
pub const FINGERPRINT_BITS: u32 = 64;

/// What a run kept of the states it had seen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Storage {
    /// Bits per stored fingerprint; 0 when nothing is stored (a simulation samples paths).
    pub fingerprint_bits: u32,
    /// The birthday bound `n(n−1) / 2^(b+1)` on the probability that some two of the run's `n`
    /// unique states share a `b`-bit fingerprint (0 when nothing is stored: nothing is omitted
    /// by storage, though a simulation proves nothing either).
    pub omission_probability: f64,
}

impl Storage {
    /// The storage of a run by `strategy` that met `unique_states` distinct states.
    pub fn of(strategy: Strategy, unique_states: usize) -> Storage {
        if strategy == Strategy::Simulation {
            return Storage::default();
        }
        Storage {
            fingerprint_bits: FINGERPRINT_BITS,
            omission_probability: omission_probability(unique_states, FINGERPRINT_BITS),
        }
    }

    /// One line for humans: how states were stored and the omission bound.
    pub fn describe(&self) -> String {
        if self.fingerprint_bits == 0 {
            return "nothing stored (sampled paths)".to_string();
        }
        format!(
            "{}-bit fingerprints; omission probability ≤ {:.1e} (n(n−1)/2^{})",
            self.fingerprint_bits,
            self.omission_probability,
            self.fingerprint_bits + 1
        )
    }
}

/// `n(n−1) / 2^(bits+1)`, capped at 1: each of the n(n−1)/2 pairs collides with probability
/// 2^−bits when fingerprints are uniform.
pub fn omission_probability(unique_states: usize, bits: u32) -> f64 {
    let n = unique_states as f64;
    let pairs_twice = n * (n - 1.0).max(0.0);
    (pairs_twice / 2f64.powi(i32::try_from(bits + 1).unwrap_or(i32::MAX))).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_the_birthday_bound() {
        assert_eq!(omission_probability(0, 64), 0.0);
        assert_eq!(omission_probability(1, 64), 0.0);
        // Two states: one pair, colliding with probability 2^-64.
        assert_eq!(omission_probability(2, 64), 2f64.powi(-64));
        // medium's 642 million states under 64 bits: about 1.1%.
        let medium = omission_probability(642_381_606, 64);
        assert!((0.011..0.0112).contains(&medium), "{medium}");
        assert_eq!(omission_probability(usize::MAX, 8), 1.0);
        let default = Storage::of(Strategy::Bfs, 912_919);
        assert_eq!(
            default.describe(),
            "64-bit fingerprints; omission probability ≤ 2.3e-8 (n(n−1)/2^65)"
        );
        assert_eq!(Storage::of(Strategy::Simulation, 10).fingerprint_bits, 0);
    }
}
