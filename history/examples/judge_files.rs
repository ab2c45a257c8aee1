//! Judges each file given on the command line and prints one line per file: its name, the
//! verdict, the operations and the seconds it took (parse + judge), then the total. Used by
//! scripts/bench-history for the side-by-side figures with Porcupine.

use std::time::Instant;
use witness_history::{judge, parse};

fn main() {
    let mut total = 0.0;
    let mut slowest = (0.0, String::new());
    for path in std::env::args().skip(1) {
        let start = Instant::now();
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        };
        let history = match parse(std::io::BufReader::new(file), None) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        };
        let verdict = judge(&history);
        let seconds = start.elapsed().as_secs_f64();
        total += seconds;
        if seconds > slowest.0 {
            slowest = (seconds, path.clone());
        }
        let word = if verdict.holds() {
            "linearizable"
        } else {
            "not-linearizable"
        };
        println!("{path} {word} {} {seconds:.6}", history.operations.len());
    }
    println!("total {total:.6} slowest {:.6} {}", slowest.0, slowest.1);
}
