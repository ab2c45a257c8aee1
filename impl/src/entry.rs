//! What the index holds for a key: a version (its sequence number) and, unless the version is a
//! DELETE, the object's location; and `node.put`'s repair rule, which decides between two of them.

use witness_model::system::Repair;

/// A key's write sequence number, assigned by persistence; 0 means never written.
pub type Seq = u64;

/// A pointer to an object's bytes (the bytes themselves are out of scope).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Location(pub u64);

/// What the index holds for a key: the version and, unless the version is a DELETE (or the key was
/// never written), the location.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub struct Entry {
    pub seq: Seq,
    pub location: Option<Location>,
}

impl Entry {
    pub const NEVER_WRITTEN: Entry = Entry {
        seq: 0,
        location: None,
    };

    pub fn exists(&self) -> bool {
        self.location.is_some()
    }
}

/// `node.put(key, entry)`: whether the seed's unconditional overwrite, or only-if-newer, replaces
/// what a node holds (`held`, `None` when it holds nothing) with `new`.
pub(crate) fn accepts(repair: Repair, held: Option<&Entry>, new: &Entry) -> bool {
    match repair {
        Repair::Unconditional => true,
        Repair::IfNewer => match held {
            Some(held) => new.seq > held.seq,
            None => true,
        },
    }
}
