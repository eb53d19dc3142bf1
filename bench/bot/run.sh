#!/usr/bin/env bash
# Starts `parley demo` (PARLEY_BIN, default the preset's build: PRESET=ci for the test build) on
# free ports and runs latency.mjs against it; writes bench/results/bot.md. The machine is shared: figures are indicative.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/bench.sh"
[ -n "${PARLEY_BIN:-}" ] || bench_build parley
bin=${PARLEY_BIN:-$build_dir/src/app/parley}
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$bin" demo --data-dir "$work/data" --ready-file "$work/ready.json" --port-base 0 >"$work/demo.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
grep -q '"bot"' "$work/ready.json" || { echo "the demo runs no bot (no conversation store?)"; exit 1; }
out=$(node "$here/latency.mjs" "$work/ready.json" "${N:-300}")
echo "$out"
{
  echo "# Bot web service latency (bench/bot/run.sh)"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores shared with other builds, $(basename "$(dirname "$(dirname "$(dirname "$bin")")")") build, loopback, sequential requests:"
  echo
  echo '```'
  echo "$out"
  echo '```'
} >"$here/../results/bot.md"
