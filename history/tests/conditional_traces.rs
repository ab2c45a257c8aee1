//! The model's counterexamples with conditional writes, exported:
//! - as the project's JSON events (versions kept), `witness history` judges each exactly as the
//!   model did: the same history through the same monitor;
//! - as a value history (`cas`, `create`, `delete-if`, a 412 as `fail`; `--to jepsen-json`),
//!   witness-history's search never finds a violation the model did not, and finds the model's
//!   where the values carry what the versions do. They carry less: a value history orders
//!   overlapping writes in any way real time allows, while versions are persistence's order, and
//!   an unacknowledged write has no value at all. So a create that raced a PUT and was numbered
//!   after it, or an If-Match over a write not yet acknowledged, shows only in versions.

use witness_history::{judge, Command, Outcome, Status};
use witness_model::check::{run, CheckOptions};
use witness_model::history::Event;
use witness_model::names::Names;
use witness_model::properties::{check_history_stream, PropertyId};
use witness_model::system::{Mode, Mutant, WitnessCfg};

fn rows() -> Vec<WitnessCfg> {
    let mut rows = vec![WitnessCfg {
        mode: Mode::Eventual,
        ..WitnessCfg::conditional()
    }];
    for mutant in [Mutant::JudgePreconditionAtCache, Mutant::SkipInFlightWait] {
        rows.push(WitnessCfg {
            mutant: Some(mutant),
            ..WitnessCfg::conditional()
        });
    }
    rows
}

#[test]
fn exported_conditional_counterexamples_are_judged_as_the_model_did() {
    let mut judged = 0;
    let mut agreed_violated = 0;
    let mut spurious_over_values = 0;
    let mut conditional_ops = 0;
    for cfg in rows() {
        let report = run(&cfg, &CheckOptions::default(), None, &mut |_| {}).expect("valid");
        let model = cfg.clone().into_model();
        for (property, steps) in &report.paths {
            let mut events: Vec<Event> = Vec::new();
            let mut state = model.init_state();
            for (_, action) in steps {
                if let Some(action) = action {
                    state = model.apply_recording(&state, action, &mut |e| events.push(e.clone()));
                }
            }
            let model_violated: Vec<PropertyId> = state.monitor.violated().iter().collect();
            let model_lin = model_violated.contains(&PropertyId::Linearizable);
            let exported: String = events
                .iter()
                .map(|e| serde_json::to_string(e).expect("serializable") + "\n")
                .collect();
            let reread = check_history_stream(exported.as_bytes()).expect("well formed");
            let judged_on_history =
                |p: &PropertyId| p.judged_on() == witness_model::properties::JudgedOn::History;
            let expected: Vec<PropertyId> = model_violated
                .iter()
                .copied()
                .filter(judged_on_history)
                .collect();
            let mut got = reread.violated.clone();
            got.sort();
            assert_eq!(got, expected, "{:?} {property}", cfg.mutant);
            let history = witness_history::versioned::from_events(&events, &Names::default());
            conditional_ops += history
                .operations
                .iter()
                .filter(|op| {
                    matches!(
                        op.command,
                        Command::Cas { .. } | Command::Create(_) | Command::DeleteIf { .. }
                    )
                })
                .count();
            let verdict = judge(&history);
            let value_lin = verdict
                .properties
                .iter()
                .find(|p| p.property == PropertyId::Linearizable)
                .map(|p| p.status);
            let what = format!("{:?} {property}: {events:#?}", cfg.mutant);
            if value_lin == Some(Status::Violated) {
                assert!(model_lin, "{what}");
                agreed_violated += 1;
            }
            if !model_lin {
                assert_eq!(value_lin, Some(Status::Holds), "{what}");
            }
            // A spurious 412 over values (refusals.rs) is one over versions too.
            let value_pj = verdict
                .properties
                .iter()
                .find(|p| p.property == PropertyId::PreconditionJustified)
                .map(|p| p.status);
            let model_pj = model_violated.contains(&PropertyId::PreconditionJustified);
            if value_pj == Some(Status::Violated) {
                assert!(model_pj, "{what}");
                spurious_over_values += 1;
            }
            judged += 1;
        }
    }
    assert!(judged >= 10, "{judged} traces judged");
    assert!(
        agreed_violated >= 3,
        "{agreed_violated} violations seen by both judges"
    );
    assert!(
        spurious_over_values >= 1,
        "no spurious 412 seen over values"
    );
    assert!(
        conditional_ops > 5,
        "{conditional_ops} conditional operations"
    );
}

/// A refused conditional write is a `fail` (it took no effect), never `ok` or `info`.
#[test]
fn a_412_becomes_a_failed_operation() {
    let cfg = WitnessCfg {
        mutant: Some(Mutant::JudgePreconditionAtCache),
        ..WitnessCfg::conditional()
    };
    let report = run(&cfg, &CheckOptions::default(), None, &mut |_| {}).expect("valid");
    let model = cfg.clone().into_model();
    let (_, steps) = report
        .paths
        .iter()
        .find(|(p, _)| *p == PropertyId::SpuriousPreconditionFailure)
        .expect("A9 found");
    let mut events = Vec::new();
    let mut state = model.init_state();
    for action in steps.iter().filter_map(|(_, a)| a.as_ref()) {
        state = model.apply_recording(&state, action, &mut |e| events.push(e.clone()));
    }
    let history = witness_history::versioned::from_events(&events, &Names::default());
    let refused: Vec<_> = history
        .operations
        .iter()
        .filter(|op| op.outcome == Outcome::Fail)
        .collect();
    assert_eq!(refused.len(), 1);
    assert!(matches!(refused[0].command, Command::Cas { .. }));
}
