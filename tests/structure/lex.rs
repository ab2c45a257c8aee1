//! Just enough of Rust's lexical grammar to find paths and braces: comments, strings (plain, byte,
//! C and raw), char literals and lifetimes become nothing or one opaque literal, so `crate::x` inside
//! them is never read as a reference and a `{` inside them never opens a block.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A string, char or number literal; its text does not matter here.
    Literal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    /// 1-based.
    pub line: usize,
}

impl Token {
    pub fn is_ident(&self, name: &str) -> bool {
        matches!(&self.tok, Tok::Ident(s) if s == name)
    }

    pub fn is_punct(&self, c: char) -> bool {
        self.tok == Tok::Punct(c)
    }

    pub fn ident(&self) -> Option<&str> {
        match &self.tok {
            Tok::Ident(s) => Some(s),
            _ => None,
        }
    }
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    out: Vec<Token>,
}

pub fn tokens(src: &str) -> Vec<Token> {
    let mut lx = Lexer {
        chars: src.chars().collect(),
        pos: 0,
        line: 1,
        out: Vec::new(),
    };
    while let Some(c) = lx.peek(0) {
        let line = lx.line;
        if c == '\n' || c.is_whitespace() {
            lx.bump();
        } else if c == '/' && lx.peek(1) == Some('/') {
            lx.skip_while(|c| c != '\n');
        } else if c == '/' && lx.peek(1) == Some('*') {
            lx.block_comment();
        } else if c == '"' {
            lx.quoted('"');
            lx.push(Tok::Literal, line);
        } else if c == '\'' {
            lx.quote_or_lifetime();
        } else if c.is_ascii_digit() {
            lx.number();
            lx.push(Tok::Literal, line);
        } else if c == '_' || c.is_alphabetic() {
            lx.word();
        } else if c == ':' && lx.peek(1) == Some(':') {
            lx.pos += 2;
            lx.push(Tok::PathSep, line);
        } else {
            lx.bump();
            lx.push(Tok::Punct(c), line);
        }
    }
    lx.out
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn push(&mut self, tok: Tok, line: usize) {
        self.out.push(Token { tok, line });
    }

    fn skip_while(&mut self, keep: impl Fn(char) -> bool) {
        while self.peek(0).is_some_and(&keep) {
            self.bump();
        }
    }

    /// Block comments nest in Rust.
    fn block_comment(&mut self) {
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            if c == '/' && self.peek(1) == Some('*') {
                depth += 1;
                self.pos += 2;
            } else if c == '*' && self.peek(1) == Some('/') {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    return;
                }
            } else {
                self.bump();
            }
        }
    }

    /// From an opening quote to its unescaped closing one.
    fn quoted(&mut self, quote: char) {
        self.bump();
        while let Some(c) = self.bump() {
            if c == '\\' {
                self.bump();
            } else if c == quote {
                return;
            }
        }
    }

    /// `r"…"`, `r#"…"#`, …: no escapes; ends at a quote followed by as many `#`s.
    fn raw_string(&mut self) {
        let mut hashes = 0;
        while self.peek(0) == Some('#') {
            hashes += 1;
            self.bump();
        }
        self.bump(); // the opening quote
        while let Some(c) = self.bump() {
            if c == '"' && (0..hashes).all(|i| self.peek(i) == Some('#')) {
                self.pos += hashes;
                return;
            }
        }
    }

    /// `'a'`, `'\n'`, `'\u{1F600}'` are chars; `'a` (no closing quote right after one char) is a
    /// lifetime or a label, which names nothing this scan cares about.
    fn quote_or_lifetime(&mut self) {
        let line = self.line;
        if self.peek(1) == Some('\\') || self.peek(2) == Some('\'') {
            self.quoted('\'');
            self.push(Tok::Literal, line);
        } else {
            self.bump();
            self.skip_while(|c| c == '_' || c.is_alphanumeric());
        }
    }

    /// Digits, suffixes, exponents and a fractional part (`1.5`), but not the `..` of a range.
    fn number(&mut self) {
        while let Some(c) = self.peek(0) {
            let fraction = c == '.' && self.peek(1).is_some_and(|d| d.is_ascii_digit());
            if c == '_' || c.is_alphanumeric() || fraction {
                self.bump();
            } else {
                return;
            }
        }
    }

    /// An identifier or keyword, or the prefix of a literal: `b"…"`, `b'x'`, `c"…"`, `r"…"`,
    /// `br#"…"#`, `cr"…"`; `r#ident` is a raw identifier.
    fn word(&mut self) {
        let line = self.line;
        let start = self.pos;
        self.skip_while(|c| c == '_' || c.is_alphanumeric());
        let word: String = self.chars[start..self.pos].iter().collect();
        let next = self.peek(0);
        let raw_prefix = matches!(word.as_str(), "r" | "br" | "cr");
        if raw_prefix && (next == Some('"') || (next == Some('#') && self.raw_string_follows())) {
            self.raw_string();
            self.push(Tok::Literal, line);
        } else if matches!(word.as_str(), "b" | "c") && next == Some('"') {
            self.quoted('"');
            self.push(Tok::Literal, line);
        } else if word == "b" && next == Some('\'') {
            self.quoted('\'');
            self.push(Tok::Literal, line);
        } else if word == "r" && next == Some('#') {
            self.bump();
            let start = self.pos;
            self.skip_while(|c| c == '_' || c.is_alphanumeric());
            let raw: String = self.chars[start..self.pos].iter().collect();
            self.push(Tok::Ident(raw), line);
        } else {
            self.push(Tok::Ident(word), line);
        }
    }

    /// After `r`: `#`s then a quote (a raw string), not `#ident` (a raw identifier).
    fn raw_string_follows(&self) -> bool {
        let mut i = 0;
        while self.peek(i) == Some('#') {
            i += 1;
        }
        self.peek(i) == Some('"')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(src: &str) -> Vec<String> {
        tokens(src)
            .into_iter()
            .filter_map(|t| t.ident().map(str::to_string))
            .collect()
    }

    #[test]
    fn comments_and_strings_hide_what_they_contain() {
        let src = r####"
            // crate::a
            /* crate::b /* nested crate::c */ still comment crate::d */
            let s = "crate::e \" crate::f";
            let r = r#"crate::g " crate::h"#;
            let rr = r##"crate::i "# crate::j"##;
            let b = b"crate::k"; let bc = b'{'; let c = c"crate::l";
            visible
        "####;
        assert_eq!(
            idents(src),
            ["let", "s", "let", "r", "let", "rr", "let", "b", "let", "bc", "let", "c", "visible"]
        );
        let braces = tokens(src).iter().filter(|t| t.is_punct('{')).count();
        assert_eq!(braces, 0, "the brace is inside a byte literal");
    }

    #[test]
    fn char_literals_and_lifetimes() {
        let src = "fn f<'a>(x: &'a str) -> char { let q = '\"'; let e = '\\''; let b = '{'; 'outer: loop {} }";
        let t = tokens(src);
        assert_eq!(t.iter().filter(|t| t.is_punct('{')).count(), 2);
        assert_eq!(t.iter().filter(|t| t.tok == Tok::Literal).count(), 3);
        assert!(
            !idents(src).contains(&"a".to_string()),
            "a lifetime is not an identifier"
        );
        assert!(idents(src).contains(&"loop".to_string()));
    }

    #[test]
    fn raw_identifiers_paths_and_lines() {
        let t = tokens("r#type::x\n::y 1..2 1.5");
        assert_eq!(t[0].tok, Tok::Ident("type".into()));
        assert_eq!(t[1].tok, Tok::PathSep);
        assert_eq!(t[3].line, 2);
        let dots = t.iter().filter(|t| t.is_punct('.')).count();
        assert_eq!(dots, 2, "a range's dots are not a fraction: {t:?}");
    }
}
