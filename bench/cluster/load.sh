#!/usr/bin/env bash
# Chat round trips at load on a cluster of real processes (issue 15; bench/results/cluster.md):
# for 1 and then 3 channel nodes (1 bot node, echo), examples/cluster/start.sh, CONVS conversations
# through HAProxy each posting a message and waiting for the answer on its stream, for SECONDS.
# Prints one JSON line per size: round trips/s, p50/p99 of a round trip, and CPU time per round
# trip (ms) of the channel nodes, the bot node, RabbitMQ (the bus), PostgreSQL, HAProxy, with
# the load average. Usage: bench/cluster/load.sh [PATH_TO_PARLEY [CONVS [SECONDS]]] (PRESET=ci:
# the test build, as measured).
set -euo pipefail
. "$(dirname "$0")/../lib/bench.sh"
root=$PWD
[ $# -ge 1 ] || bench_build parley
bin=${1:-$root/$build_dir/src/app/parley}
convs=${2:-20}
seconds=${3:-20}
client=$root/tests/cluster/client.mjs
[ -f "$root/tests/cluster/node_modules/ws/package.json" ] || (cd "$root/tests/cluster" && npm ci --no-audit --no-fund --loglevel=error)
dir=$(mktemp -d)
cluster=""
trap '[ -n "$cluster" ] && [ -f "$cluster/pids" ] && "$root/examples/cluster/stop.sh" "$cluster" >/dev/null 2>&1; rm -rf "$dir"' EXIT
# The CPU ticks of a process and all its descendants.
tree_ticks() {  # tree_ticks PID
  local total=0 p
  for p in $(ps -e -o pid=,ppid= | python3 -c '
import sys
kids = {}
for line in sys.stdin:
    p, pp = line.split()
    kids.setdefault(pp, []).append(p)
todo, seen = [sys.argv[1]], []
while todo:
    p = todo.pop()
    seen.append(p)
    todo += kids.get(p, [])
print(" ".join(seen))' "$1"); do
    total=$((total + $(cpu_ticks "$p" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
# The CPU ticks of every process of a role (RabbitMQ, PostgreSQL: with their child processes).
ticks() {  # ticks ROLE
  local total=0 p
  case $1 in
    channel | bot) for p in $(awk -v r="$1" '$1 ~ "^"r"-" {print $2}' "$cluster/pids"); do total=$((total + $(cpu_ticks "$p"))); done ;;
    haproxy) total=$(cpu_ticks "$(awk '$1 == "haproxy" {print $2}' "$cluster/pids")") ;;
    rabbitmq) total=$(tree_ticks "$(cat "$cluster/rabbitmq/broker.pid")") ;;
    postgres) total=$(tree_ticks "$(awk '$1 == "postgres" {print $2}' "$cluster/pids")") ;;
  esac
  echo "$total"
}
roles=(channel bot rabbitmq postgres haproxy)
for nodes in 1 3; do
  cluster=$(mktemp -d -u "${TMPDIR:-/tmp}/parley-cluster-bench.XXXXXX")
  "$root/examples/cluster/start.sh" --parley "$bin" --dir "$cluster" --ready-file "$dir/ready.json" \
    --channel-nodes "$nodes" --bot-nodes 1 >"$dir/start.out" 2>&1 || { cat "$dir/start.out" >&2; exit 1; }
  lb=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['directline'].rsplit('/v3', 1)[0])" "$dir/ready.json")
  export CHANNEL_SECRET
  CHANNEL_SECRET=$(cat "$cluster/secrets/channel-secret")
  node "$client" load "$lb" "$convs" 3 >/dev/null  # warm-up
  declare -A before=()
  for r in "${roles[@]}"; do before[$r]=$(ticks "$r"); done
  out=$(node "$client" load "$lb" "$convs" "$seconds")
  n=$(python3 -c "import json, sys; print(json.loads(sys.argv[1])['round_trips'])" "$out")
  cpu="{"
  for r in "${roles[@]}"; do
    t=$(($(ticks "$r") - ${before[$r]}))
    cpu+="\"$r\": $(awk -v us="$(cpu_us_per "$t" "$n")" 'BEGIN { printf "%.3f", us / 1000 }'), "
  done
  cpu="${cpu%, }}"
  echo "{\"channel_nodes\": $nodes, \"load\": $out, \"cpu_ms_per_round_trip\": $cpu, \"load_avg\": \"$(load_avg)\"}"
  "$root/examples/cluster/stop.sh" "$cluster" >/dev/null 2>&1
  cluster=""
done
