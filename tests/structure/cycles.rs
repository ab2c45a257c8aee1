//! Import cycles between the modules of one crate. A module's dependencies are those of every file
//! in it, so an edge between two files counts between the two children of their closest common
//! ancestor that contain them: `a/x.rs → b/y.rs` is `a → b` under the crate root. A file and its
//! own ancestors or descendants are never an edge: a parent declares its children and may re-export
//! their items, and a child may use what its parent defines, without that being a cycle.

use crate::graph::{Crate, Edge};
use std::collections::{BTreeMap, BTreeSet};

/// For each ordered pair of sibling modules, the file references that make the first import the
/// second.
type SiblingEdges = BTreeMap<(String, String), Vec<Edge>>;

/// Sibling → the siblings it imports.
pub type Graph<'a> = BTreeMap<&'a str, BTreeSet<&'a str>>;

/// Two or more sibling modules that import each other, with every elementary cycle among them.
#[derive(Debug)]
pub struct Tangle {
    pub parent: Vec<String>,
    /// Each cycle as its siblings in order, the first not repeated at the end.
    pub cycles: Vec<Vec<String>>,
    /// For each sibling edge on some cycle, the file references that make it.
    pub evidence: SiblingEdges,
}

/// At most this many cycles are listed per tangle; past it, the modules are the news.
const MAX_CYCLES: usize = 50;

pub fn tangles(krate: &Crate) -> Vec<Tangle> {
    // parent → (child a, child b) → the file edges behind a → b.
    let mut lifted: BTreeMap<Vec<String>, SiblingEdges> = BTreeMap::new();
    for edge in krate.edges() {
        let from = &krate.files[edge.from].module;
        let to = &krate.files[edge.to].module;
        let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
        if common == from.len() || common == to.len() {
            continue;
        }
        let key = (from[common].clone(), to[common].clone());
        let siblings = lifted.entry(from[..common].to_vec()).or_default();
        siblings.entry(key).or_default().push(edge);
    }
    let mut found = Vec::new();
    for (parent, edges) in lifted {
        let graph: Graph = edges.keys().fold(BTreeMap::new(), |mut g, (a, b)| {
            g.entry(a.as_str()).or_default().insert(b.as_str());
            g
        });
        for component in strongly_connected(&graph) {
            let cycles = elementary_cycles(&graph, &component);
            let on_cycle: BTreeSet<(String, String)> = cycles
                .iter()
                .flat_map(|c| {
                    (0..c.len()).map(move |i| (c[i].clone(), c[(i + 1) % c.len()].clone()))
                })
                .collect();
            let evidence = edges
                .iter()
                .filter(|(k, _)| on_cycle.contains(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            found.push(Tangle {
                parent: parent.clone(),
                cycles,
                evidence,
            });
        }
    }
    found
}

/// Components of two or more nodes (Tarjan's algorithm would do; with a few dozen nodes, mutual
/// reachability is simpler to read).
pub fn strongly_connected<'a>(graph: &Graph<'a>) -> Vec<Vec<&'a str>> {
    let nodes: BTreeSet<&str> = graph
        .iter()
        .flat_map(|(a, bs)| std::iter::once(*a).chain(bs.iter().copied()))
        .collect();
    let reach: Graph = nodes.iter().map(|&n| (n, reachable(graph, n))).collect();
    let mut assigned = BTreeSet::new();
    let mut components = Vec::new();
    for &n in &nodes {
        if assigned.contains(n) {
            continue;
        }
        let component: Vec<&str> = nodes
            .iter()
            .copied()
            .filter(|m| reach[n].contains(m) && reach[m].contains(n))
            .collect();
        assigned.extend(component.iter().copied());
        if component.len() > 1 {
            components.push(component);
        }
    }
    components
}

fn reachable<'a>(graph: &Graph<'a>, start: &'a str) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![start];
    while let Some(n) = stack.pop() {
        for &m in graph.get(n).into_iter().flatten() {
            if seen.insert(m) {
                stack.push(m);
            }
        }
    }
    seen
}

/// Every cycle within one component, each once: it starts at its smallest node and visits only
/// larger ones.
pub fn elementary_cycles(graph: &Graph, component: &[&str]) -> Vec<Vec<String>> {
    let inside: BTreeSet<&str> = component.iter().copied().collect();
    let mut cycles = Vec::new();
    for &start in component {
        let mut path = vec![start];
        extend_cycles(graph, &inside, start, &mut path, &mut cycles);
    }
    cycles
}

fn extend_cycles<'a>(
    graph: &Graph<'a>,
    inside: &BTreeSet<&'a str>,
    start: &'a str,
    path: &mut Vec<&'a str>,
    cycles: &mut Vec<Vec<String>>,
) {
    let last = path[path.len() - 1];
    for &next in graph.get(last).into_iter().flatten() {
        if cycles.len() >= MAX_CYCLES {
            return;
        }
        if next == start {
            cycles.push(path.iter().map(|s| s.to_string()).collect());
        } else if next > start && inside.contains(next) && !path.contains(&next) {
            path.push(next);
            extend_cycles(graph, inside, start, path, cycles);
            path.pop();
        }
    }
}

/// A tangle as chains of files, each link with the lines that make it.
pub fn describe(krate: &Crate, tangle: &Tangle) -> String {
    let module_file = |child: &str| {
        let mut module = tangle.parent.clone();
        module.push(child.to_string());
        krate.file_of(&module).map_or_else(
            || format!("{}::{child}", krate.name),
            |f| krate.files[f].rel.clone(),
        )
    };
    let parent = if tangle.parent.is_empty() {
        "the crate root".to_string()
    } else {
        format!("crate::{}", tangle.parent.join("::"))
    };
    let mut out = format!("{}, between modules of {parent}:\n", krate.name);
    for cycle in &tangle.cycles {
        let mut chain: Vec<String> = cycle.iter().map(|c| module_file(c)).collect();
        chain.push(module_file(&cycle[0]));
        out.push_str(&format!("  {}\n", chain.join(" → ")));
        for i in 0..cycle.len() {
            let key = (cycle[i].clone(), cycle[(i + 1) % cycle.len()].clone());
            for e in tangle.evidence.get(&key).into_iter().flatten().take(3) {
                let (from, to) = (&krate.files[e.from].rel, &krate.files[e.to].rel);
                out.push_str(&format!(
                    "      {from}:{} names {} ({to})\n",
                    e.line, e.written
                ));
            }
            let more = tangle
                .evidence
                .get(&key)
                .map_or(0, Vec::len)
                .saturating_sub(3);
            if more > 0 {
                out.push_str(&format!(
                    "      … and {more} more from {} to {}\n",
                    key.0, key.1
                ));
            }
        }
    }
    out
}
