//! External agreement on hard histories: the corpus of examples/hard (300 seeds: CAS, timed-out
//! writes, heavy overlap, one subtle fault) is regenerated here from its seeds, each text checked
//! against the checksum recorded beside Porcupine's verdict (tests/data/hard/verdicts.txt), and
//! judged: witness must reach Porcupine's verdict on every one.

#[allow(dead_code)] // the example's printing helpers are not used here
#[path = "../examples/hard/generate.rs"]
mod generate;

use std::path::Path;
use std::time::Duration;
use witness_history::linearize::{linearizable_within, Budget};
use witness_history::{judge, parse};

struct Case {
    name: String,
    seed: u64,
    linearizable: bool,
    checksum: u64,
}

fn cases() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hard/verdicts.txt");
    let text = std::fs::read_to_string(path).expect("verdicts.txt");
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [name, verdict, checksum] = fields[..] else {
                panic!("`file verdict checksum`, not {line:?}");
            };
            let seed = name
                .trim_start_matches("hard_")
                .split('.')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no seed in {name}"));
            Case {
                name: name.to_string(),
                seed,
                linearizable: verdict == "linearizable",
                checksum: u64::from_str_radix(checksum, 16).expect("hex checksum"),
            }
        })
        .collect()
}

#[test]
fn every_porcupine_verdict_on_the_hard_corpus_is_reached() {
    let cases = cases();
    assert_eq!(cases.len(), 300);
    assert_eq!(cases.iter().filter(|c| !c.linearizable).count(), 136);
    let mut disagreements = Vec::new();
    for case in &cases {
        let generated = generate::history(case.seed);
        let text = generate::render(&generated.shape, &generated.ops);
        assert_eq!(
            generate::file_name(case.seed, &generated.shape),
            case.name,
            "the generator names seed {} differently",
            case.seed
        );
        assert_eq!(
            generate::checksum(&text),
            case.checksum,
            "{}: the generator changed; regenerate and judge the corpus with Porcupine again",
            case.name
        );
        let history = parse(text.as_bytes(), None).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert!(
            history.operations.len() >= 240,
            "{} read as too short",
            case.name
        );
        if judge(&history).holds() != case.linearizable {
            disagreements.push(case.name.clone());
        }
    }
    assert!(
        disagreements.is_empty(),
        "verdict differs from Porcupine on {disagreements:?}"
    );
}

/// The library side of a timeout: a search that runs out of budget says so (with how much it
/// explored) instead of answering; one within budget answers as without one.
#[test]
fn a_search_out_of_budget_is_unknown_not_a_guess() {
    let judged = |seed: u64, budget: Budget| {
        let generated = generate::history(seed);
        let text = generate::render(&generated.shape, &generated.ops);
        let history = parse(text.as_bytes(), None).expect("generated history");
        linearizable_within(&history, &history.by_key()[0], &budget)
    };
    // Seed 13 is the corpus's slowest: millions of configurations.
    let spent = judged(13, Budget::within(Duration::ZERO)).expect_err("no time to decide");
    assert!(spent.explored >= 4096, "{spent:?}");
    assert_eq!(
        judged(1, Budget::within(Duration::from_secs(600))),
        Ok(true)
    );
    assert_eq!(judged(1, Budget::unlimited()), Ok(true));
}
