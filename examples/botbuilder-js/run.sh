#!/usr/bin/env bash
# The bring-your-own-bot guide, run for real (docs/bring-your-own-bot.md): `parley dev-tls`, a
# configuration with the bot registered (password hashed), `parley check-config`, `parley channel
# bot-settings` into the bot's .env, the bot (bot.js: botbuilder 4.23 CloudAdapter, app id and
# password, the printed MSAL snippet), `parley serve`, then check-settings.js and a directlinejs
# client (client.js): welcome, reply, card, proactive message, forged tokens refused by the bot.
#   run.sh PARLEY WORK_DIR
# Uses the npm packages of tests/compat/channel (installed there if missing): no second install.
set -euo pipefail
parley=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
modules="$here/../../tests/compat/channel"
if [ ! -f "$modules/node_modules/botbuilder/package.json" ]; then
  (cd "$modules" && npm ci --no-audit --no-fund --loglevel=error)
fi
export NODE_PATH="$modules/node_modules"
rm -rf "$work"
mkdir -p "$work"
chmod 700 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
fail() {
  echo "FAILED: $*" >&2
  for f in "$work"/*.log; do echo "--- $f" >&2; tail -n 40 "$f" >&2; done
  exit 1
}
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# 1. TLS for development: a local CA and a loopback certificate.
"$parley" dev-tls --dir "$work/tls" >"$work/dev-tls.out" 2>"$work/dev-tls.log"
grep -q "^NODE_EXTRA_CA_CERTS=$work/tls/ca.pem$" "$work/dev-tls.out" || fail "dev-tls printed no NODE_EXTRA_CA_CERTS line"
export "$(grep '^NODE_EXTRA_CA_CERTS=' "$work/dev-tls.out")"

# 2. Register the bot: app id, app password and Direct Line secret; the configuration gets hashes.
app_id=$(node -e "console.log(require('crypto').randomUUID())")
password=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
secret=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
password_hash=$(printf '%s\n' "$password" | "$parley" channel hash-secret)
secret_hash=$(printf '%s\n' "$secret" | "$parley" channel hash-secret)
"$parley" keys init --root-key-file "$work/root.key" >/dev/null
channel_port=$(free_port)
bot_port=$(free_port)
cat >"$work/parley.toml" <<TOML
[[net.listeners]]
name = "channel"
address = "127.0.0.1"
port = $channel_port
$(grep '^tls_' "$work/dev-tls.out")
[crypto]
root_key_file = "root.key"
erasure_secrets_file = "erasure.secrets"
[store.sqlite]
path = "parley.db"
[[channel.bots]]
id = "example-bot"
tenant = "bank"
name = "Bank Bot"
app_id = "$app_id"
app_password_hash = "$password_hash"
secret_hashes = ["$secret_hash"]
endpoint = "http://127.0.0.1:$bot_port/api/messages"
[[channel.tenants]]
id = "bank"
require_bound_tokens = false   # directlinejs (Web Chat) cannot prove a key
TOML
"$parley" check-config "$work/parley.toml" >"$work/check-config.log" 2>&1 || fail "check-config"

# 3. The bot's settings, printed by Parley; the password goes where the placeholder says.
"$parley" channel bot-settings --config "$work/parley.toml" --bot example-bot >"$work/bot-settings.txt" ||
  fail "bot-settings"
"$parley" channel bot-settings --config "$work/parley.toml" --bot example-bot --format env |
  sed "s|^MicrosoftAppPassword=.*|MicrosoftAppPassword=$password|" >"$work/.env"
chmod 600 "$work/.env"
grep -qx "ToBotFromChannelTokenIssuer=https://127.0.0.1:$channel_port" "$work/.env" || fail "issuer: $(cat "$work/.env")"
# bot.js uses the printed MSAL snippet line for line.
while IFS= read -r line; do
  grep -qxF -- "$line" "$here/bot.js" || fail "bot.js lacks the bot-settings line: $line"
done < <("$parley" channel bot-settings --config "$work/parley.toml" --bot example-bot --format msal)
echo "ok: bot-settings (.env, MSAL snippet in bot.js)"

# 4. The bot and the channel.
node --env-file="$work/.env" "$here/bot.js" "$bot_port" >"$work/bot.log" 2>&1 &
pids+=($!)
"$parley" serve --config "$work/parley.toml" --ready-file "$work/ready.json" >"$work/parley.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do [ -s "$work/ready.json" ] && grep -q "listening" "$work/bot.log" && break; sleep 0.1; done
[ -s "$work/ready.json" ] || fail "parley did not become ready"
grep -q "listening" "$work/bot.log" || fail "the bot did not start"
channel=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$work/ready.json','utf8')).directline.replace(/\/v3\/directline\$/, ''))")
[ "$channel" = "https://127.0.0.1:$channel_port" ] || fail "the channel is at $channel"

# 5. The printed settings against the running channel, then a user.
node --env-file="$work/.env" "$here/check-settings.js" || fail "check-settings"
CHANNEL_SECRET="$secret" MicrosoftAppId="$app_id" node "$here/client.js" "$channel" "http://127.0.0.1:$bot_port" ||
  fail "client"
grep -q "token endpoint: access token for bot example-bot" "$work/parley.log" || fail "the bot never got a token"
if grep -q "turn error\|proactive message failed" "$work/bot.log"; then fail "the bot reported errors"; fi
echo "botbuilder-js example: passed"
