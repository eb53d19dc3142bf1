#!/usr/bin/env bash
# The credential guard's cost per message, before and after a change: builds bench/guard/guard_bench.cpp
# twice with the same compiler and flags (g++ -O2 -DNDEBUG, as the release preset), once against
# the guard of revision BASE (default: main) and once against the working tree, runs both
# (CPU time, medians of REPS), and writes bench/results/guard.md.
# Usage: bench/guard/run.sh            BASE=<rev> REPS=5 MIN_TIME=0.5 bench/guard/run.sh
set -euo pipefail
. "$(dirname "$0")/../lib/bench.sh"
base=${BASE:-main}
reps=${REPS:-5}
min_time=${MIN_TIME:-0.5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The base revision's guard, as it was (its sources and public header).
mkdir -p "$tmp/base"
git archive "$base" src/guard | tar -x -C "$tmp/base"
build() {  # build <out> <guard dir>
  local dir=$2
  g++ -std=c++20 -O2 -DNDEBUG -I"$dir/include" -I"$dir" bench/guard/guard_bench.cpp \
    $(ls "$dir"/*.cpp | grep -v _test.cpp) -lbenchmark -lpthread -o "$1"
}
build "$tmp/before" "$tmp/base/src/guard"
build "$tmp/after" src/guard
load_before=$(load_avg)
for side in before after; do
  "$tmp/$side" --benchmark_min_time="$min_time" --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only=true --benchmark_format=json >"$tmp/$side.json" 2>/dev/null
done
load_after=$(load_avg)

python3 - "$tmp/before.json" "$tmp/after.json" "$(git rev-parse --short "$base")" \
  "$(git rev-parse --short HEAD)$(git diff --quiet -- src/guard || echo '+changes')" "$reps" "$load_before" "$load_after" \
  >bench/results/guard.md <<'PY'
import json, sys
before_file, after_file, base, head, reps, load_before, load_after = sys.argv[1:]
def medians(path):
    out = {}
    doc = json.load(open(path))
    for b in doc["benchmarks"]:
        if b.get("aggregate_name") == "median":
            out[b["label"]] = (b["cpu_time"], b["bytes_per_second"] / 1e6)
    return out, doc["context"]
before, ctx = medians(before_file)
after, _ = medians(after_file)
print("# guard: the credential guard's cost per message\n")
print(f"Measured by `bench/guard/run.sh`: the same benchmark built with g++ -O2 against the guard of `{base}`"
      f" (before) and `{head}` (after), medians of {reps} repetitions of CPU time, on {ctx['num_cpus']} CPUs.")
print(f"Load average before/after: {load_before} / {load_after} (a shared machine: CPU time, not wall time).\n")
print("| input | bytes | before: CPU time | before: MB/s | after: CPU time | after: MB/s | after / before |")
print("|---|---|---|---|---|---|---|")
for label in ["chat", "card", "paragraph_4k", "digits_64k", "keywords_64k", "iban_like_64k", "letters_64k"]:
    b, a = before[label], after[label]
    size = round(a[1] * 1e6 * a[0] / 1e9)  # MB/s x CPU ns = bytes per call
    unit = "ns" if a[0] < 10000 else "us"
    scale = 1 if unit == "ns" else 1000
    print(f"| {label} | {size} | {b[0]/scale:.1f} {unit} | {b[1]:.0f} | {a[0]/scale:.1f} {unit} | {a[1]:.0f} | {a[0]/b[0]:.2f}x |")
print("\n`digits_64k`, `keywords_64k`, `iban_like_64k` are adversarial: every few bytes start a digit run, a keyword"
      " or a possible IBAN. Both versions are linear in the input; the new rules (separator runs, IBAN"
      " checksums, passphrases to the end of the line, security codes) cost more per candidate, not per byte of"
      " ordinary text.")
PY
cat bench/results/guard.md
