#!/usr/bin/env bash
# A bot node killed with a login held (issue 15; docs/adr/0026-bot-affinity.md), on real processes:
# examples/cluster/start.sh --bank with 1 channel node, 2 bot nodes (the BankX assistant, login at a
# BankX node) behind HAProxy. The user logs in (push, approved on BankX's phone API) and sees the
# balance; the bot node that ran the login is killed with SIGKILL; the next question is answered
# by the other node, which asks for a new login; every message answered, nothing refused, no BankX
# token in the conversation or any log. Usage: bot_kill_test.sh PATH_TO_PARLEY ($PARLEY_TEST_BROKER
# as in cluster_test.sh).
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/parley_test.sh
. "$root/tests/lib/parley_test.sh"
[ -f "$here/node_modules/ws/package.json" ] || (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
test_dir dir
# A TMPDIR of its own, open like /tmp (as cluster_test.sh): start.sh's record of the last cluster
# stays another cluster's on this machine; PostgreSQL runs as its own user when tests run as root.
TMPDIR=$(mktemp -d)
export TMPDIR
chmod 1777 "$TMPDIR"
cluster=$(mktemp -d -u "$TMPDIR/parley-cluster-test.XXXXXX")
ready="$dir/ready.json"
test_on_exit '[ -f "$cluster/pids" ] && "$root/examples/cluster/stop.sh" "$cluster" >/dev/null 2>&1'
test_on_exit "rm -rf '$TMPDIR'"  # after the stop: the cluster's directory is inside
broker_args=()
[ -n "${PARLEY_TEST_BROKER:-}" ] && broker_args=(--broker "$PARLEY_TEST_BROKER")
"$root/examples/cluster/start.sh" --parley "$bin" --dir "$cluster" --ready-file "$ready" \
  --channel-nodes 1 --bot-nodes 2 --bank "${broker_args[@]}" >"$dir/start.out" 2>&1 || { cat "$dir/start.out" >&2; fail "start.sh"; }
field() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print(eval('d' + sys.argv[2]))" "$ready" "$1"; }
bots=$(python3 -c "import json, sys; print(json.dumps([{'pid': n['pid'], 'ops': n['ops']} for n in json.load(open(sys.argv[1]))['nodes'] if n['role'] == 'bot']))" "$ready")
lb=$(field '["directline"]')
export CHANNEL_SECRET
CHANNEL_SECRET=$(cat "$cluster/secrets/channel-secret")
node "$here/client.mjs" bot-kill "${lb%/v3/directline}" "$(field '["bankx_api"]')" "$bots" || fail "bot node killed with a login held"
if grep -lE 'bx[ap]_[A-Za-z0-9_-]{8}' "$cluster"/*.log; then fail "a BankX token is in a log"; fi
if grep -qF -- "$CHANNEL_SECRET" "$cluster"/*.log; then fail "the channel secret is in a log"; fi
pids=$(awk '$1 != "rabbitmq" {print $2}' "$cluster/pids")
"$root/examples/cluster/stop.sh" "$cluster" >"$dir/stop.out" 2>&1 || { cat "$dir/stop.out" >&2; fail "stop.sh"; }
for p in $pids; do
  if kill -0 "$p" 2>/dev/null; then fail "process $p ($(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null)) still runs after stop.sh"; fi
done
echo "bot kill: ok"
