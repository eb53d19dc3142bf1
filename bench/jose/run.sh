#!/usr/bin/env bash
# Benchmarks jose's sign/verify beside `openssl speed` on this machine, in the same run, and writes
# bench/results/jose.md (raw outputs in bench/results/raw/, not committed).
# Usage: bench/jose/run.sh [openssl-seconds-per-test (default 3)]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-3}
cmake --preset release >/dev/null
cmake --build --preset release --target parley_jose_bench
mkdir -p bench/results/raw
echo "run.sh: openssl speed -seconds $seconds ecdsap256 ed25519 rsa2048"
openssl speed -seconds "$seconds" ecdsap256 ed25519 rsa2048 2>/dev/null >bench/results/raw/jose-openssl.txt
echo "run.sh: parley_jose_bench"
build/release/bench/jose/parley_jose_bench --benchmark_format=json >bench/results/raw/jose-bench.json
node bench/jose/report.mjs bench/results/raw/jose-openssl.txt bench/results/raw/jose-bench.json >bench/results/jose.md
cat bench/results/jose.md
