//! A sequence diagram of a path, as SVG, for the Explorer: one lane per client, per cache node, and
//! for the witness, persistence and the replica, so a user sees the seed's picture for each step.

use super::action::Action;
use super::model::WitnessModel;
use super::narrate;
use super::phase::{GetStep, ListStep, Phase, WriteStep};
use super::state::SystemState;
use crate::history::{ClientId, NodeId};
use std::fmt::Write as _;

// Sized to be read at the Explorer's default zoom: the Explorer scales the SVG to its column, so
// the label sizes below are about what the reader sees.
const LANE_WIDTH_PX: usize = 150;
const ROW_HEIGHT_PX: usize = 44;
const TOP_PX: usize = 48;
const LANE_FONT_PX: usize = 16;
const LABEL_FONT_PX: usize = 14;
/// Room to the right of the last lane for step labels, which are sentences.
const LABEL_ROOM_PX: usize = 520;

/// Which lane an action's work happens in (beside the acting client's lane).
fn target_lane(model: &WitnessModel, state: &SystemState, action: &Action) -> Option<usize> {
    let clients = usize::from(model.cfg.clients);
    let nodes = usize::from(model.cfg.cache_nodes);
    let node_lane = |n: NodeId| clients + n.index();
    let witness = clients + nodes;
    let persistence = witness + 1;
    let replica = witness + 2;
    Some(match action {
        Action::Invoke { op, node, .. } => {
            if op.is_write() {
                persistence
            } else {
                node_lane(*node)
            }
        }
        Action::Step { client, .. } => match state.phase(*client) {
            Phase::Idle => return None,
            Phase::Judge { .. } => persistence,
            Phase::Write { op, step } => match step {
                WriteStep::Commit | WriteStep::CommitAndNotify => persistence,
                WriteStep::NotifyWitness | WriteStep::LateNotify => witness,
                WriteStep::UpdateCache => node_lane(op.node),
                WriteStep::Ack => client.index(),
            },
            Phase::Get { node, step, .. } => match step {
                GetStep::FillLoad | GetStep::Reload => persistence,
                GetStep::CheckWitness { .. } | GetStep::Relearn { .. } => witness,
                GetStep::FillStore { .. } | GetStep::Repair { .. } => node_lane(node),
            },
            Phase::List { node, step } => match step {
                ListStep::FillLoad
                | ListStep::Reload
                | ListStep::FillSecondRead { .. }
                | ListStep::ReloadSecondRead { .. } => persistence,
                ListStep::CheckBarrier { .. } | ListStep::Relearn { .. } => witness,
                ListStep::FillStore { .. } | ListStep::Repair { .. } => node_lane(node),
            },
        },
        Action::Evict { node, .. }
        | Action::EvictListing { node }
        | Action::RestartNode { node } => node_lane(*node),
        Action::RestartWitness { .. }
        | Action::FailOverWitness { .. }
        | Action::WitnessUnreachable { .. }
        | Action::WitnessReachable { .. } => witness,
        Action::Deliver { .. } => replica,
        Action::SplitPartition => persistence,
    })
}

/// Which lane an action starts from: its client's, or the replica's for a delivery; a fault
/// starts where it happens.
fn source_lane(model: &WitnessModel, action: &Action) -> Option<usize> {
    if let Action::Deliver { .. } = action {
        return Some(usize::from(model.cfg.clients) + usize::from(model.cfg.cache_nodes) + 2);
    }
    action.client().map(|client| client.index())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The x coordinate of a lane's line.
fn lane_x(lane: usize) -> usize {
    10 + lane * LANE_WIDTH_PX + LANE_WIDTH_PX / 2
}

/// Renders `path` (each state with the action taken from it) as an SVG sequence diagram.
pub fn sequence_svg(model: &WitnessModel, path: &[(SystemState, Option<Action>)]) -> String {
    let lanes = lane_names(model);
    let steps: Vec<(&SystemState, &Action)> = path
        .iter()
        .filter_map(|(s, a)| a.as_ref().map(|a| (s, a)))
        .collect();
    let width = lanes.len() * LANE_WIDTH_PX + LABEL_ROOM_PX;
    let height = TOP_PX + (steps.len() + 1) * ROW_HEIGHT_PX;
    let mut svg = String::new();
    open_svg(&mut svg, width, height);
    draw_lanes(&mut svg, &lanes, height);
    for (row, &(state, action)) in steps.iter().enumerate() {
        draw_step(&mut svg, model, state, action, row);
    }
    svg.push_str("</svg>");
    svg
}

/// One lane per client, per cache node, then the witness, persistence and the replica.
fn lane_names(model: &WitnessModel) -> Vec<String> {
    let mut lanes: Vec<String> = (0..model.cfg.clients)
        .map(|c| ClientId(u32::from(c)).to_string())
        .collect();
    lanes.extend((0..model.cfg.cache_nodes).map(|n| NodeId(n).to_string()));
    lanes.extend(["witness", "persistence", "replica"].map(String::from));
    lanes
}

fn open_svg(svg: &mut String, width: usize, height: usize) {
    let _ = write!(
        svg,
        "<svg version='1.1' baseProfile='full' width='{width}' height='{height}' viewbox='-20 -20 {} {}' xmlns='http://www.w3.org/2000/svg'>",
        width + 20,
        height + 20
    );
    // The Explorer's page is dark; the diagram brings its own light background.
    let _ = write!(
        svg,
        "<rect x='-20' y='-20' width='{}' height='{}' fill='#fff'/>",
        width + 40,
        height + 40
    );
    svg.push_str("<defs><marker id='arrow' markerUnits='strokeWidth' orient='auto' markerWidth='10' markerHeight='8' refX='10' refY='4'><path d='M0,0 L10,4 L0,8 z' fill='#333'/></marker></defs>");
}

fn draw_lanes(svg: &mut String, lanes: &[String], height: usize) {
    for (i, name) in lanes.iter().enumerate() {
        let _ = write!(
            svg,
            "<line x1='{0}' y1='{1}' x2='{0}' y2='{2}' stroke='#bbb'/><text x='{0}' y='24' font-size='{LANE_FONT_PX}' font-weight='bold' text-anchor='middle' font-family='sans-serif'>{3}</text>",
            lane_x(i),
            TOP_PX - 10,
            height,
            escape(name)
        );
    }
}

/// Row `row`: an arrow from the acting lane to the one the work happens in, or a dot where both
/// are one lane (or the step has no acting lane), labelled with the step's narration.
fn draw_step(
    svg: &mut String,
    model: &WitnessModel,
    state: &SystemState,
    action: &Action,
    row: usize,
) {
    let Some(to) = target_lane(model, state, action) else {
        return;
    };
    let y = TOP_PX + (row + 1) * ROW_HEIGHT_PX;
    let label = escape(&narrate::describe(model, state, action));
    match source_lane(model, action) {
        Some(from) if from != to => {
            let _ = write!(
                svg,
                "<line x1='{}' y1='{y}' x2='{}' y2='{y}' stroke='#333' marker-end='url(#arrow)'/>",
                lane_x(from),
                lane_x(to)
            );
            let _ = write!(
                svg,
                "<text x='{}' y='{}' font-size='{LABEL_FONT_PX}' font-family='sans-serif'>{}. {label}</text>",
                lane_x(from.min(to)) + 4,
                y - 4,
                row + 1
            );
        }
        Some(_) | None => {
            let _ = write!(
                svg,
                "<circle cx='{}' cy='{y}' r='4' fill='#c33'/><text x='{}' y='{}' font-size='{LABEL_FONT_PX}' font-family='sans-serif'>{}. {label}</text>",
                lane_x(to),
                lane_x(to) + 6,
                y - 4,
                row + 1
            );
        }
    }
}
