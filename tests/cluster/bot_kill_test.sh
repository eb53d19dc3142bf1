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
# shellcheck source=cluster_lib.sh
. "$here/cluster_lib.sh"
start_cluster "$bin" --channel-nodes 1 --bot-nodes 2 --bank
bots=$(python3 -c "import json, sys; print(json.dumps([{'pid': n['pid'], 'ops': n['ops']} for n in json.load(open(sys.argv[1]))['nodes'] if n['role'] == 'bot']))" "$ready")
lb=$(field '["directline"]')
node "$here/client.mjs" bot-kill "${lb%/v3/directline}" "$(field '["bankx_api"]')" "$bots" || fail "bot node killed with a login held"
if grep -lE 'bx[ap]_[A-Za-z0-9_-]{8}' "$cluster"/*.log; then fail "a BankX token is in a log"; fi
stop_cluster "$cluster"
echo "bot kill: ok"
