//! Helpers shared by the end-to-end tests: run the `witness` binary Cargo built for this test
//! run and look at its exit code, stdout and stderr.
#![allow(dead_code)] // Each test binary uses a different subset.

use std::process::{Command, Output};

pub fn witness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_witness"))
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Run {
    run_in(args, None)
}

pub fn run_in(args: &[&str], dir: Option<&std::path::Path>) -> Run {
    let mut cmd = witness();
    cmd.args(args);
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let out: Output = cmd.output().expect("the witness binary runs");
    Run {
        // A signal death has no code; -1 never equals a documented exit code.
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}):\n{}", self.stdout))
    }

    /// Nothing panicked: bad input must never show a panic or a backtrace.
    pub fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"),
            "stderr shows a panic:\n{}",
            self.stderr
        );
    }
}

/// A tiny configuration (one client issuing three operations) that checks in well under a
/// second and still reaches the anomalies a single client can see.
pub const TINY: &[&str] = &["--clients", "1", "--ops", "3"];

pub fn args<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

/// The fields every `check --json` run object carries (docs/cli.md, "JSON").
pub const RUN_FIELDS: &[&str] = &[
    "mode",
    "variant",
    "mutant",
    "config",
    "complete",
    "stopped_by",
    "unique_states",
    "total_states",
    "max_depth",
    "storage",
    "limits",
    "seconds",
    "properties",
];

/// Suite filters that select the single strong-mode row of the default variant.
pub const DEFAULT_STRONG_ROW: &[&str] = &[
    "--mode",
    "strong",
    "--variant",
    "witness-with-commit",
    "--variant",
    "repair-if-newer",
    "--mutant",
    "none",
];
