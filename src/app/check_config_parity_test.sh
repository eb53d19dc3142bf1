#!/usr/bin/env bash
# `parley check-config FILE` and `parley serve --config FILE` agree (issue 20): the same broken
# files get the same verdict (exit 2) and the same problem lines from both, and a good file is ok
# for check-config and starts serve. Relative paths are taken from the configuration file's
# directory whatever the working directory. Usage: check_config_parity_test.sh PATH_TO_PARLEY
set -euo pipefail
parley=$1
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

"$parley" keys init --root-key-file "$dir/root.key" >/dev/null 2>&1
hash=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | "$parley" channel hash-secret)

# write NAME [EXTRA_TOML] [SECTION_OVERRIDES...]: a good configuration, then sed edits.
write() {
  local name=$1
  shift
  cat >"$dir/$name.toml" <<TOML
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
id = "b"
tenant = "t"
secret_hashes = ["$hash"]
endpoint = "http://127.0.0.1:9/api/messages"
TOML
  for edit in "$@"; do sed -i "$edit" "$dir/$name.toml"; done
}

# broken NAME EXPECTED_TEXT SED_EDITS...: both commands refuse with exit 2 and print the same
# problem lines, which mention EXPECTED_TEXT.
broken() {
  local name=$1 expected=$2
  shift 2
  write "$name" "$@"
  local rc=0
  (cd / && "$parley" check-config "$dir/$name.toml") >"$dir/$name.check.out" 2>"$dir/$name.check.err" || rc=$?
  [ "$rc" = 2 ] || fail "$name: check-config exit $rc, not 2: $(cat "$dir/$name.check.out" "$dir/$name.check.err")"
  rc=0
  (cd / && timeout 60 "$parley" serve --config "$dir/$name.toml" --ready-file "$dir/$name.ready") \
    >"$dir/$name.serve.out" 2>"$dir/$name.serve.err" || rc=$?
  [ "$rc" = 2 ] || fail "$name: serve exit $rc, not 2: $(tail -5 "$dir/$name.serve.err")"
  [ ! -e "$dir/$name.ready" ] || fail "$name: serve became ready"
  grep -v '^parley: \|process hardening' "$dir/$name.check.err" >"$dir/$name.check.lines" || true
  grep -v '^parley: \|process hardening' "$dir/$name.serve.err" >"$dir/$name.serve.lines" || true
  [ -s "$dir/$name.check.lines" ] || fail "$name: check-config printed no problem"
  diff "$dir/$name.check.lines" "$dir/$name.serve.lines" >/dev/null ||
    fail "$name: different problems: $(diff "$dir/$name.check.lines" "$dir/$name.serve.lines")"
  grep -q -- "$expected" "$dir/$name.check.lines" || fail "$name: no \"$expected\" in: $(cat "$dir/$name.check.lines")"
  echo "ok: $name: $(head -1 "$dir/$name.check.lines")"
}

# The good file: ok for check-config, and serve starts from another working directory with every
# relative path taken from the file's directory.
write good
(cd / && "$parley" check-config "$dir/good.toml") >"$dir/good.out" 2>&1 || fail "good: $(cat "$dir/good.out")"
grep -q ": ok$" "$dir/good.out" || fail "good: no ok line"
[ ! -e "$dir/parley.db" ] && [ ! -e "$dir/erasure.secrets" ] && [ ! -e "$dir/signing-keys.json" ] ||
  fail "check-config created a file"
(cd / && exec "$parley" serve --config "$dir/good.toml" --ready-file "$dir/good.ready") >"$dir/good.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do [ -s "$dir/good.ready" ] && break; sleep 0.1; done
[ -s "$dir/good.ready" ] || fail "good: serve did not become ready: $(tail -5 "$dir/good.log")"
[ -e "$dir/parley.db" ] && [ -e "$dir/signing-keys.json" ] || fail "good: the store or keys are not beside the file"
kill "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
pids=()
echo "ok: good (check-config ok, serve ready, files beside the configuration)"

# The two the issue found: check-config said ok, serve refused.
broken no-erasure-secrets "erasure_secrets_file" '/^erasure_secrets_file/d'
broken sqlite-dir-missing "store.sqlite.path" 's|^path = "parley.db"|path = "no-such-dir/parley.db"|'
# Every other start-up check.
broken root-key-missing "no-such.key" 's|^root_key_file = "root.key"|root_key_file = "no-such.key"|'
broken jose-dir-missing "jose.key_file" 's|^key_file = "signing-keys.json"|key_file = "no-such-dir/keys.json"|'
printf 'not an erasure secrets file\n' >"$dir/bad.secrets"
chmod 600 "$dir/bad.secrets"
broken erasure-secrets-malformed "bad.secrets" 's|^erasure_secrets_file = .*|erasure_secrets_file = "bad.secrets"|'
cp "$dir/root.key" "$dir/open.key"
chmod 644 "$dir/open.key"
broken root-key-insecure "open.key" 's|^root_key_file = "root.key"|root_key_file = "open.key"|'
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$dir/tls.key" 2>/dev/null
chmod 600 "$dir/tls.key"
broken tls-cert-missing "no-such-cert.pem" \
  's|^port = 0|port = 0\ntls_cert_file = "no-such-cert.pem"\ntls_key = { file = "tls.key" }|'
broken in-process-without-bot "in-process" 's|^endpoint = .*|endpoint = "in-process"|'
broken unknown-key "unknown key" 's|^\[jose\]|[jose]\nkey_fil = "x"|'
echo "check-config / serve parity: passed"
