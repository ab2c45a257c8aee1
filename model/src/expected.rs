//! The verdicts the project expects on the default configuration, for every mode × variant ×
//! mutant the suite runs, and why. `witness suite` compares what the checker finds against this
//! table; `docs/verdicts.md` explains each row with its shortest counterexample.
//!
//! The table was not assumed: each row is what the checker reported, then explained. A change in
//! the model that changes a verdict fails the suite until this table and the docs are updated.
//!
//! A smaller configuration cannot exercise everything the default one does (one operation per
//! client cannot read twice): [`unreachable`] says what it cannot reach and why, and
//! [`expected_verdict`] expects those properties to hold or not to be found.

use crate::check::{guarantee_summary, Verdict};
use crate::properties::{Expectation, Guarantee, PropertyId};
use crate::system::{Barrier, ConfigName, Mode, Mutant, Variant, WitnessCfg, WitnessOrder};

pub use crate::reach::{reaches, unreachable, CannotFail, Unreachable, CANNOT_FAIL};

use PropertyId::*;

/// One row of the suite: which always-properties fail and which anomalies are found.
#[derive(Clone, Debug)]
pub struct ExpectedRow {
    pub violated: &'static [PropertyId],
    pub found: &'static [PropertyId],
    /// Why, in one paragraph, for the docs and the suite's mismatch messages.
    pub why: &'static str,
}

impl ExpectedRow {
    /// The row's verdict of `property`, which must not be a coverage property: what a search
    /// covers depends on the configuration's faults ([`expected_verdict`] says).
    pub fn verdict(&self, property: PropertyId) -> Verdict {
        debug_assert!(property.guarantee() != Guarantee::Coverage, "{property}");
        match property.expectation() {
            Expectation::Always if self.violated.contains(&property) => Verdict::Violated,
            Expectation::Always => Verdict::Holds,
            Expectation::Sometimes if self.found.contains(&property) => Verdict::Found,
            Expectation::Sometimes => Verdict::NotFound,
        }
    }
}

/// The expected row for a run of the default configuration.
pub fn expected(mode: Mode, variant: Variant, mutant: Option<Mutant>) -> ExpectedRow {
    if mode == Mode::Eventual {
        return ExpectedRow {
            violated: EVERY_READ_GUARANTEE,
            found: EVERY_READ_ANOMALY,
            why: "Eventual mode answers from whatever the chosen cache node holds: a write updates \
                  one node while a read or LIST lands on another, so every anomalies A1–A6 is \
                  reachable. The witness and the replica are unaffected (the witness is kept but not \
                  consulted), so witness-safety and the replica properties hold; the replica lags.",
        };
    }
    if let Some(mutant) = mutant {
        return mutant_row(mutant);
    }
    if variant.barrier == Barrier::SeqAfterScan {
        return SEQ_AFTER_SCAN_ROW;
    }
    match variant.witness_order {
        WitnessOrder::Service => SERVICE_ROW,
        WitnessOrder::WithCommit => ExpectedRow {
            violated: &[],
            found: &[ReplicaLag],
            why: "Commit and witness bump are one step, so no reader can see a version the \
                  witness does not know, and a reload after a witness restart relearns a version \
                  no older than any acknowledged write. Every always-property holds with either \
                  repair; the cross-region replica still lags (A8).",
        },
        WitnessOrder::AfterCommit => ExpectedRow {
            violated: &[MonotonicReads, Linearizable],
            found: &[ReplicaLag, NonMonotonicRead],
            why: "Between the commit and the witness bump, a miss fill reads the new version from \
                  persistence while another node's older entry still passes the witness check. \
                  The write is not yet acknowledged, so read-after-write holds, but a client can \
                  read v1 after v2 (A6) and the reads are not linearizable.",
        },
        WitnessOrder::BeforeCommit => ExpectedRow {
            violated: WITNESS_TAUGHT_TOO_LITTLE,
            found: WITNESS_BEHIND,
            why: "Without faults the early bump is safe, but when the witness restarts between a \
                  write's bump and its commit, a reload relearns the old committed version; the \
                  write then commits and is acknowledged while the witness still holds the old \
                  version, so stale entries pass as fresh (witness-safety and read-after-write \
                  fail).",
        },
    }
}

fn mutant_row(mutant: Mutant) -> ExpectedRow {
    match mutant {
        Mutant::SkipWitnessOnMiss => ExpectedRow {
            violated: &[ReadAfterWrite, ReadYourWrites, MonotonicReads, Linearizable],
            found: &[ReplicaLag, NegativeCacheMiss, NonMonotonicRead],
            why: "A cached miss is returned without asking the witness, so a GET after an \
                  acknowledged PUT answers not-found from a node that cached the miss (A1).",
        },
        Mutant::ListIgnoresWitness => ExpectedRow {
            violated: &[ListAfterWrite, ReadYourWrites, MonotonicReads],
            found: &[ReplicaLag, ListOmitsPut, ListShowsDeleted, NonMonotonicRead],
            why: "LIST serves the node's cached listing without the partition barrier, so it \
                  misses a freshly PUT key (A4) or shows a deleted one (A5), and a client whose \
                  GET or LIST already saw the newer version lists the older one (A6, seen by \
                  LISTs alone). GETs are unaffected.",
        },
        Mutant::WitnessForgetsOnRestart => ExpectedRow {
            violated: &[
                ReadAfterWrite,
                ListAfterWrite,
                ReadYourWrites,
                MonotonicReads,
                Linearizable,
                WitnessSafety,
                WitnessAnswer,
            ],
            found: EVERY_READ_ANOMALY,
            why: "A restarted witness answers v0 (fresh) for every key it forgot, so every stale \
                  entry passes the barrier: strong mode degrades to eventual after one restart.",
        },
        Mutant::ReplicaAppliesOutOfOrder => ExpectedRow {
            violated: &[ReplicaMonotonic, ReplicaConverges],
            found: &[ReplicaLag],
            why:
                "A late delivery of an older version overwrites a newer one at the replica, which \
                  then stays behind the source with nothing left in flight.",
        },
        Mutant::NoWitnessBumpOnDelete => ExpectedRow {
            violated: &[
                ReadAfterWrite,
                ListAfterWrite,
                ReadYourWrites,
                MonotonicReads,
                Linearizable,
                WitnessSafety,
                WitnessAnswer,
            ],
            found: &[
                ReplicaLag,
                ReadAfterDelete,
                ListShowsDeleted,
                NonMonotonicRead,
            ],
            why:
                "The witness never learns of a DELETE, so a node's entry for the deleted version's \
                  predecessor still looks fresh: a GET after the acknowledged DELETE returns the \
                  object (A3) and LIST shows it (A5).",
        },
        Mutant::UnfencedRelearn
        | Mutant::RelearnWithoutFloor
        | Mutant::TrustStaleFailover
        | Mutant::AckBeforeNotify
        | Mutant::FleetFirstAnswer
        | Mutant::RestartedNodeAnswersFresh => service_mutant_row(mutant),
        Mutant::SplitRenumbers => SPLIT_RENUMBERS_ROW,
        Mutant::JudgePreconditionAtCache => JUDGE_AT_CACHE_ROW,
        Mutant::SkipInFlightWait => SKIP_IN_FLIGHT_WAIT_ROW,
    }
}

/// `judge-precondition-at-cache`, on `conditional`.
const JUDGE_AT_CACHE_ROW: ExpectedRow = ExpectedRow {
    violated: &[
        ConditionalAtomic,
        NoLostUpdate,
        PreconditionJustified,
        Linearizable,
    ],
    found: &[ReplicaLag, SpuriousPreconditionFailure],
    why: "A node's entry is not the key's current version: the witness vouches for entries \
          only on the read path. A node that cached the key absent lets a create succeed over \
          an acknowledged PUT (two creates both win); a node still holding v1 lets an If-Match \
          on v1 overwrite v2, which its writer never saw (a lost update); and a node that \
          cached the key absent refuses an If-Match on the acknowledged v1 with a 412 nothing \
          justifies (A9). Reads are unaffected.",
};

/// `skip-in-flight-wait`, on `conditional`.
const SKIP_IN_FLIGHT_WAIT_ROW: ExpectedRow = ExpectedRow {
    violated: &[ConditionalAtomic, NoLostUpdate, Linearizable],
    found: &[ReplicaLag],
    why: "Persistence judges a conditional write against the committed version while a plain \
          write of the key holds a newer version it has not committed: the conditional write \
          passes against the older version, takes a version above the pending one, and so \
          overwrites a write it never saw (a lost update, or a create over a PUT). Waiting \
          until the pending write commits closes this. No 412 is wrong: the committed version \
          was current when judged.",
};

/// The rows of the mutants seeded into witness-service's messages.
fn service_mutant_row(mutant: Mutant) -> ExpectedRow {
    match mutant {
        Mutant::UnfencedRelearn => ExpectedRow {
            violated: WITNESS_PASSES_STALE,
            found: WITNESS_BEHIND,
            why: "A reload loads v1; a write commits v2 and notifies the witness, which then \
                  restarts; the late relearn, no longer fenced by the epoch of the load, teaches \
                  the empty witness v1 while v2 is acknowledged, and a cached v1 passes as fresh.",
        },
        Mutant::RelearnWithoutFloor => ExpectedRow {
            violated: WITNESS_TAUGHT_TOO_LITTLE,
            found: WITNESS_BEHIND,
            why: "The witness restarts; a reload loads v1; a write commits v2 and notifies the \
                  forgetful witness, which keeps v2 only as the key's floor; the relearn, \
                  ignoring that floor, teaches v1 while v2 is acknowledged.",
        },
        Mutant::AckBeforeNotify => ExpectedRow {
            violated: WITNESS_PASSES_STALE,
            found: WITNESS_BEHIND,
            why: "The write is acknowledged while its notify is still on its way: a read after \
                  the acknowledgement asks a witness that still holds the older version, and a \
                  node's older entry passes.",
        },
        Mutant::RestartedNodeAnswersFresh => ExpectedRow {
            violated: &[
                ReadAfterWrite,
                ListAfterWrite,
                ReadYourWrites,
                MonotonicReads,
                Linearizable,
                WitnessAnswer,
            ],
            found: EVERY_READ_ANOMALY,
            why: "A restarted witness node answers \"fresh\" for what it forgot, so after a \
                  restart every stale entry passes until a relearn. Witness-safety holds: the \
                  node's table is empty, which is safe; its answers are not, and witness-answer \
                  says so at the query.",
        },
        Mutant::FleetFirstAnswer => ExpectedRow {
            violated: &[ReadAfterWrite, Linearizable, WitnessAnswer],
            found: &[ReplicaLag, NegativeCacheMiss, StaleOverwrite],
            why: "On `fleet`: a witness node is out while a write's notify reaches the other two, \
                  a majority; back, it still holds the older version, and a read that trusts \
                  the first answer (that node's) passes a stale entry after the write is \
                  acknowledged. Witness-safety holds (every majority knows the write); the \
                  answer does not, and witness-answer catches it at the query.",
        },
        Mutant::TrustStaleFailover => ExpectedRow {
            violated: &[ReadAfterWrite, Linearizable, WitnessSafety, WitnessAnswer],
            found: &[ReplicaLag, NegativeCacheMiss, StaleOverwrite],
            why: "On `fleet`: a witness node fails over to a replica whose snapshot predates the \
                  write and answers from it; with another node that missed the notify (an \
                  outage), a majority holds the older version and a stale entry passes.",
        },
        other => unreachable!("{other} is not seeded into witness-service's messages"),
    }
}

/// `witness-service`: every property holds.
const SERVICE_ROW: ExpectedRow = ExpectedRow {
    violated: &[],
    found: &[ReplicaLag],
    why: "The witness as a separate service: commit, notify (acknowledged by a majority) \
          before the write is acknowledged; a query that finds an entry newer than the \
          witness teaches it that committed version before the read answers; a reload's \
          relearn is its own message, dropped by a node whose epoch moved on since the \
          load, and raised to the floor that notifies left while the key was forgotten. \
          No step needs to be atomic with persistence, and every property holds.",
};

/// `seq-after-scan` (under `witness-service` or `witness-with-commit`; the suite runs the
/// former): the listing's sequence covers a write its scan missed.
const SEQ_AFTER_SCAN_ROW: ExpectedRow = ExpectedRow {
    violated: &[ListAfterWrite, ReadYourWrites, WitnessAnswer],
    found: &[ReplicaLag, ListOmitsPut, ListShowsDeleted],
    why: "The listing reads the partition's committed prefix after its scan: a write that \
          commits in between is counted by the number but missing from the versions. Once the \
          write is acknowledged, the witness knows nothing newer than the recorded number, so \
          the cached listing passes the barrier without the write (A4, or A5 for a DELETE). \
          GETs are unaffected. Reading the prefix with the scan or before it holds.",
};

/// `split-renumbers`, on `partitions`: a listing cached before the split records the parent's
/// prefix, which the half's renumbered versions fall under.
const SPLIT_RENUMBERS_ROW: ExpectedRow = ExpectedRow {
    violated: &[ListAfterWrite, ReadYourWrites, WitnessAnswer],
    found: &[ReplicaLag, ListOmitsPut],
    why: "After the split each half numbers its versions from its own keys' last, dropping \
          the parent's sequence. A listing cached before the split records the parent's \
          prefix for both halves; a write the split half then numbers below that prefix is \
          acknowledged, and the cached listing passes the barrier without it (A4).",
};

/// What a barrier that lets stale entries pass breaks: every guarantee a read gives, S3's and
/// the stronger ones.
const EVERY_READ_GUARANTEE: &[PropertyId] = &[
    ReadAfterWrite,
    ListAfterWrite,
    ReadYourWrites,
    MonotonicReads,
    Linearizable,
];

/// What a witness taught an older version than an acknowledged write breaks: every guarantee a
/// read gives but monotonic reads (each client's own reads still move forward), witness-safety,
/// and the answers it gives from that table.
const WITNESS_TAUGHT_TOO_LITTLE: &[PropertyId] = &[
    ReadAfterWrite,
    ListAfterWrite,
    ReadYourWrites,
    Linearizable,
    WitnessSafety,
    WitnessAnswer,
];

/// What a witness that passes a stale entry after a write's acknowledgement breaks, when each
/// client's own writes still show to it: every guarantee a read gives but read-your-writes and
/// monotonic reads, witness-safety and its answers.
const WITNESS_PASSES_STALE: &[PropertyId] = &[
    ReadAfterWrite,
    ListAfterWrite,
    Linearizable,
    WitnessSafety,
    WitnessAnswer,
];

/// Every anomaly a read or the replica can show (all but A9, a conditional write's spurious
/// 412, which only a precondition judged off persistence shows).
const EVERY_READ_ANOMALY: &[PropertyId] = &[
    ReplicaLag,
    NegativeCacheMiss,
    StaleOverwrite,
    ReadAfterDelete,
    ListOmitsPut,
    ListShowsDeleted,
    NonMonotonicRead,
];

/// Every anomaly but A6: what a witness that falls behind an acknowledged write lets through,
/// while each client's own reads still move forward.
const WITNESS_BEHIND: &[PropertyId] = EVERY_READ_ANOMALY.split_at(6).0;

/// The named configuration a mutant's suite row runs on, when the suite's own lacks the faults
/// that kill it: a fleet of witness nodes, its outages and failovers; a partition that splits.
pub fn home_config(mutant: Mutant) -> Option<ConfigName> {
    match mutant {
        Mutant::FleetFirstAnswer | Mutant::TrustStaleFailover => Some(ConfigName::Fleet),
        Mutant::SplitRenumbers => Some(ConfigName::Partitions),
        Mutant::JudgePreconditionAtCache | Mutant::SkipInFlightWait => {
            Some(ConfigName::Conditional)
        }
        _ => None,
    }
}

/// The variant a mutant's suite row runs: its home configuration's, where it has one;
/// `witness-service` (the default) for a mutant seeded into its messages; else
/// `witness-with-commit`, where the read path's mutants were first seeded (their rows are
/// unchanged since).
pub fn mutant_variant(mutant: Mutant) -> Variant {
    if let Some(home) = home_config(mutant) {
        home.cfg().variant
    } else if mutant.needs_service() {
        Variant::default()
    } else {
        Variant::WITH_COMMIT
    }
}

/// The verdict expected of `property` on `cfg`: the default configuration's row, except that
/// what `cfg` cannot reach holds (always-properties) or is not found (anomalies).
pub fn expected_verdict(cfg: &WitnessCfg, property: PropertyId) -> Verdict {
    if property.guarantee() == Guarantee::Coverage {
        return match reaches(cfg, property) {
            true => Verdict::Found,
            false => Verdict::NotFound,
        };
    }
    let unreachable = unreachable(cfg)
        .iter()
        .any(|u| u.properties.contains(&property));
    match (unreachable, property.expectation()) {
        (true, Expectation::Always) => Verdict::Holds,
        (true, Expectation::Sometimes) => Verdict::NotFound,
        (false, _) => expected(cfg.mode, cfg.variant, cfg.mutant).verdict(property),
    }
}

/// Every run of the suite, in a stable order: strong and eventual mode under every variant (the
/// partition-sequence barriers in strong mode only), then each mutant in strong mode under its
/// variant.
pub fn suite_rows() -> Vec<(Mode, Variant, Option<Mutant>)> {
    let mut rows = Vec::new();
    for mode in [Mode::Strong, Mode::Eventual] {
        // Eventual reads pass no barrier: a barrier's rows would repeat the per-key one's.
        let variants = Variant::all().into_iter();
        for variant in variants.filter(|v| mode == Mode::Strong || !v.barrier.records_seq()) {
            rows.push((mode, variant, None));
        }
    }
    for &mutant in Mutant::ALL {
        rows.push((Mode::Strong, mutant_variant(mutant), Some(mutant)));
    }
    rows
}

/// Every suite row as a whole configuration: `base`'s sizes and faults (or the mutant's
/// [`home_config`]) with the row's mode, variant and mutant.
pub fn suite_cfgs(base: &WitnessCfg) -> Vec<WitnessCfg> {
    suite_rows()
        .into_iter()
        .map(|(mode, variant, mutant)| {
            let sizes = mutant
                .and_then(home_config)
                .map_or_else(|| base.clone(), ConfigName::cfg);
            WitnessCfg {
                mode,
                variant,
                mutant,
                ..sizes
            }
        })
        .collect()
}

/// The expected-verdict table as Markdown, one row per suite run, its columns grouped by guarantee
/// (named in the line above it) and each row summed up in one line; `docs/verdicts.md` must
/// contain it verbatim (tested), so the docs cannot drift from what the suite enforces.
pub fn verdict_table_markdown() -> String {
    let groups: Vec<String> = Guarantee::ALL
        .iter()
        .map(|g| {
            let names: Vec<&str> = g.properties().map(PropertyId::name).collect();
            format!("{}: {}", g.title(), names.join(", "))
        })
        .collect();
    let mut out = format!("Columns by guarantee — {}.\n\n", groups.join("; "));
    out.push_str("| mode | variant | mutant |");
    for property in PropertyId::by_guarantee() {
        out.push_str(&format!(" {} |", property.name()));
    }
    out.push_str(" in short |\n|---|---|---|");
    for _ in PropertyId::ALL {
        out.push_str("---|");
    }
    out.push_str("---|\n");
    for cfg in suite_cfgs(&ConfigName::Default.cfg()) {
        let (mode, variant, mutant) = (cfg.mode, cfg.variant, cfg.mutant);
        let mutant_cell = match mutant {
            None => "–".to_string(),
            Some(m) => match home_config(m) {
                Some(home) => format!("{m} (on `{home}`)"),
                None => m.to_string(),
            },
        };
        out.push_str(&format!("| {mode} | {variant} | {mutant_cell} |"));
        for property in PropertyId::by_guarantee() {
            let cell = match expected_verdict(&cfg, property) {
                Verdict::Holds => "✓",
                Verdict::Violated => "✗",
                Verdict::Found => "found",
                Verdict::NotFound => "–",
                Verdict::Unknown => "?",
            };
            out.push_str(&format!(" {cell} |"));
        }
        let summary = guarantee_summary(|p| expected_verdict(&cfg, p));
        out.push_str(&format!(" {summary} |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_carry_the_table_the_suite_enforces() {
        let docs = include_str!("../../docs/verdicts.md");
        let table = verdict_table_markdown();
        assert!(
            docs.contains(&table),
            "docs/verdicts.md is out of date; paste this table:\n{table}"
        );
    }

    /// Every named configuration but `conditional` lacks conditional writes, and only that is
    /// out of reach on `small`, `default`, `medium` and `wide`.
    #[test]
    fn named_configurations_but_large_reach_everything_the_table_expects() {
        use crate::system::ConfigName;
        for &name in ConfigName::ALL {
            let conditional_only = |u: &Unreachable| u.properties.contains(&ConditionalAtomic);
            let cfg = name.cfg();
            let unreached = unreachable(&cfg);
            let conditional_claims = unreached.iter().filter(|u| conditional_only(u)).count();
            assert_eq!(
                conditional_claims,
                usize::from(!cfg.ops.conditional()),
                "{name}"
            );
            let reach_all = unreached.iter().all(conditional_only);
            let small = [
                ConfigName::Large,
                ConfigName::Fleet,
                ConfigName::Partitions,
                ConfigName::Conditional,
            ]
            .contains(&name);
            assert_eq!(reach_all, !small, "{name}");
        }
    }

    /// Every claim of [`unreachable`], checked exhaustively on every suite row of small
    /// configurations that make each claim: what is said not to be reachable is not reached.
    #[test]
    fn coverage_is_expected_exactly_where_the_search_reaches_it() {
        use crate::check::{run, CheckOptions};
        use crate::system::config::{Faults, OpMix, OpName};
        let one_get = |witness_restarts| WitnessCfg {
            clients: 1,
            ops_per_client: 1,
            ops: OpMix::of(&[OpName::Get]),
            faults: Faults {
                witness_restarts,
                ..WitnessCfg::default_cfg().faults
            },
            ..WitnessCfg::default_cfg()
        };
        // Nothing can go stale; a forgotten key reloads; a second restart can fence that reload.
        let expectations = [
            (one_get(0), [false, false, false]),
            (one_get(1), [true, true, false]),
            (one_get(2), [true, true, true]),
            (WitnessCfg::default_cfg(), [true, true, true]),
        ];
        let paths = [ReloadReached, RepairReached, FenceDropsRelearn];
        for (cfg, reached) in expectations {
            let report = run(&cfg, &CheckOptions::default(), None, &mut |_| {}).unwrap();
            for (property, reached) in paths.into_iter().zip(reached) {
                let verdict = if reached {
                    Verdict::Found
                } else {
                    Verdict::NotFound
                };
                assert_eq!(report.verdict(property), verdict, "{property} on {cfg:?}");
                assert_eq!(expected_verdict(&cfg, property), verdict, "{property}");
            }
        }
    }

    #[test]
    fn what_is_called_unreachable_is_not_reached() {
        use crate::check::{run, CheckOptions};
        let one_op_each = WitnessCfg {
            clients: 3,
            ops_per_client: 1,
            ..WitnessCfg::small()
        };
        let one_client = WitnessCfg {
            clients: 1,
            ops_per_client: 3,
            ..WitnessCfg::default_cfg()
        };
        let mut claims = 0;
        // `large` has 3 operations in all with every fault (node restarts, duplicate deliveries,
        // 2 keys, 3 nodes): the claims must hold under faults `small` lacks.
        for base in [one_op_each, one_client, WitnessCfg::large()] {
            // A row on its mutant's home configuration ignores `base`; the suite checks it.
            let on_base = suite_cfgs(&base)
                .into_iter()
                .filter(|cfg| cfg.mutant.and_then(home_config).is_none());
            for cfg in on_base {
                let report = run(&cfg, &CheckOptions::default(), None, &mut |_| {}).unwrap();
                assert!(report.complete);
                for claim in unreachable(&cfg) {
                    for &property in claim.properties {
                        claims += 1;
                        assert_eq!(
                            report.verdict(property),
                            expected_verdict(&cfg, property),
                            "{} {} {:?}: {property} ({})",
                            cfg.mode,
                            cfg.variant,
                            cfg.mutant,
                            claim.why
                        );
                    }
                }
            }
        }
        assert!(claims > 50, "{claims} claims checked");
    }

    #[test]
    fn every_mutant_is_killed_by_some_always_property() {
        for &mutant in Mutant::ALL {
            let row = expected(Mode::Strong, mutant_variant(mutant), Some(mutant));
            assert!(!row.violated.is_empty(), "{mutant} is not killed");
        }
    }
}
