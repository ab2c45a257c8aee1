#!/usr/bin/env bash
# Mutation testing of the concurrent IndexCache (impl/src) with every suite that judges it.
#
# cargo-mutants runs one test command per mutant. Here that command is, in order, stopping at the
# first suite that fails (the mutant is then caught):
#   std      cargo-mutants' own `cargo test -p index-cache` (unit, API, conformance, stress)
#   shuttle  scripts/test-all.sh shuttle
#   loom     scripts/test-all.sh loom (LOOM_MAX_PREEMPTIONS=2, as in CI)
#   replay   `witness replay --all` and the random walks (tests/replay.rs), which drive the
#            mutated code through the model's counterexamples
# A mutant the std suites catch costs one std build; the others are built only for the survivors.
#
# This script plays two parts. Run by you, it installs cargo-mutants if needed and starts it with
# CARGO pointing back at this script; run by cargo-mutants (MUTANTS_REAL_CARGO set), it is that
# cargo: `cargo test` runs the suites above, anything else goes to the real cargo.
#
# Usage: scripts/mutants.sh [cargo-mutants flags]    e.g. -f impl/src/cell.rs --shard 1/4
# Output: mutants.out/ (caught.txt, missed.txt, timeout.txt, unviable.txt), as cargo-mutants writes.
set -euo pipefail

as_cargo() {
  local real=$MUTANTS_REAL_CARGO
  if [ "${1:-}" != test ] || [[ " $* " == *" --no-run "* ]]; then
    exec "$real" "$@"
  fi
  "$real" "$@"
  # cargo-mutants caps lints through CARGO_ENCODED_RUSTFLAGS, which would override loom's
  # RUSTFLAGS; the suites below set their own flags.
  unset CARGO_ENCODED_RUSTFLAGS
  CARGO=$real scripts/test-all.sh shuttle loom
  echo "== replay"
  "$real" test --release -p witness --test replay
}

if [ -n "${MUTANTS_REAL_CARGO:-}" ]; then
  as_cargo "$@"
  exit
fi

cd "$(dirname "$0")/.."
MUTANTS_VERSION=27.1.0
if ! command -v cargo-mutants >/dev/null || [ "$(cargo-mutants mutants --version)" != "cargo-mutants $MUTANTS_VERSION" ]; then
  cargo install --locked "cargo-mutants@$MUTANTS_VERSION"
fi

MUTANTS_REAL_CARGO=$(command -v cargo)
export MUTANTS_REAL_CARGO
# cargo-mutants calls $CARGO; started through `cargo mutants`, cargo would set it to itself.
CARGO="$PWD/scripts/mutants.sh" exec cargo-mutants mutants -p index-cache \
  --timeout "${MUTANTS_TIMEOUT:-900}" --build-timeout "${MUTANTS_BUILD_TIMEOUT:-900}" "$@"
