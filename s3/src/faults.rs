//! Fault injection for `witness serve --faults`: at a given rate, one of the faults the protocol
//! must survive, chosen at random: a cache node drops a key or its listings, a cache node
//! restarts empty, or the witness is replaced with empty memory. Each fault is reported to the
//! caller's log before the next one.

use crate::server::RecentKeys;
use index_cache::{IndexCache, NodeId};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum Fault {
    Evict { node: NodeId, key: String },
    EvictListing { node: NodeId },
    RestartNode { node: NodeId },
    RestartWitness,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Evict { node, key } => write!(f, "{node} evicts {key}"),
            Fault::EvictListing { node } => write!(f, "{node} drops its cached listings"),
            Fault::RestartNode { node } => write!(f, "{node} restarts empty"),
            Fault::RestartWitness => write!(f, "the witness restarts with empty memory"),
        }
    }
}

impl Fault {
    /// Applies the fault to the cache.
    pub fn inject(&self, cache: &IndexCache) -> Result<(), index_cache::Error> {
        match self {
            Fault::Evict { node, key } => cache.evict(*node, key),
            Fault::EvictListing { node } => cache.evict_listing(*node),
            Fault::RestartNode { node } => cache.restart_node(*node),
            Fault::RestartWitness => {
                cache.restart_witness();
                Ok(())
            }
        }
    }
}

/// Where each injected fault is reported.
pub type FaultLog = Arc<dyn Fn(&Fault) + Send + Sync>;

/// A random fault; evictions favour keys clients wrote recently, where they matter.
fn pick(rng: &mut fastrand::Rng, cache: &IndexCache, recent: &RecentKeys) -> Fault {
    // A cache has at least one node (`Config::validate`), so there is always one to pick.
    let Some(node) = rng.choice(cache.node_ids()) else {
        return Fault::RestartWitness;
    };
    match rng.u8(..10) {
        0..=4 => match recent.pick(rng.usize(..)) {
            Some(key) => Fault::Evict { node, key },
            None => Fault::EvictListing { node },
        },
        5 | 6 => Fault::EvictListing { node },
        7 | 8 => Fault::RestartNode { node },
        _ => Fault::RestartWitness,
    }
}

/// Injects `per_second` faults per second until the task is dropped.
pub async fn run(
    cache: Arc<IndexCache>,
    recent: Arc<RecentKeys>,
    per_second: f64,
    seed: u64,
    log: FaultLog,
) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let period = Duration::from_secs_f64(1.0 / per_second);
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let fault = pick(&mut rng, &cache, &recent);
        // Keys and nodes come from the cache itself, so injection cannot fail; a failure would
        // only mean the fault did not happen, which the log must not claim.
        if fault.inject(&cache).is_ok() {
            log(&fault);
        }
    }
}
