//! What a configuration can exercise: the properties it cannot reach for want of operations or
//! faults, the coverage paths its search must reach, and the parts of properties no run of the
//! model can break. `expected.rs` builds the expected verdicts on these; the reports print them
//! under the verdicts, so that a "holds" is never read as evidence it is not.

use crate::properties::PropertyId;
use crate::system::{Mode, Mutant, WitnessCfg, WitnessOrder};
use serde::{Deserialize, Serialize};

use PropertyId::*;

/// Properties a configuration cannot exercise: always-properties that cannot fail on it and
/// anomalies it cannot reach, for one reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreachable {
    pub properties: &'static [PropertyId],
    /// Why, in words a user reads under the verdicts.
    pub why: String,
}

/// A part of a property that no run of the model can break, on any configuration: a "holds" is
/// no evidence for that part, so every report says so beside the verdicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CannotFail {
    pub property: PropertyId,
    /// The part, in words a user reads under the verdicts.
    pub part: &'static str,
    pub why: &'static str,
}

/// Every part of a property the model cannot break (`model_tests.rs` checks each claim on every
/// transition of a whole space).
pub const CANNOT_FAIL: &[CannotFail] = &[CannotFail {
    property: Linearizable,
    part: "its write half for plain writes (a write's version is above every version completed \
           before it began)",
    why: "persistence gives a write the key's next version when the write arrives, after every \
          operation that had completed; only reads and conditional writes can break \
          linearizability here",
}];

/// One thing a run's verdict on `property` is no evidence for, as JSON reports carry it: the
/// whole property where the configuration cannot exercise it, or a part no run can break.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub property: PropertyId,
    /// `"all"` for a property the configuration cannot exercise, else the part that cannot fail.
    pub part: String,
    pub why: String,
}

/// Every limit of a verdict on `cfg`: [`unreachable`]'s properties, then [`CANNOT_FAIL`]'s parts.
pub fn limits(cfg: &WitnessCfg) -> Vec<Limit> {
    let unreachable = unreachable(cfg).into_iter().flat_map(|claim| {
        claim.properties.iter().map(move |&property| Limit {
            property,
            part: "all".to_string(),
            why: claim.why.clone(),
        })
    });
    let cannot_fail = CANNOT_FAIL.iter().map(|claim| Limit {
        property: claim.property,
        part: claim.part.to_string(),
        why: claim.why.to_string(),
    });
    unreachable.chain(cannot_fail).collect()
}

/// What `cfg` cannot reach, whatever the checker explores: each entry needs more operations, or
/// operations the mix lacks. For `default`, `small`, `medium` and `wide` only the conditional
/// writes' properties, which their mix lacks, so the expected table stands there as it is
/// (`large`, `fleet`, `partitions` and `conditional` each lack more); the model's tests check
/// each claim against exhaustive runs.
pub fn unreachable(cfg: &WitnessCfg) -> Vec<Unreachable> {
    let mut out = Vec::new();
    if cfg.ops_per_client < 2 {
        out.push(Unreachable {
            properties: &[ReadYourWrites, MonotonicReads, NonMonotonicRead],
            why: "each needs one client to issue two operations (its own write, then a read; or \
                  two reads of a key), and each client issues one"
                .to_string(),
        });
    }
    out.extend(missing_operations(cfg));
    let operations = u16::from(cfg.clients) * u16::from(cfg.ops_per_client);
    if operations >= 4 {
        return out;
    }
    let have = format!("this configuration issues {operations}");
    out.push(Unreachable {
        properties: &[ListShowsDeleted],
        why: format!(
            "a LIST shows a deleted key only from a listing an earlier LIST cached after the \
             key's PUT: a PUT, that LIST, the DELETE and a second LIST are 4 operations; {have}"
        ),
    });
    if cfg.mode == Mode::Eventual || cfg.mutant.is_some() {
        return out;
    }
    match cfg.variant.witness_order {
        WitnessOrder::BeforeCommit => out.push(Unreachable {
            properties: &[StaleOverwrite, ReadAfterDelete],
            why: format!(
                "with witness-before-commit a stale entry passes the witness only after a \
                 reader's reload taught a restarted witness the old version between a write's \
                 bump and its commit; an older version read after an acknowledged overwrite or \
                 DELETE takes the older write, the overwrite, that reader and the stale read, 4 \
                 operations; {have}"
            ),
        }),
        WitnessOrder::AfterCommit => out.push(Unreachable {
            properties: &[Linearizable],
            why: format!(
                "with witness-after-commit reads go out of order only when one reads a version \
                 committed but not yet known to the witness and a later one an older entry that \
                 still passes: the write, the two reads and the operation that cached the older \
                 entry are 4 operations; {have}"
            ),
        }),
        WitnessOrder::WithCommit | WitnessOrder::Service => {}
    }
    out
}

/// What an operation mix without LIST, DELETE or a conditional write cannot show.
fn missing_operations(cfg: &WitnessCfg) -> Vec<Unreachable> {
    let mut out = Vec::new();
    if !cfg.ops.list {
        out.push(Unreachable {
            properties: &[ListAfterWrite, ListOmitsPut, ListShowsDeleted],
            why: "the operation mix has no LIST".to_string(),
        });
    }
    if !(cfg.ops.delete || cfg.ops.delete_if) {
        out.push(Unreachable {
            properties: &[ReadAfterDelete, ListShowsDeleted],
            why: "the operation mix has no DELETE".to_string(),
        });
    }
    if !cfg.ops.conditional() {
        out.push(Unreachable {
            properties: &[
                ConditionalAtomic,
                NoLostUpdate,
                PreconditionJustified,
                SpuriousPreconditionFailure,
            ],
            why: "the operation mix has no conditional write (put-if, delete-if)".to_string(),
        });
    }
    out
}

/// Whether the search on `cfg` reaches the coverage path `property`. A read reloads (and then
/// repairs) when the witness can call its entry stale: after a write by another operation, or
/// once a witness node forgot or was cut off. Only witness-service relearns as a message of its
/// own, so only it has a fence to reach: an epoch must move between a reload's load and its
/// relearn, after something made that read stale. A query after a failover needs one in the
/// fault budget. Eventual mode never asks the witness, so it reaches none.
pub fn reaches(cfg: &WitnessCfg, property: PropertyId) -> bool {
    let faults = &cfg.faults;
    let epoch_moves = u16::from(faults.witness_restarts) + u16::from(faults.witness_failovers);
    let operations = u16::from(cfg.clients) * u16::from(cfg.ops_per_client);
    let writes = cfg.ops.put || cfg.ops.delete;
    let stale_by_write = writes && operations >= 2;
    let stale = stale_by_write || epoch_moves > 0 || faults.witness_outages > 0;
    let strong = cfg.mode == Mode::Strong;
    match property {
        ReloadReached | RepairReached => strong && stale,
        FenceDropsRelearn => {
            let fenced = cfg.mutant != Some(Mutant::UnfencedRelearn);
            let moves_after_stale = epoch_moves >= 2 || (epoch_moves == 1 && stale_by_write);
            strong
                && cfg.variant.witness_order == WitnessOrder::Service
                && moves_after_stale
                && fenced
        }
        QueryAfterFailover => strong && faults.witness_failovers > 0,
        other => unreachable!("{other} is not a coverage property"),
    }
}
