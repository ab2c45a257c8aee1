#!/usr/bin/env bash
# Every test suite of the project, in one command (the README's test command; CI runs it).
#
#   lint        cargo fmt --check, clippy -D warnings on every target
#   workspace   unit, model (exact state counts), property, conformance, stress, CLI end-to-end and
#               proof-report tests, in release: the model tests explore millions of states
#   shuttle     randomized and PCT schedules of the concurrent IndexCache
#   loom        exhaustive small harnesses; `--cfg loom` changes every crate's build, so loom gets
#               its own target dir, and LOOM_MAX_PREEMPTIONS bounds the schedules it explores
#
# Usage: scripts/test-all.sh [lint|workspace|shuttle|loom]...   (no argument: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
LOOM_TARGET_DIR=${LOOM_TARGET_DIR:-target/loom}
export LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:-2}

step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }

lint() {
  step lint
  "$CARGO" fmt --all -- --check
  "$CARGO" clippy --workspace --all-targets -- -D warnings
  "$CARGO" clippy -p index-cache --features shuttle --all-targets -- -D warnings
}

workspace() {
  step workspace
  "$CARGO" test --workspace --release
}

shuttle() {
  step shuttle
  "$CARGO" test --release -p index-cache --features shuttle --test shuttle --test shuttle_replay
}

loom() {
  step "loom (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS)"
  RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$LOOM_TARGET_DIR" \
    "$CARGO" test --release -p index-cache --test loom
}

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(lint workspace shuttle loom)
for suite in "${suites[@]}"; do
  case "$suite" in
    lint|workspace|shuttle|loom) "$suite" ;;
    *) echo "unknown suite '$suite' (expected: lint, workspace, shuttle, loom)" >&2; exit 2 ;;
  esac
done
printf '\nall requested suites passed\n'
