# Sourced by the cluster tests after tests/lib/parley_test.sh (bash, set -euo pipefail):
#   start_cluster BIN START_SH_ARGS...  examples/cluster/start.sh on random loopback ports, with the
#       tests' RabbitMQ ($PARLEY_TEST_BROKER) when there is one; sets dir (the private test
#       directory), cluster (the cluster's directory), ready (its ready file) and CHANNEL_SECRET
#       (exported); stops the cluster on exit whatever happens
#   field PY_INDEX      a value of the ready file, e.g. field '["nodes"][0]["url"]'
#   stop_cluster [DIR]  stop.sh (bare: the cluster start.sh started last), then no process the
#       cluster started may be left, nor its directory or ready file; a secret in a log fails first
# shellcheck shell=bash

start_cluster() {
  local bin=$1 broker_args=()
  shift
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  [ -f "$here/node_modules/ws/package.json" ] || (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  test_dir dir
  # A TMPDIR of the test's own, so that start.sh's record of the last cluster (which a bare stop.sh
  # reads) is not another cluster's on the same machine; open like /tmp (1777), not under the
  # private test directory: PostgreSQL runs as its own user when the tests run as root.
  TMPDIR=$(mktemp -d)
  export TMPDIR
  chmod 1777 "$TMPDIR"
  cluster=$(mktemp -d -u "$TMPDIR/parley-cluster-test.XXXXXX")
  ready="$dir/ready.json"
  # Stopped even when a check fails (stop.sh stops only what start.sh recorded).
  test_on_exit '[ -f "$cluster/pids" ] && "$root/examples/cluster/stop.sh" "$cluster" >/dev/null 2>&1'
  test_on_exit "rm -rf '$TMPDIR'"  # after the stop: the cluster's directory is inside
  [ -n "${PARLEY_TEST_BROKER:-}" ] && broker_args=(--broker "$PARLEY_TEST_BROKER")
  "$root/examples/cluster/start.sh" --parley "$bin" --dir "$cluster" --ready-file "$ready" "$@" "${broker_args[@]}" \
    >"$dir/start.out" 2>&1 || { cat "$dir/start.out" >&2; fail "start.sh"; }
  CHANNEL_SECRET=$(cat "$cluster/secrets/channel-secret")
  export CHANNEL_SECRET
}

field() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print(eval('d' + sys.argv[2]))" "$ready" "$1"; }

stop_cluster() {
  local pids p
  pids=$(awk '$1 != "rabbitmq" {print $2}' "$cluster/pids")
  if [ -d "$cluster/rabbitmq" ]; then pids="$pids $(cat "$cluster/rabbitmq/broker.pid" "$cluster/rabbitmq/epmd.pid" | tr '\n' ' ')"; fi
  if grep -qF -- "$CHANNEL_SECRET" "$cluster"/*.log; then fail "the channel secret is in a log"; fi
  "$root/examples/cluster/stop.sh" "$@" >"$dir/stop.out" 2>&1 || { cat "$dir/stop.out" >&2; fail "stop.sh"; }
  for p in $pids; do
    if kill -0 "$p" 2>/dev/null; then fail "process $p ($(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null)) still runs after stop.sh"; fi
  done
  [ ! -e "$cluster" ] || fail "stop.sh left $cluster"
  [ ! -e "$ready" ] || fail "stop.sh left the ready file"
}
