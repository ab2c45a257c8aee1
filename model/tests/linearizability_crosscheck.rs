//! The `linearizable` rule (model/src/properties/linearizable.rs) needs no search because writes
//! carry versions. This test checks that shortcut against stateright's exhaustive
//! `LinearizabilityTester` on histories produced by random walks through the model, in modes and
//! variants that produce both linearizable and non-linearizable histories: exactly equal to a
//! register whose writes take effect in version order, and never weaker than a plain register.

use stateright::semantics::{ConsistencyTester, LinearizabilityTester, SequentialSpec};
use stateright::Model;
use std::collections::BTreeMap;
use witness_model::history::{ClientId, Event, Key, Op, Ret, Seq};
use witness_model::properties::{check_history, PropertyId};
use witness_model::system::{Action, Mode, Variant, WitnessCfg, WitnessModel};

#[derive(Clone, Debug)]
enum RegisterOp {
    Write(Seq),
    Read,
}

#[derive(Clone, Debug, PartialEq)]
enum RegisterRet {
    Written,
    Read(Seq),
}

/// A register of versions. Version-ordered: writes must take effect in version order (what
/// last-writer-wins by version means). Plain: writes may take effect in any order.
#[derive(Clone, Debug)]
struct Register {
    version_ordered: bool,
    value: Seq,
}

impl Register {
    const VERSION_ORDERED: Register = Register {
        version_ordered: true,
        value: 0,
    };
    const PLAIN: Register = Register {
        version_ordered: false,
        value: 0,
    };
}

impl SequentialSpec for Register {
    type Op = RegisterOp;
    type Ret = RegisterRet;

    fn invoke(&mut self, op: &RegisterOp) -> RegisterRet {
        match op {
            RegisterOp::Write(seq) => {
                self.value = *seq;
                RegisterRet::Written
            }
            RegisterOp::Read => RegisterRet::Read(self.value),
        }
    }

    fn is_valid_step(&mut self, op: &RegisterOp, ret: &RegisterRet) -> bool {
        match (op, ret) {
            (RegisterOp::Write(seq), RegisterRet::Written)
                if !self.version_ordered || *seq > self.value =>
            {
                self.value = *seq;
                true
            }
            (RegisterOp::Read, RegisterRet::Read(seq)) => *seq == self.value,
            _ => false,
        }
    }
}

/// Stateright's verdict: every key's GET/PUT/DELETE history is linearizable.
fn tester_says_linearizable(history: &[Event], keys: u8, spec: Register) -> bool {
    (0..keys).all(|k| key_is_linearizable(history, Key(k.into()), spec.clone()))
}

fn key_is_linearizable(history: &[Event], key: Key, spec: Register) -> bool {
    // A write's version is known only at its ack, but the tester wants it at the invocation:
    // pair every operation on `key` with its response first, then replay in real-time order.
    let mut completed: BTreeMap<ClientId, Vec<(RegisterOp, RegisterRet)>> = BTreeMap::new();
    let mut open: BTreeMap<ClientId, Op> = BTreeMap::new();
    for event in history {
        match event {
            Event::Invoke { client, op } => {
                open.insert(*client, *op);
            }
            Event::Return { client, ret } => {
                let Some(op) = open.remove(client) else {
                    continue;
                };
                if op.key() != Some(key) {
                    continue;
                }
                let pair = match (op, ret) {
                    (Op::Get { .. }, Ret::Read { observed }) => {
                        (RegisterOp::Read, RegisterRet::Read(observed.seq))
                    }
                    (_, Ret::Ack { seq }) => (RegisterOp::Write(*seq), RegisterRet::Written),
                    _ => continue,
                };
                completed.entry(*client).or_default().push(pair);
            }
            Event::ReplicaApplied { .. } => {}
        }
    }
    let mut tester = LinearizabilityTester::new(spec);
    let mut cursor: BTreeMap<ClientId, usize> = BTreeMap::new();
    let mut open: BTreeMap<ClientId, Op> = BTreeMap::new();
    for event in history {
        match event {
            Event::Invoke { client, op } => {
                open.insert(*client, *op);
                if op.key() == Some(key) {
                    let next = *cursor.get(client).unwrap_or(&0);
                    if let Some((reg_op, _)) = completed[client].get(next) {
                        tester
                            .on_invoke(*client, reg_op.clone())
                            .expect("well-formed history");
                    }
                }
            }
            Event::Return { client, .. } => {
                let Some(op) = open.remove(client) else {
                    continue;
                };
                if op.key() == Some(key) {
                    let next = cursor.entry(*client).or_insert(0);
                    let (_, reg_ret) = completed[client][*next].clone();
                    *next += 1;
                    tester
                        .on_return(*client, reg_ret)
                        .expect("well-formed history");
                }
            }
            Event::ReplicaApplied { .. } => {}
        }
    }
    tester.is_consistent()
}

/// A small deterministic PRNG so the walks are reproducible without a dependency.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Walks the model at random until every client has finished, returning the history.
fn random_history(model: &WitnessModel, rng: &mut XorShift) -> Vec<Event> {
    let mut state = model.init_state();
    let mut history = Vec::new();
    let mut actions: Vec<Action> = Vec::new();
    for _ in 0..200 {
        actions.clear();
        model.actions(&state, &mut actions);
        // Prefer client actions so walks finish; faults still happen along the way.
        let client_actions = actions
            .iter()
            .filter(|a| matches!(a, Action::Invoke { .. } | Action::Step { .. }))
            .count();
        if client_actions == 0 {
            break;
        }
        let action = actions[rng.below(actions.len())].clone();
        state = model.apply_recording(&state, &action, &mut |e| history.push(e.clone()));
    }
    history
}

#[test]
fn version_rule_agrees_with_stateright_linearizability_tester() {
    let mut rng = XorShift(0x5eed_1234_abcd_0001);
    let mut agreed_linearizable = 0;
    let mut agreed_not = 0;
    let configurations = [
        (Mode::Eventual, Variant::WITH_COMMIT),
        (
            Mode::Strong,
            Variant::WITH_COMMIT.with("witness-after-commit").unwrap(),
        ),
        (Mode::Strong, Variant::WITH_COMMIT),
    ];
    for (mode, variant) in configurations {
        let model = WitnessCfg {
            // One key: every operation contends, so violations are common enough to compare.
            clients: 3,
            keys: 1,
            ops_per_client: 2,
            mode,
            variant,
            ..WitnessCfg::default_cfg()
        }
        .into_model();
        for _ in 0..4000 {
            let history = random_history(&model, &mut rng);
            let ours = check_history(&history)
                .expect("model histories are well formed")
                .holds(PropertyId::Linearizable);
            let theirs =
                tester_says_linearizable(&history, model.cfg.keys, Register::VERSION_ORDERED);
            // The version rule is stronger than plain register linearizability (writes must be
            // linearized in version order), never weaker.
            if ours {
                assert!(tester_says_linearizable(
                    &history,
                    model.cfg.keys,
                    Register::PLAIN
                ));
            }
            assert_eq!(
                ours,
                theirs,
                "verdicts differ on:\n{}",
                history
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            if ours {
                agreed_linearizable += 1;
            } else {
                agreed_not += 1;
            }
        }
    }
    // Both verdicts must occur, or the comparison proves nothing.
    assert!(agreed_linearizable > 1000, "{agreed_linearizable}");
    assert!(agreed_not > 100, "{agreed_not}");
}
