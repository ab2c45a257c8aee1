//! `witness replay`: the model's shortest counterexamples run on the real `IndexCache`, step for
//! step, and judged there with the same properties; `--all` does it for every refuted row of the
//! suite (docs/verdicts.md); `--random N` replays random model walks and compares every response.

mod impl_side;
mod lockstep;
mod model_side;

use crate::cli::ReplayArgs;
use crate::output::{CliError, EXIT_OK, EXIT_VIOLATED};
use lockstep::replay_actions;
use witness_model::check::{run, CheckOptions, Verdict};
use witness_model::expected::{expected, suite_cfgs};
use witness_model::properties::PropertyId;
use witness_model::system::WitnessCfg;

pub fn replay(args: &ReplayArgs) -> Result<i32, CliError> {
    let base = args.config.base();
    base.validate()?;
    let mut rows = Vec::new();
    if args.all {
        rows = suite_cfgs(&base);
    } else {
        // Without --variant, the variant IndexCache runs (the model's default, witness-service,
        // runs in the model only).
        let mut cfg = WitnessCfg {
            variant: index_cache::Protocol::default().variant,
            ..base.clone()
        };
        args.protocol.apply(&mut cfg);
        cfg.validate()?;
        rows.push(cfg);
    }
    let mut failed = 0;
    let mut replayed = 0;
    let mut skipped = 0;
    for cfg in &rows {
        if let Err(why) = runs_on_impl(cfg) {
            if !args.all {
                return Err(CliError::usage(format!(
                    "cannot replay {}: {why}",
                    row_name(cfg)
                )));
            }
            println!("\n=== {}: skipped: {why}", row_name(cfg));
            skipped += 1;
            continue;
        }
        let ok = if let Some(walks) = args.random {
            replay_random(cfg, walks, args.seed, args.length)?
        } else {
            let targets = targets(cfg)?;
            if targets.is_empty() {
                if !args.all {
                    println!("{}: every property holds; nothing to replay", row_name(cfg));
                }
                continue;
            }
            replay_row(cfg, &targets)
        };
        replayed += 1;
        if !ok {
            failed += 1;
        }
    }
    println!(
        "\n{replayed} row(s) replayed on the implementation: {} reproduced the model, {failed} diverged",
        replayed - failed
    );
    if skipped > 0 {
        println!("{skipped} row(s) skipped: their protocol runs in the model only");
    }
    Ok(if failed == 0 { EXIT_OK } else { EXIT_VIOLATED })
}

/// Whether IndexCache runs this row's protocol (it has no witness-service yet) and its
/// operations.
fn runs_on_impl(cfg: &WitnessCfg) -> Result<(), String> {
    if cfg.ops.conditional() {
        return Err(
            "conditional writes are checked in the model only: IndexCache's replay has \
                    no pause points for a precondition's judgement, and no conditional DELETE"
                .to_string(),
        );
    }
    let protocol = index_cache::Protocol {
        variant: cfg.variant,
        mutant: cfg.mutant,
    };
    protocol.validate().map_err(|e| e.to_string())
}

fn row_name(cfg: &WitnessCfg) -> String {
    let mutant = cfg
        .mutant
        .map_or(String::new(), |m| format!(" + mutant {m}"));
    format!("{} {}{mutant}", cfg.mode, cfg.variant)
}

/// The always-properties the model violates on this row and the implementation can be judged on
/// (`model_side::judged_on_both_sides`): from the expected-verdict table on the default
/// configuration, otherwise from an exhaustive check (symmetry off).
fn targets(cfg: &WitnessCfg) -> Result<Vec<PropertyId>, CliError> {
    let violated = violated_on_the_model(cfg)?;
    Ok(violated
        .into_iter()
        .filter(|&p| model_side::judged_on_both_sides(p))
        .collect())
}

fn violated_on_the_model(cfg: &WitnessCfg) -> Result<Vec<PropertyId>, CliError> {
    let default = WitnessCfg {
        mode: cfg.mode,
        variant: cfg.variant,
        mutant: cfg.mutant,
        ..WitnessCfg::default_cfg()
    };
    if *cfg == default {
        return Ok(expected(cfg.mode, cfg.variant, cfg.mutant)
            .violated
            .to_vec());
    }
    let opts = CheckOptions {
        symmetry: false,
        ..CheckOptions::default()
    };
    let report = run(cfg, &opts, Some(crate::interrupt::flag()), &mut |_| {})?;
    Ok(PropertyId::always()
        .filter(|&p| report.verdict(p) == Verdict::Violated)
        .collect())
}

/// Replays the shortest counterexample of each target property; true when every one reproduces.
fn replay_row(cfg: &WitnessCfg, targets: &[PropertyId]) -> bool {
    println!(
        "\n=== {}: the model violates {}",
        row_name(cfg),
        names(targets)
    );
    let traces = model_side::shortest_traces(cfg, targets);
    let mut ok = true;
    for &property in targets {
        let Some(actions) = traces.get(&property) else {
            println!("\n{property}: the model found no counterexample (expected one)");
            ok = false;
            continue;
        };
        println!(
            "\n--- {property}: shortest counterexample, {} steps",
            actions.len()
        );
        let outcome = replay_actions(cfg, actions, true);
        let verdict = match (&outcome.divergence, outcome.first_violation(property)) {
            (Some((step, why)), _) => format!("DIVERGED at step {step}: {why}"),
            (None, (Some(m), Some(i))) if m == i => format!(
                "reproduced: {property} violated at step {m} on the model and on the implementation"
            ),
            (None, (m, i)) => format!(
                "NOT reproduced: {property} violated at step {} on the model, {} on the implementation",
                step_or_never(m),
                step_or_never(i)
            ),
        };
        let reproduced = verdict.starts_with("reproduced");
        println!("⇒ {verdict}");
        ok &= reproduced;
    }
    ok
}

fn step_or_never(step: Option<usize>) -> String {
    step.map_or("never".to_string(), |s| s.to_string())
}

fn names(properties: &[PropertyId]) -> String {
    properties
        .iter()
        .map(|p| p.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Random walks of the row replayed; true when every response matched at every step.
fn replay_random(cfg: &WitnessCfg, walks: u32, seed: u64, length: usize) -> Result<bool, CliError> {
    println!(
        "\n=== {}: {walks} random walks of up to {length} steps, seed {seed}",
        row_name(cfg)
    );
    let (mut steps, mut catch_ups) = (0, 0);
    for walk in 0..walks {
        let walk_seed = seed.wrapping_add(u64::from(walk));
        let actions = model_side::random_walk(cfg, walk_seed, length);
        let outcome = replay_actions(cfg, &actions, false);
        catch_ups += outcome.catch_ups;
        steps += outcome.compared;
        if let Some((step, why)) = outcome.divergence {
            println!("walk {walk} (seed {walk_seed}) DIVERGED at step {step}: {why}; the walk:");
            replay_actions(cfg, &actions[..step.min(actions.len())], true);
            return Ok(false);
        }
    }
    println!(
        "⇒ every response matched the model ({walks} walks, {steps} steps compared; {catch_ups} \
         walk(s) ended early at a LIST barrier that reloaded where the model's did not, see \
         docs/impl.md)"
    );
    Ok(true)
}
