//! A client's [`Phase`] packed into its `phase` field, where `layout.phase_code` puts each part:
//! a tag (idle, write, GET, LIST), the node, the step's code, the key, and what the step carries
//! (a version, or a listing).
//!
//! Each step enum's codes are one list (`step_codes!`): encoding matches it exhaustively, so a
//! new step does not compile until it has a code, and decoding reads the same list. A packed
//! phase that no encoding produces (an unknown tag or step code, a node, key or version out of
//! range, a field the step does not use left set) is a corrupt state, and decoding panics on it.

use super::layout::{byte, Field, Layout, Seq, STEP_BITS, WORDS};
use super::phase::{GetStep, ListStep, Listing, Phase, WriteOp, WriteStep};
use crate::history::{Key, NodeId};

/// The packed idle phase: every field zero, which the state tests for without decoding.
pub(super) const IDLE: u64 = 0;
const WRITE: u64 = 1;
const GET: u64 = 2;
const LIST: u64 = 3;

/// Gives a step enum `code`, its number in the packed phase (with what the step carries, for
/// steps that carry something), and `from_code`, its inverse, from one list of `code => step`.
macro_rules! step_codes {
    ($step:ident { $($code:literal => $name:ident,)* }) => {
        impl $step {
            fn code(self) -> u64 {
                match self {
                    $( $step::$name => $code, )*
                }
            }

            fn from_code(code: u64) -> $step {
                match code {
                    $( $code => $step::$name, )*
                    other => panic!(
                        concat!("corrupt packed state: no ", stringify!($step), " has code {}"),
                        other
                    ),
                }
            }
        }
        step_codes!(@fits $step $($code)*);
    };
    ($step:ident carries $payload:ty { $($code:literal => $name:ident $({ $field:ident })?,)* }) => {
        impl $step {
            fn code(self) -> (u64, Option<$payload>) {
                match self {
                    $( $step::$name $({ $field })? => ($code, step_codes!(@carried $($field)?)), )*
                }
            }

            /// The step with code `code`; `payload` is read only for a step that carries one.
            fn from_code(code: u64, payload: impl FnOnce() -> $payload) -> $step {
                match code {
                    $( $code => $step::$name $({ $field: payload() })?, )*
                    other => panic!(
                        concat!("corrupt packed state: no ", stringify!($step), " has code {}"),
                        other
                    ),
                }
            }
        }
        step_codes!(@fits $step $($code)*);
    };
    (@carried $field:ident) => { Some($field) };
    (@carried) => { None };
    (@fits $step:ident $($code:literal)*) => {
        impl $step {
            #[cfg(test)]
            const CODES: &'static [u64] = &[$($code),*];
        }
        $( const _: () = assert!($code < 1 << STEP_BITS, "a step code needs more bits"); )*
    };
}

step_codes!(WriteStep {
    0 => Commit,
    1 => NotifyWitness,
    2 => CommitAndNotify,
    3 => UpdateCache,
    4 => Ack,
});

step_codes!(GetStep carries Seq {
    0 => FillLoad,
    1 => FillStore { loaded },
    2 => CheckWitness { entry },
    3 => Reload,
    4 => Repair { loaded },
});

step_codes!(ListStep carries Listing {
    0 => FillLoad,
    1 => FillStore { loaded },
    2 => CheckBarrier { listing },
    3 => Reload,
    4 => Repair { loaded },
});

pub(super) fn encode(layout: &Layout, phase: &Phase) -> u64 {
    let code = &layout.phase_code;
    let mut words = [0u64; WORDS];
    let mut put = |field: Field, value: u64| field.set(&mut words, value);
    let (tag, step) = match *phase {
        Phase::Idle => return IDLE,
        Phase::Write { op, step } => {
            put(code.node, op.node.0.into());
            put(code.key, op.key.0.into());
            put(code.seq, op.seq.into());
            put(code.put, op.put.into());
            (WRITE, step.code())
        }
        Phase::Get { key, node, step } => {
            let (step, carried) = step.code();
            put(code.node, node.0.into());
            put(code.key, key.0.into());
            put(code.seq, carried.unwrap_or(0).into());
            (GET, step)
        }
        Phase::List { node, step } => {
            let (step, carried) = step.code();
            put(code.node, node.0.into());
            if let Some(listing) = carried {
                for (key, s) in listing.iter() {
                    put(code.listing.at(key.index()), s.into());
                }
            }
            (LIST, step)
        }
    };
    put(code.tag, tag);
    put(code.step, step);
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
        WRITE => Phase::Write {
            op: WriteOp {
                key: fields.key(),
                node: fields.node(),
                seq: fields.version(code.seq),
                put: fields.get(code.put) != 0,
            },
            step: WriteStep::from_code(step),
        },
        GET => Phase::Get {
            key: fields.key(),
            node: fields.node(),
            step: GetStep::from_code(step, || fields.version(code.seq)),
        },
        LIST => Phase::List {
            node: fields.node(),
            step: ListStep::from_code(step, || fields.listing()),
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

    fn listing(&self) -> Listing {
        let mut listing = Listing::empty(self.layout.shape.keys);
        for k in 0..u32::from(self.layout.shape.keys) {
            let key = Key(k);
            listing[key] = self.version(self.layout.phase_code.listing.at(key.index()));
        }
        listing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::layout::{PhaseCode, Shape};
    use crate::system::ConfigName;
    use std::collections::HashMap;

    /// Every listing of `keys` keys with versions up to `max`.
    fn every_listing(keys: u8, max: Seq) -> Vec<Listing> {
        let mut listings = vec![Listing::empty(keys)];
        for key in Listing::empty(keys).keys() {
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
        listings
    }

    /// Every phase a state of `shape` can hold: every step of every operation, through every
    /// node, on every key, carrying every version (or listing) up to the shape's highest.
    fn every_phase(shape: Shape) -> Vec<Phase> {
        let max = Seq::try_from(shape.max_seq()).expect("a validated shape");
        let keys = Listing::empty(shape.keys).keys().collect::<Vec<_>>();
        let listings = every_listing(shape.keys, max);
        let mut phases = vec![Phase::Idle];
        for node in (0..shape.nodes).map(NodeId) {
            for &key in &keys {
                for seq in 0..=max {
                    for put in [false, true] {
                        phases.extend(WriteStep::CODES.iter().map(|&c| Phase::Write {
                            op: WriteOp {
                                key,
                                node,
                                seq,
                                put,
                            },
                            step: WriteStep::from_code(c),
                        }));
                    }
                    phases.extend(GetStep::CODES.iter().map(|&c| Phase::Get {
                        key,
                        node,
                        step: GetStep::from_code(c, || seq),
                    }));
                }
            }
            for &listing in &listings {
                phases.extend(ListStep::CODES.iter().map(|&c| Phase::List {
                    node,
                    step: ListStep::from_code(c, || listing),
                }));
            }
        }
        phases
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
            // Idle; 5 write steps × PUT/DELETE, 2 GET steps without and 3 with a version, 2
            // LIST steps without and 3 with a listing, per node and key.
            let expected = 1
                + nodes * keys * (5 * 2 * versions + 2 + 3 * versions)
                + nodes * (2 + 3 * versions.pow(u32::from(shape.keys)));
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
            (default, &[(tag, GET), (step, 5)], "no GetStep has code 5"),
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
