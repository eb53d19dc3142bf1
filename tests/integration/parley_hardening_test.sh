#!/usr/bin/env bash
# Issue 14: `parley` refuses to start when the secure heap for keys cannot be locked in memory
# (mlock fails: RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK), instead of warning and going on; with
# --allow-unlocked-memory it starts and says so once. Uses check-config, the lightest subcommand
# that hardens the process. Usage: parley_hardening_test.sh PATH_TO_PARLEY
set -euo pipefail
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }
printf '[log]\nlevel = "info"\n' >"$dir/ok.toml"

# No lockable memory: RLIMIT_MEMLOCK 0, and (for root) CAP_IPC_LOCK dropped, which would allow it anyway.
unlockable() {
  if [ "$(id -u)" = 0 ]; then
    prlimit --memlock=0:0 setpriv --bounding-set=-ipc_lock --inh-caps=-ipc_lock "$@"
  else
    prlimit --memlock=0:0 "$@"
  fi
}

"$bin" check-config "$dir/ok.toml" >"$dir/normal.log" 2>&1 || { cat "$dir/normal.log"; fail "check-config with lockable memory"; }
grep -q "secure_heap=locked and excluded from dumps" "$dir/normal.log" || { cat "$dir/normal.log"; fail "the secure heap was not locked in a normal start"; }

rc=0
unlockable "$bin" check-config "$dir/ok.toml" >"$dir/refused.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { cat "$dir/refused.log"; fail "without lockable memory: exit $rc, expected 1"; }
grep -q "cannot be locked in memory" "$dir/refused.log" || { cat "$dir/refused.log"; fail "no clear message"; }
grep -q "allow-unlocked-memory" "$dir/refused.log" || fail "the message does not name the way out"

unlockable "$bin" --allow-unlocked-memory check-config "$dir/ok.toml" >"$dir/allowed.log" 2>&1 ||
  { cat "$dir/allowed.log"; fail "--allow-unlocked-memory did not start"; }
[ "$(grep -c 'secure heap unlocked' "$dir/allowed.log")" -eq 1 ] || { cat "$dir/allowed.log"; fail "not logged exactly once"; }
echo "parley hardening: ok"
