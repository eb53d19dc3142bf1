#!/usr/bin/env bash
# `parley serve --config` and `check-config` with [net]: a configured listener on a free port,
# SIGINT ends it with 0; plain HTTP off loopback is refused at start-up with a clear message.
set -euo pipefail
bin=$1
# shellcheck source=../lib/parley_test.sh
. "$(dirname "$0")/../lib/parley_test.sh"
test_dir dir

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
test_pids+=("$pid")
wait_for_file "$dir/ready.json" "$pid"
health=$(sed -n 's/.*"health":"\([^"]*\)".*/\1/p' "$dir/ready.json")
curl -fsS --max-time 5 -o "$dir/body" "$health" && grep -q '"status":"ok"' "$dir/body"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || { echo "exit code $rc"; cat "$dir/out.log"; exit 1; }

cat >"$dir/bad.toml" <<'TOML'
[[net.listeners]]
name = "ops"
address = "0.0.0.0"
port = 0
TOML
expect_refused "$bin" "$dir/bad.toml" "plain HTTP is only allowed on loopback addresses" serve

printf '[[net.listeners]]\nname = "chanel"\nport = 0\n' >"$dir/unknown.toml"
expect_refused "$bin" "$dir/unknown.toml" 'net.listeners[0].name: unknown service "chanel" (known: ops, '
# A channel bot with endpoint = "in-process" needs the [bot] of this process (ADR 0007): a clear
# start-up error, not a 502 on the first message.
"$bin" keys init --root-key-file "$dir/root.key" >/dev/null
hash=$(printf '%s\n' "an-in-process-channel-secret-0123456789" | "$bin" channel hash-secret)
cat >"$dir/inproc.toml" <<TOML
[[net.listeners]]
name = "channel"
address = "127.0.0.1"
port = 0
$(store_toml)
[[channel.bots]]
id = "local-bot"
tenant = "t1"
secret_hashes = ["$hash"]
endpoint = "in-process"
TOML
# check-config runs serve's start-up checks (issue 20): both refuse it with exit 2 and the same line.
expected='channel.bots[0].endpoint: "in-process" needs a "bot" listener and a [bot] with id local-bot and tenant t1'
expect_refused "$bin" "$dir/inproc.toml" "$expected" serve

# Anonymous bots (no app_id) are trusted by position (issue 14): only when every listener involved
# is on loopback and not behind a TLS proxy (behind a same-host proxy every client is a loopback
# peer). check-config and serve refuse the rest with exit 2 and the key at fault.
sed 's/^port = 0$/port = 0\nbehind_tls_proxy = true/' "$dir/inproc.toml" >"$dir/proxied-inproc.toml"
expect_refused "$bin" "$dir/proxied-inproc.toml" 'channel.bots[0].app_id: an anonymous bot (no app_id) is trusted by position, but the "channel" listener is behind_tls_proxy' serve
sed 's|^endpoint = "in-process"$|endpoint = "http://127.0.0.1:9/api/messages"|' "$dir/proxied-inproc.toml" >"$dir/proxied-http.toml"
expect_refused "$bin" "$dir/proxied-http.toml" 'channel.bots[0].app_id: an anonymous bot' serve
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
PARLEY_TEST_UNUSED_SECRET=x expect_refused "$bin" "$dir/anonymous-bot.toml" 'bot.app_id: an anonymous bot (no app_id) accepts unauthenticated activities, but the "bot" listener is behind_tls_proxy' serve
echo "parley serve: ok"
