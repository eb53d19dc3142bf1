#!/usr/bin/env bash
# Microsoft's clients against a real parley process (`parley serve` with a test configuration:
# port 0, temporary data directory with the encrypted SQLite store, ready file):
#   run.sh PARLEY WORK_DIR anonymous       a botbuilder 4.23 echo bot without app id (loopback, plain
#                                          HTTP), driven by directlinejs 0.15.5 over WebSocket and
#                                          polling; reconnect after the server closes the socket;
#                                          an expired token
#   run.sh PARLEY WORK_DIR authenticated   the same bot with an app id and password: the channel's
#                                          signed JWTs in, MSAL client credentials out, over TLS
#                                          with a test CA (NODE_EXTRA_CA_CERTS)
# Registered in CTest with the label "compat". Installs the Node project beside it if missing.
set -euo pipefail
parley=$1
work=$2
mode=$3
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/node_modules/botframework-directlinejs/package.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
# shellcheck source=../../lib/parley_test.sh
. "$here/../../lib/parley_test.sh"
test_dir work "$work"

# Secrets for this run only; the configuration gets their salted hashes.
secret=$(random_secret)
short_secret=$(random_secret)
password=$(random_secret)
secret_hash=$(printf '%s\n' "$secret" | "$parley" channel hash-secret)
short_hash=$(printf '%s\n' "$short_secret" | "$parley" channel hash-secret)
password_hash=$(printf '%s\n' "$password" | "$parley" channel hash-secret)
app_id=""
tls=""
bot_args=("$work/bot.port")
if [ "$mode" = authenticated ]; then
  app_id="compat-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  # A development CA and a loopback certificate, as docs/bring-your-own-bot.md makes them.
  "$parley" dev-tls --dir "$work/tls" >"$work/dev-tls.out" 2>"$work/dev-tls.log" || fail "dev-tls"
  export "$(grep '^NODE_EXTRA_CA_CERTS=' "$work/dev-tls.out")"
  tls=$(grep '^tls_' "$work/dev-tls.out")
  bot_args+=("$work/ready.json" "$app_id")
fi

BOT_APP_PASSWORD="$password" node "$here/bot.js" "${bot_args[@]}" >"$work/bot.log" 2>&1 &
test_pids+=("$!")
wait_for_file "$work/bot.port" "$!"
bot_port=$(cat "$work/bot.port")

"$parley" keys init --root-key-file "$work/root.key" >/dev/null
cat >"$work/parley.toml" <<TOML
[log]
level = "info"
[net]
threads = 2
[[net.listeners]]
name = "channel"
address = "127.0.0.1"
port = 0
$tls
$(store_toml)
[channel]
bot_timeout = "15s"
allow_short_token_lifetime = true
[[channel.bots]]
id = "compat-bot"
tenant = "compat"
name = "Compat Bot"
app_id = "$app_id"
secret_hashes = ["$secret_hash"]
app_password_hash = "$( [ -n "$app_id" ] && echo "$password_hash" )"
endpoint = "http://127.0.0.1:$bot_port/api/messages"
[[channel.bots]]
id = "short-lived"
tenant = "compat"
secret_hashes = ["$short_hash"]
endpoint = "http://127.0.0.1:$bot_port/api/messages"
token_lifetime = "3s"
# directlinejs cannot prove a key: this tenant allows bearer (unbound) tokens.
[[channel.tenants]]
id = "compat"
require_bound_tokens = false
TOML
"$parley" serve --config "$work/parley.toml" --ready-file "$work/ready.json" >"$work/parley.log" 2>&1 &
test_pids+=("$!")
wait_for_file "$work/ready.json" "$!"
channel=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$work/ready.json','utf8')).directline.replace(/\/v3\/directline\$/, ''))")
echo "channel at $channel, bot on port $bot_port ($mode)"

run() { CHANNEL_SECRET="$2" node "$here/directline.js" "$1" "$channel" || fail "scenario $1"; }
run websocket "$secret"
run polling "$secret"
run handoff "$secret"
if [ "$mode" = anonymous ]; then
  run reconnect "$secret"
  run expiry "$short_secret"
fi
if [ "$mode" = authenticated ]; then
  # The bot really checks the channel's JWTs (an unsigned call is refused) and got its own token
  # from the channel's token endpoint.
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data '{"type":"message","text":"x","channelId":"directline","serviceUrl":"http://127.0.0.1:9/","conversation":{"id":"c"},"from":{"id":"u"},"recipient":{"id":"b"}}' \
    "http://127.0.0.1:$bot_port/api/messages")
  [ "$code" = 401 ] || fail "the bot accepted an unauthenticated activity ($code)"
  grep -q "token endpoint: access token for bot compat-bot" "$work/parley.log" || fail "the bot never used the token endpoint"
fi
if grep -q "turn error\|process failed" "$work/bot.log"; then fail "the bot reported errors"; fi
echo "channel compat ($mode): passed"
