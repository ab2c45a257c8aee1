//! Conditional writes (`If-None-Match: *`, `If-Match`): compare-and-set on a key, judged at
//! persistence.
//!
//! A conditional write is invoked naming its precondition: absent, or the version committed
//! when the client invokes it (the newest an ETag it read could name). Its next step is the
//! judgement, at persistence: the key's committed version must meet the precondition. A write
//! that passes takes the next version in the same step and goes on as a plain write (commit,
//! witness, cache, replication, acknowledgement), so the witness, the caches and the replica
//! never tell the two apart; one that fails is answered 412 and changes nothing.
//!
//! While a write of the key holds a version that is not yet committed, the committed version is
//! not the key's latest, and a judgement against it could let the conditional write overtake
//! that older write in a way no linearization explains; so the judgement waits until the write
//! commits (`skip-in-flight-wait` is the mutant that does not). Judging against a cache node's
//! entry instead of persistence is the mutant `judge-precondition-at-cache`.

use super::config::{Mutant, WitnessCfg};
use super::layout::Seq;
use super::model::WitnessModel;
use super::phase::{ConditionalOp, Phase};
use super::state::SystemState;
use super::transitions::Emit;
use crate::history::{ClientId, Key, Op, Precondition, Ret};

/// What a configuration with conditional writes assumes of persistence: the judgement and the
/// version it assigns are one step. Split, two creates could both be judged against "absent"
/// before either takes a version; no mutant splits them yet.
pub(super) fn judgement_requirement(cfg: &WitnessCfg) -> Option<&'static str> {
    cfg.ops.conditional().then_some(
        "persistence judges a conditional write's precondition and assigns its version in one \
         step (the key's write lock held across both)",
    )
}

impl WitnessModel {
    /// The conditional writes a client may invoke in `state`: a create of each key, and an
    /// `If-Match` PUT or DELETE of the version each key has committed, where that is a PUT's.
    pub(super) fn conditional_ops(
        &self,
        state: &SystemState,
        ops: &mut smallvec::SmallVec<[Op; 16]>,
    ) {
        let mix = self.cfg.ops;
        for key in self.keys() {
            if mix.put_if {
                let precondition = Precondition::Absent;
                ops.push(Op::PutIf { key, precondition });
            }
            let committed = state.observed(key, state.persisted(key));
            if !committed.exists {
                continue;
            }
            if mix.put_if {
                let precondition = Precondition::Matches(committed.seq);
                ops.push(Op::PutIf { key, precondition });
            }
            if mix.delete_if {
                let matches = committed.seq;
                ops.push(Op::DeleteIf { key, matches });
            }
        }
    }

    /// A write of `key` holds a version persistence has not committed yet.
    fn write_in_flight(state: &SystemState, key: Key) -> bool {
        state.assigned(key) > state.persisted(key)
    }

    /// Whether the client's judgement must wait for a write of its key in flight.
    pub(super) fn judge_waits(&self, state: &SystemState, phase: Phase) -> bool {
        match phase {
            Phase::Judge { op } => {
                !self.is_mutant(Mutant::SkipInFlightWait) && Self::write_in_flight(state, op.key)
            }
            _ => false,
        }
    }

    /// The version the precondition is judged against: persistence's committed one, or under
    /// `judge-precondition-at-cache` the node's entry (persistence's where it holds none).
    fn judged_version(&self, state: &SystemState, op: ConditionalOp) -> Seq {
        let committed = state.persisted(op.key);
        if self.is_mutant(Mutant::JudgePreconditionAtCache) {
            state.entry(op.node, op.key).unwrap_or(committed)
        } else {
            committed
        }
    }

    /// Persistence judges the precondition: the write goes on with the next version, or is
    /// answered 412.
    pub(super) fn judge(
        &self,
        state: &mut SystemState,
        client: ClientId,
        op: ConditionalOp,
        emit: Emit,
    ) {
        debug_assert!(!self.judge_waits(state, Phase::Judge { op }));
        let current = state.observed(op.key, self.judged_version(state, op));
        if op.precondition.holds(current) {
            self.start_write(state, client, op.key, op.node, op.put);
        } else {
            self.respond(state, client, Ret::PreconditionFailed, emit);
        }
    }
}

#[cfg(test)]
mod tests {
    //! Exact counts and named discoveries on `conditional`; the suite checks the same rows
    //! against the expected table.
    use crate::check::{run, CheckOptions, CheckReport, Verdict};
    use crate::expected::expected_verdict;
    use crate::properties::PropertyId::{self, *};
    use crate::system::{Mode, Mutant, Reduction, Reductions, WitnessCfg};

    fn check_with(cfg: &WitnessCfg, opts: &CheckOptions) -> CheckReport {
        let report = run(cfg, opts, None, &mut |_| {}).expect("valid configuration");
        assert!(report.complete);
        report
    }

    fn conditional(mode: Mode, mutant: Option<Mutant>) -> WitnessCfg {
        WitnessCfg {
            mode,
            mutant,
            ..WitnessCfg::conditional()
        }
    }

    /// A row: its configuration, its unique states, and the shortest path of some properties.
    type Row = (WitnessCfg, usize, &'static [(PropertyId, usize)]);

    /// The unique states and the shortest violations of each row, and every verdict as the
    /// expected table has it.
    #[test]
    fn strong_mode_proves_the_conditional_properties_and_each_mutant_breaks_them() {
        let rows: [Row; 4] = [
            (conditional(Mode::Strong, None), 298_760, &[]),
            (
                conditional(Mode::Eventual, None),
                63_809,
                &[(ReadAfterWrite, 9), (NegativeCacheMiss, 9)],
            ),
            (
                conditional(Mode::Strong, Some(Mutant::JudgePreconditionAtCache)),
                403_953,
                &[
                    (ConditionalAtomic, 14),
                    (NoLostUpdate, 13),
                    (PreconditionJustified, 10),
                    (SpuriousPreconditionFailure, 10),
                    (Linearizable, 10),
                ],
            ),
            (
                conditional(Mode::Strong, Some(Mutant::SkipInFlightWait)),
                559_490,
                &[
                    (ConditionalAtomic, 11),
                    (NoLostUpdate, 12),
                    (Linearizable, 11),
                ],
            ),
        ];
        for (cfg, states, shortest) in rows {
            let report = check_with(&cfg, &CheckOptions::default());
            let row = format!("{} {:?}", cfg.mode, cfg.mutant);
            assert_eq!(report.unique_states, states, "{row}");
            for &property in PropertyId::ALL {
                let expected = expected_verdict(&cfg, property);
                assert_eq!(report.verdict(property), expected, "{row}: {property}");
            }
            for &(property, steps) in shortest {
                let found = report.properties.iter().find(|p| p.property == property);
                assert_eq!(found.map(|p| p.steps()), Some(steps), "{row}: {property}");
            }
        }
        assert_eq!(
            check_with(&conditional(Mode::Strong, None), &CheckOptions::default())
                .verdict(SpuriousPreconditionFailure),
            Verdict::NotFound
        );
    }

    /// Symmetry and each reduction change no verdict and no shortest length on the rows with
    /// conditional writes (their steps meet the deferral of faults and the forgetting of
    /// versions).
    #[test]
    fn reductions_and_symmetry_keep_every_conditional_verdict() {
        for mutant in [
            None,
            Some(Mutant::JudgePreconditionAtCache),
            Some(Mutant::SkipInFlightWait),
        ] {
            let cfg = conditional(Mode::Strong, mutant);
            let reduced = check_with(&cfg, &CheckOptions::default());
            let mut others: Vec<CheckOptions> = Reduction::ALL
                .iter()
                .map(|&r| CheckOptions {
                    reductions: Reductions::all().without(r),
                    ..CheckOptions::default()
                })
                .collect();
            others.push(CheckOptions {
                symmetry: false,
                ..CheckOptions::default()
            });
            for opts in others {
                let full = check_with(&cfg, &opts);
                assert!(full.unique_states >= reduced.unique_states);
                for (a, b) in reduced.properties.iter().zip(&full.properties) {
                    let what = format!("{mutant:?} {:?}: {}", opts.reductions, a.property);
                    assert_eq!(a.verdict, b.verdict, "{what}");
                    assert_eq!(a.steps(), b.steps(), "{what}");
                }
            }
        }
    }

    #[test]
    fn conditional_writes_need_the_per_key_barrier_and_their_mutants_need_them() {
        use crate::system::{Barrier, Variant};
        let on_partitions = WitnessCfg {
            variant: Variant {
                barrier: Barrier::SeqWithScan,
                ..Variant::default()
            },
            ..WitnessCfg::conditional()
        };
        let err = on_partitions.validate().unwrap_err().0;
        assert!(err.contains("per-key barrier"), "{err}");
        let without = WitnessCfg {
            mutant: Some(Mutant::SkipInFlightWait),
            ..WitnessCfg::default_cfg()
        };
        let err = without.validate().unwrap_err().0;
        assert!(err.contains("add put-if or delete-if"), "{err}");
    }
}
