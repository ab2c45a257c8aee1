//! A random client program shared by the std stress test and the shuttle tests: each client picks
//! GET/PUT/DELETE/LIST through random nodes, interleaved with faults (eviction of an entry or a
//! listing, node restart, witness restart, replication delivery out of order or duplicated).
#![allow(dead_code)]

use index_cache::{IndexCache, Location, NodeId};
use witness_model::history::ClientId;

pub const KEYS: [&str; 3] = ["k0", "k1", "k2"];

/// A source of choices: a seeded xorshift on std threads, shuttle's replayable RNG under shuttle.
pub trait Choose {
    fn below(&mut self, n: usize) -> usize;
}

pub struct XorShift(pub u64);

impl Choose for XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Which faults a client program injects between its operations.
#[derive(Clone, Copy, Debug)]
pub enum Faults {
    None,
    /// Evictions, node restarts, replication delivery; a witness restart now and then.
    Mixed,
    /// [`Faults::Mixed`] with frequent witness restarts, for bugs that need a restart inside a
    /// write (witness-before-commit).
    RestartHeavy,
}

/// One client's program of `ops` operations, with faults between them.
pub fn client_program(
    cache: &IndexCache,
    client: u8,
    ops: usize,
    faults: Faults,
    rng: &mut impl Choose,
) {
    let me = cache.client(ClientId(u32::from(client)));
    let nodes: Vec<NodeId> = cache.node_ids().collect();
    for i in 0..ops {
        let node = nodes[rng.below(nodes.len())];
        let key = KEYS[rng.below(KEYS.len())];
        let roll = match faults {
            Faults::None => rng.below(80),
            Faults::Mixed => rng.below(100),
            // Rolls past 99 restart the witness too.
            Faults::RestartHeavy => rng.below(115),
        };
        let location = Location(u64::from(client) * 1_000_000 + i as u64);
        match roll {
            0..=19 => drop(me.put(node, key, location).expect("valid")),
            20..=29 => drop(me.delete(node, key).expect("valid")),
            30..=69 => drop(me.read(node, key).expect("valid")),
            70..=79 => drop(me.list(node).expect("valid")),
            80..=87 => cache.evict(node, key).expect("valid"),
            88..=90 => cache.evict_listing(node).expect("valid"),
            91..=92 => cache.restart_node(node).expect("valid"),
            93 | 100.. => cache.restart_witness(),
            _ => {
                let pending = cache.pending_replication().len();
                if pending > 0 {
                    // Any message, possibly kept for a duplicate delivery: reordering and
                    // at-least-once.
                    let keep = rng.below(4) == 0;
                    cache.deliver_replication(rng.below(pending), keep);
                }
            }
        }
    }
}
