//! How a run stored the states it had seen, and what that risks. Every strategy that stores
//! states keeps a fingerprint of each one: 128 bits by default in the level search (BFS), 64 with
//! `--fingerprint-bits 64`, 64 always in stateright's DFS. Two distinct states can share a
//! fingerprint; the second is then taken for seen, and it and the states reached only through it
//! are never explored. A proof states that risk beside its verdict.

use super::options::CheckOptions;
use serde::{Deserialize, Serialize};

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
    /// The storage of a run with `opts` that met `unique_states` distinct states.
    pub fn of(opts: &CheckOptions, unique_states: usize) -> Storage {
        let Some(bits) = opts.stored_fingerprint_bits() else {
            return Storage::default();
        };
        Storage {
            fingerprint_bits: bits.bits(),
            omission_probability: omission_probability(unique_states, bits.bits()),
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
    use crate::check::Strategy;
    use crate::search::FingerprintBits;
    use crate::system::ConfigName;

    fn opts(strategy: Strategy, bits: Option<FingerprintBits>) -> CheckOptions {
        CheckOptions {
            strategy,
            fingerprint_bits: bits,
            ..CheckOptions::default()
        }
    }

    #[test]
    fn the_bound_is_the_birthday_bound() {
        assert_eq!(omission_probability(0, 64), 0.0);
        assert_eq!(omission_probability(1, 64), 0.0);
        // Two states: one pair, colliding with probability 2^-64.
        assert_eq!(omission_probability(2, 64), 2f64.powi(-64));
        assert_eq!(omission_probability(2, 128), 2f64.powi(-128));
        // medium's 642 million states under 64 bits: about 1.1%.
        let medium = omission_probability(642_381_606, 64);
        assert!((0.011..0.0112).contains(&medium), "{medium}");
        assert_eq!(omission_probability(usize::MAX, 8), 1.0);
    }

    #[test]
    fn each_strategy_reports_the_width_it_stores() {
        let bfs = Storage::of(&opts(Strategy::Bfs, None), 912_919);
        assert_eq!(
            bfs.describe(),
            "128-bit fingerprints; omission probability ≤ 1.2e-27 (n(n−1)/2^129)"
        );
        let narrow = Storage::of(&opts(Strategy::Bfs, Some(FingerprintBits::Bits64)), 912_919);
        assert_eq!(
            narrow.describe(),
            "64-bit fingerprints; omission probability ≤ 2.3e-8 (n(n−1)/2^65)"
        );
        // stateright's DFS stores its own 64-bit fingerprints, whatever the default.
        assert_eq!(
            Storage::of(&opts(Strategy::Dfs, None), 10).fingerprint_bits,
            64
        );
        assert_eq!(
            Storage::of(&opts(Strategy::Simulation, None), 10).fingerprint_bits,
            0
        );
    }

    /// The most unique states each named configuration has been measured to take under any mode,
    /// variant or mutant, or, where it has never been finished, a ceiling no machine here holds.
    fn most_states(name: ConfigName) -> usize {
        match name {
            // seq-after-scan's 831,051.
            ConfigName::Small => 900_000,
            // The largest row of docs/proofs/suite-default.json.
            ConfigName::Default => 20_413_059,
            ConfigName::Large => 1_616_432,
            ConfigName::Fleet => 16_318_917,
            // seq-before-scan's 5,027,696.
            ConfigName::Partitions => 5_100_000,
            // skip-in-flight-wait's 559,490.
            ConfigName::Conditional => 600_000,
            // medium proved 642 million states, and now runs out of 24 GB past 805 million;
            // wide (medium with 2 keys) does not fit either. Ten billion would take a 160 GB
            // table of 128-bit fingerprints.
            ConfigName::Medium | ConfigName::Wide => 10_000_000_000,
        }
    }

    #[test]
    fn the_default_store_omits_with_probability_below_one_in_a_billion_on_every_named_config() {
        let default = opts(Strategy::Bfs, None);
        for &name in ConfigName::ALL {
            let storage = Storage::of(&default, most_states(name));
            assert_eq!(storage.fingerprint_bits, 128, "{name}");
            assert!(storage.omission_probability <= 1e-9, "{name}: {storage:?}");
        }
        // 64 bits do not: medium's proof alone is a 1% risk.
        let narrow = opts(Strategy::Bfs, Some(FingerprintBits::Bits64));
        let medium = Storage::of(&narrow, most_states(ConfigName::Medium));
        assert!(medium.omission_probability > 1e-9);
        // No machine's memory reaches 10⁻⁹ at 128 bits: 2^40 states, a 16 TiB table, are 2^−49.
        assert!(omission_probability(1 << 40, 128) <= 2f64.powi(-49));
    }

    #[test]
    fn a_width_the_strategy_cannot_store_is_refused() {
        let wide = Some(FingerprintBits::Bits128);
        let narrow = Some(FingerprintBits::Bits64);
        assert!(opts(Strategy::Bfs, wide).validate().is_ok());
        assert!(opts(Strategy::Bfs, narrow).validate().is_ok());
        assert!(opts(Strategy::Dfs, narrow).validate().is_ok());
        let refused = opts(Strategy::Dfs, wide).validate().unwrap_err();
        assert!(refused.0.contains("needs --strategy bfs"), "{refused}");
        let simulation = CheckOptions {
            timeout: Some(std::time::Duration::from_secs(1)),
            ..opts(Strategy::Simulation, narrow)
        };
        assert!(simulation.validate().is_err());
    }
}
