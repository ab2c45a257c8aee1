//! A LIST's steps in words: persistence's reads (the scan, and under a partition-sequence
//! barrier the committed prefix), the barrier's answer, the relearn and the repair.

use super::witness::relearn_text;
use super::{aside, listing_staleness, listing_text, versions_text, Teller};
use crate::history::{ClientId, Key, NodeId};
use crate::system::config::Barrier;
use crate::system::phase::{ListStep, Listing, Phase};
use crate::system::witness_table::Quorum;

impl Teller<'_> {
    pub(super) fn list(
        &self,
        who: &str,
        (client, quorum): (ClientId, Option<Quorum>),
        node: NodeId,
        step: ListStep,
    ) -> String {
        let Teller {
            model, state, next, ..
        } = *self;
        let answer = |listing: &Listing, how: String, stale: Option<String>| {
            format!(
                "{who} LIST via {node} → {}{}",
                listing_text(state, listing),
                aside(Some(how), stale)
            )
        };
        match step {
            ListStep::FillLoad
            | ListStep::Reload
            | ListStep::FillSecondRead { .. }
            | ListStep::ReloadSecondRead { .. } => {
                format!("{who} LIST: {}", self.persistence_read(client, step))
            }
            ListStep::Relearn { loaded, epochs } => {
                let keys: Vec<Key> = state.keys().collect();
                let relearned = relearn_text(model, state, next, &keys, &loaded, epochs);
                format!("{who} LIST: {relearned}")
            }
            ListStep::FillStore { loaded } => {
                let fill = format!("{node} caches listing {}", listing_text(state, &loaded));
                if next.is_idle(client) {
                    answer(&loaded, fill, self.listing_stale(&loaded))
                } else {
                    format!("{who} LIST: {fill}")
                }
            }
            ListStep::CheckBarrier { listing }
                if model.is_listing_stale(state, &listing, quorum) =>
            {
                format!(
                    "{who} LIST: partition barrier: witness is ahead of listing {} → reload",
                    listing_text(state, &listing)
                )
            }
            // The barrier called the listing fresh: a stale one is its failure, always shown.
            ListStep::CheckBarrier { listing } => answer(
                &listing,
                "partition barrier: fresh".to_string(),
                listing_staleness(state, &listing),
            ),
            ListStep::Repair { loaded } => answer(
                &loaded,
                format!("{node} repairs its listing"),
                self.listing_stale(&loaded),
            ),
        }
    }

    /// What one of persistence's reads for a LIST returned, read off the step it leads to.
    fn persistence_read(&self, client: ClientId, step: ListStep) -> String {
        let read = match self.next.phase(client) {
            Phase::List {
                step:
                    ListStep::FillSecondRead { partial: l }
                    | ListStep::ReloadSecondRead { partial: l, .. }
                    | ListStep::FillStore { loaded: l }
                    | ListStep::Relearn { loaded: l, .. }
                    | ListStep::Repair { loaded: l },
                ..
            } => l,
            // Every read leads to a step that carries what it read; persistence as it stands is
            // what a read returns otherwise.
            _ => self.state.persisted_listing(),
        };
        let second = matches!(
            step,
            ListStep::FillSecondRead { .. } | ListStep::ReloadSecondRead { .. }
        );
        let scan = || format!("persistence scan → {}", versions_text(self.state, &read));
        let prefix = match read.recorded {
            [lower, upper] if lower == upper => format!("committed prefix v{lower}"),
            [lower, upper] => format!("committed prefixes v{lower} (lower half), v{upper} (upper)"),
        };
        match (self.model.cfg.variant.barrier, second) {
            (Barrier::PerKey, _) => scan(),
            (Barrier::SeqWithScan, _) => format!("{}, {prefix}", scan()),
            (Barrier::SeqBeforeScan, false) | (Barrier::SeqAfterScan, true) => {
                format!("persistence's {prefix}")
            }
            (Barrier::SeqBeforeScan, true) | (Barrier::SeqAfterScan, false) => scan(),
        }
    }
}
