//! What a cache is built from: node count, hot-key spread, mode and the key-range partitions; and
//! the test-only protocol switch (variant and mutant) that production code never sets.

use crate::error::Error;
pub use witness_model::system::{Mode, Mutant, Repair, Variant, WitnessOrder};

/// A key range `[start, end)`; `end == None` means unbounded. The seed shows one partition
/// `["" .. ∞)`, which is [`Partition::everything`].
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Partition {
    pub start: String,
    pub end: Option<String>,
}

impl Partition {
    pub fn everything() -> Partition {
        Partition {
            start: String::new(),
            end: None,
        }
    }

    pub fn range(start: &str, end: Option<&str>) -> Partition {
        Partition {
            start: start.to_string(),
            end: end.map(str::to_string),
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        key >= self.start.as_str() && below(self.end.as_deref(), key)
    }

    /// Whether some key starting with `prefix` lies in this partition.
    pub fn overlaps_prefix(&self, prefix: &str) -> bool {
        // Keys with `prefix` form the range [prefix, prefix_end); compare the two ranges.
        let below_end = below(self.end.as_deref(), prefix);
        let above_start = match prefix_end(prefix) {
            Some(upper) => self.start.as_str() < upper.as_str(),
            None => true,
        };
        below_end && above_start
    }
}

/// `value < end`, where no end is unbounded.
fn below(end: Option<&str>, value: &str) -> bool {
    match end {
        Some(end) => value < end,
        None => true,
    }
}

/// The smallest string greater than every string with `prefix` (None: unbounded).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(u32::from(last) + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The most cache nodes a cache has: every [`NodeId`](witness_model::system::NodeId) there is.
pub const MAX_NODES: usize = u8::MAX as usize + 1;

/// The shape of a cache. [`Config::new`] gives the seed's layout: one partition over every key,
/// each key spread over up to two nodes.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Config {
    pub nodes: usize,
    /// How many consecutive ring nodes serve each key, so that hot keys are spread and a read may
    /// land on a different node than the write (the seed's `cacheRing.nodeFor`).
    pub spread: usize,
    pub mode: Mode,
    pub partitions: Vec<Partition>,
}

impl Config {
    pub fn new(nodes: usize, mode: Mode) -> Config {
        Config {
            nodes,
            spread: nodes.clamp(1, 2),
            mode,
            partitions: vec![Partition::everything()],
        }
    }

    pub fn validate(&self) -> Result<(), Error> {
        if self.nodes == 0 {
            return Err(Error::ZeroNodes);
        }
        if self.nodes > MAX_NODES {
            return Err(Error::TooManyNodes {
                nodes: self.nodes,
                max: MAX_NODES,
            });
        }
        if self.spread == 0 || self.spread > self.nodes {
            return Err(Error::InvalidSpread {
                spread: self.spread,
                nodes: self.nodes,
            });
        }
        if self.partitions.is_empty() {
            return Err(Error::InvalidPartitions("no partition configured".into()));
        }
        for p in &self.partitions {
            if let Some(end) = &p.end {
                if end.as_str() <= p.start.as_str() {
                    return Err(Error::InvalidPartitions(format!(
                        "[{:?}, {:?}) is empty",
                        p.start, end
                    )));
                }
            }
        }
        for pair in self.partitions.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            match &a.end {
                Some(end) if end.as_str() <= b.start.as_str() => {}
                _ => {
                    return Err(Error::InvalidPartitions(format!(
                        "partitions starting at {:?} and {:?} overlap or are not sorted by start",
                        a.start, b.start
                    )))
                }
            }
        }
        Ok(())
    }
}

/// The protocol switch: which variant of the write and repair steps runs, and which seeded bug
/// (if any). Only tests set this; [`Protocol::default`] is `witness-with-commit` with
/// only-if-newer repairs, which the model proves correct with the witness inside persistence's
/// critical section, as this implementation runs it.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Protocol {
    pub variant: Variant,
    pub mutant: Option<Mutant>,
}

impl Default for Protocol {
    fn default() -> Protocol {
        Protocol {
            variant: Variant::WITH_COMMIT,
            mutant: None,
        }
    }
}

impl Protocol {
    pub fn is(&self, mutant: Mutant) -> bool {
        self.mutant == Some(mutant)
    }

    /// Every variant IndexCache runs: every witness order but `witness-service`, with either
    /// repair.
    pub fn runnable_variants() -> Vec<Variant> {
        Variant::all()
            .into_iter()
            .filter(|&variant| {
                let protocol = Protocol {
                    variant,
                    mutant: None,
                };
                protocol.validate().is_ok()
            })
            .collect()
    }

    /// Every mutant IndexCache runs, under `witness-with-commit`: those of the read path; not
    /// witness-service's, nor `split-renumbers` (its partitions never split).
    pub fn runnable_mutants() -> Vec<Mutant> {
        Mutant::ALL
            .iter()
            .copied()
            .filter(|&mutant| {
                let protocol = Protocol {
                    variant: Variant::WITH_COMMIT,
                    mutant: Some(mutant),
                };
                protocol.validate().is_ok()
            })
            .collect()
    }

    /// The protocol as IndexCache can run it: every atomic order and the mutants seeded into
    /// them, with the per-key barrier; not `witness-service`, the mutants of its messages, or
    /// a partition-sequence barrier.
    pub fn validate(&self) -> Result<(), Error> {
        if self.variant.witness_order == WitnessOrder::Service {
            return Err(Error::UnsupportedProtocol(format!(
                "{} (IndexCache's witness acts inside persistence's critical section)",
                WitnessOrder::Service
            )));
        }
        if self.variant.barrier.records_seq() {
            return Err(Error::UnsupportedProtocol(format!(
                "{} (IndexCache's LIST compares every key with the witness)",
                self.variant.barrier
            )));
        }
        if let Some(mutant @ (Mutant::JudgePreconditionAtCache | Mutant::SkipInFlightWait)) =
            self.mutant
        {
            return Err(Error::UnsupportedProtocol(format!(
                "the mutant {mutant} (IndexCache judges every precondition at persistence, \
                 after the in-flight wait)"
            )));
        }
        if self.mutant == Some(Mutant::SplitRenumbers) {
            return Err(Error::UnsupportedProtocol(
                "the mutant split-renumbers (IndexCache's partitions never split)".to_string(),
            ));
        }
        match self.mutant.filter(|m| m.needs_service()) {
            Some(mutant) => Err(Error::UnsupportedProtocol(format!(
                "the mutant {mutant} (seeded into witness-service's messages)"
            ))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_partitions() {
        let low = Partition::range("", Some("m"));
        let high = Partition::range("m", None);
        assert!(low.contains("a") && !low.contains("m") && high.contains("m"));
        assert!(low.overlaps_prefix("") && high.overlaps_prefix(""));
        assert!(low.overlaps_prefix("k") && !high.overlaps_prefix("k"));
        assert!(!low.overlaps_prefix("x") && high.overlaps_prefix("x"));
        assert!(Partition::range("b", Some("c")).overlaps_prefix("b"));
        assert!(!Partition::range("b", Some("c")).overlaps_prefix("c"));
        // The keys under "a" end just before "b": a partition starting at "b" holds none of them.
        assert!(!Partition::range("b", None).overlaps_prefix("a"));
    }

    #[test]
    fn bad_configurations_are_typed_errors() {
        assert_eq!(
            Config::new(0, Mode::Strong).validate(),
            Err(Error::ZeroNodes)
        );
        assert_eq!(Config::new(MAX_NODES, Mode::Strong).validate(), Ok(()));
        assert_eq!(
            Config::new(MAX_NODES + 1, Mode::Strong).validate(),
            Err(Error::TooManyNodes {
                nodes: 257,
                max: 256
            })
        );
        let mut spread = Config::new(2, Mode::Strong);
        spread.spread = 3;
        assert!(matches!(
            spread.validate(),
            Err(Error::InvalidSpread { .. })
        ));
        let mut overlap = Config::new(1, Mode::Strong);
        overlap.partitions = vec![Partition::range("", Some("n")), Partition::range("m", None)];
        assert!(matches!(
            overlap.validate(),
            Err(Error::InvalidPartitions(_))
        ));
        let mut empty = Config::new(1, Mode::Strong);
        empty.partitions = vec![Partition::range("b", Some("a"))];
        assert!(matches!(empty.validate(), Err(Error::InvalidPartitions(_))));
        empty.partitions.clear();
        assert!(matches!(empty.validate(), Err(Error::InvalidPartitions(_))));
    }
}
