//! The workspace's structure, checked on every `cargo test`: modules depend one way (no module
//! imports one that imports it back, docs/design.md), no source file is over 500 lines before its
//! tests, and no function outside tests is over 70 lines.
//!
//!     cargo test --release -p witness --test structure
//!
//! Every crate of the workspace (the root crate and each `members` entry of Cargo.toml) is read
//! from its `src/` tree; benches, examples and tests are not measured. A file's dependencies are
//! the module paths it names outside test code: `use` items (grouped or not, `pub use` included)
//! and paths in code such as `crate::system::layout::X` or `super::config::MAX_KEYS`. Each lands on
//! the deepest module that is a file, seen through the re-exports of a facade `mod.rs`
//! (graph.rs); cycles are counted between sibling modules (cycles.rs). Comments, strings, raw
//! strings and char literals are skipped by a small lexer (lex.rs), unit-tested in snippets.rs.

mod cycles;
mod graph;
mod lex;
mod scan;
mod sizes;
mod snippets;

use graph::Crate;
use std::path::Path;

const MAX_FILE_LINES: usize = 500;
const MAX_FN_LINES: usize = 70;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The root crate and every workspace member, each read from its `src/`.
fn workspace() -> Vec<Crate> {
    let root = Path::new(ROOT);
    let manifest = read(&root.join("Cargo.toml"));
    let mut dirs = vec![String::new()];
    dirs.extend(members(&manifest));
    dirs.iter()
        .map(|dir| {
            let name = package_name(&read(&root.join(dir).join("Cargo.toml")));
            let src = if dir.is_empty() {
                "src".to_string()
            } else {
                format!("{dir}/src")
            };
            Crate::load(root, &name, &src).unwrap_or_else(|e| panic!("reading {src}: {e}"))
        })
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The quoted entries of `members = [...]`.
fn members(manifest: &str) -> Vec<String> {
    let list = manifest
        .split_once("members")
        .and_then(|(_, rest)| rest.split_once('['))
        .and_then(|(_, rest)| rest.split_once(']'))
        .map_or("", |(list, _)| list);
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The first `name = "…"` of a manifest: its package's.
fn package_name(manifest: &str) -> String {
    manifest
        .lines()
        .filter_map(|l| l.trim().strip_prefix("name"))
        .filter_map(|rest| rest.trim().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_string())
        .next()
        .unwrap_or_else(|| panic!("a manifest without a package name:\n{manifest}"))
}

#[test]
fn modules_import_one_way() {
    let crates = workspace();
    let report: Vec<String> = crates
        .iter()
        .flat_map(|k| {
            cycles::tangles(k)
                .into_iter()
                .map(move |t| cycles::describe(k, &t))
        })
        .collect();
    assert!(
        report.is_empty(),
        "{} group(s) of modules import each other; docs/design.md promises one-way dependencies. \
         Move what both sides need into a module below them, then rerun \
         `cargo test --release -p witness --test structure`.\n\n{}",
        report.len(),
        report.join("\n")
    );
}

#[test]
fn no_source_file_is_over_500_lines() {
    let offenders: Vec<_> = workspace()
        .iter()
        .flat_map(|k| sizes::long_files(k, MAX_FILE_LINES))
        .collect();
    assert!(
        offenders.is_empty(),
        "{} source file(s) are over {MAX_FILE_LINES} lines before their trailing #[cfg(test)] \
         module; split each along the concerns it mixes:\n{}",
        offenders.len(),
        sizes::describe(&offenders, MAX_FILE_LINES)
    );
}

#[test]
fn no_function_outside_tests_is_over_70_lines() {
    let offenders: Vec<_> = workspace()
        .iter()
        .flat_map(|k| sizes::long_functions(k, MAX_FN_LINES))
        .collect();
    assert!(
        offenders.is_empty(),
        "{} function(s) outside tests are over {MAX_FN_LINES} lines (from `fn` to the closing \
         brace); cut each into steps with names:\n{}",
        offenders.len(),
        sizes::describe(&offenders, MAX_FN_LINES)
    );
}

/// The checks above pass on an empty or unreadable workspace; this one does not.
#[test]
fn the_scan_reads_every_crate_and_sees_known_dependencies() {
    let crates = workspace();
    let names: Vec<&str> = crates.iter().map(|k| k.name.as_str()).collect();
    for expected in [
        "witness",
        "witness-model",
        "index-cache",
        "witness-history",
        "witness-s3",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} not scanned: {names:?}"
        );
    }
    let model = crates
        .iter()
        .find(|k| k.name == "witness-model")
        .expect("scanned");
    let edges = model.edges();
    assert!(
        edges.len() > 100,
        "only {} edges in witness-model",
        edges.len()
    );
    // `crate::system::WitnessModel` goes through system/mod.rs's re-export to the file defining it.
    let reference = scan::Reference {
        path: ["crate", "system", "WitnessModel"]
            .map(String::from)
            .to_vec(),
        line: 1,
        inline: Vec::new(),
    };
    let root = model.file_of(&[]).expect("lib.rs");
    let target = model.resolve(root, &reference).map(|f| &model.files[f]);
    assert!(
        target.is_some_and(|f| f.module.len() > 1 && f.module[0] == "system"),
        "crate::system::WitnessModel resolved to {:?}",
        target.map(|f| &f.rel)
    );
    let lines: usize = crates
        .iter()
        .flat_map(|k| &k.files)
        .map(|f| f.scan.code_lines)
        .sum();
    assert!(lines > 10_000, "only {lines} lines of code scanned");
}
