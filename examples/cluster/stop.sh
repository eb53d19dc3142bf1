#!/usr/bin/env bash
# Stops what examples/cluster/start.sh started, in reverse order (HAProxy, the Parley nodes with
# SIGTERM so that their streams close with 1001, RabbitMQ, PostgreSQL), waits for every process to
# exit (SIGKILL after 30 s) and removes the directory and the ready file.
#
#   examples/cluster/stop.sh [DIR | --ready-file FILE]   (--keep: leave the directory for its logs)
#   Without DIR or --ready-file: the cluster start.sh started last (${TMPDIR:-/tmp}/parley-cluster.last).
#
# Only the processes recorded in DIR/pids are ever signalled.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=""
keep=""
while [ $# -gt 0 ]; do
  case $1 in
    --ready-file) dir=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["dir"])' "$2"); shift 2 ;;
    --keep) keep=1; shift ;;
    -*) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    *) dir=$1; shift ;;
  esac
done
last="${TMPDIR:-/tmp}/parley-cluster.last"
if [ -z "$dir" ] && [ -f "$last" ]; then dir=$(cat "$last"); fi
[ -n "$dir" ] || { echo "stop.sh: no cluster to stop (none started since the last stop; give DIR or --ready-file FILE)" >&2; exit 2; }
[ -f "$dir/pids" ] || { echo "stop.sh: $dir is not a cluster directory (no pids file)" >&2; exit 2; }

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
stop_pid() {  # stop_pid PID: TERM, then KILL after 30 s
  alive "$1" || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 300); do alive "$1" || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  for _ in $(seq 1 50); do alive "$1" || return 0; sleep 0.1; done
}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Reverse order of start; the Parley nodes all at once (each drains on its own).
mapfile -t lines < <(tac "$dir/pids")
node_pids=()
for line in "${lines[@]}"; do
  name=${line%% *}
  value=${line#* }
  case $name in
    haproxy) stop_pid "$value" ;;
    channel-* | bot-* | bank-*) alive "$value" && kill -TERM "$value" 2>/dev/null || true; node_pids+=("$value") ;;
  esac
done
for p in "${node_pids[@]}"; do stop_pid "$p"; done
for line in "${lines[@]}"; do
  name=${line%% *}
  value=${line#* }
  case $name in
    rabbitmq) [ -d "$value" ] && "$root/src/bus/amqp/testing/rabbitmq.sh" stop "$value" >/dev/null 2>&1 || true ;;
    postgres)
      if alive "$value" && [ -n "$pg_bin" ]; then
        as_pg "$pg_bin/pg_ctl" -D "$dir/postgres/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
      fi
      stop_pid "$value"
      ;;
  esac
done
ready=$(cat "$dir/ready-file-path" 2>/dev/null || true)
[ -n "$ready" ] && rm -f "$ready"
if [ -z "$keep" ]; then rm -rf "$dir"; fi
if [ -f "$last" ] && [ "$(cat "$last")" = "$dir" ]; then rm -f "$last"; fi
echo "parley cluster: stopped"
