#!/usr/bin/env bash
# `parley serve --config` and `check-config` with [net]: a configured listener on a free port,
# SIGINT ends it with 0; plain HTTP off loopback is refused at start-up with a clear message.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

cat >"$dir/ok.toml" <<'TOML'
[log]
level = "info"
[net]
threads = 2
header_timeout = "5s"
[[net.listeners]]
name = "ops"
address = "127.0.0.1"
port = 0
TOML
"$bin" check-config "$dir/ok.toml"
"$bin" serve --config "$dir/ok.toml" --ready-file "$dir/ready.json" >"$dir/out.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do [ -s "$dir/ready.json" ] && break; sleep 0.05; done
[ -s "$dir/ready.json" ] || { echo "no ready file"; cat "$dir/out.log"; exit 1; }
health=$(sed -n 's/.*"health":"\([^"]*\)".*/\1/p' "$dir/ready.json")
curl -fsS --max-time 5 -o "$dir/body" "$health" && grep -q '"status":"ok"' "$dir/body"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || { echo "exit code $rc"; cat "$dir/out.log"; exit 1; }

cat >"$dir/bad.toml" <<'TOML'
[[net.listeners]]
name = "ops"
address = "0.0.0.0"
port = 0
TOML
rc=0
"$bin" check-config "$dir/bad.toml" >"$dir/check.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "check-config exit $rc"; exit 1; }
grep -q "plain HTTP is only allowed on loopback addresses" "$dir/check.log"
rc=0
"$bin" serve --config "$dir/bad.toml" >"$dir/bad.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "serve exit $rc"; exit 1; }
grep -q "plain HTTP is only allowed on loopback addresses" "$dir/bad.log"

printf '[[net.listeners]]\nname = "chanel"\nport = 0\n' >"$dir/unknown.toml"
rc=0
"$bin" check-config "$dir/unknown.toml" >"$dir/unknown.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "unknown service exit $rc"; exit 1; }
grep -q 'net.listeners\[0\].name: unknown service "chanel" (known: ops, ' "$dir/unknown.log"
# A channel bot with endpoint = "in-process" needs the [bot] of this process (ADR 0007): a clear
# start-up error, not a 502 on the first message.
"$bin" keys init --root-key-file "$dir/root.key" >/dev/null
hash=$(printf '%s\n' "an-in-process-channel-secret-0123456789" | "$bin" channel hash-secret)
cat >"$dir/inproc.toml" <<TOML
[[net.listeners]]
name = "channel"
address = "127.0.0.1"
port = 0
[crypto]
root_key_file = "root.key"
erasure_secrets_file = "erasure.secrets"
[store.sqlite]
path = "parley.db"
[jose]
key_file = "signing-keys.json"
[[channel.bots]]
id = "local-bot"
tenant = "t1"
secret_hashes = ["$hash"]
endpoint = "in-process"
TOML
# check-config runs serve's start-up checks (issue 20): both refuse it with exit 2 and the same line.
expected='channel.bots[0].endpoint: "in-process" needs a "bot" listener and a [bot] with id local-bot and tenant t1'
rc=0
"$bin" check-config "$dir/inproc.toml" >"$dir/inproc.check" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "in-process without a bot: check-config exit $rc"; cat "$dir/inproc.check"; exit 1; }
grep -qF "$expected" "$dir/inproc.check" || { cat "$dir/inproc.check"; exit 1; }
rc=0
"$bin" serve --config "$dir/inproc.toml" >"$dir/inproc.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "in-process without a bot: exit $rc"; cat "$dir/inproc.log"; exit 1; }
grep -qF "$expected" "$dir/inproc.log" || { cat "$dir/inproc.log"; exit 1; }

# Anonymous bots (no app_id) are trusted by position (issue 14): only when every listener involved
# is on loopback and not behind a TLS proxy (behind a same-host proxy every client is a loopback
# peer). check-config and serve refuse the rest with exit 2 and the key at fault.
expect_anonymous_refused() {  # NAME PATTERN: the config in $dir/NAME.toml
  local rc=0
  "$bin" check-config "$dir/$1.toml" >"$dir/$1.check" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || { echo "$1: check-config exit $rc"; cat "$dir/$1.check"; exit 1; }
  grep -q -- "$2" "$dir/$1.check" || { echo "$1: unclear message"; cat "$dir/$1.check"; exit 1; }
  rc=0
  "$bin" serve --config "$dir/$1.toml" >"$dir/$1.serve" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || { echo "$1: serve exit $rc"; cat "$dir/$1.serve"; exit 1; }
}
sed 's/^port = 0$/port = 0\nbehind_tls_proxy = true/' "$dir/inproc.toml" >"$dir/proxied-inproc.toml"
expect_anonymous_refused proxied-inproc 'channel.bots\[0\].app_id: an anonymous bot (no app_id) is trusted by position, but the "channel" listener is behind_tls_proxy'
sed 's|^endpoint = "in-process"$|endpoint = "http://127.0.0.1:9/api/messages"|' "$dir/proxied-inproc.toml" >"$dir/proxied-http.toml"
expect_anonymous_refused proxied-http 'channel.bots\[0\].app_id: an anonymous bot'
cat >"$dir/anonymous-bot.toml" <<TOML
[[net.listeners]]
name = "bot"
address = "127.0.0.1"
port = 0
behind_tls_proxy = true
[bot]
id = "b"
tenant = "t1"
assistant = "assistant.toml"
channel_url = "http://127.0.0.1:9"
channel_secret = { env = "PARLEY_TEST_UNUSED_SECRET" }
origins = ["http://127.0.0.1:9"]
TOML
PARLEY_TEST_UNUSED_SECRET=x expect_anonymous_refused anonymous-bot 'bot.app_id: an anonymous bot (no app_id) accepts unauthenticated activities, but the "bot" listener is behind_tls_proxy'
echo "parley serve: ok"
