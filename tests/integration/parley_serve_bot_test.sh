#!/usr/bin/env bash
# `parley serve` with the channel and the bot of one configuration file: [channel] with a
# [[channel.bots]] entry (salted hashes only), [bot] (the echo assistant, an app id, secrets by file
# reference), [store] and [crypto]. Checks the widget's handshake (POST /api/token), a message
# round trip through the channel's Direct Line API and the bot (signed channel JWTs in, client
# credentials out), that no secret or token reaches the log, SIGINT → 0; then clear start-up
# errors for a bad [bot] section (an unknown key, a missing secret file).
# Usage: parley_serve_bot_test.sh PATH_TO_PARLEY SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
# shellcheck source=../lib/parley_test.sh
. "$(dirname "$0")/../lib/parley_test.sh"
test_dir dir
umask 077
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

secret=$(random_secret)
password=$(random_secret)
secret_hash=$(printf '%s\n' "$secret" | "$bin" channel hash-secret)
password_hash=$(printf '%s\n' "$password" | "$bin" channel hash-secret)
printf '%s' "$secret" >"$dir/channel-secret"
printf '%s' "$password" >"$dir/app-password"
export PARLEY_TEST_APP_PASSWORD="$password"  # [bot] app_password = { env = ... }
# The channel calls the bot at a fixed URL: the bot's listener gets a port known in advance.
bot_port=$(free_port)
origin="http://127.0.0.1:9"

write_config() {  # write_config FILE [EXTRA [bot] LINES] [CHANNEL SECRET FILE]
  cat >"$1" <<TOML
[log]
level = "info"
[net]
threads = 2
[[net.listeners]]
name = "channel"
address = "127.0.0.1"
port = 0
[[net.listeners]]
name = "bot"
address = "127.0.0.1"
port = $bot_port
$(store_toml)
[channel]
bot_timeout = "15s"
[[channel.bots]]
id = "serve-bot"
tenant = "serve"
name = "Serve Bot"
app_id = "serve-app"
secret_hashes = ["$secret_hash"]
app_password_hash = "$password_hash"
endpoint = "http://127.0.0.1:$bot_port/api/messages"
[[channel.tenants]]
id = "serve"
require_bound_tokens = false
[bot]
id = "serve-bot"
tenant = "serve"
assistant = "$src/examples/echo/assistant.toml"
channel_secret = { file = "${3:-channel-secret}" }
origins = ["$origin"]
app_id = "serve-app"
app_password = { env = "PARLEY_TEST_APP_PASSWORD" }
${2:-}
TOML
}

write_config "$dir/parley.toml"
"$bin" keys init --config "$dir/parley.toml" >/dev/null 2>&1 || fail "keys init --config"
"$bin" check-config "$dir/parley.toml" >"$dir/check.log" 2>&1 || { cat "$dir/check.log"; fail "check-config"; }
"$bin" serve --config "$dir/parley.toml" --ready-file "$dir/ready.json" >"$dir/out.log" 2>&1 &
pid=$!
test_pids+=("$pid")
wait_for_file "$dir/ready.json" "$pid"
# A secret read from { env = ... } leaves the environment once read (issue 14): neither the
# variable nor its value is in /proc/PID/environ (what a child would inherit, what ps e shows).
if tr '\0' '\n' <"/proc/$pid/environ" | grep -qF -- "$password"; then fail "the app password is still in the environment"; fi
if tr '\0' '\n' <"/proc/$pid/environ" | grep -q '^PARLEY_TEST_APP_PASSWORD='; then fail "the variable is still set"; fi
bot=$(json '["bot"]' <"$dir/ready.json")
directline=$(json '["directline"]' <"$dir/ready.json")

# The widget's handshake at the bot: a Direct Line token for a new user.
curl -fsS --max-time 10 -X POST -H "Origin: $origin" -H 'Content-Type: application/json' --data '{}' \
  -o "$dir/token.json" "$bot/api/token" || fail "POST /api/token"
token=$(json '["token"]' <"$dir/token.json")
user=$(json '["userId"]' <"$dir/token.json")
[ -n "$token" ] && [ -n "$user" ] || fail "no token or userId"
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')
# A page from another origin gets no token.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST -H 'Origin: http://evil.example' \
  -H 'Content-Type: application/json' --data '{}' "$bot/api/token")
[ "$code" = 403 ] || fail "another origin got $code"

# The conversation at the channel, one message, and the bot's echo (polling).
curl -fsS --max-time 10 -X POST "${auth[@]}" --data '{}' -o "$dir/conv.json" "$directline/conversations" \
  || fail "POST conversations"
conv=$(json '["conversationId"]' <"$dir/conv.json")
text="hello from parley serve $RANDOM"
curl -fsS --max-time 20 -X POST "${auth[@]}" -o "$dir/sent.json" \
  --data "{\"type\":\"message\",\"from\":{\"id\":\"$user\"},\"text\":\"$text\"}" \
  "$directline/conversations/$conv/activities" || fail "POST activities"
id=$(json '["id"]' <"$dir/sent.json")
replied=
for _ in $(seq 1 100); do
  curl -fsS --max-time 10 "${auth[@]}" -o "$dir/activities.json" "$directline/conversations/$conv/activities"
  if python3 -c '
import json, sys
acts = json.load(open(sys.argv[1]))["activities"]
sys.exit(0 if any(a.get("replyToId") == sys.argv[2] and a.get("text") == sys.argv[3] and a["from"]["id"] == "serve-bot"
                  for a in acts) else 1)' "$dir/activities.json" "$id" "$text"; then
    replied=1
    break
  fi
  sleep 0.1
done
[ -n "$replied" ] || { cat "$dir/activities.json" >&2; fail "no echo from the bot"; }
# The authenticated path was taken: the bot fetched the channel's keys and its own access token.
grep -q "token endpoint: access token for bot serve-bot" "$dir/out.log" || fail "the bot never used the token endpoint"

kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "exit code $rc"
for s in "$secret" "$password" "$token" "$text"; do
  if grep -qF -- "$s" "$dir/out.log"; then fail "a secret, token or message text is in the log"; fi
done

# The channel's signing keys, wrapped by the root key that the same file's [crypto] names (from
# another working directory: nothing is looked up beside it).
(cd / && "$bin" keys rotate --config "$dir/parley.toml") >"$dir/rotate.out" 2>&1 || { cat "$dir/rotate.out" >&2; fail "keys rotate --config"; }
(cd / && "$bin" keys list --config "$dir/parley.toml") >"$dir/list.out" 2>&1 || fail "keys list --config"

# A bad [bot] section stops check-config and serve with exit 2 and the key at fault.
write_config "$dir/unknown_key.toml" 'colour = "blue"'
expect_refused "$bin" "$dir/unknown_key.toml" "bot.colour: unknown key" serve
write_config "$dir/missing_secret.toml" "" no-such-secret
expect_refused "$bin" "$dir/missing_secret.toml" "bot.channel_secret: cannot use secret file $dir/no-such-secret" serve
echo "parley serve with [bot]: ok"
