//! A set of properties in one word, cheap to keep in every model state.

use super::catalogue::PropertyId;

#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub struct PropertySet(u32);

// Every property has a bit of the word: a catalogue that outgrows it does not compile.
const _: () = assert!(PropertyId::ALL.len() <= u32::BITS as usize);

const fn bit(property: PropertyId) -> u32 {
    1 << (property as u32)
}

impl PropertySet {
    pub const EMPTY: PropertySet = PropertySet(0);

    pub fn insert(&mut self, property: PropertyId) {
        self.0 |= bit(property);
    }

    pub fn contains(self, property: PropertyId) -> bool {
        self.0 & bit(property) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The set as one word, for states packed into words (and back with [`PropertySet::from_bits`]).
    pub fn bits(self) -> u32 {
        self.0
    }

    pub fn from_bits(bits: u32) -> PropertySet {
        PropertySet(bits)
    }

    pub fn iter(self) -> impl Iterator<Item = PropertyId> {
        PropertyId::ALL
            .iter()
            .copied()
            .filter(move |p| self.contains(*p))
    }
}
