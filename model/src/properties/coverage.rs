//! The coverage properties: sometimes-properties that a proof must find, because each names a
//! path of the protocol that a bug would hide on. A proof of strong mode in which no read ever
//! reloads proves nothing about reloads; one in which no relearn is ever fenced proves nothing
//! about the fence. Each is judged on the state ([`StateView::reached`]) and reported with the
//! shortest path that reaches it, like an anomaly.

use super::catalogue::{JudgedOn, PropertyId};
use super::rule::{FindingParts, Reached, Rule, StateView};
use std::fmt;

/// One coverage property's rule: which path of [`Reached`] it asks for.
macro_rules! coverage_rule {
    ($rule:ident, $property:ident, $path:ident) => {
        pub struct $rule;

        impl Rule for $rule {
            const PROPERTY: PropertyId = PropertyId::$property;
            const JUDGED_ON: JudgedOn = JudgedOn::State;

            fn describe(_finding: &FindingParts<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(PropertyId::$property.summary())
            }

            fn in_state(state: &impl StateView) -> Option<bool> {
                let reached: Reached = state.reached();
                Some(reached.$path)
            }
        }
    };
}

coverage_rule!(ReloadReached, ReloadReached, reload);
coverage_rule!(RepairReached, RepairReached, repair);
coverage_rule!(FenceDropsRelearn, FenceDropsRelearn, fenced_relearn);
coverage_rule!(QueryAfterFailover, QueryAfterFailover, query_after_failover);
