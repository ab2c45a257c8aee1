//! Why a run gave no report: the configuration was refused, or a checker thread panicked. A panic
//! means the model or the checker has a bug, so nothing the run explored is evidence of anything:
//! it must never be read as a verdict (not even "stopped early").

use super::options::Strategy;
use crate::system::ConfigError;
use std::any::Any;
use std::fmt;

#[derive(Debug)]
pub enum CheckError {
    /// The configuration or the options were refused before anything ran.
    Config(ConfigError),
    /// A thread of the checker panicked.
    Panicked { during: Stage, message: String },
}

/// The part of a run a panic ended.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Stage {
    /// Exploring the state space with this strategy.
    Exploring(Strategy),
    /// Re-deriving the shortest path of each discovery (stateright's single-threaded BFS).
    ShortestPaths,
}

impl CheckError {
    /// The error for a thread that ended in a panic with `payload`.
    pub(crate) fn panicked(during: Stage, payload: &(dyn Any + Send)) -> CheckError {
        CheckError::Panicked {
            during,
            message: panic_message(payload),
        }
    }
}

/// What `panic!` was given, when it was a message (it nearly always is).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        (*message).to_string()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "(the panic carried no message)".to_string()
    }
}

impl From<ConfigError> for CheckError {
    fn from(e: ConfigError) -> CheckError {
        CheckError::Config(e)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Exploring(strategy) => write!(f, "the {strategy} exploration"),
            Stage::ShortestPaths => f.write_str("the re-derivation of shortest paths"),
        }
    }
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Config(e) => e.fmt(f),
            CheckError::Panicked { during, message } => write!(
                f,
                "a checker thread panicked during {during}: {message} (no verdict: a panic is a bug \
                 in the model or the checker, not evidence)"
            ),
        }
    }
}

impl std::error::Error for CheckError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckError::Config(e) => Some(e),
            CheckError::Panicked { .. } => None,
        }
    }
}
