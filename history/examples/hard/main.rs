//! Writes the hard-history corpus: one file per seed, deterministic (see generate.rs).
//!
//! Usage: hard DIR FIRST_SEED COUNT
//! Prints one line per file: its name, the generator's checksum of its text, processes,
//! operations, keys and the fault it carries (the verdict comes from the checkers, not from here:
//! a subtle fault is not always a violation).

mod generate;

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<u64>().ok());
    let (Some(dir), Some(first), Some(count)) = (args.first(), number(1), number(2)) else {
        eprintln!("usage: hard DIR FIRST_SEED COUNT");
        std::process::exit(2);
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("{dir}: {e}");
        std::process::exit(2);
    }
    let mut out = std::io::stdout().lock();
    for seed in first..first + count {
        let generated = generate::history(seed);
        let shape = generated.shape;
        let name = generate::file_name(seed, &shape);
        let text = generate::render(&shape, &generated.ops);
        let fault = match generated.fault_at {
            Some(op) => format!("{:?}@{op}", shape.fault),
            None => "none".to_string(),
        };
        let path = std::path::Path::new(dir).join(&name);
        if let Err(e) = std::fs::write(&path, &text) {
            eprintln!("{}: {e}", path.display());
            std::process::exit(2);
        }
        let written = writeln!(
            out,
            "{name} {:016x} processes={} operations={} keys={} values={} info={}% duration={} fault={fault}",
            generate::checksum(&text),
            shape.processes,
            shape.operations,
            shape.keys,
            shape.values,
            shape.info_percent,
            shape.duration,
        );
        if written.is_err() {
            std::process::exit(2);
        }
    }
}
