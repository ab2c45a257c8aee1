//! The deciders checked against each other on random histories:
//! - the memoized search and the read-mapping method agree wherever read mapping applies;
//! - on versioned histories (the model's vocabulary) converted to values, the search agrees with
//!   the `linearizable` property's version rule in witness_model::properties. The property stays
//!   defined once; the search is its general decider when a history carries no versions.

use proptest::prelude::*;
use witness_history::linearize::{linearizable_by, Method};
use witness_history::{Command, History, Operation, Outcome, Reply, Value};
use witness_model::history::{ClientId, Event, Key, Observed, Op, Ret};
use witness_model::properties::{check_history, PropertyId};

/// One step of a random schedule: which process acts, and a choice for what it does.
type Schedule = Vec<(u8, u8)>;

/// Builds a one-key history of reads and unique-valued writes from a schedule. A process that is
/// idle invokes (a write if its choice is even); a busy one completes. A read returns one of the
/// values written so far (or not found), picked by the choice: some histories linearize, some do
/// not. Writes still in flight at the end stay pending forever.
fn value_history(schedule: &Schedule, processes: u8) -> History {
    let mut history = History {
        keys: vec!["k".into()],
        keyed: true,
        ..History::default()
    };
    let mut open: Vec<Option<usize>> = vec![None; usize::from(processes)];
    let mut writes = 0u32;
    for &(p, choice) in schedule {
        let p = usize::from(p % processes);
        let position = history.events;
        history.events += 1;
        match open[p] {
            None => {
                let command = if choice & 1 == 0 {
                    writes += 1;
                    Command::Write(Value::Int(i64::from(writes)))
                } else {
                    Command::Read
                };
                open[p] = Some(history.operations.len());
                history
                    .operations
                    .push(Operation::invoked(p.to_string(), 0, command, position));
            }
            Some(index) => {
                open[p] = None;
                let op = &mut history.operations[index];
                op.ret = Some(position);
                op.outcome = Outcome::Ok(match op.command {
                    Command::Read => {
                        // Mostly the latest value, sometimes any earlier one.
                        let pick = if choice < 10 {
                            writes
                        } else {
                            u32::from(choice) % (writes + 1)
                        };
                        Reply::Read((pick > 0).then(|| Value::Int(i64::from(pick))))
                    }
                    _ => Reply::Done,
                });
            }
        }
    }
    history
}

fn all_ops(history: &History) -> Vec<usize> {
    (0..history.operations.len()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn search_and_read_mapping_agree(
        processes in 1u8..5,
        schedule in prop::collection::vec((0u8..4, 0u8..16), 0..40),
    ) {
        let history = value_history(&schedule, processes);
        let ops = all_ops(&history);
        let by_reads = linearizable_by(&history, &ops, Method::ReadMapping);
        prop_assert!(by_reads.is_some(), "unique writes, no delete: read mapping applies");
        prop_assert_eq!(by_reads, linearizable_by(&history, &ops, Method::Search));
    }

    #[test]
    fn search_agrees_with_the_version_rule(
        processes in 1u8..4,
        schedule in prop::collection::vec((0u8..3, 0u8..16), 0..30),
    ) {
        let (events, history) = versioned(&schedule, processes);
        let by_versions = check_history(&events).expect("well formed").holds(PropertyId::Linearizable);
        let by_search = linearizable_by(&history, &all_ops(&history), Method::Search);
        prop_assert_eq!(Some(by_versions), by_search, "{:?}", events);
    }
}

/// A random versioned history in the model's vocabulary (one key, PUT and GET, every PUT
/// acknowledged with the version persistence gave it, in the order acknowledgements are drawn),
/// and the same history in values: the PUT of version `s` becomes a conditional PUT of `s`
/// expecting `s - 1`, so the value-based search must put the writes in version order too.
/// Operations still in flight when the schedule ends complete afterwards, in process order.
fn versioned(schedule: &Schedule, processes: u8) -> (Vec<Event>, History) {
    let mut recorder = Versioned {
        events: Vec::new(),
        history: History {
            keys: vec!["k".into()],
            keyed: true,
            ..History::default()
        },
        open: vec![None; usize::from(processes)],
        versions: 0,
    };
    for &(p, choice) in schedule {
        recorder.step(p % processes, choice);
    }
    for p in 0..processes {
        if recorder.open[usize::from(p)].is_some() {
            recorder.step(p, 0);
        }
    }
    (recorder.events, recorder.history)
}

struct Versioned {
    events: Vec<Event>,
    history: History,
    open: Vec<Option<usize>>,
    versions: u8,
}

fn value(seq: u8) -> Option<Value> {
    (seq > 0).then(|| Value::Int(i64::from(seq)))
}

impl Versioned {
    fn step(&mut self, p: u8, choice: u8) {
        let client = ClientId(u32::from(p));
        let position = self.events.len();
        let key = Key(0);
        match self.open[usize::from(p)] {
            None => {
                let op = if choice & 1 == 0 {
                    Op::Put { key }
                } else {
                    Op::Get { key }
                };
                self.events.push(Event::Invoke { client, op });
                self.open[usize::from(p)] = Some(self.history.operations.len());
                let command = if op.is_write() {
                    Command::Write(Value::Int(0))
                } else {
                    Command::Read
                };
                self.history.operations.push(Operation::invoked(
                    p.to_string(),
                    0,
                    command,
                    position,
                ));
            }
            Some(index) => {
                self.open[usize::from(p)] = None;
                let op = &mut self.history.operations[index];
                op.ret = Some(position);
                if op.command == Command::Read {
                    let seq = if choice < 10 {
                        self.versions
                    } else {
                        choice % (self.versions + 1)
                    };
                    let observed = Observed {
                        seq: seq.into(),
                        exists: seq > 0,
                    };
                    self.events.push(Event::Return {
                        client,
                        ret: Ret::Read { observed },
                    });
                    op.outcome = Outcome::Ok(Reply::Read(value(seq)));
                } else {
                    self.versions += 1;
                    let seq = self.versions;
                    self.events.push(Event::Return {
                        client,
                        ret: Ret::Ack { seq: seq.into() },
                    });
                    let new = value(seq).expect("a version above 0");
                    op.command = match value(seq - 1) {
                        Some(expected) => Command::Cas { expected, new },
                        None => Command::Create(new),
                    };
                    op.outcome = Outcome::Ok(Reply::Done);
                }
            }
        }
    }
}

/// The generators are not vacuous: both verdicts occur often.
#[test]
fn the_random_histories_include_both_verdicts() {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut values_ok, mut versions_ok) = (0, 0);
    for _ in 0..200 {
        let schedule: Schedule = (0..24)
            .map(|_| ((next() % 3) as u8, (next() % 16) as u8))
            .collect();
        let history = value_history(&schedule, 3);
        values_ok += usize::from(
            linearizable_by(&history, &all_ops(&history), Method::Search) == Some(true),
        );
        let (events, _) = versioned(&schedule, 3);
        versions_ok += usize::from(
            check_history(&events)
                .expect("well formed")
                .holds(PropertyId::Linearizable),
        );
    }
    assert!(
        (20..180).contains(&values_ok),
        "{values_ok} of 200 linearizable"
    );
    eprintln!("linearizable: {values_ok} of 200 (values), {versions_ok} of 200 (versions)");
    assert!(
        (20..180).contains(&versions_ok),
        "{versions_ok} of 200 linearizable"
    );
}
