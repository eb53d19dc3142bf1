#!/usr/bin/env bash
# Stops and starts a dependency of the cluster examples/cluster/start.sh started, in place (same
# port, same data), to watch what the nodes do meanwhile (docs/deploy-cluster.md, "What a failure
# does to users"):
#
#   examples/cluster/service.sh postgres stop|start [DIR]   pg_ctl stop -m fast / start again
#   examples/cluster/service.sh broker stop|start [DIR]     RabbitMQ halted (TERM) / started again
#
# Without DIR: the cluster start.sh started last. Only the cluster's own processes are signalled;
# DIR/pids follows PostgreSQL's new pid, so that stop.sh stops it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
what=${1:-}
action=${2:-}
dir=${3:-}
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ "$what" =~ ^(postgres|broker)$ && "$action" =~ ^(stop|start)$ ]] || usage
last="${TMPDIR:-/tmp}/parley-cluster.last"
if [ -z "$dir" ] && [ -f "$last" ]; then dir=$(cat "$last"); fi
[ -n "$dir" ] && [ -f "$dir/pids" ] || { echo "service.sh: no cluster directory (give DIR)" >&2; exit 2; }

case $what in
  postgres)
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    if [ "$action" = stop ]; then
      as_pg "$pg_bin/pg_ctl" -D "$dir/postgres/data" -m fast -w -t 30 stop >>"$dir/postgres-start.log" 2>&1
    else
      port=$(cat "$dir/postgres/port")
      as_pg "$pg_bin/pg_ctl" -D "$dir/postgres/data" -l "$dir/postgres/server.log" -w -t 60 \
        -o "-p $port -k $dir/postgres -c listen_addresses=127.0.0.1 -c max_connections=200" start \
        >>"$dir/postgres-start.log" 2>&1
      pid=$(head -1 "$dir/postgres/data/postmaster.pid")
      sed -i "s/^postgres .*/postgres $pid/" "$dir/pids"
    fi
    ;;
  broker)
    broker=$(awk '$1 == "rabbitmq" {print $2}' "$dir/pids")
    [ -n "$broker" ] || broker=$(cat "$dir/broker-dir" 2>/dev/null || true)
    [ -n "$broker" ] || { echo "service.sh: no broker recorded in $dir" >&2; exit 2; }
    if [ "$action" = stop ]; then op=halt; else op=restart; fi
    "$root/src/bus/amqp/testing/rabbitmq.sh" "$op" "$broker" >>"$dir/rabbitmq-start.log" 2>&1
    ;;
esac
echo "parley cluster: $what: $action done"
