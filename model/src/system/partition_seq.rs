//! The partition barrier with a partition sequence number (`--variant seq-before-scan`,
//! `seq-with-scan`, `seq-after-scan`): a listing records one number for its partition, and the
//! barrier compares that number with the witness instead of comparing every key.
//!
//! Versions are numbered per partition: persistence gives a write the partition's next number
//! when the write arrives, so a version orders writes across keys. Writes of different keys
//! commit in any order, so the highest committed number does not say what a scan holds (a later
//! write may commit before an earlier one). What a listing records is the partition's
//! **committed prefix**: the highest number at or below which every version is committed. A scan
//! that starts after that number was read holds, for every key, at least each version at or below
//! it.
//!
//! The witness's number for the partition is the highest version it knows of any key in the
//! partition (the model keeps it as the maximum of the keys' slots: a witness node that updates
//! the partition's entry in the same step as the key's). A cached listing is fresh when it records
//! at least that number; a node that forgot answers stale, as for a key.
//!
//! Where the prefix is read against the scan is the variant:
//! - **before the scan** (a step of its own): versions committed in between are in the scan but
//!   not in the number, which errs towards stale;
//! - **with the scan** (one step): exact, and a deployment requirement (persistence returns the
//!   listing and the number from one snapshot);
//! - **after the scan** (a step of its own): the number can cover a write the scan missed, and a
//!   listing that lacks an acknowledged write then passes the barrier.

use super::config::{Barrier, Mutant, WitnessCfg};
use super::layout::Seq;
use super::model::WitnessModel;
use super::phase::{key_range, Listing, Phase};
use super::state::SystemState;
use crate::history::Key;

/// What a partition-sequence barrier assumes of a deployment (`None` for the per-key barrier):
/// the steps it makes atomic.
pub fn barrier_requirement(cfg: &WitnessCfg) -> Option<String> {
    let read = match cfg.variant.barrier {
        Barrier::PerKey => return None,
        Barrier::SeqWithScan => {
            "persistence returns a listing's scan and its committed prefix from one snapshot"
        }
        Barrier::SeqBeforeScan | Barrier::SeqAfterScan => {
            "persistence reads a partition's committed prefix atomically"
        }
    };
    let split = if cfg.faults.partition_split {
        "; a split hands the parent's sequence to both halves in one step"
    } else {
        ""
    };
    Some(format!(
        "{read}; a witness node updates a partition's entry in the same step as the key's (the \
         model keeps it as the highest of the keys'){split}"
    ))
}

/// A partition, by its index: 0 is the whole partition, and after the split its lower half; 1
/// is the upper half after the split.
pub type Partition = usize;

impl WitnessModel {
    pub(super) fn barrier(&self) -> Barrier {
        self.cfg.variant.barrier
    }

    /// The partition `key` belongs to now.
    pub fn partition_of(state: &SystemState, key: Key) -> Partition {
        if state.split_base().is_some() {
            key_range(key, state.layout().shape.keys)
        } else {
            0
        }
    }

    /// The last version partition `partition` assigned: the highest of its keys', and after the
    /// split never below the parent's last (the handover carries the sequence to both halves,
    /// except under `split-renumbers`).
    fn last_assigned(&self, state: &SystemState, partition: Partition) -> Seq {
        let own = state
            .keys()
            .filter(|&key| Self::partition_of(state, key) == partition)
            .map(|key| state.assigned(key))
            .max()
            .unwrap_or(0);
        let inherited = match state.split_base() {
            Some(base) if !self.is_mutant(Mutant::SplitRenumbers) => base,
            _ => 0,
        };
        own.max(inherited)
    }

    /// The version persistence gives a write of `key`: the key's next, or under a
    /// partition-sequence barrier its partition's next.
    pub(super) fn next_version(&self, state: &SystemState, key: Key) -> Seq {
        if self.barrier().records_seq() {
            self.last_assigned(state, Self::partition_of(state, key)) + 1
        } else {
            state.assigned(key) + 1
        }
    }

    /// The highest version number at or below which every version of `partition` is committed:
    /// one below the lowest version of its keys still waiting for its commit, or the last
    /// assigned when none waits. A version whose key already holds a newer commit waits for
    /// nothing (its commit keeps the newer one).
    pub fn committed_prefix(&self, state: &SystemState, partition: Partition) -> Seq {
        let waiting = state
            .client_ids()
            .filter_map(|client| match state.phase(client) {
                Phase::Write { op, .. }
                    if Self::partition_of(state, op.key) == partition
                        && state.persisted(op.key) < op.seq =>
                {
                    Some(op.seq - 1)
                }
                _ => None,
            });
        waiting
            .min()
            .unwrap_or_else(|| self.last_assigned(state, partition))
    }

    /// `listing` with each key range's committed prefix as persistence reports it now.
    fn with_prefixes(&self, state: &SystemState, mut listing: Listing) -> Listing {
        for range in 0..2 {
            let partition = if state.split_base().is_some() {
                range
            } else {
                0
            };
            listing.recorded[range] = self.committed_prefix(state, partition);
        }
        listing
    }

    /// A LIST's first read of persistence (a fill's or a reload's): the whole listing, or only
    /// its first half when the variant reads the partition sequence in a step of its own.
    /// Returns the listing and whether the read is complete.
    pub(super) fn first_list_read(&self, state: &mut SystemState, reload: bool) -> (Listing, bool) {
        match self.barrier() {
            Barrier::PerKey => (self.scan(state, reload), true),
            Barrier::SeqWithScan => {
                let scanned = self.scan(state, reload);
                (self.with_prefixes(state, scanned), true)
            }
            Barrier::SeqBeforeScan => {
                let empty = Listing::empty(self.cfg.keys);
                (self.with_prefixes(state, empty), false)
            }
            Barrier::SeqAfterScan => (self.scan(state, reload), false),
        }
    }

    /// The read `first_list_read` left: the scan after the sequence, or the sequence after the
    /// scan.
    pub(super) fn second_list_read(
        &self,
        state: &mut SystemState,
        partial: Listing,
        reload: bool,
    ) -> Listing {
        match self.barrier() {
            Barrier::SeqBeforeScan => {
                let mut loaded = self.scan(state, reload);
                loaded.recorded = partial.recorded;
                loaded
            }
            Barrier::SeqAfterScan => self.with_prefixes(state, partial),
            Barrier::PerKey | Barrier::SeqWithScan => {
                unreachable!("a one-read barrier has no second read")
            }
        }
    }

    /// Every key's persisted version. A reload in the atomic orders relearns a forgotten key in
    /// the same step (their deployment requirement); a fill and witness-service's reload do not.
    fn scan(&self, state: &mut SystemState, reload: bool) -> Listing {
        if !reload || self.is_service() {
            return state.persisted_listing();
        }
        let mut loaded = Listing::empty(self.cfg.keys);
        for key in state.keys().collect::<Vec<_>>() {
            loaded[key] = self.reload(state, key);
        }
        loaded
    }

    /// The partition splits: its upper half of keys moves to a new partition, and both halves
    /// go on numbering from the parent's last version.
    pub(super) fn split_partition(&self, state: &mut SystemState) {
        let base = self.last_assigned(state, 0);
        state.set_split_base(base);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{run, CheckOptions, CheckReport, Verdict};
    use crate::properties::PropertyId::{self, *};
    use crate::system::{Variant, WitnessCfg};

    /// `small` (no evictions) under the default order and repair with `barrier`.
    fn check_small(barrier: Barrier) -> CheckReport {
        let cfg = WitnessCfg {
            variant: Variant {
                barrier,
                ..Variant::default()
            },
            ..WitnessCfg::small()
        };
        run(&cfg, &CheckOptions::default(), None, &mut |_| {}).expect("valid configuration")
    }

    fn violated(report: &CheckReport) -> Vec<(PropertyId, usize)> {
        report
            .properties
            .iter()
            .filter(|r| r.verdict == Verdict::Violated)
            .map(|r| (r.property, r.steps()))
            .collect()
    }

    #[test]
    fn reading_the_prefix_with_or_before_the_scan_proves_every_property() {
        for (barrier, states) in [
            (Barrier::SeqWithScan, 523_679),
            (Barrier::SeqBeforeScan, 827_799),
        ] {
            let report = check_small(barrier);
            assert!(report.complete, "{barrier}");
            assert_eq!(report.unique_states, states, "{barrier}");
            assert_eq!(violated(&report), [], "{barrier}");
            // The barrier's stale path was taken, and a relearn was fenced on the way.
            for path in [ReloadReached, RepairReached, FenceDropsRelearn] {
                assert_eq!(report.verdict(path), Verdict::Found, "{barrier} {path}");
            }
        }
    }

    #[test]
    fn reading_the_prefix_after_the_scan_lets_a_listing_miss_an_acknowledged_write() {
        let report = check_small(Barrier::SeqAfterScan);
        assert_eq!(report.unique_states, 831_051);
        assert_eq!(
            violated(&report),
            [
                (ListAfterWrite, 11),
                (ReadYourWrites, 11),
                (WitnessAnswer, 9),
            ]
        );
        assert_eq!(report.verdict(ListOmitsPut), Verdict::Found);
        let trace = &report.result(ListAfterWrite).expect("reported").trace;
        let read_order: Vec<usize> = ["persistence scan → []", "committed prefix v1"]
            .iter()
            .filter_map(|needle| trace.iter().position(|line| line.contains(needle)))
            .collect();
        assert!(
            read_order.len() == 2 && read_order[0] < read_order[1],
            "{trace:#?}"
        );
    }

    /// A LIST spanning the two halves of a partition that splits: the handover carries the
    /// parent's sequence to both halves, and the proof fails without it.
    #[test]
    fn a_split_keeps_the_sequence_and_renumbering_loses_a_write() {
        let partitions = WitnessCfg::partitions();
        let report = run(&partitions, &CheckOptions::default(), None, &mut |_| {}).expect("valid");
        assert!(report.complete);
        assert_eq!(report.unique_states, 2_857_285);
        assert_eq!(violated(&report), []);
        let renumbers = WitnessCfg {
            mutant: Some(crate::system::Mutant::SplitRenumbers),
            ..partitions
        };
        let report = run(&renumbers, &CheckOptions::default(), None, &mut |_| {}).expect("valid");
        assert_eq!(report.unique_states, 3_063_091);
        assert_eq!(
            violated(&report),
            [
                (ListAfterWrite, 16),
                (ReadYourWrites, 16),
                (WitnessAnswer, 14)
            ]
        );
        let trace = &report.result(ListAfterWrite).expect("reported").trace;
        assert!(
            trace
                .iter()
                .any(|line| line.contains("the partition splits: k1 moves")),
            "{trace:#?}"
        );
    }

    /// Writes of different keys commit out of order: the prefix stops below the lowest version
    /// still waiting, however high a later commit went.
    #[test]
    fn the_committed_prefix_stops_below_the_lowest_uncommitted_version() {
        use crate::history::{ClientId, NodeId, Op};
        use crate::system::Action;
        let cfg = WitnessCfg {
            keys: 2,
            variant: Variant {
                barrier: Barrier::SeqWithScan,
                ..Variant::default()
            },
            ..WitnessCfg::small()
        };
        let model = cfg.into_model().with_symmetry(false);
        let put = |client: u32, key: u32| Action::Invoke {
            client: ClientId(client),
            op: Op::Put {
                key: crate::history::Key(key),
            },
            node: NodeId(0),
        };
        let commit = |client: u32| Action::Step {
            client: ClientId(client),
            quorum: None,
        };
        let mut state = model.init_state();
        for action in [put(0, 0), put(1, 1)] {
            state = model.apply(&state, &action);
        }
        assert_eq!(model.committed_prefix(&state, 0), 0);
        // Client 2's v2 commits first: v1 still waits, so nothing above v0 is a prefix.
        state = model.apply(&state, &commit(1));
        assert_eq!(state.persisted(crate::history::Key(1)), 2);
        assert_eq!(model.committed_prefix(&state, 0), 0);
        state = model.apply(&state, &commit(0));
        assert_eq!(model.committed_prefix(&state, 0), 2);
    }
}
