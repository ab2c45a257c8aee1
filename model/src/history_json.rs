//! The project's own JSON history format, read as a stream.
//!
//! Two layouts of the same event objects (see docs/cli.md, "`witness history`"):
//! - one event per line (JSON Lines), read a line at a time;
//! - a JSON array, read an element at a time (never the whole array at once).
//!
//! Either way memory holds one event, never the file. Keys and clients are integers or strings;
//! they are interned to dense indices in order of first appearance, and [`Names`] keeps their
//! spelling for messages.

use crate::history::{ClientId, Event, Key, Observed, Op, Precondition, Ret};
use crate::names::{Interner, Names};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;

/// Why a history could not be read (before any property could judge it).
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum ReadError {
    Io(String),
    /// Not an event where one was expected; `line` counts from 1.
    Syntax {
        line: usize,
        message: String,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
            ReadError::Syntax { line, message } => write!(f, "line {line}: {message}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// A name as it appears in the file, borrowed when the line holds it verbatim.
enum RawName<'a> {
    Int(u64),
    Str(Cow<'a, str>),
}

impl<'de: 'a, 'a> Deserialize<'de> for RawName<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for NameVisitor<'a> {
            type Value = RawName<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name: a non-negative integer or a string")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                Ok(RawName::Int(n))
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(RawName::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(RawName::Str(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_any(NameVisitor(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum EventKind {
    Invoke,
    Return,
    ReplicaApplied,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum OpKind {
    Put,
    Delete,
    Get,
    List,
    PutIf,
    DeleteIf,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RetKind {
    Ack,
    Read,
    Listed,
    PreconditionFailed,
}

/// One event object, every field optional until [`RawEvent::resolve`] checks what its kind needs.
#[derive(Deserialize)]
struct RawEvent<'a> {
    event: EventKind,
    #[serde(borrow, default)]
    client: Option<RawName<'a>>,
    #[serde(default)]
    op: Option<OpKind>,
    #[serde(borrow, default)]
    key: Option<RawName<'a>>,
    #[serde(default)]
    ret: Option<RetKind>,
    #[serde(default)]
    seq: Option<u64>,
    #[serde(default)]
    observed: Option<Observed>,
    #[serde(borrow, default)]
    entries: Option<Vec<(RawName<'a>, Observed)>>,
    /// A `put_if`'s precondition: `"absent"` or `{"matches": <seq>}`.
    #[serde(default)]
    precondition: Option<Precondition>,
    /// The version a `delete_if` requires.
    #[serde(default)]
    matches: Option<u64>,
}

fn intern(interner: &mut Interner, name: &RawName<'_>) -> Result<u32, String> {
    let id = match name {
        RawName::Int(n) => interner.int(*n),
        RawName::Str(s) => interner.str(s),
    };
    id.map_err(|_| "more than 2^32 distinct names".to_string())
}

impl RawEvent<'_> {
    /// The event with its names interned, or what is missing.
    fn resolve(self, names: &mut Names) -> Result<Event, String> {
        let key = |names: &mut Names, key: &Option<RawName<'_>>| match key {
            Some(k) => intern(&mut names.keys, k).map(Key),
            None => Err("this event needs \"key\"".to_string()),
        };
        let client = |names: &mut Names| match &self.client {
            Some(c) => intern(&mut names.clients, c).map(ClientId),
            None => Err("this event needs \"client\"".to_string()),
        };
        Ok(match self.event {
            EventKind::Invoke => {
                let client = client(names)?;
                let op = self.op(names)?;
                Event::Invoke { client, op }
            }
            EventKind::Return => {
                let client = client(names)?;
                let ret = match (self.ret, self.seq, self.observed, self.entries) {
                    (Some(RetKind::Ack), Some(seq), ..) => Ret::Ack { seq },
                    (Some(RetKind::PreconditionFailed), ..) => Ret::PreconditionFailed,
                    (Some(RetKind::Read), _, Some(observed), _) => Ret::Read { observed },
                    (Some(RetKind::Listed), _, _, Some(raw)) => {
                        let mut entries = Vec::with_capacity(raw.len());
                        for (k, observed) in raw {
                            entries.push((Key(intern(&mut names.keys, &k)?), observed));
                        }
                        Ret::Listed { entries }
                    }
                    (None, ..) => return Err("a return needs \"ret\"".into()),
                    (Some(RetKind::Ack), ..) => return Err("an ack needs \"seq\"".into()),
                    (Some(RetKind::Read), ..) => return Err("a read needs \"observed\"".into()),
                    (Some(RetKind::Listed), ..) => {
                        return Err("a listed return needs \"entries\"".into())
                    }
                };
                Event::Return { client, ret }
            }
            EventKind::ReplicaApplied => Event::ReplicaApplied {
                key: key(names, &self.key)?,
                seq: self
                    .seq
                    .ok_or("a replica_applied event needs \"seq\"".to_string())?,
            },
        })
    }
}

impl RawEvent<'_> {
    /// An invocation's operation, or what it lacks.
    fn op(&self, names: &mut Names) -> Result<Op, String> {
        let Some(kind) = &self.op else {
            return Err("an invoke needs \"op\"".into());
        };
        let key = |names: &mut Names| match &self.key {
            Some(k) => intern(&mut names.keys, k).map(Key),
            None => Err("this event needs \"key\"".to_string()),
        };
        Ok(match kind {
            OpKind::Put => Op::Put { key: key(names)? },
            OpKind::Delete => Op::Delete { key: key(names)? },
            OpKind::Get => Op::Get { key: key(names)? },
            OpKind::List => Op::List,
            OpKind::PutIf => Op::PutIf {
                key: key(names)?,
                precondition: self.precondition.ok_or(
                    "a put_if needs \"precondition\" (\"absent\" or {\"matches\": <seq>})",
                )?,
            },
            OpKind::DeleteIf => Op::DeleteIf {
                key: key(names)?,
                matches: self
                    .matches
                    .ok_or("a delete_if needs \"matches\" (the version it requires)")?,
            },
        })
    }
}

/// Reads a history from `reader`, interning names into `names`, and hands each event to `sink`
/// in order. Stops at the first unreadable event, or at the first error `sink` returns (`E`).
pub fn read_events<E>(
    mut reader: impl BufRead,
    names: &mut Names,
    sink: &mut dyn FnMut(Event) -> Result<(), E>,
) -> Result<Result<(), E>, ReadError> {
    let first = loop {
        let buf = reader
            .fill_buf()
            .map_err(|e| ReadError::Io(e.to_string()))?;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(at) => break Some(buf[at]),
            None if buf.is_empty() => break None,
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    };
    match first {
        Some(b'[') => read_array(reader, names, sink),
        Some(_) => read_lines(reader, names, sink),
        None => Ok(Ok(())),
    }
}

fn read_lines<E>(
    mut reader: impl BufRead,
    names: &mut Names,
    sink: &mut dyn FnMut(Event) -> Result<(), E>,
) -> Result<Result<(), E>, ReadError> {
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| ReadError::Io(e.to_string()))?;
        if n == 0 {
            return Ok(Ok(()));
        }
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let syntax = |message: String| ReadError::Syntax {
            line: number,
            message,
        };
        let raw: RawEvent<'_> = serde_json::from_slice(&line)
            .map_err(|e| syntax(format!("not a history event ({e})")))?;
        let event = raw.resolve(names).map_err(syntax)?;
        if let Err(e) = sink(event) {
            return Ok(Err(e));
        }
    }
}

fn read_array<E>(
    reader: impl BufRead,
    names: &mut Names,
    sink: &mut dyn FnMut(Event) -> Result<(), E>,
) -> Result<Result<(), E>, ReadError> {
    struct Events<'n, 's, E> {
        names: &'n mut Names,
        sink: &'s mut dyn FnMut(Event) -> Result<(), E>,
        stopped: Option<E>,
    }
    impl<'de, E> Visitor<'de> for &mut Events<'_, '_, E> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of history events")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(raw) = seq.next_element::<RawEvent<'de>>()? {
                let event = raw.resolve(self.names).map_err(de::Error::custom)?;
                if let Err(e) = (self.sink)(event) {
                    self.stopped = Some(e);
                    // Ends the parse; the caller reports `stopped`, not this message.
                    return Err(de::Error::custom("stopped"));
                }
            }
            Ok(())
        }
    }
    let mut events = Events {
        names,
        sink,
        stopped: None,
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let parsed = de.deserialize_seq(&mut events).and_then(|()| de.end());
    if let Some(e) = events.stopped {
        return Ok(Err(e));
    }
    parsed.map(Ok).map_err(|e| ReadError::Syntax {
        line: e.line(),
        message: format!("not a history ({e})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<(Vec<Event>, Names), ReadError> {
        let mut names = Names::default();
        let mut events = Vec::new();
        read_events(text.as_bytes(), &mut names, &mut |e| {
            events.push(e);
            Ok::<(), ()>(())
        })?
        .expect("the sink never fails");
        Ok((events, names))
    }

    const LINES: &str = r#"{"event":"invoke","client":"alice","op":"put","key":"photos/cat.jpg"}
{"event":"return","client":"alice","ret":"ack","seq":300}

{"event":"invoke","client":7,"op":"list"}
{"event":"return","client":7,"ret":"listed","entries":[["photos/cat.jpg",{"seq":300,"exists":true}],[5,{"seq":1,"exists":false}]]}
{"event":"replica_applied","key":"photos/cat.jpg","seq":300}
"#;

    #[test]
    fn lines_and_arrays_read_the_same_events() {
        let (lines, names) = read(LINES).unwrap();
        let array = format!(
            "[{}]",
            LINES.trim().replace("\n\n", "\n").replace('\n', ",")
        );
        let (from_array, _) = read(&array).unwrap();
        assert_eq!(lines, from_array);
        assert_eq!(lines.len(), 5);
        assert_eq!(
            lines[1],
            Event::Return {
                client: ClientId(0),
                ret: Ret::Ack { seq: 300 }
            }
        );
        assert_eq!(names.client(ClientId(1)).to_string(), "client 7");
        assert_eq!(names.key(Key(0)).to_string(), "photos/cat.jpg");
        assert_eq!(names.key(Key(1)).to_string(), "k5");
    }

    /// What the model writes for conditional writes reads back as the same events, and a
    /// conditional write without its precondition says what it lacks.
    #[test]
    fn conditional_writes_round_trip() {
        let (k, c) = (Key(0), ClientId(0));
        let events = [
            Event::Invoke {
                client: c,
                op: Op::PutIf {
                    key: k,
                    precondition: Precondition::Absent,
                },
            },
            Event::Return {
                client: c,
                ret: Ret::Ack { seq: 1 },
            },
            Event::Invoke {
                client: c,
                op: Op::PutIf {
                    key: k,
                    precondition: Precondition::Matches(1),
                },
            },
            Event::Return {
                client: c,
                ret: Ret::PreconditionFailed,
            },
            Event::Invoke {
                client: c,
                op: Op::DeleteIf { key: k, matches: 1 },
            },
        ];
        let text: Vec<String> = events
            .iter()
            .map(|e| serde_json::to_string(e).expect("serializable"))
            .collect();
        let (read_back, _) = read(&text.join("\n")).unwrap();
        assert_eq!(read_back, events);
        let bare = r#"{"event":"invoke","client":0,"op":"put_if","key":0}"#;
        let err = read(bare).unwrap_err().to_string();
        assert!(err.contains("needs \"precondition\""), "{err}");
    }

    #[test]
    fn errors_name_the_line_and_what_was_expected() {
        let missing = "{\"event\":\"invoke\",\"client\":0,\"op\":\"put\",\"key\":0}\n{\"event\":\"return\",\"client\":0,\"ret\":\"ack\"}\n";
        assert_eq!(
            read(missing).unwrap_err(),
            ReadError::Syntax {
                line: 2,
                message: "an ack needs \"seq\"".into()
            }
        );
        let ReadError::Syntax { line, .. } =
            read("[{\"event\":\"invoke\",\n\"client\":-1}]").expect_err("negative client")
        else {
            panic!("a syntax error")
        };
        assert_eq!(line, 2);
        assert!(read("{not json").is_err());
        assert!(read("[1, 2]").is_err());
        assert!(read("[] trailing").is_err());
        assert_eq!(read("  \n").unwrap().0, vec![]);
    }

    #[test]
    fn mangled_input_is_an_error_or_a_history_never_a_panic() {
        let valid = format!(
            "[{}]",
            LINES.trim().replace("\n\n", "\n").replace('\n', ",")
        );
        let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
        for text in [LINES.to_string(), valid] {
            let bytes = text.as_bytes();
            for _ in 0..2000 {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let mut mangled = bytes.to_vec();
                let at = (rng % bytes.len() as u64) as usize;
                match rng >> 60 {
                    0..=5 => mangled[at] = (rng >> 32) as u8,
                    6..=9 => mangled.truncate(at),
                    _ => mangled.insert(at, b"{}[],:\"0-9e"[(rng >> 40) as usize % 11]),
                }
                let mut names = Names::default();
                let _ = read_events(&mangled[..], &mut names, &mut |_| Ok::<(), ()>(()));
                let _ = crate::properties::check_history_stream(&mangled[..]);
            }
        }
    }
}
