#!/usr/bin/env bash
# `parley demo` runs the service desk with its tenants' identity provider (examples/test-idp) as a
# child process: the ready file names the desk and its demo accounts, the desk serves its app and
# sends a sign-in to the tenant's IdP, and the IdP dies with the demo, on SIGTERM and on SIGKILL.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
pid=
idp=
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  [ -n "$idp" ] && kill -KILL "$idp" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

start() {
  rm -f "$dir/ready.json"
  "$bin" demo --data-dir "$dir/data" --ready-file "$dir/ready.json" --port-base 0 >"$dir/out.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do [ -s "$dir/ready.json" ] && break; sleep 0.05; done
  [ -s "$dir/ready.json" ] || { echo "no ready file"; cat "$dir/out.log"; exit 1; }
  idp=$(ps --ppid "$pid" -o pid=,comm= | awk '$2 == "node" { print $1 }')
  [ -n "$idp" ] || { echo "no identity provider process under the demo"; ps --ppid "$pid" -o pid=,comm=; exit 1; }
}
gone() {  # waits up to 10 s for process $1 to disappear
  for _ in $(seq 1 200); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
  return 1
}

start
desk=$(sed -n 's/.*"desk":"\([^"]*\)".*/\1/p' "$dir/ready.json")
[ -n "$desk" ] || { echo "no desk in the ready file"; cat "$dir/ready.json"; exit 1; }
accounts=$(grep -o '"username":"[a-z]*"' "$dir/ready.json" | wc -l)
[ "$accounts" -eq 6 ] || { echo "expected 6 desk accounts, got $accounts"; cat "$dir/ready.json"; exit 1; }
grep -q '{"tenant":"harbour","role":"supervisor","username":"hanna","password":"[A-Za-z0-9_-]\{12\}"}' "$dir/ready.json" ||
  { echo "desk_accounts entries"; cat "$dir/ready.json"; exit 1; }
curl -fsS --max-time 5 -D "$dir/headers" -o "$dir/body" "$desk"
grep -qi "^content-security-policy: default-src 'none'; script-src 'self'; style-src 'self'" "$dir/headers"
grep -q 'src="/desk/app/desk.js"' "$dir/body"
curl -fsS --max-time 5 "${desk%/desk/}/desk/tenants" | grep -q '{"id":"harbour","name":"Harbour Bank"}'
# A sign-in goes to BankX's own IdP, which is really there.
location=$(curl -sS --max-time 10 -o /dev/null -w '%{redirect_url}' "${desk%/desk/}/desk/login/bankx")
issuer=$(echo "$location" | sed -n 's#^\(http://127.0.0.1:[0-9]*\)/auth?.*#\1#p')
[ -n "$issuer" ] || { echo "the sign-in does not go to a loopback IdP: $location"; exit 1; }
curl -fsS --max-time 5 "$issuer/.well-known/openid-configuration" | grep -q "\"issuer\":\"$issuer\""

# SIGTERM: the demo stops its IdP.
kill -TERM "$pid"
wait "$pid" || { echo "demo exit code $?"; cat "$dir/out.log"; exit 1; }
pid=
gone "$idp" || { echo "the IdP outlived the demo (SIGTERM)"; exit 1; }
idp=

# SIGKILL: the IdP dies with it anyway (PR_SET_PDEATHSIG).
start
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
pid=
gone "$idp" || { echo "the IdP outlived the demo (SIGKILL)"; exit 1; }
idp=
echo "parley demo desk: ok"
