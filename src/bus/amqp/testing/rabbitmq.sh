#!/usr/bin/env bash
# A RabbitMQ 3.x test broker with the AMQP 1.0 plugin, entirely under DIR, on random free loopback
# ports (AMQP, AMQPS, Erlang distribution, its own epmd): the bus tests' CTest fixture.
#
#   rabbitmq.sh start DIR     create DIR (TLS test CA and certificates, users, definitions) and
#                             start; returns once the broker accepts AMQP 1.0 (prints DIR/broker.env)
#   rabbitmq.sh stop DIR      stop the broker and its epmd (TERM, then KILL after 30 s), remove DIR
#   rabbitmq.sh kill DIR      SIGKILL the broker's VM (a crash); data and ports are kept
#   rabbitmq.sh halt DIR      stop the broker gracefully (TERM); data and ports are kept
#   rabbitmq.sh restart DIR   start again on the same ports and data (after kill or halt)
#
# DIR/broker.env holds PORT, TLS_PORT and the file names of the users' passwords and the TLS files;
# tests read it (broker_env.hpp). Only the processes recorded in DIR are ever signalled.
# Traps (see the shared AMQP reference): run the server script under lib/.../sbin directly (the
# /usr/sbin wrapper su's to rabbitmq), a node name unique per broker, an epmd of our own (erl would
# daemonise one that outlives the broker), readiness = "Server startup complete" in the log.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|kill|halt|restart DIR" >&2; exit 2; }

rmq=$(ls -d /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin 2>/dev/null | sort -V | tail -1)
[ -n "$rmq" ] || { echo "rabbitmq.sh: rabbitmq-server is not installed (scripts/install-deps.sh)" >&2; exit 1; }

free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# RabbitMQ's password hash: base64(salt + SHA-256(salt + password)), 4 random bytes of salt.
password_hash() {
  python3 - "$1" <<'PY'
import base64, hashlib, os, sys
salt = os.urandom(4)
print(base64.b64encode(salt + hashlib.sha256(salt + sys.argv[1].encode()).digest()).decode())
PY
}

make_tls() {
  local t=$dir/tls
  mkdir -p "$t"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Parley test CA" \
    -keyout "$t/ca.key" -out "$t/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$t/server.key" -out "$t/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$t/server.ext"
  openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 2 \
    -extfile "$t/server.ext" -out "$t/server.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=bus-client" -keyout "$t/client.key" -out "$t/client.csr" 2>/dev/null
  openssl x509 -req -in "$t/client.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 2 \
    -out "$t/client.pem" 2>/dev/null
  # A CA nobody trusts, for the "unknown certificate" test.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Stranger CA" \
    -keyout "$t/other-ca.key" -out "$t/other-ca.pem" 2>/dev/null
  chmod 600 "$t"/*.key
}

write_config() {
  local parley_pw guest_pw
  parley_pw=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
  guest_pw=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
  mkdir -p "$dir/secrets" "$dir/home" "$dir/mnesia" "$dir/log"
  chmod 700 "$dir/secrets"
  (umask 077; printf '%s' "$parley_pw" >"$dir/secrets/parley-password")
  # The seal key every test node shares (32 random bytes, base64url).
  (umask 077; python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="), end="")' \
     >"$dir/secrets/seal-key")
  : >"$dir/rabbitmq-env.conf"
  echo '[rabbitmq_amqp1_0,rabbitmq_auth_mechanism_ssl].' >"$dir/enabled_plugins"
  # Competing subscriptions are queues declared out of band on RabbitMQ 3.x: the test queues
  # "test-work-<x>" are bound to amq.topic with key "test.work.<x>".
  local queues="" bindings="" sep=""
  for x in a b c d e f; do
    queues+="$sep{\"name\":\"test-work-$x\",\"vhost\":\"/\",\"durable\":true,\"auto_delete\":false,\"arguments\":{}}"
    bindings+="$sep{\"source\":\"amq.topic\",\"vhost\":\"/\",\"destination\":\"test-work-$x\",\"destination_type\":\"queue\",\"routing_key\":\"test.work.$x\",\"arguments\":{}}"
    sep=","
  done
  cat >"$dir/definitions.json" <<EOF
{
  "users": [
    {"name": "parley", "password_hash": "$(password_hash "$parley_pw")", "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ""},
    {"name": "guest", "password_hash": "$(password_hash "$guest_pw")", "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ""},
    {"name": "bus-client", "password_hash": "", "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ""}
  ],
  "vhosts": [{"name": "/"}],
  "permissions": [
    {"user": "parley", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"},
    {"user": "guest", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"},
    {"user": "bus-client", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}
  ],
  "queues": [$queues],
  "bindings": [$bindings],
  "policies": [
    {"vhost": "/", "name": "server-named-queues-expire", "pattern": "^amq\\\\.gen-", "apply-to": "queues",
     "definition": {"expires": 60000}, "priority": 0}
  ]
}
EOF
  # ANONYMOUS stays on (as guest) on purpose: a client that silently fell back to it would
  # connect, so the tests of the pinned mechanism would see it.
  cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$PORT
listeners.ssl.default = 127.0.0.1:$TLS_PORT
ssl_options.cacertfile = $dir/tls/ca.pem
ssl_options.certfile = $dir/tls/server.pem
ssl_options.keyfile = $dir/tls/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
auth_mechanisms.1 = PLAIN
auth_mechanisms.2 = EXTERNAL
auth_mechanisms.3 = AMQPLAIN
ssl_cert_login_from = common_name
loopback_users = none
log.console = true
log.console.level = info
log.file = false
vm_memory_high_watermark.absolute = 1GiB
disk_free_limit.absolute = 50MB
amqp1_0.default_user = guest
amqp1_0.default_vhost = /
load_definitions = $dir/definitions.json
EOF
  cat >"$dir/broker.env" <<EOF
PORT=$PORT
TLS_PORT=$TLS_PORT
DIST_PORT=$DIST_PORT
EPMD_PORT=$EPMD_PORT
USER=parley
PASSWORD_FILE=$dir/secrets/parley-password
SEAL_KEY_FILE=$dir/secrets/seal-key
CA_FILE=$dir/tls/ca.pem
OTHER_CA_FILE=$dir/tls/other-ca.pem
CLIENT_CERT_FILE=$dir/tls/client.pem
CLIENT_KEY_FILE=$dir/tls/client.key
EOF
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

launch() {
  # shellcheck disable=SC1091
  . "$dir/broker.env"
  local node="rabbit-test-$PORT@localhost"
  if ! alive "$(cat "$dir/epmd.pid" 2>/dev/null || true)"; then
    epmd -address 127.0.0.1 -port "$EPMD_PORT" >"$dir/log/epmd.log" 2>&1 &
    echo $! >"$dir/epmd.pid"
  fi
  : >"$dir/log/broker.log"
  (
    cd "$dir"
    export HOME=$dir/home RABBITMQ_CONF_ENV_FILE=$dir/rabbitmq-env.conf RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf
    export RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins RABBITMQ_MNESIA_BASE=$dir/mnesia RABBITMQ_LOG_BASE=$dir/log
    export RABBITMQ_NODENAME=$node RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$PORT
    export RABBITMQ_DIST_PORT=$DIST_PORT ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=$EPMD_PORT
    exec "$rmq/rabbitmq-server" >>"$dir/log/broker.log" 2>&1
  ) &
  echo $! >"$dir/broker.pid"
  local pid
  pid=$(cat "$dir/broker.pid")
  for _ in $(seq 1 600); do
    if grep -q "Server startup complete" "$dir/log/broker.log"; then
      echo "rabbitmq.sh: broker up on 127.0.0.1:$PORT (TLS $TLS_PORT), $dir/broker.env"
      return 0
    fi
    if ! alive "$pid" || grep -q "BOOT FAILED" "$dir/log/broker.log"; then break; fi
    sleep 0.1
  done
  echo "rabbitmq.sh: the broker did not start; the end of its log:" >&2
  tail -n 40 "$dir/log/broker.log" >&2
  stop_processes
  return 1
}

stop_processes() {
  local pid epmd
  pid=$(cat "$dir/broker.pid" 2>/dev/null || true)
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      pkill -KILL -P "$pid" 2>/dev/null || true
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  epmd=$(cat "$dir/epmd.pid" 2>/dev/null || true)
  if alive "$epmd"; then
    kill -TERM "$epmd" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$epmd" || break; sleep 0.1; done
    alive "$epmd" && kill -KILL "$epmd" 2>/dev/null || true
  fi
  rm -f "$dir/broker.pid" "$dir/epmd.pid"
}

case "$cmd" in
  start)
    if [ -f "$dir/broker.pid" ] && alive "$(cat "$dir/broker.pid")"; then stop_processes; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    chmod 700 "$dir"
    read -r PORT TLS_PORT DIST_PORT EPMD_PORT <<<"$(free_ports 4)"
    make_tls
    write_config
    launch
    ;;
  restart)
    launch
    ;;
  kill)
    pid=$(cat "$dir/broker.pid" 2>/dev/null || true)
    if alive "$pid"; then
      # The VM is the server script's child: kill it, a crash; the script then exits.
      vm=$(pgrep -P "$pid" 2>/dev/null || true)
      for p in $vm; do kill -KILL "$p" 2>/dev/null || true; done
      for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.05; done
      alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/broker.pid"
    ;;
  halt)
    pid=$(cat "$dir/broker.pid" 2>/dev/null || true)
    if alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 300); do alive "$pid" || break; sleep 0.1; done
      if alive "$pid"; then
        pkill -KILL -P "$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    rm -f "$dir/broker.pid"
    ;;
  stop)
    [ -d "$dir" ] || exit 0
    stop_processes
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop|kill|halt|restart DIR" >&2
    exit 2
    ;;
esac
