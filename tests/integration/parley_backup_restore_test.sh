#!/usr/bin/env bash
# docs/operations.md's backup and restore procedure, on the production layout of
# examples/config/single-node-tls.toml (SQLite in /var/lib/parley, the erasure secrets apart):
# conversations written, the service's state directory backed up (stopped), wiped, restored,
# `parley store restore --config`, and every conversation reads back; then `parley serve` starts
# on the restored copy. (`app.store_commands` covers erasures made after the backup.)
# Usage: parley_backup_restore_test.sh PARLEY STORE_FIXTURE SOURCE_DIR
set -euo pipefail
bin=$1
fixture=$2
src=$3
# shellcheck source=../lib/parley_test.sh
source "$(dirname "$0")/../lib/parley_test.sh"
test_dir t
er=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d -p "$PWD")
test_on_exit "rm -rf '$er'"
mkdir -p "$t/etc" "$t/var/lib/parley"
chmod 700 "$t/var/lib/parley" "$er"
"$src/examples/config/make-test-ca.sh" "$t/etc/tls" localhost >/dev/null
cp "$src/examples/echo/assistant.toml" "$t/etc/assistant.toml"
config=$t/etc/parley.toml
sed -e "s|/etc/parley/|$t/etc/|g" -e "s|/srv/parley-erasure/|$er/|g" -e "s|/var/lib/parley/|$t/var/lib/parley/|g" \
    -e 's/^port = [0-9]*/port = 0/' "$src/examples/config/single-node-tls.toml" >"$config"
PARLEY=$bin "$src/examples/config/make-secrets.sh" "$config" "$t/etc/secrets" >/dev/null
"$bin" store migrate --config "$config" >/dev/null 2>&1 || fail "store migrate"
"$fixture" --config "$config" populate >/dev/null 2>&1 || fail "populate"
convs="bankx/c1 bankx/c2 bankx/c3 insurey/d1"
# shellcheck disable=SC2086
"$fixture" --config "$config" check $convs >"$t/before" 2>/dev/null
[ "$(grep -c ' present ' "$t/before")" = 4 ] || { cat "$t/before"; fail "populated data"; }

# Back up (the service stopped): the state directory, not the erasure secrets, not the root key.
tar -C "$t/var/lib" -czf "$t/parley-backup.tar.gz" parley
tar -tzf "$t/parley-backup.tar.gz" | grep -q 'erasure\|root.key' && fail "the backup holds a secret it must not"
# Wipe, restore, reconcile.
rm -rf "$t/var/lib/parley"
tar -C "$t/var/lib" -xzf "$t/parley-backup.tar.gz"
"$bin" store restore --config "$config" >"$t/restore.out" 2>"$t/restore.err" || { cat "$t/restore.err"; fail "store restore"; }
grep -q "readable" "$t/restore.out" || { cat "$t/restore.out"; fail "restore report"; }
# shellcheck disable=SC2086
"$fixture" --config "$config" check $convs >"$t/after" 2>/dev/null
cmp -s "$t/before" "$t/after" || { diff "$t/before" "$t/after"; fail "the restored conversations differ"; }

"$bin" serve --config "$config" --ready-file "$t/ready.json" >"$t/serve.log" 2>&1 &
pid=$!
test_pids+=("$pid")
wait_for_file "$t/ready.json" "$pid"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "serve exit code $rc"
cat "$t/restore.out"
echo "backup and restore: ok"
