#!/usr/bin/env bash
# Cross-node delivery latency on a cluster of real processes (issue 15; bench/results/cluster.md):
# examples/cluster/start.sh with 2 channel nodes and 1 bot node, then COUNT messages posted one
# after the other to node B, each seen on a stream held on B (the in-process path: a node hands its
# own appends to its streams) and on a stream held on node A (one hop over the bus: AMQP 1.0
# through RabbitMQ). Prints one JSON line: POST → frame on B, frame on B → frame on A.
# Usage: bench/cluster/run.sh [PATH_TO_PARLEY [COUNT]] (default: the PRESET's build, made first; PRESET=ci
# for the test build, as bench/results/cluster.md was measured).
set -euo pipefail
. "$(dirname "$0")/../lib/bench.sh"
root=$PWD
[ $# -ge 1 ] || bench_build parley
bin=${1:-$root/$build_dir/src/app/parley}
count=${2:-300}
client=$root/tests/cluster/client.mjs
[ -f "$root/tests/cluster/node_modules/ws/package.json" ] || (cd "$root/tests/cluster" && npm ci --no-audit --no-fund --loglevel=error)
dir=$(mktemp -d)
cluster=$(mktemp -d -u "${TMPDIR:-/tmp}/parley-cluster-bench.XXXXXX")
trap '[ -f "$cluster/pids" ] && "$root/examples/cluster/stop.sh" "$cluster" >/dev/null 2>&1; rm -rf "$dir"' EXIT
"$root/examples/cluster/start.sh" --parley "$bin" --dir "$cluster" --ready-file "$dir/ready.json" \
  --channel-nodes 2 --bot-nodes 1 >"$dir/start.out" 2>&1 || { cat "$dir/start.out" >&2; exit 1; }
node_url() { python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['nodes'][int(sys.argv[2])]['url'])" "$dir/ready.json" "$1"; }
a=$(node_url 0)
b=$(node_url 1)
export CHANNEL_SECRET
CHANNEL_SECRET=$(cat "$cluster/secrets/channel-secret")
node "$client" latency "$a" "$b" 20 warm-up >/dev/null
node "$client" latency "$a" "$b" "$count" "B to A"
