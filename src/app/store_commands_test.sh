#!/usr/bin/env bash
# Black-box test of `parley store ...` and `parley keys rotate-root|rotate-tenant`: the demo data
# directory gets a root key (0600) on first start; erasures and purge remove exactly what they
# should; rotations keep data readable; a wrong or retired root key fails at once and changes
# nothing; a backup restored after an erasure reads everyone but the erased (`parley store
# restore`); a store written by the release before erasure subjects migrates; the erasure secrets
# live outside the data directory. Usage: store_commands_test.sh PARLEY FIXTURE FIXTURES_DIR
set -euo pipefail
parley=$1
fixture=$2
fixtures_dir=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
data="$dir/data"
fail() { echo "FAIL: $*"; exit 1; }

# First start in an empty data directory creates the root key (0600) and the databases.
"$parley" store migrate --data-dir "$data" >"$dir/out" 2>"$dir/err" || { cat "$dir/err"; fail "migrate"; }
[ "$(stat -c %a "$data/root.key")" = 600 ] || fail "root key mode"
[ "$(stat -c %s "$data/root.key")" = 32 ] || fail "root key size"
[ -f "$data/parley.db" ] && [ -f "$data/parley-keys.db" ] || fail "database files"
grep -q "created root key" "$dir/err" || fail "no notice of the new root key"

# The erasure secrets are not in the data directory (a backup of it must not undo an erasure).
[ -d "$dir/data-erasure" ] && [ "$(stat -c %a "$dir/data-erasure")" = 700 ] || fail "erasure-secrets directory"
[ ! -e "$data/erasure.secrets" ] || fail "erasure secrets inside the data directory"
for f in parley.db parley-keys.db; do [ "$(stat -c %a "$data/$f")" = 600 ] || fail "$f mode"; done

"$fixture" --data-dir "$data" populate || fail "populate"
check() { "$fixture" --data-dir "$data" check "$@"; }
check bankx/c1 bankx/c2 bankx/c3 insurey/d1 >"$dir/check"
[ "$(grep -c ' present ' "$dir/check")" = 4 ] || { cat "$dir/check"; fail "populated data"; }
[ -f "$dir/data-erasure/erasure.secrets" ] || fail "no erasure secrets in their own directory"
cp -a "$data" "$dir/backup"  # the operator's backup (the store is closed): data directory only

"$parley" store erase-conversation bankx c1 --data-dir "$data" >/dev/null 2>&1 || fail "erase-conversation"
check bankx/c1 bankx/c2 >"$dir/check"
grep -q "bankx/c1 not found" "$dir/check" && grep -q "bankx/c2 present" "$dir/check" || { cat "$dir/check"; fail "erase-conversation result"; }
if "$parley" store erase-conversation bankx c1 --data-dir "$data" 2>"$dir/err"; then fail "erasing twice succeeded"; fi
grep -q "not found" "$dir/err" || fail "unclear error for a missing conversation"

out=$("$parley" store erase-user bankx dl_u1 --data-dir "$data" 2>/dev/null) || fail "erase-user"
grep -q "erased 1 conversation" <<<"$out" || fail "erase-user count: $out"
grep -q dl_u1 <<<"$out" && fail "the user id was echoed"
check bankx/c2 bankx/c3 >"$dir/check"
grep -q "bankx/c2 not found" "$dir/check" && grep -q "bankx/c3 present" "$dir/check" || { cat "$dir/check"; fail "erase-user result"; }

# Restore the backup taken before both erasures, with today's root key and erasure secrets:
# everyone reads except the erased, whose rows the restore removes.
mv "$data" "$dir/today" && cp -a "$dir/backup" "$data"
out=$("$parley" store restore --data-dir "$data" 2>"$dir/err") || { cat "$dir/err"; fail "restore: $out"; }
grep -q "tenant bankx: 2 erasure(s) made since this copy, 2 conversation(s) removed; readable" <<<"$out" \
  || fail "restore report: $out"
grep -q "tenant insurey: no erasure to finish; readable" <<<"$out" || fail "restore report (insurey): $out"
check bankx/c1 bankx/c2 bankx/c3 insurey/d1 >"$dir/check"
grep -q "bankx/c1 not found" "$dir/check" && grep -q "bankx/c2 not found" "$dir/check" &&
  grep -q "bankx/c3 present" "$dir/check" && grep -q "insurey/d1 present" "$dir/check" ||
  { cat "$dir/check"; fail "restored data"; }
# The erasure secrets of a backup (older than the database) would bring erased data back: refused.
cp -a "$dir/data-erasure" "$dir/erasure-today"
"$fixture" --data-dir "$data" populate >/dev/null 2>&1 || true  # more conversations (c1, c2 again)
"$parley" store erase-conversation bankx c1 --data-dir "$data" >/dev/null 2>&1 || fail "erase after restore"
if "$parley" store migrate --data-dir "$data" --erasure-dir "$dir/erasure-today" 2>"$dir/err"; then
  fail "an erasure-secrets file older than the database was accepted"
fi
grep -q "older than the database" "$dir/err" || { cat "$dir/err"; fail "unclear stale-secrets message"; }

# The same store through a configuration file, with a retention for bankx only.
cat >"$dir/parley.toml" <<TOML
[crypto]
root_key_file = "data/root.key"
erasure_secrets_file = "data-erasure/erasure.secrets"
[store]
backend = "sqlite"
[[store.retention]]
tenant = "bankx"
keep = "30d"
[store.sqlite]
path = "data/parley.db"
keys_path = "data/parley-keys.db"
TOML
"$parley" check-config "$dir/parley.toml" >/dev/null 2>"$dir/err" || fail "check-config"
grep -q "share the directory tree" "$dir/err" || { cat "$dir/err"; fail "no warning for erasure secrets beside the database"; }
sed "s|data-erasure/erasure.secrets|$dir/data/erasure.secrets|" "$dir/parley.toml" >"$dir/inside.toml"
"$parley" check-config "$dir/inside.toml" 2>&1 >/dev/null | grep -q "inside the database's directory" \
  || fail "no warning for erasure secrets inside the data directory"
out=$("$parley" store purge --config "$dir/parley.toml" 2>/dev/null) || fail "purge"
grep -q "tenant bankx: purged 1 conversation" <<<"$out" || fail "purge bankx: $out"
grep -q "tenant insurey: no retention" <<<"$out" || fail "purge insurey: $out"
check bankx/c3 insurey/d1 >"$dir/check"
grep -q "bankx/c3 not found" "$dir/check" && grep -q "insurey/d1 present" "$dir/check" || { cat "$dir/check"; fail "purge result"; }

out=$("$parley" keys rotate-tenant insurey --config "$dir/parley.toml" 2>/dev/null) || fail "rotate-tenant"
grep -q "key rotated to version 2" <<<"$out" || fail "rotate-tenant: $out"
check insurey/d1 | grep -q present || fail "data after tenant rotation"

# A wrong root key fails at once and changes nothing.
dump() { sqlite3 "$data/parley.db" .dump | sha256sum; sqlite3 "$data/parley-keys.db" .dump | sha256sum; }
before=$(dump)
head -c 32 /dev/urandom >"$dir/wrong.key"; chmod 600 "$dir/wrong.key"
sed "s|data/root.key|wrong.key|" "$dir/parley.toml" >"$dir/wrong.toml"
if "$parley" store migrate --config "$dir/wrong.toml" 2>"$dir/err"; then fail "a wrong root key was accepted"; fi
grep -q "root key does not match this database" "$dir/err" || { cat "$dir/err"; fail "unclear wrong-key message"; }
[ "$(dump)" = "$before" ] || fail "a wrong root key changed the database"

# Root rotation: the new key is created (0600); afterwards only it opens the store.
out=$("$parley" keys rotate-root --config "$dir/parley.toml" --new-root-key-file "$dir/root2.key" 2>/dev/null) \
  || fail "rotate-root"
grep -q "root key rotated to version 2" <<<"$out" || fail "rotate-root: $out"
[ "$(stat -c %a "$dir/root2.key")" = 600 ] || fail "new root key mode"
before=$(dump)
if "$parley" store migrate --config "$dir/parley.toml" 2>"$dir/err"; then fail "the retired root key still opens"; fi
grep -q "root key does not match" "$dir/err" || fail "unclear retired-key message"
[ "$(dump)" = "$before" ] || fail "the retired root key changed the database"
sed -e "s|data/root.key|root2.key|" -e "s|^\[crypto\]|[crypto]\nroot_key_version = 2|" "$dir/parley.toml" >"$dir/new.toml"
"$parley" store migrate --config "$dir/new.toml" >/dev/null 2>&1 || fail "the new root key does not open"
"$fixture" --config "$dir/new.toml" check insurey/d1 | grep -q present || fail "data after root rotation"
# A store written by the release before erasure subjects (its own erasure secrets still in the data
# directory, as that release kept them) migrates: moved out, rows upgraded, everything reads.
legacy="$dir/legacy"
mkdir -p "$legacy" && cp "$fixtures_dir"/before-subjects/{parley.db,parley-keys.db,root.key,erasure.secrets} "$legacy/"
chmod 600 "$legacy"/*
"$parley" store migrate --data-dir "$legacy" >/dev/null 2>"$dir/err" || { cat "$dir/err"; fail "migrate the old store"; }
grep -q "moved the erasure secrets out of the data directory" "$dir/err" || fail "old erasure secrets not moved"
[ -f "$dir/legacy-erasure/erasure.secrets" ] && [ ! -e "$legacy/erasure.secrets" ] || fail "old erasure secrets place"
"$fixture" --data-dir "$legacy" check bankx/c1 bankx/c3 insurey/d1 bankx/c4 >"$dir/check"
grep -q 'bankx/c1 present {"type":"message","text":"hello from c1"}' "$dir/check" && grep -q "bankx/c3 present hello from c3" "$dir/check" &&
  grep -q "insurey/d1 present hello from d1" "$dir/check" && grep -q "bankx/c4 not found" "$dir/check" ||
  { cat "$dir/check"; fail "the old store after migrating"; }
[ "$(stat -c %a "$legacy/parley.db")" = 600 ] || fail "old database files not made private"
echo "store commands: ok"
