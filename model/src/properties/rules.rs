//! Every property's rule, reached through the catalogue: the matches over [`PropertyId`] that ask
//! a property's rule (how it is judged, how its findings read) and the event hooks the monitor
//! calls, each generated from the catalogue's rows, so none of them can miss a property.

use super::catalogue::{JudgedOn, PropertyId};
use super::rule::{
    FindingParts, GetReturned, ListedKey, Refused, ReplicaApplied, Rule, StateView, WriteAcked,
};
use crate::history::Observed;
use std::fmt;

macro_rules! rules {
    ($( $variant:ident => $name:literal, $column:literal, $code:expr, $guarantee:ident, $expectation:ident, $rule_file:ident::$rule:ident, $summary:literal; )*) => {
        impl PropertyId {
            /// The property whose rule judges this one: itself, or for an anomaly the
            /// always-property whose rule finds it (A1–A3: read-after-write).
            pub const fn judged_by(self) -> PropertyId {
                match self { $( PropertyId::$variant => <super::$rule_file::$rule as Rule>::PROPERTY, )* }
            }

            pub const fn judged_on(self) -> JudgedOn {
                match self { $( PropertyId::$variant => <super::$rule_file::$rule as Rule>::JUDGED_ON, )* }
            }

            /// For a property judged on the state: whether it holds in `state` (an anomaly:
            /// whether it shows there). `None` for a property judged on the history: the monitor's
            /// sets say.
            pub fn in_state(self, state: &impl StateView) -> Option<bool> {
                match self { $( PropertyId::$variant => <super::$rule_file::$rule as Rule>::in_state(state), )* }
            }
        }

        /// A finding of `property`, in its rule's words.
        pub(super) fn describe(
            property: PropertyId,
            finding: &FindingParts<'_>,
            f: &mut fmt::Formatter<'_>,
        ) -> fmt::Result {
            match property {
                $( PropertyId::$variant => <super::$rule_file::$rule as Rule>::describe(finding, f), )*
            }
        }

        /// Applies every rule once (under the property it belongs to), in catalogue order; each
        /// finding comes with the property whose rule made it.
        pub(super) fn on_get(get: &GetReturned, found: &mut impl FnMut(PropertyId, PropertyId, Observed, Observed)) {
            $( if owns::<super::$rule_file::$rule>(PropertyId::$variant) {
                let by = <super::$rule_file::$rule as Rule>::PROPERTY;
                <super::$rule_file::$rule as Rule>::on_get(get, &mut |p, r, g| found(p, by, r, g));
            } )*
        }

        pub(super) fn on_listed(entry: &ListedKey, found: &mut impl FnMut(PropertyId, PropertyId, Observed, Observed)) {
            $( if owns::<super::$rule_file::$rule>(PropertyId::$variant) {
                let by = <super::$rule_file::$rule as Rule>::PROPERTY;
                <super::$rule_file::$rule as Rule>::on_listed(entry, &mut |p, r, g| found(p, by, r, g));
            } )*
        }

        pub(super) fn on_ack(ack: &WriteAcked, found: &mut impl FnMut(PropertyId, PropertyId, Observed, Observed)) {
            $( if owns::<super::$rule_file::$rule>(PropertyId::$variant) {
                let by = <super::$rule_file::$rule as Rule>::PROPERTY;
                <super::$rule_file::$rule as Rule>::on_ack(ack, &mut |p, r, g| found(p, by, r, g));
            } )*
        }

        pub(super) fn on_refused(refused: &Refused, found: &mut impl FnMut(PropertyId, PropertyId, Observed, Observed)) {
            $( if owns::<super::$rule_file::$rule>(PropertyId::$variant) {
                let by = <super::$rule_file::$rule as Rule>::PROPERTY;
                <super::$rule_file::$rule as Rule>::on_refused(refused, &mut |p, r, g| found(p, by, r, g));
            } )*
        }

        /// The type of `property`'s rule, to tell rules apart in tests.
        #[cfg(test)]
        fn rule_type(property: PropertyId) -> std::any::TypeId {
            match property {
                $( PropertyId::$variant => std::any::TypeId::of::<super::$rule_file::$rule>(), )*
            }
        }

        pub(super) fn on_replica(applied: &ReplicaApplied, found: &mut impl FnMut(PropertyId, PropertyId, Observed, Observed)) {
            $( if owns::<super::$rule_file::$rule>(PropertyId::$variant) {
                let by = <super::$rule_file::$rule as Rule>::PROPERTY;
                <super::$rule_file::$rule as Rule>::on_replica(applied, &mut |p, r, g| found(p, by, r, g));
            } )*
        }
    };
}

// `property_catalogue!` is in scope by text: mod.rs defines it before declaring this module.
property_catalogue!(rules);

/// Whether `property`'s row is the one rule `R` belongs to (anomaly rows name their finder's rule,
/// which must run once).
const fn owns<R: Rule>(property: PropertyId) -> bool {
    R::PROPERTY as u8 == property as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Key, Seq};
    use crate::properties::catalogue::Expectation;
    use crate::properties::rule::Reached;

    #[test]
    fn each_rule_belongs_to_one_row_and_always_properties_have_their_own() {
        for &p in PropertyId::ALL {
            let judge = p.judged_by();
            assert_eq!(
                judge.judged_by(),
                judge,
                "{p}: its judge is judged by another"
            );
            assert_eq!(
                rule_type(judge),
                rule_type(p),
                "{p}: its rule would never run"
            );
            assert_eq!(p.judged_on(), judge.judged_on(), "{p}");
            if p.expectation() == Expectation::Always {
                assert_eq!(judge, p, "an always-property has a rule of its own");
            }
        }
        assert_eq!(
            PropertyId::NegativeCacheMiss.judged_by(),
            PropertyId::ReadAfterWrite
        );
    }

    /// One key: what was acknowledged, and what persistence, the witness and the replica hold.
    struct OneKey {
        acked: Seq,
        persisted: Seq,
        witness: Option<Seq>,
        replica: Seq,
        quiescent: bool,
        /// The entry a read waiting on the witness holds, if the witness would pass it.
        fresh: Option<Seq>,
        reached: Reached,
    }

    impl StateView for OneKey {
        fn key_count(&self) -> u32 {
            1
        }
        fn acked(&self, _: Key) -> Observed {
            Observed {
                seq: self.acked,
                exists: true,
            }
        }
        fn persisted(&self, _: Key) -> Seq {
            self.persisted
        }
        fn witness(&self, _: Key) -> Option<Seq> {
            self.witness
        }
        fn replica(&self, _: Key) -> Seq {
            self.replica
        }
        fn quiescent(&self) -> bool {
            self.quiescent
        }
        fn fresh_answers(&self, visit: &mut dyn FnMut(Key, Seq)) {
            if let Some(entry) = self.fresh {
                visit(Key(0), entry);
            }
        }
        fn reached(&self) -> Reached {
            self.reached
        }
    }

    #[test]
    fn exactly_the_properties_judged_on_the_state_are_judged_by_a_state_view() {
        let caught_up = OneKey {
            acked: 2,
            persisted: 2,
            witness: Some(2),
            replica: 2,
            quiescent: true,
            fresh: Some(2),
            reached: Reached::default(),
        };
        for &p in PropertyId::ALL {
            let judged = p.in_state(&caught_up);
            assert_eq!(judged.is_some(), p.judged_on() == JudgedOn::State, "{p}");
            if p.judged_on() == JudgedOn::State {
                assert_eq!(p.judged_by(), p, "{p} needs a rule of its own");
                // Nothing is wrong and nothing lags.
                assert_eq!(judged, Some(p.expectation() == Expectation::Always), "{p}");
            }
        }
        let behind = OneKey {
            witness: Some(1),
            replica: 1,
            ..caught_up
        };
        assert_eq!(PropertyId::WitnessSafety.in_state(&behind), Some(false));
        assert_eq!(PropertyId::ReplicaConverges.in_state(&behind), Some(false));
        assert_eq!(PropertyId::ReplicaLag.in_state(&behind), Some(true));
        let in_flight = OneKey {
            quiescent: false,
            ..behind
        };
        assert_eq!(
            PropertyId::ReplicaConverges.in_state(&in_flight),
            Some(true)
        );
        let forgotten = OneKey {
            witness: None,
            ..caught_up
        };
        assert_eq!(PropertyId::WitnessSafety.in_state(&forgotten), Some(true));
        let passes_stale = OneKey {
            fresh: Some(1),
            ..caught_up
        };
        assert_eq!(
            PropertyId::WitnessAnswer.in_state(&passes_stale),
            Some(false)
        );
    }

    #[test]
    fn each_coverage_property_shows_on_its_own_path_only() {
        let idle = OneKey {
            acked: 2,
            persisted: 2,
            witness: Some(2),
            replica: 2,
            quiescent: true,
            fresh: None,
            reached: Reached::default(),
        };
        let each_path = [
            (
                PropertyId::ReloadReached,
                Reached {
                    reload: true,
                    ..Reached::default()
                },
            ),
            (
                PropertyId::RepairReached,
                Reached {
                    repair: true,
                    ..Reached::default()
                },
            ),
            (
                PropertyId::FenceDropsRelearn,
                Reached {
                    fenced_relearn: true,
                    ..Reached::default()
                },
            ),
            (
                PropertyId::QueryAfterFailover,
                Reached {
                    query_after_failover: true,
                    ..Reached::default()
                },
            ),
        ];
        for (property, reached) in each_path {
            let on_path = OneKey { reached, ..idle };
            for (other, _) in each_path {
                assert_eq!(other.in_state(&on_path), Some(other == property), "{other}");
            }
        }
    }
}
