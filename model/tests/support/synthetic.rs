//! A large, versioned, linearizable history generated on the fly (a `Read` of its JSON), for the
//! scale test and the benchmark: memory stays flat however many events are asked for.
//!
//! Rounds of `clients` concurrent operations: every client invokes (the operation takes effect on
//! a reference register at its invocation), then every client returns. Half the operations go to
//! a few hot keys, so their versions climb into the thousands; the rest spread over every key.
//! Optionally one GET return is made stale (answered "not found" although a PUT above v255 was
//! acknowledged before the GET began), and the generator says where.
#![allow(dead_code)] // The test and the bench use different parts.

use std::fmt::Write as _;
use std::io::Read;

#[derive(Clone, Debug)]
pub struct Shape {
    /// Rounded down to whole rounds (2 × clients events each).
    pub events: usize,
    pub keys: u32,
    pub hot_keys: u32,
    pub clients: u32,
    /// One LIST every this many operations.
    pub list_every: u64,
    pub seed: u64,
    /// Make the first eligible GET return at or after this event index stale.
    pub stale_after: Option<usize>,
    /// A JSON array instead of one event per line.
    pub array: bool,
}

impl Shape {
    pub fn million() -> Shape {
        Shape {
            events: 1_000_000,
            keys: 10_000,
            hot_keys: 10,
            clients: 10,
            list_every: 100_000,
            seed: 0x5eed,
            stale_after: None,
            array: false,
        }
    }
}

/// The stale read that was injected: its event index, key name and the floor it broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Injected {
    pub index: usize,
    pub client: u32,
    pub key: String,
    pub floor_seq: u64,
    /// The reading client's own latest acknowledged write of the key, and its highest read.
    pub own_write: u64,
    pub last_read: u64,
}

#[derive(Clone, Copy)]
enum Pending {
    Write {
        key: u32,
        seq: u64,
        put: bool,
    },
    Get {
        key: u32,
        got: (u64, bool),
        floor: (u64, bool),
    },
    List,
}

pub struct Synthetic {
    shape: Shape,
    rng: u64,
    ops: u64,
    /// Per key: (version, exists) persistence holds; and the acknowledged floor.
    state: Vec<(u64, bool)>,
    acked: Vec<(u64, bool)>,
    pending: Vec<Pending>,
    /// The LIST answers of this round, by client, taken at invocation.
    listings: Vec<String>,
    /// Keys written in this round.
    written: Vec<u32>,
    /// Per (client, hot key): own latest acknowledged write, highest version read.
    hot: std::collections::HashMap<(u32, u32), (u64, u64)>,
    emitted: usize,
    buf: Vec<u8>,
    at: usize,
    closed: bool,
    pub injected: Option<Injected>,
}

pub fn key_name(k: u32) -> String {
    format!("key/{k:05}")
}

impl Synthetic {
    pub fn new(shape: Shape) -> Synthetic {
        let keys = shape.keys as usize;
        let clients = shape.clients as usize;
        let mut buf = Vec::new();
        if shape.array {
            buf.push(b'[');
        }
        Synthetic {
            rng: shape.seed | 1,
            shape,
            ops: 0,
            state: vec![(0, false); keys],
            acked: vec![(0, false); keys],
            pending: vec![Pending::List; clients],
            listings: vec![String::new(); clients],
            written: Vec::new(),
            hot: std::collections::HashMap::new(),
            emitted: 0,
            buf,
            at: 0,
            closed: false,
            injected: None,
        }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic and fast; quality is irrelevant here.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn line(&mut self, text: &str) {
        if self.shape.array && self.emitted > 0 {
            self.buf.push(b',');
        }
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.push(b'\n');
        self.emitted += 1;
    }

    fn invoke(&mut self, c: u32) {
        self.ops += 1;
        let r = self.next();
        let key = if r.is_multiple_of(2) {
            (r >> 8) as u32 % self.shape.hot_keys
        } else {
            (r >> 8) as u32 % self.shape.keys
        };
        let name = key_name(key);
        let k = key as usize;
        let (op, pending) = if self.ops.is_multiple_of(self.shape.list_every) {
            self.listings[c as usize] = self.listing();
            ("\"op\":\"list\"".to_string(), Pending::List)
        } else {
            // A key is written at most once per round, so acknowledgements never race; a second
            // write drawn for it becomes a GET (which sees the write in flight).
            let kind = (r >> 40) % 20;
            match kind {
                0..=9 if !self.written.contains(&key) => {
                    self.written.push(key);
                    let put = kind <= 7;
                    let seq = self.state[k].0 + 1;
                    self.state[k] = (seq, put);
                    let op = if put { "put" } else { "delete" };
                    (
                        format!("\"op\":\"{op}\",\"key\":\"{name}\""),
                        Pending::Write { key, seq, put },
                    )
                }
                _ => (
                    format!("\"op\":\"get\",\"key\":\"{name}\""),
                    Pending::Get {
                        key,
                        got: self.state[k],
                        floor: self.acked[k],
                    },
                ),
            }
        };
        self.pending[c as usize] = pending;
        self.line(&format!(
            "{{\"event\":\"invoke\",\"client\":\"p{c}\",{op}}}"
        ));
    }

    fn listing(&self) -> String {
        let mut s = String::new();
        for (k, &(seq, exists)) in self.state.iter().enumerate() {
            if seq > 0 {
                if !s.is_empty() {
                    s.push(',');
                }
                let _ = write!(
                    s,
                    "[\"{}\",{{\"seq\":{seq},\"exists\":{exists}}}]",
                    key_name(k as u32)
                );
            }
        }
        s
    }

    fn ret(&mut self, c: u32) {
        let ret = match self.pending[c as usize] {
            Pending::Write { key, seq, put } => {
                self.acked[key as usize] = (seq, put);
                if key < self.shape.hot_keys {
                    self.hot.entry((c, key)).or_default().0 = seq;
                }
                format!("\"ret\":\"ack\",\"seq\":{seq}")
            }
            Pending::Get { key, got, floor } => {
                let index = self.emitted;
                let stale = self.injected.is_none()
                    && self.shape.stale_after.is_some_and(|at| index >= at)
                    && floor.0 > 255
                    && floor.1;
                let (own_write, last_read) = self.hot.get(&(c, key)).copied().unwrap_or_default();
                let (seq, exists) = if stale {
                    self.injected = Some(Injected {
                        index,
                        client: c,
                        key: key_name(key),
                        floor_seq: floor.0,
                        own_write,
                        last_read,
                    });
                    (0, false)
                } else {
                    got
                };
                if key < self.shape.hot_keys {
                    self.hot.insert((c, key), (own_write, last_read.max(seq)));
                }
                format!("\"ret\":\"read\",\"observed\":{{\"seq\":{seq},\"exists\":{exists}}}")
            }
            Pending::List => {
                let entries = std::mem::take(&mut self.listings[c as usize]);
                format!("\"ret\":\"listed\",\"entries\":[{entries}]")
            }
        };
        self.line(&format!(
            "{{\"event\":\"return\",\"client\":\"p{c}\",{ret}}}"
        ));
    }

    fn round(&mut self) {
        self.written.clear();
        for c in 0..self.shape.clients {
            self.invoke(c);
        }
        for c in 0..self.shape.clients {
            self.ret(c);
        }
    }
}

impl Read for Synthetic {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.buf.len() {
            self.buf.clear();
            self.at = 0;
            let round = 2 * self.shape.clients as usize;
            if self.emitted + round <= self.shape.events {
                self.round();
            } else if self.shape.array && !self.closed {
                self.buf.extend_from_slice(b"]\n");
                self.closed = true;
            } else {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
