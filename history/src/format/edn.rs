//! EDN, the subset Jepsen writes for register workloads (`history.edn`): maps of keywords,
//! integers, strings, nil, booleans and vectors, one map per line or all in one vector. Also reads
//! the values of Jepsen's log lines (`nil`, `4`, `[3 0]`, `:timed-out`).

use super::events::{Builder, Raw, RawEvent};
use super::{excerpt, ParseError};
use crate::ops::History;

/// Nesting deeper than this is not a register history; refusing it keeps the reader's stack small
/// whatever the file holds.
const MAX_DEPTH: usize = 32;

#[derive(Clone, Debug, PartialEq)]
enum Edn {
    Value(Raw),
    Vector(Vec<Edn>),
    Map(Vec<(Edn, Edn)>),
}

impl Edn {
    /// The value as a Jepsen map field holds it (maps inside values are not register data).
    fn into_raw(self) -> Raw {
        match self {
            Edn::Value(raw) => raw,
            Edn::Vector(items) => Raw::List(items.into_iter().map(Edn::into_raw).collect()),
            Edn::Map(_) => Raw::Other("a map".into()),
        }
    }
}

/// A cursor over EDN text that counts lines.
struct Reader<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, line: usize) -> Self {
        Reader {
            text: text.as_bytes(),
            at: 0,
            line,
        }
    }

    fn error(&self, expected: &str) -> ParseError {
        let rest = String::from_utf8_lossy(&self.text[self.at.min(self.text.len())..]);
        let found = if rest.trim().is_empty() {
            "the end of the input".to_string()
        } else {
            excerpt(rest.trim_start())
        };
        ParseError::at(self.line, expected, found)
    }

    fn skip_blank(&mut self) {
        while let Some(&c) = self.text.get(self.at) {
            match c {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' | b',' => {}
                b';' => {
                    while self.text.get(self.at).is_some_and(|&c| c != b'\n') {
                        self.at += 1;
                    }
                    continue;
                }
                _ => return,
            }
            self.at += 1;
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip_blank();
        self.at >= self.text.len()
    }

    fn form(&mut self, depth: usize) -> Result<Edn, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error("a register value (nesting is too deep)"));
        }
        self.skip_blank();
        match self.text.get(self.at) {
            None => Err(self.error("an EDN value")),
            Some(b'{') => {
                self.at += 1;
                let items = self.sequence(b'}', depth)?;
                if items.len() % 2 != 0 {
                    return Err(self.error("a map with a value for every key"));
                }
                let mut pairs = Vec::with_capacity(items.len() / 2);
                let mut iter = items.into_iter();
                while let (Some(k), Some(v)) = (iter.next(), iter.next()) {
                    pairs.push((k, v));
                }
                Ok(Edn::Map(pairs))
            }
            Some(b'[') | Some(b'(') => {
                let close = if self.text[self.at] == b'[' {
                    b']'
                } else {
                    b')'
                };
                self.at += 1;
                Ok(Edn::Vector(self.sequence(close, depth)?))
            }
            Some(b'#') if self.text.get(self.at + 1) == Some(&b'{') => {
                self.at += 2;
                Ok(Edn::Vector(self.sequence(b'}', depth)?))
            }
            Some(b'"') => self.string().map(|s| Edn::Value(Raw::Str(s))),
            Some(_) => self.atom().map(Edn::Value),
        }
    }

    fn sequence(&mut self, close: u8, depth: usize) -> Result<Vec<Edn>, ParseError> {
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            match self.text.get(self.at) {
                Some(&c) if c == close => {
                    self.at += 1;
                    return Ok(items);
                }
                None => return Err(self.error(&format!("'{}'", close as char))),
                Some(_) => items.push(self.form(depth + 1)?),
            }
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.at += 1;
        let mut bytes = Vec::new();
        loop {
            match self.text.get(self.at) {
                None => return Err(self.error("the closing '\"' of a string")),
                Some(b'"') => {
                    self.at += 1;
                    return String::from_utf8(bytes).map_err(|_| self.error("UTF-8 text"));
                }
                Some(b'\\') => {
                    let escaped = match self.text.get(self.at + 1) {
                        Some(b'n') => b'\n',
                        Some(b't') => b'\t',
                        Some(b'r') => b'\r',
                        Some(&c @ (b'"' | b'\\')) => c,
                        _ => return Err(self.error("a string escape (\\n \\t \\r \\\" \\\\)")),
                    };
                    bytes.push(escaped);
                    self.at += 2;
                }
                Some(&c) => {
                    if c == b'\n' {
                        self.line += 1;
                    }
                    bytes.push(c);
                    self.at += 1;
                }
            }
        }
    }

    fn atom(&mut self) -> Result<Raw, ParseError> {
        let start = self.at;
        while let Some(&c) = self.text.get(self.at) {
            if c.is_ascii_whitespace() || b",{}[]()\";".contains(&c) {
                break;
            }
            self.at += 1;
        }
        let token = std::str::from_utf8(&self.text[start..self.at])
            .map_err(|_| self.error("UTF-8 text"))?;
        if token.is_empty() {
            return Err(self.error("an EDN value"));
        }
        Ok(match token {
            "nil" => Raw::Nil,
            "true" => Raw::Bool(true),
            "false" => Raw::Bool(false),
            _ if token.starts_with(':') && token.len() > 1 => Raw::Keyword(token[1..].to_string()),
            _ => match token.trim_end_matches('N').parse::<i64>() {
                Ok(i) => Raw::Int(i),
                Err(_) => Raw::Other(format!("{token:?}")),
            },
        })
    }
}

/// Reads one EDN value from `text` (all of it); for the value column of Jepsen log lines.
pub(super) fn value(text: &str, line: usize) -> Result<Raw, ParseError> {
    let mut reader = Reader::new(text, line);
    let form = reader.form(0)?;
    if !reader.at_end() {
        return Err(reader.error("the end of the value"));
    }
    Ok(form.into_raw())
}

/// Reads a history of Jepsen operation maps in EDN.
pub(super) fn parse(text: &str) -> Result<History, ParseError> {
    let mut reader = Reader::new(text, 1);
    let mut builder = Builder::default();
    reader.skip_blank();
    // A history saved as one vector of maps, or maps one after the other.
    let wrapped = reader.text.get(reader.at) == Some(&b'[');
    if wrapped {
        reader.at += 1;
    }
    loop {
        reader.skip_blank();
        match reader.text.get(reader.at) {
            None if wrapped => return Err(reader.error("']' closing the history")),
            None => break,
            Some(b']') if wrapped => {
                reader.at += 1;
                if !reader.at_end() {
                    return Err(reader.error("nothing after the history's closing ']'"));
                }
                break;
            }
            Some(_) => {
                let line = reader.line;
                let form = reader.form(1)?;
                builder.push(event(form, line)?)?;
            }
        }
    }
    Ok(builder.finish())
}

fn event(form: Edn, line: usize) -> Result<RawEvent, ParseError> {
    let Edn::Map(pairs) = form else {
        return Err(ParseError::at(
            line,
            "an operation map {:type … :f … :process …}",
            "another value",
        ));
    };
    let mut fields: Vec<(String, Raw)> = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        if let Edn::Value(Raw::Keyword(name)) = k {
            fields.push((name, v.into_raw()));
        }
    }
    let take = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    super::jepsen_json::event_from_fields(
        line,
        take("type"),
        take("f"),
        take("process"),
        take("key"),
        take("value").unwrap_or(Raw::Nil),
        take("time"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_values_jepsen_logs_hold() {
        assert_eq!(value("nil", 1).unwrap(), Raw::Nil);
        assert_eq!(
            value("[3 0]", 1).unwrap(),
            Raw::List(vec![Raw::Int(3), Raw::Int(0)])
        );
        assert_eq!(
            value(":timed-out", 1).unwrap(),
            Raw::Keyword("timed-out".into())
        );
        assert_eq!(value("\"a\\\"b\"", 1).unwrap(), Raw::Str("a\"b".into()));
        assert!(value("[1 2", 7)
            .unwrap_err()
            .to_string()
            .starts_with("line 7: expected ']'"));
    }
}
