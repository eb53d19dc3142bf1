#!/usr/bin/env bash
# A Parley cluster on loopback (issue 15; docs/adr/0025-cluster-nodes.md): PostgreSQL, RabbitMQ with
# the AMQP 1.0 plugin, channel nodes and bot nodes (each a `parley serve`), HAProxy in front of
# them (health checks on each node's /readyz, WebSocket-aware). Everything lives under one
# directory, on random free ports; nothing is installed or left behind by examples/cluster/stop.sh.
#
#   examples/cluster/start.sh --ready-file FILE [--dir DIR] [--channel-nodes N] [--bot-nodes M]
#                             [--parley PATH] [--broker DIR] [--bank]
#
# FILE gets the keys `parley demo --ready-file` writes for the services the cluster runs (bot,
# directline, channel, channel_openid, health, ready, metrics), all through HAProxy (`parley serve`
# has no demo site: no site, webchat_compat, desk or bankx keys), plus "dir" and "nodes": [{role, name, pid, url, ops}] for every Parley node, so that
# anyone can kill one and watch what happens. Defaults: 3 channel nodes, 2 bot nodes, a new
# temporary DIR, PATH = $PARLEY, build/ci/src/app/parley, or `parley` on the PATH. --broker: use
# the RabbitMQ that src/bus/amqp/testing/rabbitmq.sh started in DIR (the tests' broker) instead of
# starting one; stop.sh leaves it running. --bank: a BankX node too (examples/bankx, role "bank",
# keys bankx_api and bankx_phone) and bot nodes running the BankX assistant with the end user's
# login at it (ADR 0008), instead of the echo assistant.
# Needs (scripts/install-deps.sh): postgresql, rabbitmq-server, haproxy, python3.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ready_file=""
dir=""
channel_nodes=3
bot_nodes=2
parley=${PARLEY:-}
broker=""
bank=""
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --ready-file) ready_file=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --channel-nodes) channel_nodes=$2; shift 2 ;;
    --bot-nodes) bot_nodes=$2; shift 2 ;;
    --parley) parley=$2; shift 2 ;;
    --broker) broker=$2; shift 2 ;;
    --bank) bank=1; shift ;;
    *) usage ;;
  esac
done
[ -n "$ready_file" ] || usage
[[ "$channel_nodes" =~ ^[1-9]$ && "$bot_nodes" =~ ^[1-9]$ ]] || { echo "start.sh: 1..9 nodes of each role" >&2; exit 2; }
if [ -z "$parley" ]; then
  if [ -x "$root/build/ci/src/app/parley" ]; then parley=$root/build/ci/src/app/parley; else parley=$(command -v parley || true); fi
fi
[ -n "$parley" ] && [ -x "$parley" ] || { echo "start.sh: no parley binary (--parley PATH)" >&2; exit 2; }
parley=$(cd "$(dirname "$parley")" && pwd)/$(basename "$parley")
for tool in haproxy python3 curl; do
  command -v "$tool" >/dev/null || { echo "start.sh: $tool is not installed (scripts/install-deps.sh)" >&2; exit 1; }
done
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pg_bin" ] || { echo "start.sh: PostgreSQL is not installed (scripts/install-deps.sh)" >&2; exit 1; }

if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/parley-cluster.XXXXXX"); fi
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then echo "start.sh: $dir is not empty" >&2; exit 2; fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
chmod 711 "$dir"  # PostgreSQL (its own user when we run as root) reaches its directory below
ready_file=$(cd "$(dirname "$ready_file")" && pwd)/$(basename "$ready_file")
rm -f "$ready_file"
echo "$ready_file" >"$dir/ready-file-path"
# The cluster a bare `examples/cluster/stop.sh` stops: the last one started.
echo "$dir" >"${TMPDIR:-/tmp}/parley-cluster.last"
# Whatever fails from here on, say where and stop what was started.
trap 'echo "start.sh: line $LINENO: $BASH_COMMAND failed" >&2' ERR
trap 'rc=$?; if [ $rc -ne 0 ]; then echo "start.sh: failed; stopping (logs in $dir/*.log)" >&2; "$here/stop.sh" --keep "$dir" >&2 || true; fi' EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
secret() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n'; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
wait_ready() {  # wait_ready FILE PID NAME
  for _ in $(seq 1 600); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || { echo "start.sh: $3 exited; its log:" >&2; tail -n 30 "$dir/$3.log" >&2; return 1; }
    sleep 0.05
  done
  echo "start.sh: $3 not ready after 30 s" >&2
  return 1
}
record_pid() { echo "$1 $2" >>"$dir/pids"; }  # record_pid NAME PID (stop.sh stops them in reverse)
: >"$dir/pids"

mkdir -p "$dir/secrets" "$dir/shared"
chmod 700 "$dir/secrets" "$dir/shared"
umask 077

# 1. PostgreSQL: its own cluster under DIR/postgres, password authentication on 127.0.0.1.
pg_port=$(free_port)
db_password=$(secret)
printf '%s' "$db_password" >"$dir/secrets/db-password"
mkdir -p "$dir/postgres"
printf '%s\n' "$db_password" >"$dir/postgres/pw"
if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir/postgres"; fi
as_pg "$pg_bin/initdb" -D "$dir/postgres/data" -U parley --pwfile="$dir/postgres/pw" --auth-local=trust \
  --auth-host=scram-sha-256 --locale=C -E UTF8 --no-sync >"$dir/postgres-init.log" 2>&1
rm -f "$dir/postgres/pw"
as_pg "$pg_bin/pg_ctl" -D "$dir/postgres/data" -l "$dir/postgres/server.log" -w -t 60 \
  -o "-p $pg_port -k $dir/postgres -c listen_addresses=127.0.0.1 -c max_connections=200" start >"$dir/postgres-start.log" 2>&1
record_pid postgres "$(head -1 "$dir/postgres/data/postmaster.pid")"
echo "$pg_port" >"$dir/postgres/port"  # examples/cluster/service.sh starts it again there
as_pg "$pg_bin/psql" -X -q -h "$dir/postgres" -p "$pg_port" -U parley -d postgres -c 'CREATE DATABASE parley' >/dev/null

# 2. RabbitMQ with the AMQP 1.0 plugin (the bus tests' broker script: random ports, own epmd).
if [ -z "$broker" ]; then
  broker=$dir/rabbitmq
  "$root/src/bus/amqp/testing/rabbitmq.sh" start "$broker" >"$dir/rabbitmq-start.log" 2>&1
  echo "rabbitmq $broker" >>"$dir/pids"
fi
# shellcheck disable=SC1091
. "$broker/broker.env"  # PORT, PASSWORD_FILE, SEAL_KEY_FILE
echo "$broker" >"$dir/broker-dir"  # examples/cluster/service.sh (the tests' broker too)
cp "$PASSWORD_FILE" "$dir/secrets/bus-password"
cp "$SEAL_KEY_FILE" "$dir/secrets/bus-seal.key"

# 3. Ports, secrets and the configuration every node shares.
lb_channel=$(free_port)
lb_bot=$(free_port)
lb_ops=$(free_port)
channel_url="http://127.0.0.1:$lb_channel"
bot_url="http://127.0.0.1:$lb_bot"
channel_secret=$(secret)
app_password=$(secret)
printf '%s' "$channel_secret" >"$dir/secrets/channel-secret"
printf '%s' "$app_password" >"$dir/secrets/app-password"
if [ -n "$bank" ]; then
  lb_bank=$(free_port)  # no balancer in front of the bank: its own port
  bank_url="http://127.0.0.1:$lb_bank"
  secret >"$dir/secrets/bank-client-secret"
fi
secret_hash=$(printf "%s\n" "$channel_secret" | "$parley" channel hash-secret 2>>"$dir/hash-secret.log")
password_hash=$(printf "%s\n" "$app_password" | "$parley" channel hash-secret 2>>"$dir/hash-secret.log")

common_toml() {  # common_toml NODE_ID BUS(amqp|in-process)
  cat <<TOML
[log]
level = "info"
[net]
threads = 2
[crypto]
root_key_file = "$dir/secrets/root.key"
erasure_secrets_file = "$dir/shared/erasure.secrets"
[store]
backend = "postgres"
[store.postgres]
dsn = "host=127.0.0.1 port=$pg_port dbname=parley user=parley"
password = { file = "$dir/secrets/db-password" }
[jose]
key_file = "$dir/shared/signing-keys.json"
TOML
  if [ "$2" = amqp ]; then
    cat <<TOML
[bus]
backend = "amqp"
node_id = "$1"
[bus.amqp]
url = "amqp://127.0.0.1:$PORT"
user = "parley"
password = { file = "$dir/secrets/bus-password" }
seal_key = { file = "$dir/secrets/bus-seal.key" }
reconnect_min = "100ms"
reconnect_max = "2s"
TOML
  fi
}
listener_toml() {  # listener_toml NAME PORT
  cat <<TOML
[[net.listeners]]
name = "$1"
address = "127.0.0.1"
port = $2
trusted_proxies = ["127.0.0.1/32"]
TOML
}

declare -a names roles ports ops_ports
for i in $(seq 1 "$channel_nodes"); do
  names+=("channel-$i"); roles+=(channel); ports+=("$(free_port)"); ops_ports+=("$(free_port)")
done
for i in $(seq 1 "$bot_nodes"); do
  names+=("bot-$i"); roles+=(bot); ports+=("$(free_port)"); ops_ports+=("$(free_port)")
done
if [ -n "$bank" ]; then names+=(bank-1); roles+=(bank); ports+=("$lb_bank"); ops_ports+=("$(free_port)"); fi
for k in "${!names[@]}"; do
  name=${names[$k]}
  {
    listener_toml "${roles[$k]}" "${ports[$k]}"
    printf '[[net.listeners]]\nname = "ops"\naddress = "127.0.0.1"\nport = %s\n' "${ops_ports[$k]}"
    if [ "${roles[$k]}" = channel ]; then
      common_toml "$name" amqp
      cat <<TOML
[channel]
public_url = "$channel_url"
bot_timeout = "15s"
[[channel.bots]]
id = "assistant"
tenant = "cluster"
name = "Cluster Assistant"
app_id = "cluster-assistant"
secret_hashes = ["$secret_hash"]
app_password_hash = "$password_hash"
endpoint = "$bot_url/api/messages"
origins = ["$bot_url"]
[[channel.tenants]]
id = "cluster"
require_bound_tokens = false  # Web Chat and directlinejs through the cluster too (the widget binds anyway)
require_dpop_nonce = false    # the nonce key is per node (docs/adr/0025-cluster-nodes.md)
TOML
    elif [ "${roles[$k]}" = bank ]; then
      printf '[log]\nlevel = "info"\n[bankx]\nclient_secret = { file = "%s" }\npolling_interval = "1s"\n' \
        "$dir/secrets/bank-client-secret"
    else
      common_toml "$name" in-process
      assistant=$root/examples/echo/assistant.toml
      [ -z "$bank" ] || assistant=$root/examples/bankx/assistant.toml
      cat <<TOML
[bot]
id = "assistant"
tenant = "cluster"
name = "Cluster Assistant"
assistant = "$assistant"
channel_url = "$channel_url"
channel_secret = { file = "$dir/secrets/channel-secret" }
origins = ["$bot_url"]
public_url = "$bot_url"
app_id = "cluster-assistant"
app_password = { file = "$dir/secrets/app-password" }
TOML
      if [ -n "$bank" ]; then
        # The BankX client API table as [bot.api], pointed at the bank node; the login at its Login API.
        sed -e 's/^\[api\]/[bot.api]/; s/^\[\[api\./[[bot.api./' \
          -e "s#^base_url = .*#base_url = \"$bank_url/api/v1\"#" "$root/examples/bankx/client-api.toml"
        cat <<TOML
[[login.tenants]]
tenant = "cluster"
base_url = "$bank_url/api/v1"
client_id = "parley"
client_secret = { file = "$dir/secrets/bank-client-secret" }
methods = ["push"]
TOML
      fi
    fi
  } >"$dir/$name.toml"
done

"$parley" keys init --config "$dir/channel-1.toml" >"$dir/keys-init.log" 2>&1
for name in "${names[@]}"; do "$parley" check-config "$dir/$name.toml" >"$dir/$name.check.log" 2>&1; done
"$parley" store migrate --config "$dir/channel-1.toml" >"$dir/migrate.log" 2>&1

# 4. HAProxy first (its health checks mark each node up once it is ready): one frontend per role
# and one for the nodes' ops listeners.
{
  cat <<CFG
global
  maxconn 4096
  log stdout format raw local0 notice
defaults
  mode http
  log global
  option httplog
  option forwardfor
  option redispatch
  retries 2
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-request 10s
  timeout tunnel 1h        # an upgraded WebSocket: directlinejs sends a keep-alive every 20 s
  timeout client-fin 5s
  default-server inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
  # No node ready (the database or the broker unreachable: every /readyz says 503): the answer
  # the nodes give themselves then, a 503 with Retry-After, not HAProxy's HTML page.
  http-error status 503 content-type application/json string '{"error":{"code":"ServiceUnavailable","message":"no node is available; retry shortly"}}' hdr Retry-After 5
frontend channel
  bind 127.0.0.1:$lb_channel
  default_backend channel_nodes
backend channel_nodes
  balance leastconn
  option httpchk GET /readyz
  http-check expect status 200
CFG
  for k in "${!names[@]}"; do
    [ "${roles[$k]}" = channel ] && echo "  server ${names[$k]} 127.0.0.1:${ports[$k]} check port ${ops_ports[$k]}"
  done
  # Fail open (docs/adr/0025-cluster-nodes.md): when no node is ready, every node at once, unchecked.
  # A dependency every node lost (the broker restarting) then costs cross-node delivery until the bus
  # is back (the streams catch up from the store), not the whole service; with the database down the
  # nodes answer 503 with Retry-After themselves. One node that alone lost a dependency is drained.
  echo "  option allbackups"
  for k in "${!names[@]}"; do
    [ "${roles[$k]}" = channel ] && echo "  server ${names[$k]}-open 127.0.0.1:${ports[$k]} backup"
  done
  cat <<CFG
frontend bot
  bind 127.0.0.1:$lb_bot
  default_backend bot_nodes
backend bot_nodes
  # Conversation affinity for the bank-token vault (docs/adr/0026-bot-affinity.md): the channel's
  # deliveries go to the bot node the conversation id hashes to among the healthy ones; requests
  # without one (the widget's /api/token, the site) are spread round-robin.
  option http-buffer-request
  balance hash req.body,json_query('\$.conversation.id')
  hash-type consistent
  # A bot node killed: until its health check fails (~1 s), a delivery to it is sent again to the
  # next node on the ring (redispatch on every retry), also when it went out on a kept-alive
  # connection the kill cut (the activity had not reached the bot: no answer was lost with it).
  retry-on conn-failure empty-response
  option redispatch 1
  option httpchk GET /readyz
  http-check expect status 200
CFG
  for k in "${!names[@]}"; do
    [ "${roles[$k]}" = bot ] && echo "  server ${names[$k]} 127.0.0.1:${ports[$k]} check port ${ops_ports[$k]}"
  done
  cat <<CFG
frontend ops
  bind 127.0.0.1:$lb_ops
  default_backend ops_nodes
backend ops_nodes
  balance roundrobin
CFG
  for k in "${!names[@]}"; do echo "  server ${names[$k]} 127.0.0.1:${ops_ports[$k]} check"; done
} >"$dir/haproxy.cfg"
haproxy -c -q -f "$dir/haproxy.cfg" >"$dir/haproxy-check.log" 2>&1 || { cat "$dir/haproxy-check.log" >&2; exit 1; }
haproxy -db -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 &
record_pid haproxy "$!"
haproxy_pid=$!

# 5. The nodes.
start_node() {  # start_node INDEX
  local name=${names[$1]}
  "$parley" serve --config "$dir/$name.toml" --ready-file "$dir/$name.ready.json" >"$dir/$name.log" 2>&1 &
  record_pid "$name" "$!"
  eval "pid_$1=$!"
}
wait_node() { local v="pid_$1"; wait_ready "$dir/${names[$1]}.ready.json" "${!v}" "${names[$1]}"; }
# Through HAProxy: until a node answers (before, HAProxy itself answers 503).
wait_through() {  # wait_through URL
  for _ in $(seq 1 300); do
    kill -0 "$haproxy_pid" 2>/dev/null || { cat "$dir/haproxy.log" >&2; return 1; }
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true)
    if [ "$code" != 000 ] && [ "$code" != 503 ]; then return 0; fi
    sleep 0.1
  done
  echo "start.sh: $1 never answered through HAProxy" >&2
  return 1
}
# The first channel node creates the shared signing keys; the other channel nodes find them; the
# bot nodes start once the channel answers through HAProxy (they fetch its signing keys at start).
start_node 0
wait_node 0
for k in "${!names[@]}"; do [ "$k" -eq 0 ] || [ "${roles[$k]}" != channel ] || start_node "$k"; done
for k in "${!names[@]}"; do [ "${roles[$k]}" != channel ] || wait_node "$k"; done
wait_through "$channel_url/v1/.well-known/openidconfiguration"
for k in "${!names[@]}"; do [ "${roles[$k]}" != bank ] || { start_node "$k"; wait_node "$k"; }; done
for k in "${!names[@]}"; do [ "${roles[$k]}" != bot ] || start_node "$k"; done
for k in "${!names[@]}"; do [ "${roles[$k]}" != bot ] || wait_node "$k"; done
wait_through "$bot_url/api/messages"
wait_through "http://127.0.0.1:$lb_ops/readyz"

# 6. The ready file: the demo's keys through HAProxy, and every node.
python3 - "$ready_file" "$dir" "$channel_url" "$bot_url" "http://127.0.0.1:$lb_ops" "${names[@]}" <<'PY'
import json, os, sys
out, d, channel, bot, ops = sys.argv[1:6]
nodes = []
for name in sys.argv[6:]:
    ready = json.load(open(os.path.join(d, name + ".ready.json")))
    pid = None
    for line in open(os.path.join(d, "pids")):
        n, p = line.split()
        if n == name:
            pid = int(p)
    role = name.rsplit("-", 1)[0]
    url = {"channel": lambda: ready["directline"].rsplit("/v3/directline", 1)[0], "bot": lambda: ready["bot"],
           "bank": lambda: ready["bankx_api"]}[role]()
    nodes.append({"role": role, "name": name, "pid": pid, "url": url,
                  "ops": ready["ready"].rsplit("/readyz", 1)[0]})
doc = {
    "bot": bot,
    "directline": channel + "/v3/directline", "channel": channel + "/v3/directline",
    "channel_openid": channel + "/v1/.well-known/openidconfiguration",
    "health": ops + "/healthz", "ready": ops + "/readyz", "metrics": ops + "/metrics",
    "dir": d, "nodes": nodes,
}
for name in sys.argv[6:]:
    if name.startswith("bank-"):
        ready = json.load(open(os.path.join(d, name + ".ready.json")))
        doc["bankx_api"], doc["bankx_phone"] = ready["bankx_api"], ready["bankx_phone"]
tmp = out + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f)
os.chmod(tmp, 0o644)
os.rename(tmp, out)
PY
trap - EXIT
echo "parley cluster: bot $bot_url  Direct Line $channel_url/v3/directline"
echo "parley cluster: $channel_nodes channel and $bot_nodes bot nodes; ready file $ready_file"
echo "parley cluster: stop with $here/stop.sh $dir"
