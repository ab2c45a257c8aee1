//! What the checks and tools read of a cache besides its answers: what persistence and the
//! witness hold, the replica and whether it converged, and the recorded history.

use crate::cache::IndexCache;
use crate::entry::{Entry, Seq};
use crate::error::Result;
use crate::recorder::Recorder;
use crate::replication::Replica;

impl IndexCache {
    /// What persistence holds for `key`.
    pub fn persisted(&self, key: &str) -> Result<Entry> {
        let p = self.partition_of(key)?;
        Ok(self.persistence.load(p, key))
    }

    /// What the witness knows about `key`: `None` when it has forgotten it.
    pub fn witness_known(&self, key: &str) -> Result<Option<Seq>> {
        let p = self.partition_of(key)?;
        Ok(self.witness.known(p, key))
    }

    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Whether the replica equals the source for every key, judged with the shared
    /// `witness_model::properties::replica::converged` on the committed versions.
    pub fn replica_converged(&self) -> bool {
        let replica = self.replica.snapshot();
        (0..self.partitions.len()).all(|p| {
            let source = self.persistence.scan(p);
            let keys: Vec<&String> = source.keys().collect();
            let source_seqs: Vec<Seq> = keys.iter().map(|k| source[*k].seq).collect();
            let replica_seqs: Vec<Seq> = keys
                .iter()
                .map(|k| replica.get(*k).map_or(0, |e| e.seq))
                .collect();
            witness_model::properties::replica::converged(&source_seqs, &replica_seqs)
        })
    }

    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }
}
