//! The model and the implementation in lockstep: each action of a trace taken on both, the
//! responses compared, and the step at which each property is first violated noted on each side.

use super::impl_side::ImplRun;
use super::model_side::ModelRun;
use index_cache::pause::Point;
use std::collections::{BTreeMap, BTreeSet};
use witness_model::history::{ClientId, Event, Observed, Ret};
use witness_model::properties::PropertyId;
use witness_model::system::{Action, WitnessCfg};

/// What one replay showed.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The first step (1-based) where the implementation answered differently, and how.
    pub divergence: Option<(usize, String)>,
    /// The step after which each property was first violated, on the model and on the cache.
    pub model: BTreeMap<PropertyId, usize>,
    pub implementation: BTreeMap<PropertyId, usize>,
    /// LIST barriers the implementation judged stale where the model judged fresh (then reloaded
    /// and gave the model's answer); the replay stops there.
    pub catch_ups: usize,
    /// Steps compared.
    pub compared: usize,
}

impl Outcome {
    pub fn first_violation(&self, property: PropertyId) -> (Option<usize>, Option<usize>) {
        (
            self.model.get(&property).copied(),
            self.implementation.get(&property).copied(),
        )
    }
}

/// Runs the actions on the model and on the implementation side by side.
pub fn replay_actions(cfg: &WitnessCfg, actions: &[Action], print: bool) -> Outcome {
    replay_on(cfg, cfg, actions, print)
}

/// [`replay_actions`] with the implementation built from `implementation` (tests build it with
/// another protocol than the model's, to see a replay fail).
fn replay_on(
    cfg: &WitnessCfg,
    implementation: &WitnessCfg,
    actions: &[Action],
    print: bool,
) -> Outcome {
    let mut outcome = Outcome::default();
    let mut model = ModelRun::new(cfg);
    let mut cache = match ImplRun::new(implementation) {
        Ok(cache) => cache,
        Err(why) => {
            outcome.divergence = Some((0, why));
            return outcome;
        }
    };
    for (index, action) in actions.iter().enumerate() {
        let number = index + 1;
        let told = model.describe(action);
        let expected = responses(&model.step(action));
        let step = match impl_step(&mut cache, action, &expected) {
            Ok(step) => step,
            Err(why) => {
                outcome.divergence = Some((number, why));
                return outcome;
            }
        };
        if print {
            let paused = step.point.map_or(String::new(), |p| {
                format!("   [implementation paused before {p}]")
            });
            println!("{number:>3}. {told}{paused}");
            for (m, i) in expected.iter().zip(&step.got) {
                println!("       model → {m} | implementation → {i}");
            }
        }
        if expected != step.got {
            outcome.divergence = Some((number, mismatch(&expected, &step.got)));
            return outcome;
        }
        outcome.compared = number;
        if step.caught_up {
            // The implementation's node now holds the reloaded listing where the model's holds
            // its own: the states differ by design from here, so the comparison ends.
            outcome.catch_ups += 1;
            return outcome;
        }
        note_new(&mut outcome.model, model.violated(), number);
        note_new(&mut outcome.implementation, cache.violated(), number);
    }
    if print {
        println!("    violated on the model: {}", first_steps(&outcome.model));
        println!(
            "    violated on the implementation: {}",
            first_steps(&outcome.implementation)
        );
    }
    outcome
}

/// One step on the implementation.
struct ImplStep {
    point: Option<Point>,
    got: Vec<String>,
    caught_up: bool,
}

fn impl_step(
    cache: &mut ImplRun,
    action: &Action,
    expected: &[String],
) -> Result<ImplStep, String> {
    let (point, events) = cache.step(action)?;
    let mut got = responses(&events);
    let Some(client) = conservative_list_barrier(action, point, expected) else {
        return Ok(ImplStep {
            point,
            got,
            caught_up: false,
        });
    };
    // The model's LIST answered; the implementation's barrier called the listing stale because
    // the partition was not relearned as a whole since a witness restart (open key space,
    // docs/impl.md): it reloads, and must still give the model's answer.
    got.extend(responses(&cache.finish(client)?));
    Ok(ImplStep {
        point: None,
        got,
        caught_up: true,
    })
}

fn first_steps(first: &BTreeMap<PropertyId, usize>) -> String {
    if first.is_empty() {
        return "nothing".to_string();
    }
    let parts: Vec<String> = first
        .iter()
        .map(|(p, s)| format!("{p} (step {s})"))
        .collect();
    parts.join(", ")
}

fn mismatch(expected: &[String], got: &[String]) -> String {
    format!(
        "the model answered [{}], the implementation [{}]",
        expected.join("; "),
        got.join("; ")
    )
}

/// The one place the implementation may take more steps than the model: a LIST the model
/// answered at its barrier, which the implementation's barrier sends on to a reload.
fn conservative_list_barrier(
    action: &Action,
    point: Option<Point>,
    expected: &[String],
) -> Option<ClientId> {
    let client = action.client()?;
    let model_answered = expected
        .iter()
        .any(|r| r.starts_with(&format!("{client} ← LIST")));
    (model_answered && point == Some(Point::ListReload)).then_some(client)
}

fn note_new(first: &mut BTreeMap<PropertyId, usize>, now: BTreeSet<PropertyId>, step: usize) {
    for property in now {
        first.entry(property).or_insert(step);
    }
}

/// The responses and replica events of a step, as comparable text. A listing's never-written
/// keys are dropped: the model lists every key, the implementation only those it holds, and the
/// properties read both alike.
fn responses(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Invoke { .. } => None,
            Event::Return {
                client,
                ret: Ret::Listed { entries },
            } => {
                let held: Vec<String> = entries
                    .iter()
                    .filter(|(_, o)| *o != Observed::NEVER_WRITTEN)
                    .map(|(k, o)| format!("{k}@{o}"))
                    .collect();
                Some(format!("{client} ← LIST [{}]", held.join(", ")))
            }
            other => Some(other.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::model_side;
    use witness_model::system::{Mode, Mutant};

    /// A replay can fail: the mutant's counterexample run on a correct implementation does not
    /// violate the property there.
    #[test]
    fn a_counterexample_of_a_mutant_does_not_reproduce_on_the_correct_cache() {
        let mutant = WitnessCfg {
            mutant: Some(Mutant::SkipWitnessOnMiss),
            variant: witness_model::system::Variant::WITH_COMMIT,
            ..WitnessCfg::default_cfg()
        };
        let property = PropertyId::ReadAfterWrite;
        let traces = model_side::shortest_traces(&mutant, &[property]);
        let actions = traces.get(&property).expect("the model refutes the mutant");
        let on_mutant = replay_on(&mutant, &mutant, actions, false);
        assert_eq!(on_mutant.divergence, None);
        assert_eq!(on_mutant.first_violation(property).1, Some(actions.len()));
        let correct = WitnessCfg {
            mutant: None,
            mode: Mode::Strong,
            ..mutant.clone()
        };
        let on_correct = replay_on(&mutant, &correct, actions, false);
        assert!(on_correct.divergence.is_some(), "{on_correct:?}");
        assert_eq!(on_correct.first_violation(property).1, None);
    }
}
