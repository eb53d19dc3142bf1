# Encrypted-store throughput on SQLite and on a real PostgreSQL server (started by the benchmark
# itself, as the crypto tests do), encryption on and off in the same run, each measurement
# repeated to give min-max. Writes bench/results/store.md (and the raw store.json).
# Usage: bench/store/run.sh   (PRESET=ci to reuse the ci build; MIN_TIME=<seconds> per
# measurement, default 1; REPS=<repetitions>, default 3; FILTER=<regex> to run part of it)
set -euo pipefail
. "$(dirname "$0")/../lib/bench.sh"
min_time=${MIN_TIME:-1}
reps=${REPS:-3}
filter=${FILTER:-.}
bench_build parley_store_bench
bin=$build_dir/bench/store/parley_store_bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

load_before=$(load_avg)
"$bin" --benchmark_min_time="$min_time" --benchmark_repetitions="$reps" --benchmark_filter="$filter" \
  --benchmark_format=json >"$tmp/bench.json" 2>"$tmp/stderr" || {
  cat "$tmp/stderr" >&2; exit 1; }
cp "$tmp/bench.json" bench/results/store.json
load_after=$(load_avg)

python3 - "$tmp/bench.json" "$preset" "$min_time" "$reps" "$load_before" "$load_after" >bench/results/store.md <<'PY'
import json, sys
from collections import defaultdict
bench_file, preset, min_time, reps, load_before, load_after = sys.argv[1:]
bench = json.load(open(bench_file))
runs = defaultdict(list)  # (name, backend, encrypted, n) -> [repetition, ...]
errors = []
for b in bench["benchmarks"]:
    if b.get("run_type") == "aggregate":
        continue
    if b.get("error_occurred"):
        errors.append(f"{b['name']}: {b.get('error_message')}")
        continue
    parts = b["run_name"].split("/")
    args = [p.split(":") for p in parts[1:] if ":" in p and not p.startswith(("min_time", "real_time"))]
    a = dict(args)
    runs[(parts[0], int(a["backend"]), int(a["encrypted"]), int(args[2][1]))].append(b)
name = {0: "SQLite", 1: "PostgreSQL"}
ctx = bench["context"]

def span(values, fmt):
    lo, hi = min(values), max(values)
    return fmt.format(lo) if len(values) == 1 or fmt.format(lo) == fmt.format(hi) else f"{fmt.format(lo)}–{fmt.format(hi)}"

def median(values):
    v = sorted(values)
    return v[len(v) // 2]

def table(bench_name, what, unit, label, batches=False):
    head = f"| backend | {label} | {what}/s encrypted | {what}/s plain | CPU µs/{unit} encrypted | plain | CPU added by encryption (medians) |"
    rule = "|---|---|---|---|---|---|---|"
    if batches:
        head += " appends per commit | ms executing / committing per commit |"
        rule += "---|---|"
    print(head)
    print(rule)
    for (bn, be, enc, n), rs in sorted(runs.items()):
        if bn != bench_name or enc != 1 or (bn, be, 0, n) not in runs:
            continue
        ps = runs[(bn, be, 0, n)]
        rate = [r["items_per_second"] for r in rs]
        prate = [r["items_per_second"] for r in ps]
        cpu = [r.get("cpu_us_per_item", 0.0) for r in rs]
        pcpu = [r.get("cpu_us_per_item", 0.0) for r in ps]
        added = 100 * (median(cpu) - median(pcpu)) / median(pcpu) if median(pcpu) else 0.0
        row = (f"| {name[be]} | {n} | {span(rate, '{:,.0f}')} | {span(prate, '{:,.0f}')} | {span(cpu, '{:.1f}')} |"
               f" {span(pcpu, '{:.1f}')} | {added:+.0f}% |")
        if batches:
            opc = [r.get("ops_per_commit", 0.0) for r in rs]
            ex = median([r.get("exec_ms_per_commit", 0.0) for r in rs])
            cm = median([r.get("commit_ms_per_commit", 0.0) for r in rs])
            row += f" {span(opc, '{:.0f}')} | {ex:.1f} / {cm:.1f} |"
        print(row)
    print()

print("# store: encrypted conversation store throughput\n")
print(f"Measured by `bench/store/run.sh` (preset `{preset}`, at least {min_time} s per measurement, {reps} repetitions:"
      f" each cell is min–max over them) on {ctx['num_cpus']} CPUs at {ctx['mhz_per_cpu']} MHz, {ctx['date']}.")
print(f"Load average before/after: {load_before} / {load_after}. **The machine is shared**: other engineers"
      " were compiling, so wall-clock rates are what this process got, not what the store can do alone;"
      " `CPU µs` is the CPU time of the whole benchmark process (every thread, user + system) per operation,"
      " which other processes inflate much less.\n")
print("1 KiB activities, 64 conversations per store, SQLite with `synchronous=FULL` (an fsync per group"
      " commit) and PostgreSQL with fsync/synchronous_commit on (a real server from Debian's package, started"
      " by the benchmark on 127.0.0.1). \"plain\" = the same code with record sealing switched off"
      " (`PARLEY_BENCH_NO_ENCRYPTION`, a build option of this benchmark only).\n")
print("What limits the figures, from profiling: `bench/store/README.md`.\n")
print("## Appends (group commit)\n")
print("`appenders` coroutines on two I/O threads each append and wait for the acknowledgement, then append again;"
      " the store groups what is queued into one transaction (max_batch 512). \"appends per commit\" and the"
      " time split come from the store's writer statistics (`encrypted_store::write_stats()`).\n")
table("BM_append", "appends", "append", "appenders", batches=True)
print("### The same with `[store.sqlite] synchronous = \"normal\"` (no fsync per commit: survives a crash of"
      " the process, not a power loss; not the default, see docs/adr/0006-encrypted-store.md)\n")
table("BM_append_sync_normal", "appends", "append", "appenders", batches=True)
print("## Reads (a whole conversation, 100 activities per call)\n")
print("4 readers each page through 2 conversations of 500 activities (a Direct Line resync).\n")
table("BM_read", "activities", "activity", "readers")
print("## Polls after a watermark\n")
print("4 readers each ask 64 times for what follows a watermark: the newest 5 activities of a 500-activity conversation.\n")
table("BM_read_after_watermark", "polls", "poll", "readers")
print("## Bot state (get, then put with the etag)\n")
print("32 workers, each on its own conversation, 1 KiB of state. The get is served by the store's bot-state"
      " cache after the first turn; the put always goes to the database.\n")
table("BM_bot_state", "get+put pairs", "pair", "workers")
print("## New conversations\n")
print("4 workers each create 64 conversations: an erasure subject each (its secret derived from the tenant's"
      " tree: 48 HMAC-SHA256 steps), a data key bound to it, the sealed conversation record (docs/adr/0018).\n")
table("BM_create_conversation", "conversations", "conversation", "workers")
print("## erase-user's scan\n")
print("`erase_user` for a user with no conversation among 10 064: every conversation's per-conversation pseudonym"
      " is tested (secrets derived in subject order, sharing tree paths; docs/adr/0019). Items = conversations"
      " tested; \"plain\" differs only in the records, not in the scan.\n")
table("BM_erase_user_scan", "conversations tested", "conversation", "workers")
if errors:
    print("## Failed measurements\n")
    for e in errors:
        print(f"- {e}")
PY
cat bench/results/store.md
