//! Keys and clients as the user wrote them.
//!
//! A history file may name keys and clients with integers or strings. The checkers work on dense
//! indices ([`Key`], [`ClientId`]), assigned in order of first appearance; [`Names`] keeps the
//! spelling so that findings and errors say `client 1` for a file's `"client": 1` and
//! `photos/cat.jpg` for its key, never an internal index.

use crate::history::{ClientId, Key};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::fmt;

/// A key or client name as written: an integer or a string.
#[derive(Clone, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Name {
    Int(u64),
    Str(String),
}

/// Dense indices for names, in order of first appearance.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    names: Vec<Name>,
    ints: FxHashMap<u64, u32>,
    strs: FxHashMap<String, u32>,
}

/// More distinct names than a `u32` index holds.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct TooManyNames;

impl Interner {
    pub fn int(&mut self, n: u64) -> Result<u32, TooManyNames> {
        if let Some(&id) = self.ints.get(&n) {
            return Ok(id);
        }
        let id = self.next_id()?;
        self.ints.insert(n, id);
        self.names.push(Name::Int(n));
        Ok(id)
    }

    pub fn str(&mut self, s: &str) -> Result<u32, TooManyNames> {
        if let Some(&id) = self.strs.get(s) {
            return Ok(id);
        }
        let id = self.next_id()?;
        self.strs.insert(s.to_string(), id);
        self.names.push(Name::Str(s.to_string()));
        Ok(id)
    }

    fn next_id(&self) -> Result<u32, TooManyNames> {
        u32::try_from(self.names.len()).map_err(|_| TooManyNames)
    }

    pub fn get(&self, id: u32) -> Option<&Name> {
        self.names.get(usize::try_from(id).ok()?)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The names behind a history's key and client indices. Empty for histories that come with
/// indices only (the model's, the implementation's recorder): those print as the model does
/// (`k0`, `client 1`).
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub keys: Interner,
    pub clients: Interner,
}

impl Names {
    /// How `key` is shown: as the user wrote it (an integer `n` as `kn`), else as the model does.
    pub fn key(&self, key: Key) -> KeyLabel<'_> {
        KeyLabel(self.keys.get(key.0), key)
    }

    /// How `client` is shown: `client ` and the name as the user wrote it, else as the model does.
    pub fn client(&self, client: ClientId) -> ClientLabel<'_> {
        ClientLabel(self.clients.get(client.0), client)
    }

    /// The key's name for JSON: as written, or the index.
    pub fn key_name(&self, key: Key) -> Name {
        self.keys
            .get(key.0)
            .cloned()
            .unwrap_or(Name::Int(key.0.into()))
    }

    /// The client's name for JSON: as written, or the index.
    pub fn client_name(&self, client: ClientId) -> Name {
        self.clients
            .get(client.0)
            .cloned()
            .unwrap_or(Name::Int(client.0.into()))
    }
}

pub struct KeyLabel<'a>(Option<&'a Name>, Key);

impl fmt::Display for KeyLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(Name::Int(n)) => write!(f, "k{n}"),
            Some(Name::Str(s)) => f.write_str(s),
            None => write!(f, "{}", self.1),
        }
    }
}

pub struct ClientLabel<'a>(Option<&'a Name>, ClientId);

impl fmt::Display for ClientLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(Name::Int(n)) => write!(f, "client {n}"),
            Some(Name::Str(s)) => write!(f, "client {s}"),
            None => write!(f, "{}", self.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_print_as_written_and_indices_as_the_model_does() {
        let mut names = Names::default();
        let one = names.clients.int(1).unwrap();
        let alice = names.clients.str("alice").unwrap();
        assert_eq!(names.clients.int(1), Ok(one));
        let cat = names.keys.str("photos/cat.jpg").unwrap();
        let seven = names.keys.int(7).unwrap();
        assert_eq!((one, alice, cat, seven), (0, 1, 0, 1));
        assert_eq!(names.client(ClientId(one)).to_string(), "client 1");
        assert_eq!(names.client(ClientId(alice)).to_string(), "client alice");
        assert_eq!(names.key(Key(cat)).to_string(), "photos/cat.jpg");
        assert_eq!(names.key(Key(seven)).to_string(), "k7");
        let none = Names::default();
        assert_eq!(none.client(ClientId(0)).to_string(), "client 1");
        assert_eq!(none.key(Key(3)).to_string(), "k3");
    }
}
