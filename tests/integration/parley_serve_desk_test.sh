#!/usr/bin/env bash
# `parley serve` with a "desk" listener, [desk] and [[desk.tenants]] (client secret by file
# reference), [store] and [crypto]: the app, the sign-in choices, a sign-in whose IdP cannot be
# reached (the desk says so, nothing else happens), the API refusing calls without a session or
# without the CSRF header, a callback without `state` (refused, and recorded in the tenant's audit
# log: `parley audit verify|export` find it in the same store, covered by the checkpoint of the
# graceful stop); then check-config's refusals (no tenant for a desk listener, Entra's
# multi-tenant authority, an inline secret).
# Usage: parley_serve_desk_test.sh PATH_TO_PARLEY SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
# shellcheck source=../lib/parley_test.sh
. "$(dirname "$0")/../lib/parley_test.sh"
test_dir dir
umask 077
random_secret >"$dir/bankx-desk-secret"
mkdir -p "$dir/app"
printf '<!doctype html><title>desk</title><script src="/desk/app/desk.js" defer></script>\n' >"$dir/app/index.html"

bankx_tenant='[[desk.tenants]]
id = "bankx"
name = "BankX"
issuer = "http://127.0.0.1:9/bankx"
client_id = "parley-desk"
client_secret = { file = "bankx-desk-secret" }
consultant = ["Desk.Consultant"]'

write_config() {  # write_config FILE [TENANT LINES]
  local tenants=${2-$bankx_tenant}
  cat >"$1" <<TOML
[net]
threads = 2
[[net.listeners]]
name = "desk"
address = "127.0.0.1"
port = 0
[crypto]
root_key_file = "root.key"
erasure_secrets_file = "erasure.secrets"
[store]
backend = "sqlite"
[store.sqlite]
path = "parley.db"
[desk]
app_dir = "app"
$tenants
TOML
}

write_config "$dir/parley.toml"
"$bin" keys init --config "$dir/parley.toml" >/dev/null 2>&1 || fail "keys init --config"
"$bin" check-config "$dir/parley.toml" >"$dir/check.log" 2>&1 || { cat "$dir/check.log"; fail "check-config"; }
"$bin" serve --config "$dir/parley.toml" --ready-file "$dir/ready.json" >"$dir/out.log" 2>&1 &
pid=$!
test_pids+=("$pid")
wait_for_file "$dir/ready.json" "$pid"
desk=$(sed -n 's/.*"desk":"\([^"]*\)".*/\1/p' "$dir/ready.json")
base=${desk%/desk/}
curl -fsS --max-time 5 "$desk" | grep -q 'src="/desk/app/desk.js"' || fail "the desk app page"
curl -fsS --max-time 5 "$base/desk/tenants" | grep -q '{"id":"bankx","name":"BankX"}' || fail "/desk/tenants"
location=$(curl -sS --max-time 20 -o /dev/null -w '%{redirect_url}' "$base/desk/login/bankx")
[ "$location" = "$base/desk/?error=idp_unavailable" ] || fail "sign-in with an unreachable IdP went to $location"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -H 'X-Parley-Desk: 1' "$base/desk/api/me")
[ "$code" = 401 ] || fail "/desk/api/me without a session: $code"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$base/desk/api/me")
[ "$code" = 403 ] || fail "/desk/api/me without the CSRF header: $code"
location=$(curl -sS --max-time 5 -o /dev/null -w '%{redirect_url}' "$base/desk/callback/bankx?code=an-authorization-code")
[ "$location" = "$base/desk/?error=sign_in_failed" ] || fail "a callback without state went to $location"
if grep -q "$(cat "$dir/bankx-desk-secret")" "$dir/out.log"; then fail "the client secret reached the log"; fi
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "exit code $rc"

# The desk wrote to the real audit log (audit::log in the same store), not to a stand-in.
"$bin" audit verify --tenant bankx --config "$dir/parley.toml" >"$dir/verify.log" 2>&1 ||
  { cat "$dir/verify.log"; fail "audit verify"; }
grep -q "OK: the audit log of tenant bankx verified" "$dir/verify.log" || { cat "$dir/verify.log"; fail "audit verify output"; }
grep -q "the newest covers #1 " "$dir/verify.log" || { cat "$dir/verify.log"; fail "entry #1 is not checkpointed"; }
"$bin" audit export --tenant bankx --config "$dir/parley.toml" --output "$dir/audit.jsonl" >"$dir/export.log" 2>&1 ||
  { cat "$dir/export.log"; fail "audit export"; }
head -n 1 "$dir/audit.jsonl" | grep -q '"seq":1,.*"event":"desk.sign_in_failed","actor":"anonymous".*"details":{"reason":"missing_state"}' ||
  { cat "$dir/audit.jsonl"; fail "the refused callback is not entry #1 of the audit log"; }
grep -q '"event":"audit.export"' "$dir/audit.jsonl" || { cat "$dir/audit.jsonl"; fail "the export is not audited"; }
if grep -q "an-authorization-code" "$dir/audit.jsonl"; then fail "the authorization code reached the audit log"; fi

expect_error() {  # expect_error NAME TENANT-LINES MESSAGE
  write_config "$dir/$1.toml" "$2"
  expect_refused "$bin" "$dir/$1.toml" "$3"
}
expect_error none "" "a desk listener needs at least one [[desk.tenants]] entry"
expect_error common '[[desk.tenants]]
id = "bankx"
issuer = "https://login.microsoftonline.com/common/v2.0"
client_id = "c"
client_secret = { file = "bankx-desk-secret" }
consultant = ["x"]' "must be a tenant-specific authority"
expect_error inline '[[desk.tenants]]
id = "bankx"
issuer = "https://idp.example"
client_id = "c"
client_secret = "inline-secret"
consultant = ["x"]' "desk.tenants[0].client_secret"
echo "parley serve desk: ok"
