//! A GET's steps in words: the fill, the witness's answer, the reload, the relearn and the repair.

use super::witness::{relearn_text, says_text};
use super::{aside, staleness, version, Teller};
use crate::history::{ClientId, Key, NodeId, Version};
use crate::system::config::Mutant;
use crate::system::layout::Seq;
use crate::system::phase::GetStep;
use crate::system::witness_service::Answer;
use crate::system::witness_table::Quorum;
use std::fmt::Write as _;

/// A GET's step, told with the state before and after it.
pub(super) struct Read<'a> {
    pub(super) teller: &'a Teller<'a>,
    /// "client 1 op 2"
    pub(super) who: &'a str,
    pub(super) client: ClientId,
    pub(super) key: Key,
    pub(super) node: NodeId,
    pub(super) quorum: Option<Quorum>,
}

impl Read<'_> {
    fn version(&self, seq: Seq) -> String {
        version(self.teller.state, self.key, seq)
    }

    /// "client 1 op 2 GET k0 via cache node 1 → v1 (how it got there)".
    fn answer(&self, seq: Seq, how: String) -> String {
        let Read { who, key, node, .. } = *self;
        format!(
            "{who} GET {key} via {node} → {}{}",
            self.version(seq),
            aside(Some(how), self.teller.stale(key, seq))
        )
    }

    fn kept_newer(&self, loaded: Seq) -> &'static str {
        if self.teller.next.entry(self.node, self.key) != Some(loaded) {
            " (keeps its newer entry)"
        } else {
            ""
        }
    }

    pub(super) fn describe(&self, step: GetStep) -> String {
        let Read { who, key, node, .. } = *self;
        let (model, state, next) = (self.teller.model, self.teller.state, self.teller.next);
        match step {
            GetStep::FillLoad => format!(
                "{who} GET {key}: persistence.load → {}",
                self.version(state.persisted(key))
            ),
            GetStep::FillStore { loaded } => {
                let fill = format!(
                    "{node} fills {key}={}{}",
                    self.version(loaded),
                    self.kept_newer(loaded)
                );
                if next.is_idle(self.client) {
                    self.answer(loaded, fill)
                } else {
                    format!("{who} GET {key}: {fill}")
                }
            }
            GetStep::CheckWitness { entry } => self.check_witness(entry),
            GetStep::Reload => {
                let loaded = state.persisted(key);
                let mut s = format!(
                    "{who} GET {key}: persistence.load → {}",
                    self.version(loaded)
                );
                if !model.is_service() && state.witness(key).is_none() {
                    let _ = write!(s, "; witness relearns {}", Version(loaded.into()));
                }
                s
            }
            GetStep::Relearn { loaded, epochs } => format!(
                "{who} GET {key}: {}",
                relearn_text(model, state, next, &[key], &loaded, epochs)
            ),
            GetStep::Repair { loaded } => {
                let repair = format!(
                    "{node} repairs {key}={}{}",
                    self.version(loaded),
                    self.kept_newer(loaded)
                );
                self.answer(loaded, repair)
            }
        }
    }

    fn check_witness(&self, entry: Seq) -> String {
        let Read { who, key, node, .. } = *self;
        let (model, state) = (self.teller.model, self.teller.state);
        let answer = model.read_answer(state, key, entry, self.quorum);
        let says = says_text(state, key, self.quorum);
        if answer == Answer::Stale {
            return format!(
                "{who} GET {key}: {says}, entry {} is stale → reload",
                self.version(entry)
            );
        }
        let skipped = model.cfg.mutant == Some(Mutant::SkipWitnessOnMiss)
            && !state.observed(key, entry).exists;
        let asked = if skipped {
            "cached miss returned without asking the witness".to_string()
        } else if answer == Answer::Ahead {
            format!(
                "{says}, entry is newer: the witness learns {}",
                Version(entry.into())
            )
        } else {
            format!("{says}: fresh")
        };
        // The witness called the entry fresh: a stale one is the barrier's failure, always shown.
        let stale = if skipped {
            self.teller.stale(key, entry)
        } else {
            staleness(state, key, entry)
        };
        format!(
            "{who} GET {key} via {node} → {}{}",
            self.version(entry),
            aside(Some(asked), stale)
        )
    }
}
