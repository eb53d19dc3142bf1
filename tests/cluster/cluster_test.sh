#!/usr/bin/env bash
# The cluster on real processes (issue 15; docs/adr/0025-cluster-nodes.md): examples/cluster/start.sh
# with PostgreSQL, RabbitMQ, HAProxy, 3 channel nodes (A, B, C) and 1 bot node on random loopback ports;
#  - two-nodes: a stream on channel node A receives, in order, once each, what was appended on
#    node B (and on A at the same time), the bot's replies included; a stream token used on one
#    node is refused on the other;
#  - round-trip: messages and answers over a stream through HAProxy;
#  - db-restart: PostgreSQL stopped mid-conversation: 503s with Retry-After, every /readyz 503;
#    started again: every node recovers by itself, the stream resumes with nothing lost;
#  - broker-restart: RabbitMQ halted and restarted while messages flow from B to streams on A:
#    every acknowledged message on its stream once, in order, answered; streams == store;
#  - drain: 10 streams held on node B, B stopped with SIGTERM in the middle of a burst: each is
#    closed with 1001, reconnects through HAProxy to another node, has every activity once, in order;
#  - failover: the same with node A killed with SIGKILL;
# then examples/cluster/stop.sh, and no process of the cluster is left running.
# Usage: cluster_test.sh PATH_TO_PARLEY  (with $PARLEY_TEST_BROKER: that broker instead of a new one)
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/parley_test.sh
. "$root/tests/lib/parley_test.sh"
[ -f "$here/node_modules/ws/package.json" ] || (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
test_dir dir
# A TMPDIR of the test's own, so that start.sh's record of the last cluster (which the bare stop.sh
# below reads) is not another cluster's on the same machine; open like /tmp (1777), not under the
# private test directory: PostgreSQL runs as its own user when the tests run as root.
TMPDIR=$(mktemp -d)
export TMPDIR
chmod 1777 "$TMPDIR"
cluster=$(mktemp -d -u "$TMPDIR/parley-cluster-test.XXXXXX")
ready="$dir/ready.json"
# Stopped even when a check fails (stop.sh stops only what start.sh recorded).
test_on_exit '[ -f "$cluster/pids" ] && "$root/examples/cluster/stop.sh" "$cluster" >/dev/null 2>&1'
test_on_exit "rm -rf '$TMPDIR'"  # after the stop: the cluster's directory is inside

# The tests' RabbitMQ (the "rabbitmq" CTest fixture) when there is one; else start.sh starts its own.
broker_args=()
[ -n "${PARLEY_TEST_BROKER:-}" ] && broker_args=(--broker "$PARLEY_TEST_BROKER")
"$root/examples/cluster/start.sh" --parley "$bin" --dir "$cluster" --ready-file "$ready" \
  --channel-nodes 3 --bot-nodes 1 "${broker_args[@]}" >"$dir/start.out" 2>&1 || { cat "$dir/start.out" >&2; fail "start.sh"; }
field() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print(eval('d' + sys.argv[2]))" "$ready" "$1"; }
node_a=$(field '["nodes"][0]["url"]')
node_b=$(field '["nodes"][1]["url"]')
[ "$(field '["nodes"][0]["role"]')" = channel ] && [ "$(field '["nodes"][1]["role"]')" = channel ] || fail "nodes 0 and 1 are not channel nodes"
[ "$(field '["nodes"][3]["role"]')" = bot ] || fail "node 3 is not a bot node"
lb=$(field '["directline"]')
lb=${lb%/v3/directline}
curl -fsS --max-time 5 -o /dev/null "$(field '["ready"]')" || fail "readyz through HAProxy"

export CHANNEL_SECRET
CHANNEL_SECRET=$(cat "$cluster/secrets/channel-secret")
node "$here/client.mjs" two-nodes "$node_a" "$node_b" || fail "two nodes"
node "$here/client.mjs" round-trip "$lb" || fail "round trip through HAProxy"
# PostgreSQL stopped and started again mid-conversation (examples/cluster/service.sh).
list() { python3 -c "import json, sys; print(','.join(n[sys.argv[2]] for n in json.load(open(sys.argv[1]))['nodes'] if sys.argv[3] in ('', n['role'])))" "$ready" "$1" "$2"; }
node "$here/client.mjs" db-restart "$lb" "$cluster" "$(list ops '')" "$(list url channel)" || fail "PostgreSQL restart"
# RabbitMQ halted and started again while messages flow from node B to streams on node A.
node "$here/client.mjs" broker-restart "$node_a" "$node_b" "$lb" "$cluster" 5 || fail "broker restart under load"
# Last (the nodes do not come back): node B drained with SIGTERM mid-burst, its streams closed with
# 1001 resume on another node; node A killed with SIGKILL mid-burst, its streams resume on node C.
# The long variant: PARLEY_CLUSTER_STREAMS=100 PARLEY_CLUSTER_MESSAGES=20 ctest --test-dir build/ci -L cluster
node "$here/client.mjs" drain "$node_b" "$lb" "$(field '["nodes"][1]["pid"]')" \
  "${PARLEY_CLUSTER_STREAMS:-10}" "${PARLEY_CLUSTER_MESSAGES:-6}" || fail "failover after SIGTERM"
node "$here/client.mjs" failover "$node_a" "$lb" "$(field '["nodes"][0]["pid"]')" \
  "${PARLEY_CLUSTER_STREAMS:-10}" "${PARLEY_CLUSTER_MESSAGES:-6}" || fail "failover after kill -9"

# Every process the cluster started, then stop.sh: none may be left.
pids=$(awk '$1 != "rabbitmq" {print $2}' "$cluster/pids")
if [ -d "$cluster/rabbitmq" ]; then pids="$pids $(cat "$cluster/rabbitmq/broker.pid" "$cluster/rabbitmq/epmd.pid" | tr '\n' ' ')"; fi
for s in "$CHANNEL_SECRET"; do
  if grep -qF -- "$s" "$cluster"/*.log; then fail "the channel secret is in a log"; fi
done
# Bare, as an operator would: the cluster start.sh started last.
"$root/examples/cluster/stop.sh" >"$dir/stop.out" 2>&1 || { cat "$dir/stop.out" >&2; fail "stop.sh"; }
for p in $pids; do
  if kill -0 "$p" 2>/dev/null; then fail "process $p ($(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null)) still runs after stop.sh"; fi
done
[ ! -e "$cluster" ] || fail "stop.sh left $cluster"
[ ! -e "$ready" ] || fail "stop.sh left the ready file"
echo "cluster: ok"
