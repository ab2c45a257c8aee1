//! Symmetry reduction under every strategy, BFS included: clients are interchangeable, and so are
//! cache nodes. The model renames each successor into a canonical order of both (stateright's own
//! `symmetry()` works only with DFS and simulation), so the checker explores one state per class.
//! Keys are not renamed: a LIST reports keys in order, so renaming them would change what a LIST
//! means.
//!
//! Shortest paths stay shortest: renaming maps every transition to a transition, so the distance
//! of a class from the initial state is the distance of each of its members. A path through
//! canonical states names clients and nodes by their canonical number at each step; before a path
//! is shown or replayed, [`consistent_path`] renames it back so that one client keeps one number
//! from the first step to the last.

use super::action::Action;
use super::layout::{get_wide, set_wide, Layout, Table, MAX_CACHE_NODES, MAX_CLIENTS};
use super::model::WitnessModel;
use super::state::SystemState;
use crate::history::{ClientId, NodeId};

/// How canonicalization renamed a state: `clients[old] = new`, `nodes[old] = new`.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Renaming {
    pub clients: [u8; MAX_CLIENTS as usize],
    pub nodes: [u8; MAX_CACHE_NODES as usize],
}

impl Renaming {
    pub const IDENTITY: Renaming = Renaming {
        clients: [0, 1, 2, 3, 4],
        nodes: [0, 1, 2, 3, 4],
    };

    fn client(&self, c: ClientId) -> ClientId {
        ClientId(u32::from(self.clients[c.index()]))
    }

    fn node(&self, n: NodeId) -> NodeId {
        NodeId(self.nodes[n.index()])
    }
}

fn record(state: &SystemState, records: Table, index: usize) -> u128 {
    let at = usize::from(records.first.at) + index * usize::from(records.stride);
    get_wide(state.words(), at, usize::from(records.stride))
}

fn set_record(state: &mut SystemState, records: Table, index: usize, value: u128) {
    let at = usize::from(records.first.at) + index * usize::from(records.stride);
    set_wide(state.words_mut(), at, usize::from(records.stride), value);
}

/// The most members (clients or cache nodes) a configuration has: canonicalization runs on every
/// successor, so its tables live on the stack.
const MAX_MEMBERS: usize = 5;
const _: () =
    assert!(MAX_CLIENTS as usize <= MAX_MEMBERS && MAX_CACHE_NODES as usize <= MAX_MEMBERS);

/// `order[new] = old`: the members sorted by `keys` (members with equal keys are equal, so their
/// order does not matter).
fn sorted_order<K: Ord>(keys: &[K]) -> [usize; MAX_MEMBERS] {
    let mut order = [0, 1, 2, 3, 4];
    order[..keys.len()].sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]));
    order
}

fn is_identity(order: &[usize]) -> bool {
    order.iter().enumerate().all(|(new, &old)| new == old)
}

fn rename_nodes(state: &mut SystemState, layout: &Layout) -> [u8; MAX_CACHE_NODES as usize] {
    let nodes = usize::from(layout.shape.nodes);
    let mut records = [0u128; MAX_MEMBERS];
    for (n, record_n) in records.iter_mut().enumerate().take(nodes) {
        *record_n = record(state, layout.node_records, n);
    }
    let order = sorted_order(&records[..nodes]);
    if is_identity(&order[..nodes]) {
        return Renaming::IDENTITY.nodes;
    }
    let mut renamed = Renaming::IDENTITY.nodes;
    for (new, &old) in order[..nodes].iter().enumerate() {
        renamed[old] = u8::try_from(new).unwrap_or(u8::MAX);
        set_record(state, layout.node_records, new, records[old]);
    }
    for client in state.client_ids() {
        let phase = state.phase(client);
        if let Some(node) = phase.node() {
            state.set_phase(client, phase.with_node(NodeId(renamed[node.index()])));
        }
    }
    renamed
}

fn rename_clients(state: &mut SystemState, layout: &Layout) -> [u8; MAX_CLIENTS as usize] {
    let clients = usize::from(layout.shape.clients);
    let monitor = state.monitor.store();
    let mut records = [(0u128, 0u128); MAX_MEMBERS];
    for (c, record_c) in records.iter_mut().enumerate().take(clients) {
        *record_c = (
            record(state, layout.client_records, c),
            monitor.client_record(c),
        );
    }
    let order = sorted_order(&records[..clients]);
    if is_identity(&order[..clients]) {
        return Renaming::IDENTITY.clients;
    }
    let mut renamed = Renaming::IDENTITY.clients;
    for (new, &old) in order[..clients].iter().enumerate() {
        renamed[old] = u8::try_from(new).unwrap_or(u8::MAX);
        set_record(state, layout.client_records, new, records[old].0);
    }
    state.monitor.permute_clients(&order[..clients]);
    renamed
}

/// Renames `state` into its class's canonical order of cache nodes (by what they hold) and
/// clients (by their operation in flight and what the monitor knows about them).
pub fn canonicalize(state: &mut SystemState) -> Renaming {
    let layout = state.layout();
    let nodes = rename_nodes(state, layout);
    let clients = rename_clients(state, layout);
    Renaming { clients, nodes }
}

/// Renames a path through canonical states back into one whose client and node numbers are
/// consistent from the first step to the last (and start as in the initial state). Each action is
/// renamed, then replayed without canonicalization.
pub fn consistent_path(
    model: &WitnessModel,
    path: &[(SystemState, Option<Action>)],
) -> Vec<(SystemState, Option<Action>)> {
    if !model.symmetry {
        return path.to_vec();
    }
    let mut current = model.init_state();
    // `shown[canonical] = consistent`: the number each canonical member has in the trace.
    let mut shown = invert(canonicalize(&mut current.clone()));
    let mut steps = Vec::with_capacity(path.len());
    for (canonical, action) in path {
        let Some(action) = action else {
            steps.push((current.clone(), None));
            continue;
        };
        let renamed = action.renamed(|c| shown.client(c), |n| shown.node(n));
        let mut successor = model.apply(canonical, action);
        let moved = canonicalize(&mut successor);
        shown = compose(shown, moved);
        let next = model.apply(&current, &renamed);
        steps.push((current, Some(renamed)));
        current = next;
    }
    steps
}

/// Maps canonical numbers back to the numbers before canonicalization.
fn invert(renaming: Renaming) -> Renaming {
    let mut inverse = Renaming::IDENTITY;
    for (old, &new) in renaming.clients.iter().enumerate() {
        inverse.clients[usize::from(new)] = u8::try_from(old).unwrap_or(u8::MAX);
    }
    for (old, &new) in renaming.nodes.iter().enumerate() {
        inverse.nodes[usize::from(new)] = u8::try_from(old).unwrap_or(u8::MAX);
    }
    inverse
}

/// `shown` maps the previous canonical numbers to trace numbers; `moved` renamed previous
/// canonical numbers to new canonical ones. The result maps new canonical numbers to trace numbers.
fn compose(shown: Renaming, moved: Renaming) -> Renaming {
    let back = invert(moved);
    let mut result = Renaming::IDENTITY;
    for new in 0..result.clients.len() {
        result.clients[new] = shown.clients[usize::from(back.clients[new])];
    }
    for new in 0..result.nodes.len() {
        result.nodes[new] = shown.nodes[usize::from(back.nodes[new])];
    }
    result
}
