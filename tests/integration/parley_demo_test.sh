#!/usr/bin/env bash
# `parley demo --ready-file`: starts the binary on free ports, waits for the ready file, checks
# /healthz, /readyz and /metrics, the data directory's mode, one message answered through the
# in-process bot, then SIGTERM must end it with 0.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

"$bin" demo --data-dir "$dir/data" --ready-file "$dir/ready.json" --port-base 0 >"$dir/out.log" 2>&1 &
pid=$!
# Up to 60 s: the demo first starts its desk's identity provider (node), slow on a loaded machine.
for _ in $(seq 1 1200); do [ -s "$dir/ready.json" ] && break; sleep 0.05; done
[ -s "$dir/ready.json" ] || { echo "no ready file"; cat "$dir/out.log"; exit 1; }

url() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$dir/ready.json"; }
curl -fsS --max-time 5 -o "$dir/body" "$(url health)" && grep -q '"status":"ok"' "$dir/body"
curl -fsS --max-time 5 -o "$dir/body" "$(url ready)" && grep -q '"status":"ready"' "$dir/body"
curl -fsS --max-time 5 -o "$dir/body" "$(url metrics)" && grep -q '^# TYPE parley_http_requests_total counter' "$dir/body"
[ "$(stat -c %a "$dir/data")" = 700 ] || { echo "data dir mode $(stat -c %a "$dir/data")"; exit 1; }

# A message end to end: the handshake at the bot, the conversation at the channel, a question, the
# answer. The demo's bot is in-process (ADR 0007): no HTTP request reaches its /api/messages and
# it never fetches a Connector token.
bot=$(url bot)
dl=$(url directline)
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
token=$(curl -fsS --max-time 10 -X POST -H "Origin: $bot" -H 'Content-Type: application/json' -d '{}' "$bot/api/token" | field token)
conv=$(curl -fsS --max-time 10 -X POST -H "Authorization: Bearer $token" "$dl/conversations" | field conversationId)
[ -n "$conv" ] || { echo "no conversation"; cat "$dir/out.log"; exit 1; }
curl -fsS --max-time 20 -o /dev/null -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"type":"message","text":"what are your opening hours?","from":{"id":"x"}}' "$dl/conversations/$conv/activities"
curl -fsS --max-time 10 -o "$dir/body" -H "Authorization: Bearer $token" "$dl/conversations/$conv/activities"
grep -q 'Monday' "$dir/body" || { echo "no answer"; cat "$dir/body"; exit 1; }
curl -fsS --max-time 5 -o "$dir/metrics" "$(url metrics)"
if grep -q 'parley_http_requests_total{listener="bot",route="/api/messages"' "$dir/metrics" ||
   grep -q 'parley_http_requests_total{listener="channel",route="/v3/conversations/' "$dir/metrics" ||
   grep -q 'parley_http_requests_total{listener="channel",route="/{tenant}/oauth2' "$dir/metrics"; then
  echo "the demo's channel and bot talked over HTTP"; grep parley_http_requests_total "$dir/metrics"; exit 1
fi
grep -q 'parley_http_requests_total{listener="channel",route="/v3/directline/conversations/{id}/activities",method="POST",code="200"} 1' \
  "$dir/metrics" || { echo "the message was not counted"; grep parley_http_requests_total "$dir/metrics"; exit 1; }

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || { echo "exit code $rc"; cat "$dir/out.log"; exit 1; }
grep -q "shutdown complete" "$dir/out.log"
[ ! -e "$dir/ready.json" ]  # removed on a clean exit

# The demo's signing keys, named by its data directory like every other subcommand's root key.
(cd / && "$bin" keys list --data-dir "$dir/data") >"$dir/keys.txt" 2>/dev/null || { echo "keys list --data-dir"; exit 1; }
kids=$(grep -c '^[A-Za-z0-9_-]\{20,\} ' "$dir/keys.txt" || true)
[ "$kids" -ge 1 ] || { echo "no signing keys listed"; cat "$dir/keys.txt"; exit 1; }
(cd / && "$bin" keys rotate --data-dir "$dir/data") >/dev/null 2>"$dir/rotate.err" || { cat "$dir/rotate.err"; echo "keys rotate --data-dir"; exit 1; }
"$bin" keys list --data-dir "$dir/data" >"$dir/keys2.txt" 2>/dev/null
[ "$(grep -c '^[A-Za-z0-9_-]\{20,\} ' "$dir/keys2.txt")" -gt "$kids" ] || { echo "rotate added no key"; cat "$dir/keys2.txt"; exit 1; }
echo "parley demo: ok"
