//! The text formats a history arrives in, their detection, and the one error type every reader
//! returns: the line and what was expected there.

mod edn;
pub(crate) mod events;
mod jepsen_json;
mod jepsen_log;

use crate::ops::History;
use serde::Serialize;
use std::fmt;
use std::io::Read;

/// A history file format. Each names the tool that writes it.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Jepsen's log lines, as in Porcupine's `test_data/jepsen/etcd_*.log`:
    /// `INFO  jepsen.util - 3 :invoke :cas [3 0]` (tab-separated).
    JepsenLog,
    /// Jepsen/elle-cli operation maps as JSON (contract C1), one object per line or one array.
    JepsenJson,
    /// Jepsen operation maps as EDN (`history.edn`), one map per line or one vector.
    Edn,
    /// The project's own versioned JSON events (`witness history`'s original format).
    Project,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::JepsenLog,
        Format::JepsenJson,
        Format::Edn,
        Format::Project,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::JepsenLog => "jepsen-log",
            Format::JepsenJson => "jepsen-json",
            Format::Edn => "edn",
            Format::Project => "project",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Guesses the format from the first non-blank characters. `None`: nothing recognisable.
    pub fn detect(text: &str) -> Option<Format> {
        let start = text.trim_start();
        let first_line = start.lines().next().unwrap_or("");
        if start.is_empty() || jepsen_log::looks_like(first_line) {
            // An empty file is an empty history in Jepsen's log format (Porcupine's etcd_095.log).
            return Some(Format::JepsenLog);
        }
        let after_bracket = start.strip_prefix('[').map_or(start, str::trim_start);
        if after_bracket.starts_with("{:") || start.starts_with("{:") {
            return Some(Format::Edn);
        }
        if after_bracket.starts_with('{') {
            // The project's events are tagged with "event"; Jepsen's maps with "type".
            let object_head: String = after_bracket.chars().take(400).collect();
            let tagged = object_head
                .match_indices("\"event\"")
                .any(|(at, tag)| object_head[at + tag.len()..].trim_start().starts_with(':'));
            return Some(if tagged {
                Format::Project
            } else {
                Format::JepsenJson
            });
        }
        if after_bracket.is_empty() || after_bracket.starts_with(']') {
            return Some(Format::JepsenJson);
        }
        None
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a file could not be read as a history.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ParseError {
    /// 1-based line; 0 when the problem is not on one line (unreadable input).
    pub line: usize,
    pub expected: String,
    pub found: String,
}

impl ParseError {
    pub fn at(line: usize, expected: impl Into<String>, found: impl Into<String>) -> ParseError {
        ParseError {
            line,
            expected: expected.into(),
            found: found.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        write!(f, "expected {}, found {}", self.expected, self.found)
    }
}

impl std::error::Error for ParseError {}

/// Shortens what was found on a bad line so an error message stays one line.
pub(crate) fn excerpt(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        format!("{short:?}…")
    } else {
        format!("{short:?}")
    }
}

/// Reads a whole history in a value-based format. The project's own versioned format is judged
/// by the model's monitor instead (see [`Format::Project`]); asking for it here is an error.
pub fn parse_str(text: &str, format: Format) -> Result<History, ParseError> {
    match format {
        Format::JepsenLog => jepsen_log::parse(text),
        Format::JepsenJson => jepsen_json::parse(text),
        Format::Edn => edn::parse(text),
        Format::Project => Err(ParseError::at(
            0,
            "a value-based history (jepsen-log, jepsen-json or edn)",
            "the project's versioned format, which the model's monitor judges",
        )),
    }
}

/// [`parse_str`] from any reader; `None` detects the format.
pub fn parse(mut reader: impl Read, format: Option<Format>) -> Result<History, ParseError> {
    let mut text = String::new();
    reader
        .read_to_string(&mut text)
        .map_err(|e| ParseError::at(0, "UTF-8 text", format!("unreadable input ({e})")))?;
    let format = match format {
        Some(f) => f,
        None => Format::detect(&text).ok_or_else(|| {
            ParseError::at(
                1,
                "a Jepsen log line, a JSON object or array, or an EDN map",
                excerpt(text.trim_start().lines().next().unwrap_or("")),
            )
        })?,
    };
    parse_str(&text, format)
}
