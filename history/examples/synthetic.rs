//! Writes a large synthetic C1 history (Jepsen JSON lines) to standard output, for
//! scripts/bench-history's size figures. Deterministic for given arguments.
//!
//! Usage: synthetic OPERATIONS KEYS PROCESSES [deletes]
//! Processes take turns at random; each operation is a PUT of a fresh value, a GET, or (with
//! `deletes`) sometimes a DELETE, on a random key no other process has in flight. The register
//! behaves atomically at completion time, so the history is linearizable.

use std::io::{BufWriter, Write};

struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number =
        |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (operations, keys, processes) = (number(0, 500_000), number(1, 10_000), number(2, 8));
    let deletes = args.get(3).is_some_and(|a| a == "deletes");
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut values: Vec<Option<u64>> = vec![None; keys as usize];
    // Per process: (f, key, value) in flight.
    let mut open: Vec<Option<(&str, u64, Option<u64>)>> = vec![None; processes as usize];
    let (mut issued, mut time) = (0u64, 0u64);
    while issued < operations || open.iter().any(Option::is_some) {
        let p = rng.below(processes) as usize;
        time += 1;
        if let Some((f, key, value)) = open[p].take() {
            let shown = match f {
                "read" => values[key as usize],
                _ => {
                    values[key as usize] = value;
                    value
                }
            };
            let shown = shown.map_or("null".to_string(), |v| format!("\"v{v}\""));
            writeln!(
                out,
                r#"{{"type":"ok","f":"{f}","key":"k{key}","process":{p},"time":{time},"value":{shown}}}"#
            )?;
        } else if issued < operations {
            let key = rng.below(keys);
            if open.iter().flatten().any(|(_, k, _)| *k == key) {
                continue;
            }
            issued += 1;
            let (f, value) = match rng.below(10) {
                0 if deletes => ("delete", None),
                0..=4 => ("write", Some(issued)),
                _ => ("read", None),
            };
            let shown = value.map_or("null".to_string(), |v| format!("\"v{v}\""));
            writeln!(
                out,
                r#"{{"type":"invoke","f":"{f}","key":"k{key}","process":{p},"time":{time},"value":{shown}}}"#
            )?;
            open[p] = Some((f, key, value));
        }
    }
    out.flush()
}
