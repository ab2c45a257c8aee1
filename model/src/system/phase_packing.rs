//! A client's [`Phase`] packed into its `phase` field, where `layout.phase_code` puts each part:
//! a tag (idle, write, GET, LIST), the node, the step's code, the key, and what the step carries
//! (a version, or a listing).
//!
//! Each step enum's codes are one list (`step_codes!`): encoding matches it exhaustively, so a
//! new step does not compile until it has a code, and decoding reads the same list. A packed
//! phase that no encoding produces (an unknown tag or step code, a node, key or version out of
//! range, a field the step does not use left set) is a corrupt state, and decoding panics on it.

use super::layout::{byte, Field, Layout, Seq, Shape, Table, STEP_BITS, WORDS};
use super::phase::{ConditionalOp, GetStep, ListStep, Listing, Phase, WriteOp, WriteStep};
use super::witness_table::Epochs;
use crate::history::{Key, NodeId, Precondition};

/// The packed idle phase: every field zero, which the state tests for without decoding.
pub(super) const IDLE: u64 = 0;
const WRITE: u64 = 1;
const GET: u64 = 2;
const LIST: u64 = 3;
/// A conditional write waiting for its judgement is packed as a write (its node, key and kind
/// where a write keeps them) with a step code no [`WriteStep`] uses; an `If-Match` keeps the
/// version it names where a write keeps its own.
const JUDGE_ABSENT: u64 = 6;
const JUDGE_MATCHES: u64 = 7;
const _: () = assert!(
    JUDGE_MATCHES < 1 << STEP_BITS,
    "a judgement's code needs more bits"
);

/// What a step carries besides its node and key, packed where the phase code puts it.
enum Carried {
    Nothing,
    Seq(Seq),
    Listing(Listing),
}

/// Where a step being decoded reads what it carries.
trait Payload {
    fn seq(&self) -> Seq;
    fn listing(&self) -> Listing;
    fn epochs(&self) -> Epochs;
}

/// Gives a step enum `code` (its number in the packed phase, what it carries, and the epochs a
/// relearn is fenced by) and `from_code`, its inverse, from one list of `code => step`, each
/// field named with its kind (`seq`, `listing` or `epochs`).
macro_rules! step_codes {
    ($step:ident { $($code:literal => $name:ident $({ $($field:ident : $kind:ident),* })?,)* }) => {
        impl $step {
            fn code(self) -> (u64, Carried, Epochs) {
                match self {
                    $( $step::$name $({ $($field),* })? => {
                        #[allow(unused_mut, unused_assignments)]
                        let mut carried = Carried::Nothing;
                        #[allow(unused_mut, unused_assignments)]
                        let mut epochs = Epochs::default();
                        $($( step_codes!(@put carried epochs $field $kind); )*)?
                        ($code, carried, epochs)
                    } )*
                }
            }

            /// The step with code `code`, reading from `payload` only what the step carries.
            #[allow(unused_variables)]
            fn from_code(code: u64, payload: &impl Payload) -> $step {
                match code {
                    $( $code => $step::$name $({ $($field: step_codes!(@read payload $kind)),* })?, )*
                    other => panic!(
                        concat!("corrupt packed state: no ", stringify!($step), " has code {}"),
                        other
                    ),
                }
            }
        }

        impl $step {
            #[cfg(test)]
            const CODES: &'static [u64] = &[$($code),*];
        }
        $( const _: () = assert!($code < 1 << STEP_BITS, "a step code needs more bits"); )*
    };
    (@put $carried:ident $epochs:ident $field:ident seq) => { $carried = Carried::Seq($field) };
    (@put $carried:ident $epochs:ident $field:ident listing) => {
        $carried = Carried::Listing($field)
    };
    (@put $carried:ident $epochs:ident $field:ident epochs) => { $epochs = $field };
    (@read $payload:ident seq) => { $payload.seq() };
    (@read $payload:ident listing) => { $payload.listing() };
    (@read $payload:ident epochs) => { $payload.epochs() };
}

step_codes!(WriteStep {
    0 => Commit,
    1 => NotifyWitness,
    2 => CommitAndNotify,
    3 => UpdateCache,
    4 => Ack,
    5 => LateNotify,
});

step_codes!(GetStep {
    0 => FillLoad,
    1 => FillStore { loaded: seq },
    2 => CheckWitness { entry: seq },
    3 => Reload,
    4 => Repair { loaded: seq },
    5 => Relearn { loaded: listing, epochs: epochs },
});

step_codes!(ListStep {
    0 => FillLoad,
    1 => FillStore { loaded: listing },
    2 => CheckBarrier { listing: listing },
    3 => Reload,
    4 => Repair { loaded: listing },
    5 => Relearn { loaded: listing, epochs: epochs },
    6 => FillSecondRead { partial: listing },
    7 => ReloadSecondRead { partial: listing, epochs: epochs },
});

/// Packs what a step carries into the phase code's fields.
fn put_carried(layout: &Layout, words: &mut [u64; WORDS], carried: Carried, epochs: Epochs) {
    let code = &layout.phase_code;
    match carried {
        Carried::Nothing => {}
        Carried::Seq(seq) => code.seq.set(words, seq.into()),
        Carried::Listing(listing) => {
            for (key, s) in listing.iter() {
                code.listing.at(key.index()).set(words, s.into());
            }
            put_recorded(layout.shape, code.listing, words, &listing);
        }
    }
    code.epochs.set(words, epochs.0.into());
}

/// Packs a listing's recorded partition sequence after its versions, where the shape has room
/// for it; a listing records one only under a partition-sequence barrier.
fn put_recorded(shape: Shape, table: Table, words: &mut [u64; WORDS], listing: &Listing) {
    let keys = usize::from(shape.keys);
    for (i, &prefix) in listing
        .packed_recorded(shape.recorded_ranges())
        .iter()
        .enumerate()
    {
        table.at(keys + i).set(words, prefix.into());
    }
}

pub(super) fn encode(layout: &Layout, phase: &Phase) -> u64 {
    let code = &layout.phase_code;
    let mut words = [0u64; WORDS];
    let (tag, step) = match *phase {
        Phase::Idle => return IDLE,
        Phase::Judge { op } => {
            code.node.set(&mut words, op.node.0.into());
            code.key.set(&mut words, op.key.0.into());
            code.put.set(&mut words, op.put.into());
            let step = match op.named() {
                None => JUDGE_ABSENT,
                Some(named) => {
                    code.seq.set(&mut words, named.into());
                    JUDGE_MATCHES
                }
            };
            (WRITE, step)
        }
        Phase::Write { op, step } => {
            code.node.set(&mut words, op.node.0.into());
            code.key.set(&mut words, op.key.0.into());
            code.seq.set(&mut words, op.seq.into());
            code.put.set(&mut words, op.put.into());
            (WRITE, step.code().0)
        }
        Phase::Get { key, node, step } => {
            let (step, carried, epochs) = step.code();
            code.node.set(&mut words, node.0.into());
            code.key.set(&mut words, key.0.into());
            put_carried(layout, &mut words, carried, epochs);
            (GET, step)
        }
        Phase::List { node, step } => {
            let (step, carried, epochs) = step.code();
            code.node.set(&mut words, node.0.into());
            put_carried(layout, &mut words, carried, epochs);
            (LIST, step)
        }
    };
    code.tag.set(&mut words, tag);
    code.step.set(&mut words, step);
    words[0]
}

/// The phase `raw` packs (not idle: the state answers that without decoding).
pub(super) fn decode(layout: &Layout, raw: u64) -> Phase {
    let mut words = [0; WORDS];
    words[0] = raw;
    let fields = Fields { layout, words };
    let code = &layout.phase_code;
    let step = fields.get(code.step);
    let phase = match fields.get(code.tag) {
        WRITE if step == JUDGE_ABSENT || step == JUDGE_MATCHES => {
            let precondition = if step == JUDGE_ABSENT {
                Precondition::Absent
            } else {
                Precondition::Matches(fields.version(code.seq).into())
            };
            Phase::Judge {
                op: ConditionalOp {
                    key: fields.key(),
                    node: fields.node(),
                    put: fields.get(code.put) != 0,
                    precondition,
                },
            }
        }
        WRITE => Phase::Write {
            op: WriteOp {
                key: fields.key(),
                node: fields.node(),
                seq: fields.version(code.seq),
                put: fields.get(code.put) != 0,
            },
            step: WriteStep::from_code(step, &fields),
        },
        GET => Phase::Get {
            key: fields.key(),
            node: fields.node(),
            step: GetStep::from_code(step, &fields),
        },
        LIST => Phase::List {
            node: fields.node(),
            step: ListStep::from_code(step, &fields),
        },
        tag => panic!("corrupt packed state: phase {raw:#x} has tag {tag} and fields set"),
    };
    // Catches the rest: bits of a field the step does not use (a GET's `put`, a payload on a step
    // that carries none) that only a corrupt state has set.
    assert_eq!(
        encode(layout, &phase),
        raw,
        "corrupt packed state: phase {raw:#x} reads as {phase:?}, which packs differently"
    );
    phase
}

/// A packed phase being read, with the range of each field its shape allows.
struct Fields<'a> {
    layout: &'a Layout,
    words: [u64; WORDS],
}

impl Fields<'_> {
    fn get(&self, field: Field) -> u64 {
        field.get(&self.words)
    }

    fn node(&self) -> NodeId {
        let node = self.get(self.layout.phase_code.node);
        let nodes = self.layout.shape.nodes;
        assert!(
            node < u64::from(nodes),
            "corrupt packed state: a phase names node {node} of {nodes}"
        );
        NodeId(byte(node, "a phase's node"))
    }

    fn key(&self) -> Key {
        let key = self.get(self.layout.phase_code.key);
        let keys = self.layout.shape.keys;
        assert!(
            key < u64::from(keys),
            "corrupt packed state: a phase names key {key} of {keys}"
        );
        Key(u32::from(byte(key, "a phase's key")))
    }

    fn version(&self, field: Field) -> Seq {
        let seq = self.get(field);
        let max = self.layout.shape.max_seq();
        assert!(
            seq <= max,
            "corrupt packed state: a phase carries v{seq}, above v{max}"
        );
        byte(seq, "a phase's version")
    }
}

impl Payload for Fields<'_> {
    fn seq(&self) -> Seq {
        self.version(self.layout.phase_code.seq)
    }

    fn epochs(&self) -> Epochs {
        let raw = self.get(self.layout.phase_code.epochs);
        Epochs(
            u16::try_from(raw)
                .unwrap_or_else(|_| panic!("corrupt packed state: a phase's epochs hold {raw}")),
        )
    }

    fn listing(&self) -> Listing {
        let mut listing = Listing::empty(self.layout.shape.keys);
        for k in 0..u32::from(self.layout.shape.keys) {
            let key = Key(k);
            listing[key] = self.version(self.layout.phase_code.listing.at(key.index()));
        }
        let (keys, ranges) = (self.layout.shape.keys, self.layout.shape.recorded_ranges());
        let packed: smallvec::SmallVec<[Seq; 2]> = (keys..keys + ranges)
            .map(|slot| self.version(self.layout.phase_code.listing.at(usize::from(slot))))
            .collect();
        listing.unpack_recorded(&packed);
        listing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::layout::{PhaseCode, Shape};
    use crate::system::ConfigName;
    use std::collections::HashMap;

    /// Every listing of `shape`'s keys with versions up to `max`, recording every prefix up to
    /// `max` in each range the shape packs.
    fn every_listing(shape: Shape, max: Seq) -> Vec<Listing> {
        let mut listings = vec![Listing::empty(shape.keys)];
        for key in Listing::empty(shape.keys).keys() {
            listings = listings
                .into_iter()
                .flat_map(|l| {
                    (0..=max).map(move |s| {
                        let mut l = l;
                        l[key] = s;
                        l
                    })
                })
                .collect();
        }
        let prefixes: Vec<Vec<Seq>> = match shape.recorded_ranges() {
            0 => vec![vec![]],
            1 => (0..=max).map(|r| vec![r]).collect(),
            _ => (0..=max)
                .flat_map(|lower| (0..=max).map(move |upper| vec![lower, upper]))
                .collect(),
        };
        listings
            .into_iter()
            .flat_map(|l| {
                prefixes.iter().map(move |packed| {
                    let mut l = l;
                    l.unpack_recorded(packed);
                    l
                })
            })
            .collect()
    }

    /// What a step built for the test carries.
    struct Given {
        seq: Seq,
        listing: Listing,
        epochs: Epochs,
    }

    impl Payload for Given {
        fn seq(&self) -> Seq {
            self.seq
        }
        fn listing(&self) -> Listing {
            self.listing
        }
        fn epochs(&self) -> Epochs {
            self.epochs
        }
    }

    /// The fences a relearn of `shape` may carry, as the test enumerates them: none where the
    /// shape has no relearn message, else none and one.
    fn every_epochs(shape: Shape) -> Vec<Epochs> {
        if shape.witness_floor {
            vec![Epochs(0), Epochs(1)]
        } else {
            vec![Epochs(0)]
        }
    }

    /// Every phase a state of `shape` can hold: every step of every operation, through every
    /// node, on every key, carrying every version (or listing, or fence) up to the shape's
    /// highest.
    fn every_phase(shape: Shape) -> Vec<Phase> {
        let max = Seq::try_from(shape.max_seq()).expect("a validated shape");
        let keys = Listing::empty(shape.keys).keys().collect::<Vec<_>>();
        let listings = every_listing(shape, max);
        let mut givens = Vec::new();
        for seq in 0..=max {
            for &listing in &listings {
                for epochs in every_epochs(shape) {
                    givens.push(Given {
                        seq,
                        listing,
                        epochs,
                    });
                }
            }
        }
        let mut phases = vec![Phase::Idle];
        for node in (0..shape.nodes).map(NodeId) {
            for &key in &keys {
                for seq in 0..=max {
                    for put in [false, true] {
                        let op = WriteOp {
                            key,
                            node,
                            seq,
                            put,
                        };
                        phases.extend(WriteStep::CODES.iter().map(|&c| Phase::Write {
                            op,
                            step: WriteStep::from_code(c, &givens[0]),
                        }));
                        let precondition = match seq {
                            0 => Precondition::Absent,
                            named => Precondition::Matches(named.into()),
                        };
                        let judged = ConditionalOp {
                            key,
                            node,
                            put,
                            precondition,
                        };
                        phases.push(Phase::Judge { op: judged });
                    }
                }
                for given in &givens {
                    phases.extend(GetStep::CODES.iter().map(|&c| Phase::Get {
                        key,
                        node,
                        step: GetStep::from_code(c, given),
                    }));
                }
            }
            for given in &givens {
                phases.extend(ListStep::CODES.iter().map(|&c| Phase::List {
                    node,
                    step: ListStep::from_code(c, given),
                }));
            }
        }
        phases
    }

    #[test]
    fn no_write_step_takes_a_judgement_s_code() {
        for code in [JUDGE_ABSENT, JUDGE_MATCHES] {
            assert!(!WriteStep::CODES.contains(&code), "{code}");
        }
    }

    #[test]
    fn every_phase_of_every_named_configuration_round_trips() {
        for name in ConfigName::ALL {
            let shape = name.cfg().shape();
            let layout = Layout::interned(shape);
            let mut packed: HashMap<u64, Phase> = HashMap::new();
            for phase in every_phase(shape) {
                let raw = encode(layout, &phase);
                if raw == IDLE {
                    assert_eq!(phase, Phase::Idle, "{name}");
                } else {
                    assert_eq!(decode(layout, raw), phase, "{name}: {raw:#x}");
                }
                // Payload-less steps are listed once per version; each must pack the same.
                let earlier = packed.insert(raw, phase);
                assert!(earlier.is_none_or(|e| e == phase), "{name}: {raw:#x}");
            }
            let (nodes, keys, versions) = (
                usize::from(shape.nodes),
                usize::from(shape.keys),
                usize::try_from(shape.max_seq()).expect("small") + 1,
            );
            // Idle; 6 write steps × PUT/DELETE, 2 GET steps without and 3 with a version and a
            // relearn with a listing and a fence, per node and key; 2 LIST steps without and 4
            // with a listing, and a relearn and a reload's second read with a listing and a
            // fence, per node. A listing packs a version per key and each recorded prefix.
            let listings = versions.pow(u32::from(shape.keys + shape.recorded_ranges()));
            let relearns = listings * every_epochs(shape).len();
            // A judgement: a create, or an If-Match of each version but 0, per PUT/DELETE.
            let expected = 1
                + nodes * keys * (6 * 2 * versions + 2 + 3 * versions + relearns)
                + nodes * keys * 2 * versions
                + nodes * (2 + 4 * listings + 2 * relearns);
            assert_eq!(packed.len(), expected, "{name}");
        }
    }

    /// A field of the phase code, and the value a corrupt phase holds there.
    type Part = (fn(&PhaseCode) -> Field, u64);

    #[test]
    fn a_phase_no_encoding_produces_panics() {
        let default = Layout::interned(ConfigName::Default.cfg().shape());
        let large = Layout::interned(ConfigName::Large.cfg().shape());
        let pack = |layout: &Layout, parts: &[Part]| {
            let mut words = [0u64; WORDS];
            for &(field, value) in parts {
                field(&layout.phase_code).set(&mut words, value);
            }
            words[0]
        };
        let tag = |c: &PhaseCode| c.tag;
        let step = |c: &PhaseCode| c.step;
        let corrupt: [(&Layout, &[Part], &str); 6] = [
            (default, &[(tag, GET), (step, 6)], "no GetStep has code 6"),
            (default, &[(|c| c.node, 1)], "has tag 0"),
            // FillLoad carries no version.
            (default, &[(tag, GET), (|c| c.seq, 2)], "packs differently"),
            // A key of `default` reaches v4 at most.
            (
                default,
                &[(tag, GET), (step, 1), (|c| c.seq, 5)],
                "above v4",
            ),
            // Only a write has `put`.
            (
                default,
                &[(tag, GET), (step, 3), (|c| c.put, 1)],
                "packs differently",
            ),
            (large, &[(tag, LIST), (|c| c.node, 3)], "node 3 of 3"),
        ];
        for (layout, parts, message) in corrupt {
            let raw = pack(layout, parts);
            let panic = std::panic::catch_unwind(|| decode(layout, raw))
                .expect_err("a corrupt phase must not decode");
            let text = panic.downcast_ref::<String>().cloned().unwrap_or_default();
            assert!(
                text.contains("corrupt packed state") && text.contains(message),
                "{raw:#x}: {text}"
            );
        }
    }
}
