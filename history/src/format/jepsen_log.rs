//! Jepsen's log lines (`INFO  jepsen.util - 3 :invoke :cas [3 0]`, tab-separated), as in Porcupine's
//! `test_data/jepsen/etcd_*.log`. A timed-out write appears as `:info :write :timed-out` in those
//! logs and as `:info :write 2` in newer ones; both are `info` (the value comes from the invocation).

use super::events::{Builder, Kind, RawEvent};
use super::{edn, excerpt, ParseError};
use crate::ops::History;

const MARKER: &str = "jepsen.util - ";

/// Whether a line is an operation line of this format.
pub(super) fn looks_like(line: &str) -> bool {
    let body = line.split_once(MARKER).map_or(line, |(_, rest)| rest);
    let mut words = body.split_whitespace();
    let (Some(process), Some(kind)) = (words.next(), words.next()) else {
        return false;
    };
    let numeric = process.chars().all(|c| c.is_ascii_digit()) || process == ":nemesis";
    numeric && kind.starts_with(':')
}

pub(super) fn parse(text: &str) -> Result<History, ParseError> {
    let mut builder = Builder::default();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        if !looks_like(line) {
            // Other loggers' lines (jepsen.core, the nemesis) share real Jepsen logs.
            if line.contains(" jepsen.") {
                continue;
            }
            return Err(ParseError::at(
                number,
                "a Jepsen log line (`INFO  jepsen.util - 3\t:invoke\t:read\tnil`)",
                excerpt(line),
            ));
        }
        builder.push(event(line, number)?)?;
    }
    Ok(builder.finish())
}

fn event(line: &str, number: usize) -> Result<RawEvent, ParseError> {
    let body = line
        .split_once(MARKER)
        .map_or(line, |(_, rest)| rest)
        .trim();
    let (process, rest) = split_word(body);
    let (kind_word, rest) = split_word(rest);
    let (f_word, value_text) = split_word(rest);
    let kind = kind_word
        .strip_prefix(':')
        .and_then(Kind::from_name)
        .ok_or_else(|| {
            ParseError::at(number, ":invoke, :ok, :fail or :info", excerpt(kind_word))
        })?;
    let f = f_word
        .strip_prefix(':')
        .filter(|f| !f.is_empty())
        .ok_or_else(|| {
            ParseError::at(
                number,
                "an operation keyword (:read, :write, :cas …)",
                excerpt(f_word),
            )
        })?;
    let value = if value_text.is_empty() {
        super::events::Raw::Nil
    } else {
        edn::value(value_text, number)?
    };
    Ok(RawEvent {
        kind,
        f: f.to_string(),
        process: process.trim_start_matches(':').to_string(),
        key: None,
        value,
        time: None,
        line: number,
    })
}

fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], text[end..].trim_start()),
        None => (text, ""),
    }
}
