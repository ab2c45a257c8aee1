//! One witness node's memory, as the patent describes it: a table of slots, each holding the
//! highest version notified for any key that hashes to it, and the node's epoch, which counts its
//! restarts and failovers and fences relearns. Each node hashes keys to slots with its own
//! function, so two keys that share a slot on one node are apart on another.
//!
//! A slot errs only towards "stale": sharing a slot raises the version a key is compared with,
//! and a node that restarted answers "stale" for every slot until a relearn teaches it again.

use super::layout::{Seq, Shape};
use crate::history::Key;

/// A witness node, by its index in the fleet.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, PartialOrd, Ord)]
pub struct WitnessNode(pub u8);

impl WitnessNode {
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl std::fmt::Display for WitnessNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "witness node {}", self.0 + 1)
    }
}

/// The witness nodes whose answers a query combines, as a bit set (bit `i` for node `i`).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, PartialOrd, Ord)]
pub struct Quorum(pub u8);

impl Quorum {
    pub fn contains(self, node: WitnessNode) -> bool {
        self.0 & (1 << node.0) != 0
    }

    pub fn nodes(self) -> impl Iterator<Item = WitnessNode> {
        (0..8u8)
            .filter(move |i| self.0 & (1 << i) != 0)
            .map(WitnessNode)
    }

    /// Every set of `size` nodes among `nodes`, in a stable order.
    pub fn every_subset(nodes: &[WitnessNode], size: usize) -> Vec<Quorum> {
        let bits: u8 = nodes.iter().fold(0, |bits, n| bits | (1 << n.0));
        (0..=u8::MAX)
            .filter(|&set| set & !bits == 0 && set.count_ones() as usize == size)
            .map(Quorum)
            .collect()
    }
}

impl std::fmt::Display for Quorum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.nodes().map(|n| (n.0 + 1).to_string()).collect();
        match names.as_slice() {
            [one] => write!(f, "witness node {one}"),
            _ => write!(f, "witness nodes {}", names.join(" and ")),
        }
    }
}

/// What one slot of a witness node holds.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum WitnessSlot {
    /// The highest version the node knows for the keys of this slot.
    Known(Seq),
    /// Lost in a restart or failover; `floor` is the highest version notified since
    /// (witness-service only; 0 elsewhere), so a relearn never teaches less than it.
    Forgotten { floor: Seq },
}

impl WitnessSlot {
    /// The packed value: 0 forgotten without a floor, `s + 1` known `s`, and
    /// `max_seq + 1 + f` forgotten with floor `f > 0`.
    pub fn raw(self, max_seq: u64) -> u64 {
        match self {
            WitnessSlot::Known(s) => u64::from(s) + 1,
            WitnessSlot::Forgotten { floor: 0 } => 0,
            WitnessSlot::Forgotten { floor } => max_seq + 1 + u64::from(floor),
        }
    }

    /// The slot `raw` packs; `None` when no slot packs to it (a corrupt state).
    pub fn from_raw(raw: u64, max_seq: u64) -> Option<WitnessSlot> {
        let seq = |value: u64| {
            Seq::try_from(value)
                .ok()
                .filter(|&s| u64::from(s) <= max_seq)
        };
        match raw {
            0 => Some(WitnessSlot::Forgotten { floor: 0 }),
            known if known <= max_seq + 1 => seq(known - 1).map(WitnessSlot::Known),
            floor => seq(floor - max_seq - 1).map(|floor| WitnessSlot::Forgotten { floor }),
        }
    }

    /// The version this slot compares an entry with; `None` answers "stale" for any entry.
    pub fn known(self) -> Option<Seq> {
        match self {
            WitnessSlot::Known(s) => Some(s),
            WitnessSlot::Forgotten { .. } => None,
        }
    }
}

/// Node `node`'s slot for `key`: each node rotates the keys by its own index, so with fewer slots
/// than keys the keys that collide differ from node to node.
pub fn slot_of(shape: Shape, node: WitnessNode, key: Key) -> usize {
    let slots = u32::from(shape.witness_slots.max(1));
    usize::try_from((key.0 + u32::from(node.0)) % slots).unwrap_or(0)
}

/// Each witness node's epoch at one instant, packed side by side: what a reload remembers so that
/// its relearn is dropped by a node that restarted since.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub struct Epochs(pub u16);

impl Epochs {
    fn place(shape: Shape, node: WitnessNode) -> (u32, u16) {
        let bits = u32::from(shape.epoch_bits());
        (bits * u32::from(node.0), (1u16 << bits) - 1)
    }

    pub fn get(self, shape: Shape, node: WitnessNode) -> u8 {
        let (shift, mask) = Self::place(shape, node);
        u8::try_from((self.0 >> shift) & mask).unwrap_or(u8::MAX)
    }

    pub fn with(self, shape: Shape, node: WitnessNode, epoch: u8) -> Epochs {
        let (shift, mask) = Self::place(shape, node);
        assert!(u16::from(epoch) <= mask, "epoch {epoch} does not fit");
        Epochs((self.0 & !(mask << shift)) | (u16::from(epoch) << shift))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_round_trips_and_nothing_else_decodes() {
        let max = 6u64;
        let mut raws = std::collections::HashSet::new();
        for s in 0..=6u8 {
            for slot in [WitnessSlot::Known(s), WitnessSlot::Forgotten { floor: s }] {
                let raw = slot.raw(max);
                assert_eq!(WitnessSlot::from_raw(raw, max), Some(slot));
                assert!(raws.insert(raw), "{slot:?}");
            }
        }
        assert_eq!(raws.iter().max(), Some(&(2 * max + 1)));
        assert_eq!(WitnessSlot::from_raw(2 * max + 2, max), None);
    }
}
