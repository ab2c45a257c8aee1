//! The witness fleet's fields of a packed state: each node's slots, epoch and reachability, and
//! the fault counts that bound restarts, failovers and outages.

use super::SystemState;
use crate::history::Key;
use crate::system::layout::{byte, Field, Layout, Seq};
use crate::system::witness_table::{slot_of, Epochs, WitnessNode, WitnessSlot};

impl SystemState {
    pub fn witness_nodes(&self) -> impl Iterator<Item = WitnessNode> {
        (0..self.layout.shape.witness_nodes).map(WitnessNode)
    }

    fn witness_field(&self, field: Field, node: WitnessNode) -> Field {
        Layout::in_record(self.layout.witness_records, field, node.index())
    }

    fn slot_field(&self, node: WitnessNode, key: Key) -> Field {
        let slot = self
            .layout
            .witness_slot
            .at(slot_of(self.layout.shape, node, key));
        self.witness_field(slot, node)
    }

    /// `node` keeps `key` and `other` in one slot.
    pub fn shares_witness_slot(&self, node: WitnessNode, key: Key, other: Key) -> bool {
        let shape = self.layout.shape;
        slot_of(shape, node, key) == slot_of(shape, node, other)
    }

    /// What `node`'s slot for `key` holds.
    pub fn witness_slot(&self, node: WitnessNode, key: Key) -> WitnessSlot {
        let raw = self.get(self.slot_field(node, key));
        WitnessSlot::from_raw(raw, self.layout.shape.max_seq())
            .unwrap_or_else(|| panic!("corrupt packed state: {node}'s slot for {key} holds {raw}"))
    }

    pub fn set_witness_slot(&mut self, node: WitnessNode, key: Key, slot: WitnessSlot) {
        let floor = matches!(slot, WitnessSlot::Forgotten { floor } if floor > 0);
        assert!(
            !floor || self.layout.shape.witness_floor,
            "a floor needs witness-service's layout"
        );
        let raw = slot.raw(self.layout.shape.max_seq());
        self.set(self.slot_field(node, key), raw);
    }

    /// Every slot of `node` forgotten, without a floor.
    pub fn forget_witness_node(&mut self, node: WitnessNode) {
        for slot in 0..usize::from(self.layout.shape.witness_slots) {
            let field = self.witness_field(self.layout.witness_slot.at(slot), node);
            self.set(field, 0);
        }
    }

    /// What one witness (the only node) knows of `key`: its slot, `None` when forgotten. With
    /// several nodes, what every majority guarantees: the smallest answer some majority can give
    /// when each member answers its slot (a forgotten slot answers "stale", above any version).
    pub fn witness(&self, key: Key) -> Option<Seq> {
        let mut answers: smallvec::SmallVec<[Option<Seq>; 5]> = self
            .witness_nodes()
            .map(|node| self.witness_slot(node, key).known())
            .collect();
        answers.sort_unstable_by_key(|known| known.map_or(u16::MAX, u16::from));
        let majority = answers.len() / 2;
        answers[majority]
    }

    /// Sets every node's slot for `key`: the initial table, and the atomic orders' relearn (their
    /// witness is one node).
    pub fn set_witness(&mut self, key: Key, known: Option<Seq>) {
        let slot = known.map_or(WitnessSlot::Forgotten { floor: 0 }, WitnessSlot::Known);
        for node in self.witness_nodes().collect::<smallvec::SmallVec<[_; 5]>>() {
            self.set_witness_slot(node, key, slot);
        }
    }

    /// `node`'s restarts and failovers: a relearn carrying another epoch is dropped.
    pub fn witness_epoch(&self, node: WitnessNode) -> u8 {
        if self.layout.shape.witness_nodes == 1 {
            // `validate` bounds restarts + failovers by a byte.
            return self.witness_restarts() + self.witness_failovers();
        }
        byte(
            self.get(self.witness_field(self.layout.witness_epoch, node)),
            "a witness node's epoch",
        )
    }

    /// A restart or failover of `node`: its epoch moves on.
    pub fn bump_witness_epoch(&mut self, node: WitnessNode) {
        if self.layout.shape.witness_nodes > 1 {
            let field = self.witness_field(self.layout.witness_epoch, node);
            self.set(field, u64::from(self.witness_epoch(node)) + 1);
        }
    }

    /// Every node's epoch now, as a reload remembers them.
    pub fn witness_epochs(&self) -> Epochs {
        let shape = self.layout.shape;
        self.witness_nodes()
            .fold(Epochs::default(), |epochs, node| {
                epochs.with(shape, node, self.witness_epoch(node))
            })
    }

    pub fn witness_restarts(&self) -> u8 {
        byte(self.get(self.layout.restarts), "the witness restart count")
    }

    pub fn set_witness_restarts(&mut self, restarts: u8) {
        self.set(self.layout.restarts, restarts.into());
    }

    pub fn witness_failovers(&self) -> u8 {
        byte(
            self.get(self.layout.failovers),
            "the witness failover count",
        )
    }

    pub fn set_witness_failovers(&mut self, failovers: u8) {
        self.set(self.layout.failovers, failovers.into());
    }

    pub fn witness_outages(&self) -> u8 {
        byte(self.get(self.layout.outages), "the witness outage count")
    }

    pub fn set_witness_outages(&mut self, outages: u8) {
        self.set(self.layout.outages, outages.into());
    }

    /// Messages to `node` are lost.
    pub fn witness_out(&self, node: WitnessNode) -> bool {
        self.get(self.witness_field(self.layout.witness_out, node)) != 0
    }

    pub fn set_witness_out(&mut self, node: WitnessNode, out: bool) {
        let field = self.witness_field(self.layout.witness_out, node);
        self.set(field, out.into());
    }

    /// The nodes a message reaches now.
    pub fn reachable_witness_nodes(&self) -> smallvec::SmallVec<[WitnessNode; 5]> {
        self.witness_nodes()
            .filter(|&n| !self.witness_out(n))
            .collect()
    }

    /// A majority of witness nodes is reachable.
    pub fn witness_majority_reachable(&self) -> bool {
        self.reachable_witness_nodes().len() > usize::from(self.layout.shape.witness_nodes) / 2
    }
}
