//! Symmetry reduction: clients are interchangeable, and so are cache nodes. A state's
//! representative renames both into a canonical order, so the checker (DFS or simulation) explores
//! one state per class. Keys are not renamed: a LIST reports keys in order, so renaming them would
//! change what a LIST means.

use super::state::{NodeId, Phase, SystemState};
use stateright::Representative;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

fn fingerprint(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

fn rename_node(phase: &mut Phase, renamed: &[u8]) {
    match phase {
        Phase::Idle => {}
        Phase::Write { node, .. } | Phase::Get { node, .. } | Phase::List { node, .. } => {
            *node = NodeId(renamed[usize::from(node.0)]);
        }
    }
}

impl Representative for SystemState {
    fn representative(&self) -> Self {
        let mut rep = self.clone();

        // Cache nodes, ordered by what they hold.
        let mut node_order: Vec<usize> = (0..rep.nodes.len()).collect();
        node_order.sort_by_key(|&n| fingerprint(&self.nodes[n]));
        let mut renamed = vec![0u8; rep.nodes.len()];
        for (new, &old) in node_order.iter().enumerate() {
            renamed[old] = u8::try_from(new).unwrap_or(u8::MAX);
        }
        rep.nodes = node_order.iter().map(|&n| self.nodes[n].clone()).collect();
        for client in &mut rep.clients {
            rename_node(&mut client.phase, &renamed);
        }

        // Clients, ordered by their operation in flight and what the monitor knows about them.
        let mut client_order: Vec<usize> = (0..rep.clients.len()).collect();
        let client_key = |c: usize| {
            let mut hasher = DefaultHasher::new();
            rep.clients[c].hash(&mut hasher);
            rep.monitor.hash_client(c, &mut hasher);
            hasher.finish()
        };
        client_order.sort_by_key(|&c| client_key(c));
        rep.clients = client_order
            .iter()
            .map(|&c| rep.clients[c].clone())
            .collect();
        rep.monitor.permute_clients(&client_order);
        rep
    }
}
