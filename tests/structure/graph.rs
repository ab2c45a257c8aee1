//! A crate's modules as files, and which module each file depends on: every path a file names is
//! resolved to the deepest module that is a file, looking through `pub use` re-exports (a facade
//! such as `system/mod.rs` re-exporting `config::WitnessCfg` sends `crate::system::WitnessCfg` on to
//! `system/config.rs`).

use crate::scan::{scan, FileScan, Reference};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub struct SourceFile {
    /// Relative to the workspace root, with `/` separators.
    pub rel: String,
    /// `[]` for the crate root (lib.rs or main.rs), `["system", "config"]` for
    /// `src/system/config.rs`.
    pub module: Vec<String>,
    pub scan: FileScan,
}

pub struct Crate {
    pub name: String,
    pub files: Vec<SourceFile>,
    by_module: HashMap<Vec<String>, usize>,
}

/// A file naming a module of its own crate.
#[derive(Clone, Debug)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub line: usize,
    /// The path as the source writes it.
    pub written: String,
}

impl Crate {
    /// Reads every `.rs` file under `root/src_dir`.
    pub fn load(root: &Path, name: &str, src_dir: &str) -> std::io::Result<Crate> {
        let mut paths = Vec::new();
        rust_files(&root.join(src_dir), &mut paths)?;
        paths.sort();
        let mut files = Vec::new();
        for path in paths {
            let within = path.strip_prefix(root.join(src_dir)).unwrap_or(&path);
            let parts: Vec<String> = within
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            let rel = Path::new(src_dir).join(within);
            files.push(SourceFile {
                rel: rel.to_string_lossy().replace('\\', "/"),
                module: module_path(&parts),
                scan: scan(&std::fs::read_to_string(&path)?),
            });
        }
        Ok(Crate::new(name, files))
    }

    pub fn new(name: &str, files: Vec<SourceFile>) -> Crate {
        let by_module = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.module.clone(), i))
            .collect();
        Crate {
            name: name.to_string(),
            files,
            by_module,
        }
    }

    pub fn file_of(&self, module: &[String]) -> Option<usize> {
        self.by_module.get(module).copied()
    }

    /// Whether `module` is a test module declared `#[cfg(test)] mod name;`, or below one.
    pub fn is_test_file(&self, module: &[String]) -> bool {
        (0..module.len()).any(|k| {
            self.file_of(&module[..k])
                .is_some_and(|parent| self.files[parent].scan.test_modules.contains(&module[k]))
        })
    }

    /// Every reference of every non-test file that lands on another module of this crate (a test
    /// module may reach any part of the crate it tests).
    pub fn edges(&self) -> Vec<Edge> {
        let mut edges = Vec::new();
        for (from, file) in self.files.iter().enumerate() {
            if self.is_test_file(&file.module) {
                continue;
            }
            for r in &file.scan.references {
                let Some(to) = self.resolve(from, r) else {
                    continue;
                };
                if to != from {
                    edges.push(Edge {
                        from,
                        to,
                        line: r.line,
                        written: r.path.join("::"),
                    });
                }
            }
        }
        edges
    }

    /// The module file a reference of file `from` lands on; `None` for other crates' paths.
    pub fn resolve(&self, from: usize, r: &Reference) -> Option<usize> {
        let mut here = self.files[from].module.clone();
        here.extend(r.inline.iter().cloned());
        let absolute = self.absolute(&here, &r.path)?;
        Some(self.through_reexports(absolute, 0))
    }

    /// `path` as written in module `here`, from the crate root.
    fn absolute(&self, here: &[String], path: &[String]) -> Option<Vec<String>> {
        let first = path.first()?;
        let (mut base, rest) = match first.as_str() {
            "crate" => (Vec::new(), &path[1..]),
            "self" => (here.to_vec(), &path[1..]),
            "super" => {
                let ups = path.iter().take_while(|s| *s == "super").count();
                (here[..here.len().checked_sub(ups)?].to_vec(), &path[ups..])
            }
            _ => {
                let mut child = here.to_vec();
                child.push(first.clone());
                self.file_of(&child)?;
                (here.to_vec(), path)
            }
        };
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The deepest module file on `path`; when the next name is one that module re-exports, the
    /// module the re-export comes from instead.
    fn through_reexports(&self, path: Vec<String>, hops: usize) -> usize {
        let depth = (0..=path.len())
            .rev()
            .find(|&k| self.file_of(&path[..k]).is_some())
            .unwrap_or(0);
        let module = self.file_of(&path[..depth]).unwrap_or(0);
        let Some(name) = path.get(depth) else {
            return module;
        };
        let file = &self.files[module];
        let reexport = file.scan.reexports.iter().find(|r| &r.name == name);
        let target = reexport.and_then(|r| self.absolute(&file.module, &r.target));
        match target {
            Some(mut target) if hops < 16 => {
                target.extend(path[depth + 1..].iter().cloned());
                self.through_reexports(target, hops + 1)
            }
            _ => module,
        }
    }
}

/// `["system", "config.rs"]` → `["system", "config"]`; `mod.rs`, `lib.rs` and `main.rs` stand
/// for their directory.
pub fn module_path(parts: &[String]) -> Vec<String> {
    let mut module: Vec<String> = parts.to_vec();
    let file = module.pop().unwrap_or_default();
    let is_root = module.is_empty() && (file == "lib.rs" || file == "main.rs");
    if file != "mod.rs" && !is_root {
        module.push(file.trim_end_matches(".rs").to_string());
    }
    module
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}
