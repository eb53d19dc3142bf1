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
# shellcheck source=cluster_lib.sh
. "$here/cluster_lib.sh"
start_cluster "$bin" --channel-nodes 3 --bot-nodes 1
node_a=$(field '["nodes"][0]["url"]')
node_b=$(field '["nodes"][1]["url"]')
[ "$(field '["nodes"][0]["role"]')" = channel ] && [ "$(field '["nodes"][1]["role"]')" = channel ] || fail "nodes 0 and 1 are not channel nodes"
[ "$(field '["nodes"][3]["role"]')" = bot ] || fail "node 3 is not a bot node"
lb=$(field '["directline"]')
lb=${lb%/v3/directline}
curl -fsS --max-time 5 -o /dev/null "$(field '["ready"]')" || fail "readyz through HAProxy"

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

# Bare, as an operator would: the cluster start.sh started last. None of its processes may be left.
stop_cluster
echo "cluster: ok"
