#!/usr/bin/env bash
# Black-box test of `parley store ...` and `parley keys rotate-root|rotate-tenant`: the demo data
# directory gets a root key (0600) on first start; erasures and purge remove exactly what they
# should; rotations keep data readable; a wrong or retired root key fails at once and changes
# nothing. Usage: store_commands_test.sh PATH_TO_PARLEY PATH_TO_FIXTURE
set -euo pipefail
parley=$1
fixture=$2
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

"$fixture" --data-dir "$data" populate || fail "populate"
check() { "$fixture" --data-dir "$data" check "$@"; }
check bankx/c1 bankx/c2 bankx/c3 insurey/d1 >"$dir/check"
[ "$(grep -c ' present ' "$dir/check")" = 4 ] || { cat "$dir/check"; fail "populated data"; }

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

# The same store through a configuration file, with a retention for bankx only.
cat >"$dir/parley.toml" <<TOML
[crypto]
root_key_file = "data/root.key"
erasure_secrets_file = "data/erasure.secrets"
[store]
backend = "sqlite"
[[store.retention]]
tenant = "bankx"
keep = "30d"
[store.sqlite]
path = "data/parley.db"
keys_path = "data/parley-keys.db"
TOML
"$parley" check-config "$dir/parley.toml" >/dev/null || fail "check-config"
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
echo "store commands: ok"
