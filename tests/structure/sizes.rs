//! The size targets: a file one can read whole and a function one can hold in mind. Test code
//! (`#[cfg(test)]` items, `#[test]` functions, out-of-line test modules) is not measured.

use crate::graph::Crate;

#[derive(Debug, PartialEq, Eq)]
pub struct Oversize {
    /// `file` or `file:line`.
    pub place: String,
    pub what: String,
    pub lines: usize,
}

pub fn long_files(krate: &Crate, limit: usize) -> Vec<Oversize> {
    krate
        .files
        .iter()
        .filter(|f| !krate.is_test_file(&f.module) && f.scan.code_lines > limit)
        .map(|f| Oversize {
            place: f.rel.clone(),
            what: "file (before its tests)".to_string(),
            lines: f.scan.code_lines,
        })
        .collect()
}

pub fn long_functions(krate: &Crate, limit: usize) -> Vec<Oversize> {
    let mut out = Vec::new();
    for f in krate
        .files
        .iter()
        .filter(|f| !krate.is_test_file(&f.module))
    {
        for span in f.scan.functions.iter().filter(|s| s.lines() > limit) {
            out.push(Oversize {
                place: format!("{}:{}", f.rel, span.first_line),
                what: format!("fn {}", span.name),
                lines: span.lines(),
            });
        }
    }
    out
}

pub fn describe(offenders: &[Oversize], limit: usize) -> String {
    let mut sorted: Vec<&Oversize> = offenders.iter().collect();
    sorted.sort_by(|a, b| b.lines.cmp(&a.lines).then(a.place.cmp(&b.place)));
    sorted
        .iter()
        .map(|o| {
            format!(
                "  {}: {} is {} lines (limit {limit})\n",
                o.place, o.what, o.lines
            )
        })
        .collect()
}
