//! Hard register histories, deterministic by seed: what a Jepsen test of a compare-and-set
//! register records when it runs 4–8 processes with heavy overlap, times some writes out (logged
//! `:info`, then applied or lost), and the store has at most one subtle fault: a CAS answered the
//! wrong way, a read of the value just overwritten, or an acknowledged write that never took
//! effect.
//!
//! Shared by the `hard` example (which writes the corpus) and the test that checks witness's
//! verdicts on it (tests/hard.rs), so the corpus is the generator plus its seeds.

/// splitmix64: small, fast and the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x6A09_E667_F3BC_C908)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The one fault a history may carry.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Fault {
    None,
    /// A CAS whose expected value was not there answers `:ok` (and writes nothing).
    CasOkNotApplied,
    /// A CAS whose expected value was there answers `:fail`, yet writes.
    CasFailApplied,
    /// A read returns the value the register held before its latest change.
    StaleRead,
    /// An acknowledged write never takes effect.
    LostWrite,
}

/// What varies from one history to the next.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub processes: u64,
    pub operations: u64,
    /// 1: a single register (Porcupine's etcd log lines); more: Jepsen JSON lines with keys.
    pub keys: u64,
    /// Values written are `0..values`.
    pub values: u64,
    /// Percent of writes and CASes that time out.
    pub info_percent: u64,
    /// Ticks an operation may take before and after its effect.
    pub duration: u64,
    pub fault: Fault,
}

impl Shape {
    /// Every fourth seed is multi-key. 92 % draw a fault, planted where it fits (in the corpus,
    /// 212 of 300 histories carry one); a subtle fault is not always caught: heavy overlap and
    /// timed-out writes can explain it away.
    pub fn of(seed: u64, rng: &mut Rng) -> Shape {
        // CAS faults and stale reads show more often than lost writes, which a later write of
        // the same value hides.
        let faults = [
            Fault::CasOkNotApplied,
            Fault::CasOkNotApplied,
            Fault::CasFailApplied,
            Fault::StaleRead,
            Fault::StaleRead,
            Fault::LostWrite,
        ];
        let fault = if rng.percent(8) {
            Fault::None
        } else {
            faults[rng.below(faults.len() as u64) as usize]
        };
        Shape {
            processes: rng.range(4, 8),
            operations: rng.range(240, 330),
            keys: if seed % 4 == 3 { rng.range(2, 3) } else { 1 },
            values: rng.range(5, 9),
            info_percent: rng.range(4, 10),
            duration: rng.range(4, 10),
            fault,
        }
    }
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Command {
    Read,
    Write(i64),
    Cas(i64, i64),
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Outcome {
    Read(Option<i64>),
    Ok,
    Fail,
    /// Timed out: logged `:info`, pending to the end.
    Info,
}

/// One operation: the process that ran it, its key, and its invocation, effect and completion
/// times (ticks; `effect` is strictly between the other two).
#[derive(Clone, Copy, Debug)]
pub struct Op {
    pub process: u64,
    pub key: u64,
    pub command: Command,
    pub call: u64,
    pub effect: u64,
    pub ret: u64,
    /// Which of the concurrent slots ran it (breaks ties between equal times).
    pub slot: u64,
    pub outcome: Outcome,
    /// For a timed-out write or CAS: whether it took effect.
    pub applied: bool,
}

impl Op {
    /// The value a write or CAS puts in the register if it takes effect.
    fn writes(&self) -> Option<i64> {
        match self.command {
            Command::Read => None,
            Command::Write(v) | Command::Cas(_, v) => Some(v),
        }
    }
}

/// The operations, in invocation order of their slots, with outcomes still unset. Each slot runs
/// one operation at a time; a timed-out one hands the slot to a fresh process (Jepsen's rule: a
/// process whose operation is indeterminate never invokes again).
fn schedule(shape: &Shape, rng: &mut Rng) -> Vec<Op> {
    let n = shape.processes;
    let mut free = vec![0u64; n as usize];
    let mut process: Vec<u64> = (0..n).collect();
    let mut ops = Vec::with_capacity(shape.operations as usize);
    for _ in 0..shape.operations {
        let slot = (0..n).min_by_key(|&s| (free[s as usize], s)).unwrap_or(0);
        let call = free[slot as usize] + rng.below(3);
        let effect = call + 1 + rng.below(shape.duration);
        let command = match rng.below(10) {
            0..=3 => Command::Read,
            4..=6 => Command::Write(rng.below(shape.values) as i64),
            _ => Command::Cas(
                rng.below(shape.values) as i64,
                rng.below(shape.values) as i64,
            ),
        };
        let times_out = command != Command::Read && rng.percent(shape.info_percent);
        // A timeout is noticed late, well after the effect (if any).
        let ret = effect + 1 + rng.below(shape.duration) + u64::from(times_out) * shape.duration;
        ops.push(Op {
            process: process[slot as usize],
            key: rng.below(shape.keys),
            command,
            call,
            effect,
            ret,
            slot,
            outcome: if times_out {
                Outcome::Info
            } else {
                Outcome::Ok
            },
            applied: !times_out || rng.percent(50),
        });
        free[slot as usize] = ret + 1;
        if times_out {
            process[slot as usize] += n;
        }
    }
    ops
}

/// Runs the operations against an atomic register per key in the order of their effects, with
/// the shape's fault at the first operation it fits after a random point in the middle.
/// Returns the operation the fault was planted at, if any fitted.
fn execute(shape: &Shape, ops: &mut [Op], rng: &mut Rng) -> Option<usize> {
    let mut order: Vec<usize> = (0..ops.len()).collect();
    order.sort_by_key(|&i| (ops[i].effect, ops[i].slot));
    let from = rng.range(ops.len() as u64 / 20, ops.len() as u64 * 2 / 5) as usize;
    // Where many writes run alongside, a fault is explained away; nine or fewer keeps about half
    // of the faults visible (the corpus's checksums depend on this bound).
    let crowd = writers_alongside(ops);
    let mut fault = shape.fault;
    let mut at = None;
    let mut state = vec![Register::default(); shape.keys as usize];
    for (rank, &i) in order.iter().enumerate() {
        let register = &mut state[ops[i].key as usize];
        let planted = fault != Fault::None
            && rank >= from
            && crowd[i] <= 9
            && fits(fault, &ops[i], register, ops);
        apply(&mut ops[i], register, planted.then_some(fault));
        if planted {
            fault = Fault::None;
            at = Some(i);
        }
    }
    at
}

/// Whether `fault` can be planted at `op` so that it is not trivially explained away: the
/// register's value was settled before `op` began (the change that made it had completed), and
/// no timed-out write could have put back the value the fault needs.
fn fits(fault: Fault, op: &Op, register: &Register, ops: &[Op]) -> bool {
    if op.outcome == Outcome::Info || register.settled >= op.call {
        return false;
    }
    // Whether a timed-out write of `value` invoked before `until` could supply it.
    let unknown = |value: Option<i64>, until: u64| {
        value.is_some_and(|v| {
            ops.iter().any(|o| {
                o.key == op.key
                    && o.outcome == Outcome::Info
                    && o.call < until
                    && o.writes() == Some(v)
            })
        })
    };
    let Register { now, before, .. } = *register;
    // A value needed now must come from a write before `op` returns; one needed to undo the
    // fault's effect later may come from any write.
    let (soon, ever) = (op.ret, u64::MAX);
    match (fault, op.command) {
        (Fault::StaleRead, Command::Read) => before != now && !unknown(before, soon),
        (Fault::LostWrite, Command::Write(v)) => Some(v) != now && !unknown(now, ever),
        (Fault::CasOkNotApplied, Command::Cas(from, _)) => {
            now != Some(from) && !unknown(Some(from), soon)
        }
        (Fault::CasFailApplied, Command::Cas(from, to)) => {
            now == Some(from) && !unknown(Some(to), ever)
        }
        _ => false,
    }
}

/// Runs `op` against its register, answering wrongly if `fault` is planted here.
fn apply(op: &mut Op, register: &mut Register, fault: Option<Fault>) {
    match op.command {
        Command::Read if fault == Some(Fault::StaleRead) => {
            op.outcome = Outcome::Read(register.before)
        }
        Command::Read => op.outcome = Outcome::Read(register.now),
        Command::Write(v) => {
            if op.applied && fault != Some(Fault::LostWrite) {
                set(register, v, op);
            }
        }
        Command::Cas(from, to) => {
            let holds = register.now == Some(from);
            if holds && op.applied {
                set(register, to, op);
            }
            if op.outcome != Outcome::Info {
                // A planted CAS fault answers the other way.
                op.outcome = if holds != fault.is_some() {
                    Outcome::Ok
                } else {
                    Outcome::Fail
                };
            }
        }
    }
}

/// For each operation, how many writes and CASes of its key run at the same time (by their
/// logged times: a timed-out one counts as ending when it was logged).
fn writers_alongside(ops: &[Op]) -> Vec<usize> {
    let overlap = |a: &Op, b: &Op| a.key == b.key && a.call < b.ret && b.call < a.ret;
    ops.iter()
        .enumerate()
        .map(|(i, a)| {
            ops.iter()
                .enumerate()
                .filter(|&(j, b)| j != i && b.command != Command::Read && overlap(a, b))
                .count()
        })
        .collect()
}

#[derive(Clone, Copy, Default)]
struct Register {
    now: Option<i64>,
    before: Option<i64>,
    settled: u64,
}

/// `op` writes `v` into the register.
fn set(register: &mut Register, v: i64, op: &Op) {
    let settled = match op.outcome {
        Outcome::Info => u64::MAX,
        _ => op.ret,
    };
    if register.now != Some(v) {
        register.before = register.now;
    }
    register.now = Some(v);
    register.settled = settled;
}

/// One generated history.
pub struct Generated {
    pub shape: Shape,
    pub ops: Vec<Op>,
    /// The operation carrying the fault (`None`: the shape has none, or it fitted nowhere).
    pub fault_at: Option<usize>,
}

/// The history of `seed`.
pub fn history(seed: u64) -> Generated {
    let mut rng = Rng::new(seed);
    let shape = Shape::of(seed, &mut rng);
    let mut ops = schedule(&shape, &mut rng);
    let fault_at = execute(&shape, &mut ops, &mut rng);
    Generated {
        shape,
        ops,
        fault_at,
    }
}

/// The file name for `seed`: `.log` for Jepsen log lines, `.jsonl` for keyed JSON lines.
pub fn file_name(seed: u64, shape: &Shape) -> String {
    let ext = if shape.keys == 1 { "log" } else { "jsonl" };
    format!("hard_{seed:04}.{ext}")
}

/// The log's events in real-time order: (time, slot, is completion, operation index). A
/// completion and an invocation at the same tick are ordered by slot; either order is real time.
fn events(ops: &[Op]) -> Vec<(u64, u64, bool, usize)> {
    let mut events: Vec<(u64, u64, bool, usize)> = Vec::with_capacity(ops.len() * 2);
    for (i, op) in ops.iter().enumerate() {
        events.push((op.call, op.slot, false, i));
        events.push((op.ret, op.slot, true, i));
    }
    events.sort_unstable();
    events
}

/// The history as text: Porcupine's etcd log lines for one register, Jepsen JSON lines with a
/// `key` field for several.
pub fn render(shape: &Shape, ops: &[Op]) -> String {
    let mut text = String::with_capacity(ops.len() * 2 * 48);
    for (_, _, done, i) in events(ops) {
        let line = if shape.keys == 1 {
            log_line(&ops[i], done)
        } else {
            json_line(&ops[i], done)
        };
        text.push_str(&line);
        text.push('\n');
    }
    text
}

fn log_line(op: &Op, done: bool) -> String {
    let nil = |v: Option<i64>| v.map_or("nil".to_string(), |v| v.to_string());
    let (f, value) = match op.command {
        Command::Read => ("read", "nil".to_string()),
        Command::Write(v) => ("write", v.to_string()),
        Command::Cas(a, b) => ("cas", format!("[{a} {b}]")),
    };
    let (kind, value) = match (done, op.outcome) {
        (false, _) => ("invoke", value),
        (true, Outcome::Read(v)) => ("ok", nil(v)),
        (true, Outcome::Ok) => ("ok", value),
        (true, Outcome::Fail) => ("fail", value),
        (true, Outcome::Info) => ("info", ":timed-out".to_string()),
    };
    format!("INFO  jepsen.util - {}\t:{kind}\t:{f}\t{value}", op.process)
}

fn json_line(op: &Op, done: bool) -> String {
    let nil = |v: Option<i64>| v.map_or("null".to_string(), |v| v.to_string());
    let (f, value) = match op.command {
        Command::Read => ("read", "null".to_string()),
        Command::Write(v) => ("write", v.to_string()),
        Command::Cas(a, b) => ("cas", format!("[{a},{b}]")),
    };
    let (kind, value) = match (done, op.outcome) {
        (false, _) => ("invoke", value),
        (true, Outcome::Read(v)) => ("ok", nil(v)),
        (true, Outcome::Ok) => ("ok", value),
        (true, Outcome::Fail) => ("fail", value),
        (true, Outcome::Info) => ("info", value),
    };
    format!(
        "{{\"type\":\"{kind}\",\"f\":\"{f}\",\"key\":\"k{}\",\"process\":{},\"value\":{value}}}",
        op.key, op.process
    )
}

/// FNV-1a of the text: verdicts.txt records it so a changed generator is caught, not trusted.
pub fn checksum(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}
