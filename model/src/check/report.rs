//! What a run says: a verdict and a shortest trace per property, how far it got and why it
//! stopped, and the progress it reports while it runs.

use super::options::Strategy;
use crate::properties::{Expectation, PropertyId};
use crate::system::{Action, SystemState, WitnessCfg};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use stateright::Model;
use std::time::Duration;

/// A path of model `M`: each state with the action taken from it (none after the last).
pub type StepsOf<M> = Vec<(<M as Model>::State, Option<<M as Model>::Action>)>;

/// A path of the witness model.
pub type Steps = Vec<(SystemState, Option<Action>)>;

#[derive(Clone, Copy, Debug, Eq, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Holds,
    Violated,
    Found,
    NotFound,
    Unknown,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "violated",
            Verdict::Found => "found",
            Verdict::NotFound => "not-found",
            Verdict::Unknown => "unknown",
        })
    }
}

/// One property's verdict. Its JSON (serialized below) also says the property's guarantee group.
#[derive(Clone, Debug, Deserialize)]
pub struct PropertyResult {
    /// Serialized under its old field name, so JSON reports keep `"name": "read-after-write"`.
    #[serde(rename = "name")]
    pub property: PropertyId,
    pub expectation: Expectation,
    pub verdict: Verdict,
    /// The shortest path to the violation (or example), as numbered steps, then the operations
    /// left in flight and what the monitor makes of it; empty where none.
    pub trace: Vec<String>,
}

impl PropertyResult {
    /// The trace's steps: its numbered lines, not the operations left in flight, the closing
    /// "⇒ …" explanation, nor a note about how the path was found.
    pub fn steps(&self) -> usize {
        self.trace
            .iter()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_digit()))
            .count()
    }
}

/// Written by hand to add `"guarantee"` (`"s3"`, `"stronger"`, `"protocol"` or `"anomaly"`),
/// read from the catalogue rather than stored, so it cannot disagree with it; reading the JSON
/// back ignores it. The destructuring below stops the build if a field is added and not written.
impl Serialize for PropertyResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let PropertyResult {
            property,
            expectation,
            verdict,
            trace,
        } = self;
        let mut out = serializer.serialize_struct("PropertyResult", 5)?;
        out.serialize_field("name", property)?;
        out.serialize_field("guarantee", &property.guarantee())?;
        out.serialize_field("expectation", expectation)?;
        out.serialize_field("verdict", verdict)?;
        out.serialize_field("trace", trace)?;
        out.end()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckReport {
    pub mode: String,
    pub variant: String,
    pub mutant: Option<String>,
    /// What the verdicts assume of a deployment: the steps the model makes atomic.
    #[serde(default)]
    pub assumes: String,
    pub config: WitnessCfg,
    pub strategy: Strategy,
    pub threads: usize,
    pub symmetry: bool,
    /// Every reachable state was explored.
    pub complete: bool,
    /// Why an incomplete run stopped (`None` for a complete one).
    pub stopped_by: Option<StopReason>,
    pub unique_states: usize,
    pub total_states: usize,
    pub max_depth: usize,
    /// How the states seen were stored, and the chance that storage omitted some.
    #[serde(default)]
    pub storage: super::storage::Storage,
    /// What the verdicts are no evidence for: properties the configuration cannot exercise,
    /// and parts of properties no run of the model can break (`reach::limits`).
    #[serde(default)]
    pub limits: Vec<crate::reach::Limit>,
    /// Wall-clock seconds, including the re-derivation of shortest counterexamples.
    pub seconds: f64,
    pub properties: Vec<PropertyResult>,
    /// For every discovery, its shortest path as (state, action taken from it). Client and node
    /// numbers are consistent along the whole path, with or without symmetry reduction.
    #[serde(skip)]
    pub paths: Vec<(PropertyId, Steps)>,
}

/// Why a run stopped before it had explored every state.
#[derive(Clone, Debug, Eq, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum StopReason {
    Timeout,
    /// Ctrl-C.
    Interrupt,
    /// The level search would have needed more memory than the machine had.
    Memory {
        detail: String,
    },
    /// Simulation samples paths: it never knows it has seen everything.
    Sampling,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Timeout => f.write_str("timeout"),
            StopReason::Interrupt => f.write_str("Ctrl-C"),
            StopReason::Memory { detail } => write!(f, "out of memory: {detail}"),
            StopReason::Sampling => f.write_str("simulation samples paths"),
        }
    }
}

impl CheckReport {
    pub fn result(&self, property: PropertyId) -> Option<&PropertyResult> {
        self.properties.iter().find(|p| p.property == property)
    }

    pub fn verdict(&self, property: PropertyId) -> Verdict {
        self.result(property)
            .map_or(Verdict::Unknown, |p| p.verdict)
    }

    /// Some always-property was violated.
    pub fn any_violated(&self) -> bool {
        self.properties
            .iter()
            .any(|p| p.verdict == Verdict::Violated)
    }
}

/// What the checker has done so far, for progress lines.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub total_states: usize,
    pub unique_states: usize,
    pub max_depth: usize,
    pub elapsed: Duration,
}

impl Progress {
    pub fn states_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.total_states as f64 / secs
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_carries_its_guarantee_from_the_catalogue_and_reads_back() {
        for &property in PropertyId::ALL {
            let result = PropertyResult {
                property,
                expectation: property.expectation(),
                verdict: Verdict::Holds,
                trace: vec!["1. a step".to_string()],
            };
            let json = serde_json::to_value(&result).unwrap();
            assert_eq!(json["name"], property.name());
            assert_eq!(
                json["guarantee"],
                serde_json::to_value(property.guarantee()).unwrap()
            );
            assert_eq!(json["verdict"], "holds");
            let back: PropertyResult = serde_json::from_value(json).unwrap();
            assert_eq!((back.property, back.trace), (property, result.trace));
        }
        let raw = serde_json::to_value(PropertyResult {
            property: PropertyId::ReadAfterWrite,
            expectation: Expectation::Always,
            verdict: Verdict::Holds,
            trace: Vec::new(),
        })
        .unwrap();
        assert_eq!(raw["guarantee"], "s3");
        assert_eq!(raw["expectation"], "always");
    }
}
