#!/usr/bin/env bash
# Black-box test of `parley keys init`: creates a 32-byte 0600 root key, refuses to overwrite it,
# and runs hardened (the start-up log line). Usage: keys_init_test.sh PATH_TO_PARLEY
set -euo pipefail
parley=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

out=$("$parley" keys init --root-key-file "$dir/root.key" 2>"$dir/err")
grep -q "process hardening: dumpable=off core_limit=0" "$dir/err" || { echo "no hardening line"; cat "$dir/err"; exit 1; }
[ "$(stat -c %a "$dir/root.key")" = 600 ] || { echo "mode is not 600"; exit 1; }
[ "$(stat -c %s "$dir/root.key")" = 32 ] || { echo "size is not 32"; exit 1; }
grep -Eq '^key check value: [0-9a-f]{64}$' <<<"$out" || { echo "no check value: $out"; exit 1; }
before=$(sha256sum "$dir/root.key")

if "$parley" keys init --root-key-file "$dir/root.key" 2>"$dir/err2"; then echo "overwrote a root key"; exit 1; fi
grep -q "refusing to overwrite" "$dir/err2" || { echo "unclear refusal"; cat "$dir/err2"; exit 1; }
[ "$(sha256sum "$dir/root.key")" = "$before" ] || { echo "root key changed"; exit 1; }

# The default path is parley-root.key in the working directory; `version` runs without hardening.
"$parley" keys init >/dev/null 2>&1 && [ -f parley-root.key ] || { echo "default path not used"; exit 1; }
if "$parley" version 2>&1 | grep -q "process hardening"; then echo "version was hardened"; exit 1; fi
echo "keys init: ok"
