#!/usr/bin/env bash
# Benchmarks jose's sign/verify beside `openssl speed` on this machine, in the same run, and writes
# bench/results/jose.md (raw outputs in bench/results/raw/, not committed).
# The machine is shared: both sides run in ROUNDS interleaved rounds and the best of each is kept.
# Usage: bench/jose/run.sh [openssl-seconds-per-test (default 3)] [rounds (default 3)]
set -euo pipefail
. "$(dirname "$0")/../lib/bench.sh"
seconds=${1:-3}
rounds=${2:-3}
bench_build parley_jose_bench
rm -f "$raw"/jose-openssl-*.txt "$raw"/jose-bench-*.json
load_before=$(load_avg)
for i in $(seq 1 "$rounds"); do
  echo "run.sh: round $i: openssl speed -seconds $seconds ecdsap256 ed25519 rsa2048"
  openssl speed -seconds "$seconds" ecdsap256 ed25519 rsa2048 2>/dev/null >"$raw/jose-openssl-$i.txt"
  echo "run.sh: round $i: parley_jose_bench"
  "$build_dir"/bench/jose/parley_jose_bench --benchmark_format=json >"$raw/jose-bench-$i.json"
done
load_after=$(load_avg)
node bench/jose/report.mjs "$raw" "$load_before" "$load_after" >bench/results/jose.md
cat bench/results/jose.md
