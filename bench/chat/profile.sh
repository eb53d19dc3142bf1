#!/usr/bin/env bash
# Where the time of a round trip goes in Parley: runs parley_chat_server (pinned to CPU 0) under a
# closed-loop stream load (parley_loadgen on CPU 1) and samples it with `perf record` (cpu-clock,
# flat: the release build has no frame pointers). Writes the top symbols and the split by shared
# object to bench/results/raw/chat/profile.txt. Needs the targets run.sh builds (SKIP_BUILD as there).
# Environment: USERS (50), SECONDS_PROFILED (15), DELIVERY (inproc; http: the protocol path between
# the channel and the bot, ADR 0007), IO_THREADS (1).
set -euo pipefail
. "$(dirname "$0")/../lib/bench.sh"
users=${USERS:-50}
secs=${SECONDS_PROFILED:-15}
bench_build parley_chat_server parley_loadgen
raw=bench/results/raw/chat
mkdir -p "$raw"
log="$raw/profile-server.log"
taskset -c 0 "$build_dir"/bench/chat/parley_chat_server examples/echo/assistant.toml "${IO_THREADS:-1}" "${DELIVERY:-inproc}" \
  >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do grep -q '^channel ' "$log" && break; sleep 0.05; done
token_url="$(sed -n 's/^bot //p' "$log")/api/token"
directline="$(sed -n 's/^channel //p' "$log")/v3/directline"
# Enough messages to outlast the sampling window.
taskset -c 1 "$build_dir"/bench/loadgen/parley_loadgen --target parley --mode stream --token-url "$token_url" \
  --directline "$directline" --users "$users" --messages 100000 --think-ms 0 --ramp-ms 500 \
  --server-pid "$server" >"$raw/profile-loadgen.json" 2>/dev/null &
lg=$!
sleep 3
perf record -e cpu-clock -F 999 -p "$server" -o "$raw/perf.data" -- sleep "$secs" 2>/dev/null
kill "$lg" 2>/dev/null || true
{
  echo "# perf: parley_chat_server (${DELIVERY:-inproc}), $users users in a closed loop over the stream, ${secs} s"
  echo "## by shared object"
  # (awk, not head: head closing the pipe early fails the script under pipefail)
  perf report -i "$raw/perf.data" --stdio --no-children --sort dso 2>/dev/null |
    awk '!/^#/ && NF { sub(/[ -]+$/, ""); if (++n <= 15) print }'
  echo "## top symbols"
  perf report -i "$raw/perf.data" --stdio --no-children --sort dso,symbol 2>/dev/null |
    awk '!/^#/ && NF { sub(/[ -]+$/, ""); if (++n <= 60) print }' 
} >"$raw/profile.txt"
cat "$raw/profile.txt"
