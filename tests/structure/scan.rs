//! What one source file says about structure: the module paths it names outside test code, the
//! items its top level re-exports, its functions' line spans, and where its trailing tests begin.

use crate::lex::{tokens, Tok, Token};

/// A path the file names: `crate::a::b::Item`, `super::x`, `self::y`, or `name::…` (a child module,
/// if the resolver finds one by that name). Written as in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub path: Vec<String>,
    pub line: usize,
    /// The inline modules (`mod name { … }`) the reference sits in, outermost first.
    pub inline: Vec<String>,
}

/// `pub use target as name;` at the file's top level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reexport {
    pub name: String,
    pub target: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FnSpan {
    pub name: String,
    pub first_line: usize,
    pub last_line: usize,
}

impl FnSpan {
    pub fn lines(&self) -> usize {
        self.last_line - self.first_line + 1
    }
}

#[derive(Clone, Debug, Default)]
pub struct FileScan {
    pub references: Vec<Reference>,
    pub reexports: Vec<Reexport>,
    pub functions: Vec<FnSpan>,
    /// Out-of-line test modules: `#[cfg(test)] mod name;`.
    pub test_modules: Vec<String>,
    /// Lines before a trailing test item (the whole file when there is none), not counting the
    /// blank lines that separate the two.
    pub code_lines: usize,
}

pub fn scan(src: &str) -> FileScan {
    let toks = tokens(src);
    let test = test_mask(&toks);
    let mut out = FileScan {
        code_lines: code_lines(src, &toks, &test),
        ..FileScan::default()
    };
    // (name, brace depth outside its braces) of the inline modules around the cursor.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if t.is_punct('{') {
            depth += 1;
        } else if t.is_punct('}') {
            depth = depth.saturating_sub(1);
            if inline.last().is_some_and(|(_, d)| *d == depth) {
                inline.pop();
            }
        }
        if test[i] {
            if let Some(name) = mod_declaration(&toks, i) {
                out.test_modules.push(name);
            }
            i += 1;
            continue;
        }
        let names: Vec<String> = inline.iter().map(|(n, _)| n.clone()).collect();
        if t.is_ident("use") {
            i = use_statement(&toks, i, &names, &mut out);
            continue;
        }
        if let Some(name) = inline_module(&toks, i) {
            inline.push((name, depth));
        }
        if let Some(span) = function(&toks, i) {
            out.functions.push(span);
        }
        if let Some((path, end)) = path_start(&toks, i) {
            out.references.push(Reference {
                path,
                line: t.line,
                inline: names,
            });
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

/// A `use` item: each of its leaves is a reference; a `pub` one at top level is also a re-export.
/// Returns the index after its `;`.
fn use_statement(toks: &[Token], at: usize, inline: &[String], out: &mut FileScan) -> usize {
    let mut leaves = Vec::new();
    let mut j = at + 1;
    use_tree(toks, &mut j, Vec::new(), &mut leaves);
    while j < toks.len() && !toks[j].is_punct(';') {
        j += 1;
    }
    let public = is_pub(toks, at);
    for leaf in leaves {
        if leaf.path.is_empty() {
            continue;
        }
        if public && inline.is_empty() && !leaf.glob {
            let name = leaf.alias.clone().or_else(|| leaf.path.last().cloned());
            if let Some(name) = name.filter(|n| n != "_") {
                out.reexports.push(Reexport {
                    name,
                    target: leaf.path.clone(),
                });
            }
        }
        out.references.push(Reference {
            path: leaf.path,
            line: toks[at].line,
            inline: inline.to_vec(),
        });
    }
    j + 1
}

#[derive(Debug)]
struct UseLeaf {
    path: Vec<String>,
    alias: Option<String>,
    glob: bool,
}

/// `a::b::{c, d::*, e as f, self}` from `*j`, prefixed by the group it is in. A path from the extern
/// prelude (`::x`) yields nothing.
fn use_tree(toks: &[Token], j: &mut usize, prefix: Vec<String>, leaves: &mut Vec<UseLeaf>) {
    let mut path = prefix;
    if toks.get(*j).is_some_and(|t| t.tok == Tok::PathSep) {
        return;
    }
    loop {
        let Some(t) = toks.get(*j) else { return };
        if t.is_punct('$') {
            *j += 1;
            continue;
        }
        if t.is_punct('{') {
            *j += 1;
            while toks.get(*j).is_some_and(|t| !t.is_punct('}')) {
                use_tree(toks, j, path.clone(), leaves);
                if toks.get(*j).is_some_and(|t| t.is_punct(',')) {
                    *j += 1;
                }
            }
            *j += 1;
            return;
        }
        if t.is_punct('*') {
            *j += 1;
            leaves.push(UseLeaf {
                path,
                alias: None,
                glob: true,
            });
            return;
        }
        let Some(name) = t.ident() else { return };
        *j += 1;
        if name != "self" || path.is_empty() {
            path.push(name.to_string());
        }
        if toks.get(*j).is_some_and(|t| t.tok == Tok::PathSep) {
            *j += 1;
            continue;
        }
        let mut alias = None;
        if toks.get(*j).is_some_and(|t| t.is_ident("as")) {
            alias = toks.get(*j + 1).and_then(Token::ident).map(str::to_string);
            *j += 2;
        }
        leaves.push(UseLeaf {
            path,
            alias,
            glob: false,
        });
        return;
    }
}

/// `pub use` or `pub(crate) use` / `pub(super) use`.
fn is_pub(toks: &[Token], at: usize) -> bool {
    match at.checked_sub(1).map(|i| &toks[i]) {
        Some(t) if t.is_ident("pub") => true,
        Some(t) if t.is_punct(')') => {
            let open = (0..at - 1).rev().find(|&i| toks[i].is_punct('('));
            open.is_some_and(|o| o > 0 && toks[o - 1].is_ident("pub"))
        }
        _ => false,
    }
}

/// A path that starts at `i` and goes through a module: `crate::…`, `$crate::…`, `super::…`,
/// `self::…`, or `name::…`; not the tail of a longer path, nor a method's turbofish. Returns it and
/// the index after it.
fn path_start(toks: &[Token], i: usize) -> Option<(Vec<String>, usize)> {
    let first = toks[i].ident()?;
    if first == "Self" || toks.get(i + 1)?.tok != Tok::PathSep {
        return None;
    }
    if i > 0 && (toks[i - 1].tok == Tok::PathSep || toks[i - 1].is_punct('.')) {
        return None;
    }
    let mut path = vec![first.to_string()];
    let mut j = i + 1;
    while toks.get(j).is_some_and(|t| t.tok == Tok::PathSep) {
        let Some(next) = toks.get(j + 1).and_then(Token::ident) else {
            break;
        };
        path.push(next.to_string());
        j += 2;
    }
    Some((path, j))
}

/// `mod name {` at `i`: an inline module.
fn inline_module(toks: &[Token], i: usize) -> Option<String> {
    let name = toks.get(i + 1)?.ident()?;
    (toks[i].is_ident("mod") && toks.get(i + 2)?.is_punct('{')).then(|| name.to_string())
}

/// `mod name;` at `i`: a module in a file of its own.
fn mod_declaration(toks: &[Token], i: usize) -> Option<String> {
    let name = toks.get(i + 1)?.ident()?;
    (toks[i].is_ident("mod") && toks.get(i + 2)?.is_punct(';')).then(|| name.to_string())
}

/// `fn name … { body }` at `i`: from the `fn` line to the body's closing brace. A declaration
/// without a body (in a trait) and a `fn(…)` pointer type are not functions here.
fn function(toks: &[Token], i: usize) -> Option<FnSpan> {
    if !toks[i].is_ident("fn") {
        return None;
    }
    let name = toks.get(i + 1)?.ident()?.to_string();
    let mut nesting = 0usize;
    for j in i + 2..toks.len() {
        let t = &toks[j];
        if t.is_punct('(') || t.is_punct('[') {
            nesting += 1;
        } else if t.is_punct(')') || t.is_punct(']') {
            nesting = nesting.saturating_sub(1);
        } else if nesting == 0 && t.is_punct(';') {
            return None;
        } else if nesting == 0 && t.is_punct('{') {
            let close = matching(toks, j);
            return Some(FnSpan {
                name,
                first_line: toks[i].line,
                last_line: toks[close].line,
            });
        }
    }
    None
}

/// The index of the bracket closing the one at `open` (the last token if it is never closed).
pub fn matching(toks: &[Token], open: usize) -> usize {
    let (o, c) = match toks[open].tok {
        Tok::Punct('(') => ('(', ')'),
        Tok::Punct('[') => ('[', ']'),
        _ => ('{', '}'),
    };
    let mut depth = 0usize;
    for (j, t) in toks.iter().enumerate().skip(open) {
        if t.is_punct(o) {
            depth += 1;
        } else if t.is_punct(c) {
            depth -= 1;
            if depth == 0 {
                return j;
            }
        }
    }
    toks.len() - 1
}

/// Which tokens belong to test-only items: an item with `#[test]`, `#[cfg(test)]` or
/// `#[cfg(all(test, …))]`, from its first attribute to its closing `;` or `}`.
fn test_mask(toks: &[Token]) -> Vec<bool> {
    let mut mask = vec![false; toks.len()];
    for i in 0..toks.len() {
        if !(toks[i].is_punct('#') && toks.get(i + 1).is_some_and(|t| t.is_punct('['))) {
            continue;
        }
        let close = matching(toks, i + 1);
        if is_test_attribute(&toks[i + 2..close]) {
            let end = item_end(toks, close + 1);
            mask[i..=end].iter_mut().for_each(|m| *m = true);
        }
    }
    mask
}

fn is_test_attribute(attr: &[Token]) -> bool {
    match attr {
        [t] => t.is_ident("test"),
        [cfg, open, predicate @ .., close] => {
            cfg.is_ident("cfg") && open.is_punct('(') && close.is_punct(')') && test_only(predicate)
        }
        _ => false,
    }
}

/// `test`, or `all(…)` with `test` among its conditions: code that exists only in test builds.
fn test_only(predicate: &[Token]) -> bool {
    match predicate {
        [t] => t.is_ident("test"),
        [all, open, args @ .., close]
            if all.is_ident("all") && open.is_punct('(') && close.is_punct(')') =>
        {
            split_commas(args).into_iter().any(test_only)
        }
        _ => false,
    }
}

fn split_commas(toks: &[Token]) -> Vec<&[Token]> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (j, t) in toks.iter().enumerate() {
        if t.is_punct('(') {
            depth += 1;
        } else if t.is_punct(')') {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && t.is_punct(',') {
            parts.push(&toks[start..j]);
            start = j + 1;
        }
    }
    parts.push(&toks[start..]);
    parts
}

/// The last token of the item that starts at `from` (after its first attribute): its `;`, or the
/// brace closing its body.
fn item_end(toks: &[Token], from: usize) -> usize {
    let mut nesting = 0usize;
    let mut j = from;
    while j < toks.len() {
        let t = &toks[j];
        if nesting == 0 && t.is_punct('#') && toks.get(j + 1).is_some_and(|t| t.is_punct('[')) {
            j = matching(toks, j + 1) + 1;
            continue;
        }
        if t.is_punct('(') || t.is_punct('[') {
            nesting += 1;
        } else if t.is_punct(')') || t.is_punct(']') {
            nesting = nesting.saturating_sub(1);
        } else if nesting == 0 && t.is_punct(';') {
            return j;
        } else if nesting == 0 && t.is_punct('{') {
            return matching(toks, j);
        }
        j += 1;
    }
    toks.len().saturating_sub(1)
}

/// Lines before the test item that ends the file, if one does.
fn code_lines(src: &str, toks: &[Token], test: &[bool]) -> usize {
    let lines: Vec<&str> = src.lines().collect();
    let Some(last) = toks.len().checked_sub(1) else {
        return lines.len();
    };
    if !test[last] {
        return lines.len();
    }
    let first_test = (0..=last)
        .rev()
        .take_while(|&j| test[j])
        .last()
        .unwrap_or(last);
    let mut end = toks[first_test].line - 1;
    while end > 0 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    end
}
