#!/usr/bin/env bash
# Append cost of the audit log on SQLite and PostgreSQL (started by the benchmark), beside the
# store's activity appends, and its parts. Writes bench/results/audit.md (figures as measured).
# Usage: bench/audit/run.sh   (PRESET=ci to reuse the ci build; MIN_TIME=<seconds>, default 1;
# REPS=<repetitions>, default 3; FILTER=<regex>). Run it under `nice -n 10` on a shared machine.
set -euo pipefail
. "$(dirname "$0")/../lib/bench.sh"
min_time=${MIN_TIME:-1}
reps=${REPS:-3}
filter=${FILTER:-.}
bench_build parley_audit_bench
bin=$build_dir/bench/audit/parley_audit_bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

load_before=$(load_avg)
"$bin" --benchmark_min_time="$min_time" --benchmark_repetitions="$reps" --benchmark_filter="$filter" \
  --benchmark_format=json >"$tmp/bench.json" 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; exit 1; }
load_after=$(load_avg)

python3 - "$tmp/bench.json" "$preset" "$min_time" "$reps" "$load_before" "$load_after" >bench/results/audit.md <<'PY'
import json, sys
from collections import defaultdict
bench_file, preset, min_time, reps, load_before, load_after = sys.argv[1:]
bench = json.load(open(bench_file))
runs = defaultdict(list)
errors = []
for b in bench["benchmarks"]:
    if b.get("run_type") == "aggregate":
        continue
    if b.get("error_occurred"):
        errors.append(f"{b['name']}: {b.get('error_message')}")
        continue
    runs[b["run_name"]].append(b)

def span(values, fmt):
    lo, hi = min(values), max(values)
    a, b = fmt.format(lo), fmt.format(hi)
    return a if a == b else f"{a}–{b}"

def args(name):
    return dict(p.split(":") for p in name.split("/")[1:] if ":" in p and not p.startswith(("real_time", "min_time")))

ctx = bench["context"]
print("# audit: append cost of the audit log\n")
print(f"Measured by `bench/audit/run.sh` (preset `{preset}`, {min_time} s per measurement, {reps} repetitions: "
      f"min–max) on {ctx['num_cpus']} CPUs at {ctx['mhz_per_cpu']} MHz.")
print(f"Load average before/after: {load_before} / {load_after} (the machine is shared: figures are noisy; "
      "CPU µs per entry is the process's CPU time, less affected by other processes than the rates).\n")
print("Each entry: ~200 bytes of JSON sealed (AES-256-GCM), chain hash, entry + head rows in one group commit; "
      "SQLite with synchronous=FULL, PostgreSQL with fsync and synchronous_commit on. "
      "Appenders are coroutines on two threads.\n")
print("| backend | what | checkpoint every | appenders | entries/s | CPU µs per entry |")
print("|---|---|---|---|---|---|")
names = {"0": "SQLite", "1": "PostgreSQL"}
for name in sorted(runs, key=lambda n: (args(n).get("backend", "0"), n.split("/")[0] != "BM_audit_append",
                                         int(args(n).get("every", 0)) == 0, int(args(n).get("appenders", 0)))):
    if not name.startswith(("BM_audit_append", "BM_activity_append")):
        continue
    a = args(name)
    rs = runs[name]
    what = "audit entry" if name.startswith("BM_audit_append") else "activity (1 KiB, for scale)"
    every = "-" if what.startswith("activity") else ("never" if a["every"] == "0" else a["every"])
    print(f"| {names[a['backend']]} | {what} | {every} | {a['appenders']} | "
          f"{span([r['items_per_second'] for r in rs], '{:,.0f}')} | "
          f"{span([r['cpu_us_per_item'] for r in rs], '{:.1f}')} |")
print("\n| part | time per operation |")
print("|---|---|")
for name, label in [("BM_chain_hash/300", "chain hash, 300-byte sealed entry"),
                    ("BM_chain_hash/4096", "chain hash, 4 KiB sealed entry"),
                    ("BM_sign_checkpoint", "one checkpoint signature (Ed25519 JWS)")]:
    if name in runs:
        print(f"| {label} | {span([r['cpu_time'] for r in runs[name]], '{:,.0f}')} ns |")
for name in runs:
    if name.startswith("BM_verify"):
        rs = runs[name]
        print(f"| verify a 10 000-entry chain (read, open, hash, 100 checkpoints) | "
              f"{span([r['real_time'] for r in rs], '{:,.0f}')} ms wall, "
              f"{span([r['cpu_us_per_item'] for r in rs], '{:.1f}')} CPU µs per entry |")
if errors:
    print("\nErrors:\n")
    for e in errors:
        print(f"- {e}")
PY
echo "wrote bench/results/audit.md"
