//! `--config` and the flags that adjust a named configuration's sizes and faults.

use clap::Args;
use serde::Serialize;
use witness_model::system::config::OpName;
use witness_model::system::{ConfigName, OpMix, WitnessCfg};

/// The model's sizes and faults.
#[derive(Debug, Args, Clone, Default, PartialEq, Serialize)]
pub struct ConfigArgs {
    /// Named configuration the sizes and faults start from (`default` when not given).
    #[arg(long, value_name = "NAME")]
    pub config: Option<ConfigName>,
    /// Number of clients.
    #[arg(long, value_name = "N")]
    pub clients: Option<u8>,
    /// Number of cache nodes.
    #[arg(long, value_name = "N")]
    pub cache_nodes: Option<u8>,
    /// Number of keys (in one partition, until a --partition-split).
    #[arg(long, value_name = "N")]
    pub keys: Option<u8>,
    /// Operations each client issues.
    #[arg(long, value_name = "N")]
    pub ops: Option<u8>,
    /// Which operations clients may invoke (comma-separated).
    #[arg(long, value_name = "OPS", value_delimiter = ',')]
    pub op_mix: Option<Vec<OpName>>,
    /// Cache nodes may evict an entry or their listing at any time.
    #[arg(long, overrides_with = "no_eviction")]
    pub eviction: bool,
    /// Cache nodes never evict.
    #[arg(long, overrides_with = "eviction")]
    pub no_eviction: bool,
    /// Cache nodes may restart, losing everything they hold.
    #[arg(long, overrides_with = "no_node_restart")]
    pub node_restart: bool,
    /// Cache nodes never restart.
    #[arg(long, overrides_with = "node_restart")]
    pub no_node_restart: bool,
    /// Replication deliveries may arrive in any order.
    #[arg(long, overrides_with = "no_reorder")]
    pub reorder: bool,
    /// Replication deliveries arrive oldest first.
    #[arg(long, overrides_with = "reorder")]
    pub no_reorder: bool,
    /// A replication delivery may be delivered again (at-least-once).
    #[arg(long, overrides_with = "no_duplicates")]
    pub duplicates: bool,
    /// Every replication delivery arrives once.
    #[arg(long, overrides_with = "duplicates")]
    pub no_duplicates: bool,
    /// The partition may split once, at any time, moving its upper half of keys to a new
    /// partition (needs 2 keys; matters under a partition-sequence barrier).
    #[arg(long, overrides_with = "no_partition_split")]
    pub partition_split: bool,
    /// The partition never splits.
    #[arg(long, overrides_with = "partition_split")]
    pub no_partition_split: bool,
    /// How many times a witness node may restart with empty memory.
    #[arg(long, value_name = "N")]
    pub witness_restarts: Option<u8>,
    /// Witness nodes (a notify, a relearn and a query need a majority; witness-service only).
    #[arg(long, value_name = "N")]
    pub witness_nodes: Option<u8>,
    /// Slots in each witness node's table; fewer than --keys makes keys share slots
    /// (witness-service only).
    #[arg(long, value_name = "N")]
    pub witness_slots: Option<u8>,
    /// How many times a witness node may become unreachable (witness-service only).
    #[arg(long, value_name = "N")]
    pub witness_outages: Option<u8>,
    /// How many times a witness node may fail over to a replica with a stale snapshot
    /// (witness-service only).
    #[arg(long, value_name = "N")]
    pub witness_failovers: Option<u8>,
}

/// `--x` on, `--no-x` off, neither: as the named configuration has it.
fn switch(on: bool, off: bool, named: bool) -> bool {
    (named || on) && !off
}

impl ConfigArgs {
    pub fn name(&self) -> ConfigName {
        self.config.unwrap_or(ConfigName::Default)
    }

    /// The configuration without mode, variant and mutant (those belong to a run).
    pub fn base(&self) -> WitnessCfg {
        let mut cfg = self.name().cfg();
        cfg.clients = self.clients.unwrap_or(cfg.clients);
        cfg.cache_nodes = self.cache_nodes.unwrap_or(cfg.cache_nodes);
        cfg.keys = self.keys.unwrap_or(cfg.keys);
        cfg.ops_per_client = self.ops.unwrap_or(cfg.ops_per_client);
        if let Some(mix) = &self.op_mix {
            cfg.ops = OpMix::of(mix);
        }
        let f = &mut cfg.faults;
        f.eviction = switch(self.eviction, self.no_eviction, f.eviction);
        f.node_restart = switch(self.node_restart, self.no_node_restart, f.node_restart);
        f.replication_reorder = switch(self.reorder, self.no_reorder, f.replication_reorder);
        f.replication_duplicates = switch(
            self.duplicates,
            self.no_duplicates,
            f.replication_duplicates,
        );
        f.partition_split = switch(
            self.partition_split,
            self.no_partition_split,
            f.partition_split,
        );
        f.witness_restarts = self.witness_restarts.unwrap_or(f.witness_restarts);
        f.witness_outages = self.witness_outages.unwrap_or(f.witness_outages);
        f.witness_failovers = self.witness_failovers.unwrap_or(f.witness_failovers);
        cfg.witness_nodes = self.witness_nodes.unwrap_or(cfg.witness_nodes);
        cfg.witness_slots = self.witness_slots.or(cfg.witness_slots);
        // One slot per key is how a configuration without shared slots says it.
        if cfg.witness_slots == Some(cfg.keys) {
            cfg.witness_slots = None;
        }
        cfg
    }

    /// Whether the flags changed the named configuration.
    pub fn customized(&self) -> bool {
        self.base() != self.name().cfg()
    }
}
