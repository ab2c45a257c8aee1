//! The protocol variant: one choice on each axis a reviewer asks about (when the witness learns
//! of a write, how a cache node takes a new entry, how a LIST's barrier judges a listing). Names
//! here are the ones users type (`--variant witness-before-commit`) and read in reports.

use crate::config_error::ConfigError;
use crate::named::named_enum;
use serde::{Deserialize, Serialize};
use std::fmt;

named_enum!(
    /// When a write tells the witness its new version, relative to the persistence commit becoming
    /// visible to readers.
    WitnessOrder, "witness order" {
        /// Commit, then notify the witness (two steps).
        AfterCommit => "witness-after-commit",
        /// Notify the witness, then commit (two steps).
        BeforeCommit => "witness-before-commit",
        /// Commit and witness bump in one atomic step (the witness sits in the commit path).
        WithCommit => "witness-with-commit",
        /// The witness as a separate service (`witness_service.rs`): commit, then notify and wait
        /// for the witness's acknowledgement; a query teaches the witness a committed entry ahead
        /// of it; a reload's relearn is its own message, fenced by the witness's epoch at the load
        /// and raised to the floor that notifies left while the key was forgotten.
        Service => "witness-service",
    }
);

named_enum!(
    /// How a cache node takes a new entry (a write's cache update, a miss fill, a repair).
    Repair, "repair" {
        /// The seed's `node.put(key, entry)`: overwrite whatever the node holds.
        Unconditional => "repair-unconditional",
        /// Overwrite only when the new entry has a higher version.
        IfNewer => "repair-if-newer",
    }
);

named_enum!(
    /// How a LIST's partition barrier decides that a cached listing is stale
    /// (`partition_seq.rs`).
    Barrier, "barrier" {
        /// Each key of the listing is compared with the witness's version for that key.
        PerKey => "per-key-barrier",
        /// The listing records the partition's committed prefix (every version at or below it
        /// is committed), read before the scan in a step of its own.
        SeqBeforeScan => "seq-before-scan",
        /// The committed prefix is read in the scan's own step (persistence returns both at
        /// once).
        SeqWithScan => "seq-with-scan",
        /// The committed prefix is read after the scan, in a step of its own.
        SeqAfterScan => "seq-after-scan",
    }
);

impl Barrier {
    /// The listing records a partition sequence that the barrier compares with the witness.
    pub fn records_seq(self) -> bool {
        self != Barrier::PerKey
    }
}

/// The protocol variant: one choice on each axis a reviewer asks about.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub witness_order: WitnessOrder,
    pub repair: Repair,
    /// Absent from reports written before the axis existed, which all used the per-key barrier.
    #[serde(default = "per_key_barrier")]
    pub barrier: Barrier,
}

fn per_key_barrier() -> Barrier {
    Barrier::PerKey
}

impl Variant {
    /// Every variant the suite runs, in a stable order: each witness order with each repair
    /// (per-key barrier), then each partition-sequence barrier under the default order and
    /// repair (the barrier is independent of both, so crossing it with them would repeat rows).
    pub fn all() -> Vec<Variant> {
        let mut all = Vec::new();
        for &witness_order in WitnessOrder::ALL {
            for &repair in Repair::ALL {
                all.push(Variant {
                    witness_order,
                    repair,
                    barrier: Barrier::PerKey,
                });
            }
        }
        for &barrier in Barrier::ALL.iter().filter(|b| b.records_seq()) {
            all.push(Variant {
                barrier,
                ..Variant::default()
            });
        }
        all
    }

    /// Applies one `--variant` name (either axis) on top of `self`.
    pub fn with(self, name: &str) -> Result<Variant, ConfigError> {
        if let Ok(witness_order) = name.parse::<WitnessOrder>() {
            return Ok(Variant {
                witness_order,
                ..self
            });
        }
        if let Ok(repair) = name.parse::<Repair>() {
            return Ok(Variant { repair, ..self });
        }
        if let Ok(barrier) = name.parse::<Barrier>() {
            return Ok(Variant { barrier, ..self });
        }
        Err(ConfigError(format!(
            "unknown variant '{name}' (expected one of: {})",
            WitnessOrder::ALL
                .iter()
                .map(|v| v.name())
                .chain(Repair::ALL.iter().map(|v| v.name()))
                .chain(Barrier::ALL.iter().map(|v| v.name()))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

impl Variant {
    /// `witness-with-commit` with only-if-newer repairs: the witness inside persistence's
    /// critical section, as `IndexCache` runs it and as the mutants of the read path are seeded.
    pub const WITH_COMMIT: Variant = Variant {
        witness_order: WitnessOrder::WithCommit,
        repair: Repair::IfNewer,
        barrier: Barrier::PerKey,
    };
}

impl Default for Variant {
    /// The protocol a separately deployed witness can run, which the model proves on the default
    /// configuration with no step atomic with persistence (see docs/verdicts.md).
    fn default() -> Self {
        Variant {
            witness_order: WitnessOrder::Service,
            repair: Repair::IfNewer,
            barrier: Barrier::PerKey,
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}+{}", self.witness_order, self.repair)?;
        // The per-key barrier goes unnamed: every result before the axis existed used it, and
        // their names stay as they were.
        if self.barrier.records_seq() {
            write!(f, "+{}", self.barrier)?;
        }
        Ok(())
    }
}
