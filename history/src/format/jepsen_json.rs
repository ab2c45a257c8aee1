//! Jepsen/elle-cli operation maps as JSON (contract C1): one object per line, or one array of them
//! (one object per line inside it, or all on one line).

use super::events::{Builder, Kind, Raw, RawEvent};
use super::{excerpt, ParseError};
use crate::ops::History;

pub(super) fn parse(text: &str) -> Result<History, ParseError> {
    let mut builder = Builder::default();
    let trimmed = text.trim();
    if trimmed.starts_with('[') && !per_line_array(trimmed) {
        let items: Vec<serde_json::Value> = serde_json::from_str(trimmed).map_err(|e| {
            ParseError::at(e.line(), "a JSON array of operation objects", e.to_string())
        })?;
        for item in items {
            builder.push(event(item, 1)?)?;
        }
        return Ok(builder.finish());
    }
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        // Inside a per-line array: drop the brackets and separating commas around each object.
        let object = line
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches(',')
            .trim();
        if object.is_empty() {
            continue;
        }
        let item: serde_json::Value = serde_json::from_str(object).map_err(|e| {
            ParseError::at(
                number,
                "one JSON operation object",
                format!("{} ({e})", excerpt(object)),
            )
        })?;
        builder.push(event(item, number)?)?;
    }
    Ok(builder.finish())
}

/// An array whose objects each sit on their own line: read it line by line to keep line numbers.
fn per_line_array(text: &str) -> bool {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim();
    (first == "[" || first.ends_with("},") || first.ends_with('}')) && lines.next().is_some()
}

fn raw(value: serde_json::Value) -> Raw {
    use serde_json::Value as J;
    match value {
        J::Null => Raw::Nil,
        J::Bool(b) => Raw::Bool(b),
        J::Number(n) => n
            .as_i64()
            .map(Raw::Int)
            .unwrap_or_else(|| Raw::Other(n.to_string())),
        J::String(s) => Raw::Str(s),
        J::Array(items) => Raw::List(items.into_iter().map(raw).collect()),
        J::Object(_) => Raw::Other("an object".into()),
    }
}

fn event(item: serde_json::Value, line: usize) -> Result<RawEvent, ParseError> {
    let serde_json::Value::Object(mut map) = item else {
        return Err(ParseError::at(
            line,
            "an operation object {\"type\": …}",
            excerpt(&item.to_string()),
        ));
    };
    let mut take = |name: &str| map.remove(name).map(raw);
    let (kind, f, process, key) = (take("type"), take("f"), take("process"), take("key"));
    let (value, time) = (take("value").unwrap_or(Raw::Nil), take("time"));
    event_from_fields(line, kind, f, process, key, value, time)
}

/// A name written as a keyword (EDN `:ok`) or a string (JSON `"ok"`).
fn name(field: &str, raw: Option<Raw>, line: usize) -> Result<String, ParseError> {
    match raw {
        Some(Raw::Keyword(s)) | Some(Raw::Str(s)) => Ok(s),
        Some(Raw::Int(i)) => Ok(i.to_string()),
        Some(other) => Err(ParseError::at(
            line,
            format!("\"{field}\" as a name"),
            format!("{other:?}"),
        )),
        None => Err(ParseError::at(line, format!("a \"{field}\" field"), "none")),
    }
}

/// The fields of one Jepsen operation map, from JSON or EDN.
pub(super) fn event_from_fields(
    line: usize,
    kind: Option<Raw>,
    f: Option<Raw>,
    process: Option<Raw>,
    key: Option<Raw>,
    value: Raw,
    time: Option<Raw>,
) -> Result<RawEvent, ParseError> {
    let kind_name = name("type", kind, line)?;
    let kind = Kind::from_name(&kind_name).ok_or_else(|| {
        ParseError::at(
            line,
            "type = invoke, ok, fail or info",
            format!("type = {kind_name}"),
        )
    })?;
    let time = match time {
        None | Some(Raw::Nil) => None,
        Some(Raw::Int(t)) if t >= 0 => Some(t as u64),
        Some(other) => {
            return Err(ParseError::at(
                line,
                "\"time\" as non-negative nanoseconds",
                format!("{other:?}"),
            ))
        }
    };
    let key = match key {
        None | Some(Raw::Nil) => None,
        some => Some(name("key", some, line)?),
    };
    Ok(RawEvent {
        kind,
        f: name("f", f, line)?,
        process: name("process", process, line)?,
        key,
        value,
        time,
        line,
    })
}
