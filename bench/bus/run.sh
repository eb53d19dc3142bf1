#!/usr/bin/env bash
# The bus's throughput ceiling and publish→consume latency for an activity-sized event, in-process
# vs RabbitMQ 3.10 (AMQP 1.0 plugin, a test broker on random loopback ports started and stopped
# here). Writes bench/results/bus.md. Usage: bench/bus/run.sh (PRESET=ci to reuse the ci build;
# SIZES="700 8192"; RATE=1000; COUNT=<messages for the throughput run, RabbitMQ>).
set -euo pipefail
. "$(dirname "$0")/../lib/bench.sh"
sizes=${SIZES:-700 8192}
rate=${RATE:-1000}
count=${COUNT:-20000}
bench_build parley_bus_bench
bin=$build_dir/bench/bus/parley_bus_bench
script=src/bus/amqp/testing/rabbitmq.sh
tmp=$(mktemp -d)
export PARLEY_TEST_BROKER=$tmp/broker
trap '"$script" stop "$PARLEY_TEST_BROKER" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
"$script" start "$PARLEY_TEST_BROKER" >/dev/null

load_before=$(load_avg)
for size in $sizes; do
  "$bin" in-process "$size" 200000 "$rate" >>"$tmp/results.jsonl"
  "$bin" rabbitmq "$size" "$count" "$rate" >>"$tmp/results.jsonl"
done
load_after=$(load_avg)

python3 - "$tmp/results.jsonl" "$preset" "$rate" "$load_before" "$load_after" >bench/results/bus.md <<'PY'
import json, platform, subprocess, sys
results_file, preset, rate, load_before, load_after = sys.argv[1:]
rows = [json.loads(l) for l in open(results_file) if l.strip()]
cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
print("# Bus: throughput ceiling and publish→consume latency\n")
print("Measured by `bench/bus/run.sh` (`bench/bus/bus_bench.cpp`): node A publishes activity-sized events "
      "(JSON text of the given size, sealed with AES-256-GCM on the AMQP path), node B's fan-out subscription "
      "receives them — the channel's path between two nodes. Both nodes in one process; RabbitMQ 3.10.8 with "
      "its AMQP 1.0 plugin on loopback (one broker, plain TCP, SASL PLAIN, durable persistent messages to a "
      "server-named queue), on the same machine.\n")
print(f"Build `{preset}`; {cpus} CPUs shared by client, broker and other work; load average {load_before} before, "
      f"{load_after} after.\n")
print("## Throughput (back to back, at most 2000 publishes waiting for confirmation)\n")
print("| backend | event bytes | messages | confirmed/s | delivered/s | client CPU µs/msg | broker CPU µs/msg |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    if r["measure"] != "throughput": continue
    broker = f'{r["broker_cpu_us_per_msg"]:.0f}' if r["backend"] == "rabbitmq" else "—"
    print(f'| {r["backend"]} | {r["body_bytes"]} | {r["count"]} | {r["confirmed_per_s"]:,.0f} | {r["delivered_per_s"]:,.0f} | '
          f'{r["client_cpu_us_per_msg"]:.1f} | {broker} |')
print(f"\n## Latency at a steady {rate} events/s (5 s)\n")
print("| backend | event bytes | publish → confirmed p50 / p99 ms | publish → handler p50 / p90 / p99 / max ms |")
print("|---|---|---|---|")
for r in rows:
    if r["measure"] != "latency": continue
    print(f'| {r["backend"]} | {r["body_bytes"]} | {r["confirm_p50_ms"]:.3f} / {r["confirm_p99_ms"]:.3f} | '
          f'{r["deliver_p50_ms"]:.3f} / {r["deliver_p90_ms"]:.3f} / {r["deliver_p99_ms"]:.3f} / {r["deliver_max_ms"]:.3f} |')
print("\nNot asserted anywhere; a loaded machine moves these figures (see the load averages).")
PY
cat bench/results/bus.md
