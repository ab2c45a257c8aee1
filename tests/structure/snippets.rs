//! The scanner, resolver and cycle finder on small inline sources, so that the workspace checks
//! cannot pass because one of them sees nothing.

use crate::cycles::{describe, elementary_cycles, tangles};
use crate::graph::{module_path, Crate, SourceFile};
use crate::scan::{scan, FnSpan, Reexport};
use std::collections::{BTreeMap, BTreeSet};

fn paths(src: &str) -> Vec<String> {
    scan(src)
        .references
        .iter()
        .map(|r| r.path.join("::"))
        .collect()
}

#[test]
fn use_trees_give_one_reference_per_leaf() {
    let src = "use crate::{a, b::{self, c as d, e::*}};\nuse super::super::x;\npub(crate) use self::y::Z;";
    assert_eq!(
        paths(src),
        [
            "crate::a",
            "crate::b",
            "crate::b::c",
            "crate::b::e",
            "super::super::x",
            "self::y::Z"
        ]
    );
    let lines: Vec<usize> = scan(src).references.iter().map(|r| r.line).collect();
    assert_eq!(lines, [1, 1, 1, 1, 2, 3]);
    assert_eq!(
        scan(src).reexports,
        [Reexport {
            name: "Z".into(),
            target: vec!["self".into(), "y".into(), "Z".into()]
        }]
    );
}

#[test]
fn paths_in_code_are_references_but_not_in_comments_strings_or_tests() {
    let src = r##"
        // crate::in_comment::X
        /// [`crate::in_doc`]
        fn f() -> usize {
            let s = "crate::in_string";
            let r = r#"super::in_raw"#;
            let c = '"'; let _ = crate::system::layout::X::new();
            x.collect::<Vec<_>>(); Self::new(); $crate::named::N;
            super::config::MAX_KEYS
        }
        #[cfg(test)]
        mod tests { use crate::in_test; fn g() { super::also_test::Y } }
        #[cfg(all(test, not(loom)))]
        use crate::in_test_too;
        #[cfg(not(test))]
        use crate::not_a_test;
    "##;
    assert_eq!(
        paths(src),
        [
            "crate::system::layout::X::new",
            "crate::named::N",
            "super::config::MAX_KEYS",
            "crate::not_a_test"
        ]
    );
}

#[test]
fn inline_modules_are_where_a_reference_sits() {
    let scanned =
        scan("mod outer { mod inner { use super::a; } fn f() { self::b::C } }\nuse d::e;");
    let at: Vec<(String, Vec<String>)> = scanned
        .references
        .iter()
        .map(|r| (r.path.join("::"), r.inline.clone()))
        .collect();
    assert_eq!(
        at,
        [
            ("super::a".into(), vec!["outer".into(), "inner".into()]),
            ("self::b::C".into(), vec!["outer".into()]),
            ("d::e".into(), vec![]),
        ]
    );
}

#[test]
fn functions_are_measured_from_fn_to_closing_brace_outside_tests() {
    let src = "trait T {\n    fn declared(&self);\n    fn provided(&self) -> [u8; 2] {\n        [0; 2]\n    }\n}\nfn ptr(f: fn(u8) -> u8) -> u8 { f(1) }\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {}\n}\n";
    let scanned = scan(src);
    let spans = [("provided", 3, 5), ("ptr", 7, 7)].map(|(n, a, b)| FnSpan {
        name: n.into(),
        first_line: a,
        last_line: b,
    });
    assert_eq!(scanned.functions, spans);
    assert_eq!(scanned.functions[0].lines(), 3);
    assert_eq!(
        scanned.code_lines, 7,
        "lines before the trailing test module"
    );
    assert_eq!(
        scan("fn a() {}\n#[cfg(test)]\nmod t;\nfn b() {}\n").code_lines,
        4
    );
    assert_eq!(scan("#[cfg(test)]\nmod t;\n").test_modules, ["t"]);
}

fn file(rel: &str, src: &str) -> SourceFile {
    let parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    SourceFile {
        rel: format!("src/{rel}"),
        module: module_path(&parts),
        scan: scan(src),
    }
}

/// a/x and a/y meet through a's facade; b and a through the crate root's. A parent re-exporting
/// its children, and a child using its parent, are not cycles.
fn tangled_crate() -> Crate {
    Crate::new(
        "demo",
        vec![
            file(
                "lib.rs",
                "pub mod a;\npub mod b;\npub use b::Thing;\nfn run() { a::x::go() }",
            ),
            file("a/mod.rs", "mod x;\nmod y;\npub use x::X;\npub struct Own;"),
            file(
                "a/x.rs",
                "use super::y::Y;\nuse super::Own;\nfn go() -> crate::Thing { todo() }",
            ),
            file("a/y.rs", "pub struct Y;\nfn f() { let _ = crate::a::X; }"),
            file("b.rs", "pub struct Thing;\nfn g() { super::a::X }"),
            file("c.rs", "use crate::b::Thing;"),
        ],
    )
}

#[test]
fn cycles_are_found_between_siblings_through_facades() {
    let krate = tangled_crate();
    let found = tangles(&krate);
    let summary: Vec<(Vec<String>, Vec<Vec<String>>)> = found
        .iter()
        .map(|t| (t.parent.clone(), t.cycles.clone()))
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        summary,
        [
            (s(&[]), vec![s(&["a", "b"])]),
            (s(&["a"]), vec![s(&["x", "y"])])
        ]
    );
    let text = describe(&krate, &found[1]);
    assert!(
        text.contains("src/a/x.rs → src/a/y.rs → src/a/x.rs"),
        "{text}"
    );
    assert!(
        text.contains("src/a/y.rs:2 names crate::a::X (src/a/x.rs)"),
        "{text}"
    );
}

#[test]
fn every_elementary_cycle_is_listed_once() {
    let edges = [("a", "b"), ("b", "a"), ("b", "c"), ("c", "a"), ("c", "d")];
    let graph: BTreeMap<&str, BTreeSet<&str>> =
        edges.iter().fold(BTreeMap::new(), |mut g, (x, y)| {
            g.entry(*x).or_default().insert(*y);
            g
        });
    let cycles = elementary_cycles(&graph, &["a", "b", "c"]);
    assert_eq!(cycles, [vec!["a", "b"], vec!["a", "b", "c"]]);
}
