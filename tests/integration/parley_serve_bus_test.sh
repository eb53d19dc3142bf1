#!/usr/bin/env bash
# `parley serve` with [bus] backend = "amqp" against the RabbitMQ test broker (the "rabbitmq"
# fixture, DIR in $PARLEY_TEST_BROKER): /readyz is 200 while the broker is reachable, 503 naming
# the bus while it is down, and 200 again by itself once it is back; bus metrics on /metrics;
# `check-config` reports every [bus] problem, and a wrong password never appears in any output.
set -euo pipefail
bin=$1
script=$2
broker=${PARLEY_TEST_BROKER:?the rabbitmq fixture sets PARLEY_TEST_BROKER}
dir=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  # Whatever happened, leave the shared broker running for the next test.
  kill -0 "$(cat "$broker/broker.pid" 2>/dev/null || echo 0)" 2>/dev/null || "$script" restart "$broker" >/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
# shellcheck disable=SC1091
. "$broker/broker.env"

cp "$PASSWORD_FILE" "$dir/bus-password"
cp "$SEAL_KEY_FILE" "$dir/seal.key"
chmod 600 "$dir/bus-password" "$dir/seal.key"
cat >"$dir/bus.toml" <<TOML
[[net.listeners]]
name = "ops"
address = "127.0.0.1"
port = 0
[bus]
backend = "amqp"
node_id = "serve-test"
[bus.amqp]
url = "amqp://127.0.0.1:$PORT"
user = "parley"
password = { file = "bus-password" }
seal_key = { file = "seal.key" }
reconnect_min = "100ms"
reconnect_max = "1s"
TOML
"$bin" check-config "$dir/bus.toml"

"$bin" serve --config "$dir/bus.toml" --ready-file "$dir/ready.json" >"$dir/out.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do [ -s "$dir/ready.json" ] && break; sleep 0.05; done
[ -s "$dir/ready.json" ] || { echo "no ready file"; cat "$dir/out.log"; exit 1; }
ready=$(sed -n 's/.*"ready":"\([^"]*\)".*/\1/p' "$dir/ready.json")
metrics=$(sed -n 's/.*"metrics":"\([^"]*\)".*/\1/p' "$dir/ready.json")
status() { curl -sS --max-time 5 -o "$dir/body" -w '%{http_code}' "$ready" || true; }
wait_status() {
  for _ in $(seq 1 600); do [ "$(status)" = "$1" ] && return 0; sleep 0.1; done
  echo "readyz never became $1: $(cat "$dir/body")"; cat "$dir/out.log"; return 1
}
wait_status 200
# Into a file, not a pipe: grep -q stops reading at its match and curl would fail writing (set -o pipefail).
curl -fsS --max-time 5 -o "$dir/metrics" "$metrics"
grep -q '^parley_bus_connected{backend="amqp"} 1' "$dir/metrics"

"$script" kill "$broker" >/dev/null
wait_status 503
grep -q 'not ready: bus: ' "$dir/body" || { cat "$dir/body"; exit 1; }
"$script" restart "$broker" >/dev/null
wait_status 200  # back by itself, no restart of Parley
curl -fsS --max-time 5 -o "$dir/metrics" "$metrics"
grep -q '^parley_bus_reconnects_total{backend="amqp"} [1-9]' "$dir/metrics"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || { echo "exit code $rc"; cat "$dir/out.log"; exit 1; }

# A wrong password: not ready, the reason named, the password nowhere.
printf 'wrong-bus-password-x9' >"$dir/bus-password"
"$bin" serve --config "$dir/bus.toml" --ready-file "$dir/ready.json" >"$dir/wrong.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do [ -s "$dir/ready.json" ] && break; sleep 0.05; done
ready=$(sed -n 's/.*"ready":"\([^"]*\)".*/\1/p' "$dir/ready.json")
for _ in $(seq 1 300); do grep -q unauthorized-access "$dir/body" 2>/dev/null && break; status >/dev/null; sleep 0.1; done
grep -q 'not ready: bus: connection: amqp:unauthorized-access' "$dir/body" || { cat "$dir/body"; exit 1; }
kill -TERM "$pid"
wait "$pid" || true
pid=
if grep -rq 'wrong-bus-password-x9' "$dir/wrong.log" "$dir/body"; then echo "the password leaked"; exit 1; fi

# check-config names each [bus] problem.
cat >"$dir/bad.toml" <<'TOML'
[bus]
backend = "amqp"
node_id = "not a node id"
[bus.amqp]
url = "amqp://broker.example:5672"
flavour = "kafka"
user = "parley"
password = "inline"
TOML
rc=0
"$bin" check-config "$dir/bad.toml" >"$dir/check.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "check-config exit $rc"; cat "$dir/check.log"; exit 1; }
for expected in 'bus.node_id' 'bus.amqp.flavour' 'bus.amqp.password' 'bus.amqp.url: plain amqp:// is allowed on loopback only' \
                'bus.amqp.seal_key: required'; do
  grep -q "$expected" "$dir/check.log" || { echo "missing: $expected"; cat "$dir/check.log"; exit 1; }
done
echo "parley serve with the AMQP bus: ok"
