#!/usr/bin/env bash
# Builds the jose libFuzzer targets (fuzz preset: clang 14, ASan + UBSan) and runs each for half of
# SECONDS (default 120) starting from the seed corpus in src/jose/fuzz/corpus. New inputs go to
# build/fuzz/corpus-*; crashes to build/fuzz/artifacts/. Prints the number of executions.
# Usage: scripts/fuzz-jose.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
per_target=$(( seconds / 2 > 1 ? seconds / 2 : 1 ))
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j2 --target parley_jose_fuzz_jws parley_jose_fuzz_jwk
out=build/fuzz
mkdir -p "$out/artifacts"
status=0
for target in jws jwk; do
  seeds=src/jose/fuzz/corpus/$([ "$target" = jws ] && echo jws || echo jwks)
  corpus=$out/corpus-$target
  mkdir -p "$corpus"
  log=$out/fuzz-$target.log
  echo "fuzz-jose: $target for ${per_target}s"
  if ! "$out/src/jose/fuzz/parley_jose_fuzz_$target" "$corpus" "$seeds" -max_total_time="$per_target" \
      -max_len=20000 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$target-" >"$log" 2>&1; then
    status=1
    echo "fuzz-jose: $target FOUND A CRASH; see $log and $out/artifacts/"
  fi
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 || true)
  echo "fuzz-jose: $target: $runs executions, $cov, corpus $(ls "$corpus" | wc -l) inputs"
done
exit $status
