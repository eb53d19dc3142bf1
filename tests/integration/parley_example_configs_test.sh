#!/usr/bin/env bash
# The shipped production configurations (examples/config) pass `parley check-config` once their
# paths point into a scratch directory and make-test-ca.sh / make-secrets.sh made their files, and
# single-node-tls.toml (ports set to 0) serves: the channel over TLS with the test CA's certificate.
# Usage: parley_example_configs_test.sh PARLEY SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
t=$(mktemp -d)
# The erasure secrets outside the tree of the database (check-config warns otherwise; /dev/shm and
# /tmp share only "/", as /srv and /var/lib do in the examples).
er=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d -p "$PWD")
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true; rm -rf "$t" "$er"; }
trap cleanup EXIT
fail() { echo "FAILED: $*" >&2; [ -f "$t/serve.log" ] && tail -n 30 "$t/serve.log" >&2; exit 1; }
mkdir -p "$t/etc" "$t/var" "$t/shared"
chmod 700 "$t/var" "$er"
"$src/examples/config/make-test-ca.sh" "$t/etc/tls" localhost 127.0.0.1 >/dev/null
openssl verify -CAfile "$t/etc/tls/ca.pem" "$t/etc/tls/server.pem" >/dev/null || fail "make-test-ca: the chain does not verify"
cp "$t/etc/tls/ca.pem" "$t/etc/tls/db-ca.pem"
cp "$src/examples/echo/assistant.toml" "$t/etc/assistant.toml"
for name in single-node-tls behind-proxy postgres; do
  sed -e "s|/etc/parley/|$t/etc/|g" -e "s|/srv/parley-erasure/|$er/|g" -e "s|/var/lib/parley/|$t/var/|g" \
      -e "s|/srv/parley-shared/|$t/shared/|g" "$src/examples/config/$name.toml" >"$t/$name.toml"
  # Every path of the example is under the standard directories (nothing left pointing elsewhere).
  if grep -nE '"/(etc|var|srv)/' "$t/$name.toml"; then fail "$name: a path outside the scratch directory"; fi
  PARLEY=$bin "$src/examples/config/make-secrets.sh" "$t/$name.toml" "$t/etc/secrets" >/dev/null
  grep -q CHANGE-ME "$t/$name.toml" && fail "$name: make-secrets left a placeholder"
done
head -c 24 /dev/urandom | base64 >"$t/etc/secrets/db-password"
chmod 600 "$t/etc/secrets/db-password"
for name in single-node-tls behind-proxy postgres; do
  "$bin" check-config "$t/$name.toml" >"$t/$name.check" 2>&1 || { cat "$t/$name.check" >&2; fail "check-config $name"; }
  grep -q ": ok$" "$t/$name.check" || fail "check-config $name said no ok"
  grep -q "warning" "$t/$name.check" && { cat "$t/$name.check" >&2; fail "check-config $name warned"; }
done

# [log] format: an unknown name is refused with the names allowed.
sed 's/^level = "info" .*/level = "info"\nformat = "xml"/' "$t/single-node-tls.toml" >"$t/badformat.toml"
rc=0
"$bin" check-config "$t/badformat.toml" >"$t/badformat.check" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && grep -qF 'log.format: must be "auto", "text", "journal" or "json"' "$t/badformat.check" \
  || { cat "$t/badformat.check" >&2; fail "format = \"xml\" was not refused (exit $rc)"; }

# single-node-tls.toml serves, on random ports, logging JSON lines.
sed -i -e 's/^port = [0-9]*/port = 0/' -e 's/^level = "info" .*/level = "info"\nformat = "json"/' "$t/single-node-tls.toml"
"$bin" serve --config "$t/single-node-tls.toml" --ready-file "$t/ready.json" >"$t/serve.log" 2>"$t/serve.err" &
pid=$!
for _ in $(seq 1 300); do [ -s "$t/ready.json" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
[ -s "$t/ready.json" ] || fail "no ready file"
directline=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["directline"])' "$t/ready.json")
case $directline in https://*) ;; *) fail "the channel is not on TLS: $directline" ;; esac
port=$(echo "$directline" | sed -n 's|https://[^:]*:\([0-9]*\)/.*|\1|p')
# The test CA's certificate verifies for localhost (curl checks the chain and the name).
code=$(curl -sS --max-time 10 --cacert "$t/etc/tls/ca.pem" -o /dev/null -w '%{http_code}' \
  -X POST "https://localhost:$port/v3/directline/tokens/generate") || fail "TLS to the channel"
[ "$code" = 401 ] || [ "$code" = 403 ] || fail "an unauthenticated token request got $code"
# docs/metrics.md documents every metric /metrics shows (after a request, so the route metrics exist).
metrics=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics"])' "$t/ready.json")
curl -fsS --max-time 10 "$metrics" >"$t/metrics.txt" || fail "GET /metrics"
undocumented=
for family in $(sed -n 's/^# TYPE \([a-z_0-9]*\) .*/\1/p' "$t/metrics.txt"); do
  grep -qF "\`$family\`" "$src/docs/metrics.md" || undocumented="$undocumented $family"
done
[ -z "$undocumented" ] || fail "metrics missing from docs/metrics.md:$undocumented"
[ "$(grep -c '^# TYPE ' "$t/metrics.txt")" -ge 10 ] || fail "too few metrics to be a check"
# The channel's certificate (make-test-ca: 30 days) shows its notAfter, within a day of the file's.
not_after=$(date -d "$(openssl x509 -enddate -noout -in "$t/etc/tls/server.pem" | cut -d= -f2)" +%s)
python3 - "$t/metrics.txt" "$not_after" <<'PY' || fail "no certificate expiry for the channel"
import re, sys
text, expected = open(sys.argv[1]).read(), int(sys.argv[2])
m = re.search(r'^parley_tls_certificate_expiry_timestamp_seconds\{listener="channel"\} (\S+)$', text, re.M)
assert m and abs(float(m.group(1)) - expected) < 86400, (m and m.group(0), expected)
PY
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || fail "serve exit code $rc"
# Every line on stderr after start-up is one JSON object with the four fields and the ids it has
# (the first line, the process hardening, is written before the configuration is read).
python3 - "$t/serve.err" <<'PY' || { cat "$t/serve.err" >&2; fail "the log is not JSON lines"; }
import json, sys
lines = open(sys.argv[1]).read().splitlines()[1:]
assert len(lines) >= 3, lines
ids = {"conversation", "tenant", "request_id", "trace_id"}  # log_fields.hpp, when a line has them
for line in lines:
    o = json.loads(line)
    assert {"ts", "level", "component", "msg"} <= set(o) <= {"ts", "level", "component", "msg"} | ids, o
    assert o["ts"].endswith("Z") and o["level"] in ("debug", "info", "warning", "error", "critical"), o
assert {"app", "net"} <= {json.loads(line)["component"] for line in lines}, lines
# The refused token request's line carries its request id and W3C trace id as fields.
access = [json.loads(l) for l in lines if "/v3/directline/tokens/generate" in l]
assert access and all(len(o.get("request_id", "")) == 16 and len(o.get("trace_id", "")) == 32 for o in access), access
PY
echo "example configurations: ok"
