//! The one error a configuration, a name or a checker option the user gave can have: a message
//! for the user. Below both [`crate::named`] (an unknown name) and [`crate::system`] (a
//! configuration the model cannot run), so neither imports the other for it.

use std::fmt;

/// A configuration the model cannot run, with a message for the user.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}
