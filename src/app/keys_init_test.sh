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

# The same root key conventions as every subcommand: --config names it in [crypto] (relative to
# the file's directory), --data-dir is the demo's data directory.
mkdir "$dir/etc"
printf '[crypto]\nroot_key_file = "conf-root.key"\nroot_key_version = 3\n' >"$dir/etc/parley.toml"
(cd / && "$parley" keys init --config "$dir/etc/parley.toml" >/dev/null 2>&1) || { echo "keys init --config"; exit 1; }
[ "$(stat -c %a "$dir/etc/conf-root.key")" = 600 ] || { echo "--config: no 0600 key beside the file"; exit 1; }
"$parley" keys init --data-dir "$dir/demo" >/dev/null 2>&1 || { echo "keys init --data-dir"; exit 1; }
[ "$(stat -c %s "$dir/demo/root.key")" = 32 ] && [ "$(stat -c %a "$dir/demo")" = 700 ] || { echo "--data-dir"; exit 1; }
printf '[crypto]\nroot_key_env = "PARLEY_TEST_ROOT_KEY"\n' >"$dir/etc/env.toml"
rc=0
"$parley" keys init --config "$dir/etc/env.toml" 2>"$dir/err3" >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q 'PARLEY_TEST_ROOT_KEY (\[crypto\] root_key_env): no file to create' "$dir/err3" \
  || { echo "root_key_env: exit $rc"; cat "$dir/err3"; exit 1; }
printf '[crypto]\nroot_key_fil = "x"\n' >"$dir/etc/typo.toml"
rc=0
"$parley" keys init --config "$dir/etc/typo.toml" 2>"$dir/err4" >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q 'crypto.root_key_fil: unknown key' "$dir/err4" || { echo "typo: exit $rc"; cat "$dir/err4"; exit 1; }
if "$parley" keys init --data-dir "$dir/demo2" --root-key-file "$dir/x.key" 2>/dev/null; then
  echo "--data-dir with --root-key-file accepted"; exit 1
fi

# The default path is parley-root.key in the working directory; `version` runs without hardening.
"$parley" keys init >/dev/null 2>&1 && [ -f parley-root.key ] || { echo "default path not used"; exit 1; }
if "$parley" version 2>&1 | grep -q "process hardening"; then echo "version was hardened"; exit 1; fi
echo "keys init: ok"
