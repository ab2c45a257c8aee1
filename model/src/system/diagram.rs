//! A sequence diagram of a path, as SVG, for the Explorer: one lane per client, per cache node, and
//! for the witness, persistence and the replica, so a user sees the seed's picture for each step.

use super::model::{Action, WitnessModel};
use super::state::{GetStep, ListStep, Phase, SystemState, WriteStep};
use std::fmt::Write as _;

const LANE_WIDTH_PX: usize = 120;
const ROW_HEIGHT_PX: usize = 34;
const TOP_PX: usize = 40;

/// Which lane an action's work happens in (beside the acting client's lane).
fn target_lane(model: &WitnessModel, state: &SystemState, action: &Action) -> Option<usize> {
    let clients = usize::from(model.cfg.clients);
    let nodes = usize::from(model.cfg.cache_nodes);
    let node_lane = |n: u8| clients + usize::from(n);
    let witness = clients + nodes;
    let persistence = witness + 1;
    let replica = witness + 2;
    Some(match action {
        Action::Invoke { op, node, .. } => {
            if op.is_write() {
                persistence
            } else {
                node_lane(node.0)
            }
        }
        Action::Step { client } => match &state.clients[client.index()].phase {
            Phase::Idle => return None,
            Phase::Write { node, next, .. } => match next {
                WriteStep::Commit | WriteStep::CommitAndNotify => persistence,
                WriteStep::NotifyWitness => witness,
                WriteStep::UpdateCache => node_lane(node.0),
                WriteStep::Ack => client.index(),
            },
            Phase::Get { node, next, .. } => match next {
                GetStep::FillLoad | GetStep::Reload => persistence,
                GetStep::CheckWitness { .. } => witness,
                GetStep::FillStore { .. } | GetStep::Repair { .. } => node_lane(node.0),
            },
            Phase::List { node, next } => match next {
                ListStep::FillLoad | ListStep::Reload => persistence,
                ListStep::CheckBarrier { .. } => witness,
                ListStep::FillStore { .. } | ListStep::Repair { .. } => node_lane(node.0),
            },
        },
        Action::Evict { node, .. }
        | Action::EvictListing { node }
        | Action::RestartNode { node } => node_lane(node.0),
        Action::RestartWitness => witness,
        Action::Deliver { .. } => replica,
    })
}

fn source_lane(model: &WitnessModel, action: &Action) -> usize {
    match action {
        Action::Invoke { client, .. } | Action::Step { client } => client.index(),
        Action::Deliver { .. } => {
            usize::from(model.cfg.clients) + usize::from(model.cfg.cache_nodes) + 2
        }
        _ => usize::MAX,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Renders `path` (each state with the action taken from it) as an SVG sequence diagram.
pub fn sequence_svg(model: &WitnessModel, path: &[(SystemState, Option<Action>)]) -> String {
    let mut lanes: Vec<String> = (0..model.cfg.clients)
        .map(|c| crate::history::ClientId(u32::from(c)).to_string())
        .collect();
    lanes.extend((0..model.cfg.cache_nodes).map(|n| super::state::NodeId(n).to_string()));
    lanes.extend(["witness", "persistence", "replica"].map(String::from));
    let steps: Vec<(&SystemState, &Action)> = path
        .iter()
        .filter_map(|(s, a)| a.as_ref().map(|a| (s, a)))
        .collect();
    let width = lanes.len() * LANE_WIDTH_PX + 20;
    let height = TOP_PX + (steps.len() + 1) * ROW_HEIGHT_PX;
    let x = |lane: usize| 10 + lane * LANE_WIDTH_PX + LANE_WIDTH_PX / 2;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg version='1.1' baseProfile='full' width='{width}' height='{height}' viewbox='-20 -20 {} {}' xmlns='http://www.w3.org/2000/svg'>",
        width + 20,
        height + 20
    );
    svg.push_str("<defs><marker id='arrow' markerUnits='strokeWidth' orient='auto' markerWidth='10' markerHeight='8' refX='10' refY='4'><path d='M0,0 L10,4 L0,8 z' fill='#333'/></marker></defs>");
    for (i, name) in lanes.iter().enumerate() {
        let _ = write!(
            svg,
            "<line x1='{0}' y1='{1}' x2='{0}' y2='{2}' stroke='#bbb'/><text x='{0}' y='20' font-size='12' text-anchor='middle' font-family='sans-serif'>{3}</text>",
            x(i),
            TOP_PX - 10,
            height,
            escape(name)
        );
    }
    for (row, (state, action)) in steps.iter().enumerate() {
        let y = TOP_PX + (row + 1) * ROW_HEIGHT_PX;
        let label = escape(&super::narrate::describe(model, state, action));
        let from = source_lane(model, action);
        match target_lane(model, state, action) {
            Some(to) if from != usize::MAX && from != to => {
                let _ = write!(
                    svg,
                    "<line x1='{}' y1='{y}' x2='{}' y2='{y}' stroke='#333' marker-end='url(#arrow)'/>",
                    x(from),
                    x(to)
                );
                let _ = write!(
                    svg,
                    "<text x='{}' y='{}' font-size='9' font-family='sans-serif'>{}. {label}</text>",
                    x(from.min(to)) + 4,
                    y - 4,
                    row + 1
                );
            }
            Some(at) => {
                let _ = write!(
                    svg,
                    "<circle cx='{}' cy='{y}' r='4' fill='#c33'/><text x='{}' y='{}' font-size='9' font-family='sans-serif'>{}. {label}</text>",
                    x(at),
                    x(at) + 6,
                    y - 4,
                    row + 1
                );
            }
            None => {}
        }
    }
    svg.push_str("</svg>");
    svg
}
