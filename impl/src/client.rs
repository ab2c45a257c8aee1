//! A recorded client: the same operations, each recorded as the model's history events for the
//! property checkers.

use crate::cache::IndexCache;
use crate::entry::{Entry, Location, Seq};
use crate::error::Result;
use crate::listings::Listing;
use crate::recorder::{RecOp, RecRet};
use witness_model::history::ClientId;
use witness_model::system::NodeId;

/// Operations of one client, recorded as `Invoke` before their first step and `Return` after their
/// last. Input is validated before the `Invoke`, so a rejected call leaves no trace in the history.
#[derive(Clone, Copy, Debug)]
pub struct Client<'c> {
    cache: &'c IndexCache,
    id: ClientId,
}

impl IndexCache {
    /// A client whose operations are recorded (when the cache has a recorder) for the property
    /// checkers.
    pub fn client(&self, id: ClientId) -> Client<'_> {
        Client { cache: self, id }
    }
}

impl Client<'_> {
    pub fn id(&self) -> ClientId {
        self.id
    }

    pub fn put(&self, node: NodeId, key: &str, location: Location) -> Result<Seq> {
        self.write(node, key, Some(location))
    }

    pub fn delete(&self, node: NodeId, key: &str) -> Result<Seq> {
        self.write(node, key, None)
    }

    fn write(&self, node: NodeId, key: &str, location: Option<Location>) -> Result<Seq> {
        let cache = self.cache;
        let (n, p) = (cache.node_index(node)?, cache.partition_of(key)?);
        let rec = cache.recorder.as_ref();
        if let Some(r) = rec {
            let op = match location {
                Some(_) => RecOp::Put(key),
                None => RecOp::Delete(key),
            };
            r.invoke(self.id, op);
        }
        let seq = cache.write_at(n, p, key, location);
        if let Some(r) = rec {
            r.ret(self.id, RecRet::Ack(seq));
        }
        Ok(seq)
    }

    pub fn read(&self, node: NodeId, key: &str) -> Result<Entry> {
        let cache = self.cache;
        let (n, p) = (cache.node_index(node)?, cache.partition_of(key)?);
        let rec = cache.recorder.as_ref();
        if let Some(r) = rec {
            r.invoke(self.id, RecOp::Get(key));
        }
        let entry = cache.read_at(n, p, key);
        if let Some(r) = rec {
            r.ret(self.id, RecRet::Read(entry.seq, entry.exists()));
        }
        Ok(entry)
    }

    /// LIST of every key (the model's LIST of the whole keyspace).
    pub fn list(&self, node: NodeId) -> Result<Listing> {
        let cache = self.cache;
        let n = cache.node_index(node)?;
        let partitions = cache.partitions_for_prefix("")?;
        let rec = cache.recorder.as_ref();
        if let Some(r) = rec {
            r.invoke(self.id, RecOp::List);
        }
        let listing = cache.list_at(n, &partitions, "");
        if let Some(r) = rec {
            let entries = listing
                .iter()
                .map(|(k, e)| (k.as_str(), e.seq, e.exists()))
                .collect();
            r.ret(self.id, RecRet::Listed(entries));
        }
        Ok(listing)
    }
}
