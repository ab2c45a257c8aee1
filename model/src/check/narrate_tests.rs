//! What a trace tells a reviewer: whose operation each step is, what is left in flight, one word
//! for a key nobody wrote, and no witness where the mode has none.

use super::{narrate_path, run, CheckOptions, CheckReport};
use crate::history::{ClientId, Key, NodeId, Op};
use crate::system::{Action, Mode, Variant, WitnessCfg, WitnessOrder};

fn small(mode: Mode, witness_order: WitnessOrder) -> WitnessCfg {
    WitnessCfg {
        mode,
        variant: Variant {
            witness_order,
            ..Variant::WITH_COMMIT
        },
        ..WitnessCfg::small()
    }
}

fn check(cfg: &WitnessCfg) -> CheckReport {
    run(cfg, &CheckOptions::default(), None, &mut |_| {}).expect("valid configuration")
}

/// Client 1 commits a PUT (the witness not yet told); client 2 starts a GET on the other node.
fn unfinished_path() -> Vec<String> {
    let model = small(Mode::Strong, WitnessOrder::AfterCommit).into_model();
    let actions = [
        Action::Invoke {
            client: ClientId(0),
            op: Op::Put { key: Key(0) },
            node: NodeId(0),
        },
        Action::Step {
            client: ClientId(0),
            quorum: None,
        },
        Action::Invoke {
            client: ClientId(1),
            op: Op::Get { key: Key(0) },
            node: NodeId(1),
        },
    ];
    let mut state = model.init_state();
    let mut steps = Vec::new();
    for action in actions {
        let next = model.apply(&state, &action);
        steps.push((state, Some(action)));
        state = next;
    }
    steps.push((state, None));
    narrate_path(&model, &steps, None)
}

#[test]
fn each_step_names_the_operation_it_belongs_to() {
    let trace = unfinished_path();
    assert_eq!(
        trace[..3],
        [
            "1. client 1 op 1 PUT k0 via cache node 1: persistence assigns v1",
            "2. client 1 op 1 PUT k0 v1: persistence commits v1",
            "3. client 2 op 1 GET k0 via cache node 2: node has no entry",
        ]
    );
}

#[test]
fn a_trace_ends_with_the_operations_left_in_flight() {
    let trace = unfinished_path();
    assert_eq!(
        trace.last().map(String::as_str),
        Some(
            "in flight: client 1 op 1 PUT k0 (persistence committed v1, witness not yet \
             notified); client 2 op 1 GET k0 via cache node 2 (not yet loaded)"
        ),
        "{trace:#?}"
    );
}

#[test]
fn eventual_traces_tell_no_witness_and_note_only_the_stale_answer_found() {
    let report = check(&small(Mode::Eventual, WitnessOrder::AfterCommit));
    let traces: Vec<_> = report.properties.iter().filter(|p| p.steps() > 0).collect();
    assert!(traces.len() > 5, "the eventual anomalies have examples");
    for result in traces {
        let trace = &result.trace;
        assert!(
            trace.iter().all(|l| !l.contains("witness")),
            "{}: {trace:#?}",
            result.property
        );
        // No barrier can call an entry fresh here, so only the finding's read (the last step)
        // may say it is stale.
        let stale: Vec<usize> = (0..trace.len())
            .filter(|&i| trace[i].contains("stale:"))
            .collect();
        assert!(
            stale.iter().all(|&i| i + 1 == result.steps()),
            "{}: {trace:#?}",
            result.property
        );
    }
}

#[test]
fn traces_say_absent_never_v0() {
    for mode in [Mode::Strong, Mode::Eventual] {
        let report = check(&small(mode, WitnessOrder::BeforeCommit));
        let lines: Vec<&String> = report.properties.iter().flat_map(|p| &p.trace).collect();
        assert!(lines.iter().any(|l| l.contains("absent")), "{lines:#?}");
        for line in lines {
            let words = line.split(|c: char| !c.is_ascii_alphanumeric());
            assert!(words.clone().all(|w| w != "v0"), "{mode:?}: {line}");
            assert!(!line.contains("not found"), "{mode:?}: {line}");
        }
    }
}
