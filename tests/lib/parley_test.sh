# Sourced by the shell tests and example scripts that run `parley` (bash, set -euo pipefail):
# what each of them needs, written once. Source it first; it sets the EXIT trap.
#   test_dir VAR [DIR]   VAR names a private (0700) work directory: DIR emptied and kept for reading
#                        afterwards, or a new temporary one removed on exit; `fail` prints its *.log
#   test_pids+=("$!")    a background process to stop on exit (SIGTERM, then waited for)
#   test_on_exit CMD     one more command for the exit (after the processes are stopped)
#   fail MSG             MSG and the tail of every log of the work directory on stderr; exit 1
#   free_port            a free TCP port on 127.0.0.1
#   random_secret        32 random bytes, base64 without / + =
#   store_toml           the [crypto], [store.sqlite] and [jose] lines of a throwaway encrypted store,
#                        relative to the configuration's directory (make root.key with `keys init`)
#   wait_for_file FILE [PID]  waits up to 30 s for FILE to be non-empty (fails early if PID exits)
#   expect_refused BIN FILE PATTERN [serve]  `check-config FILE` (and `serve --config FILE`) exit 2
#                        and print PATTERN (a fixed string): a configuration refused with a clear message
# shellcheck shell=bash

test_pids=()
test_tmp_dirs=()
test_exit_commands=()
test_log_dir=""

test_cleanup() {
  local p
  for p in "${test_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for p in "${test_exit_commands[@]}"; do eval "$p" || true; done
  for p in "${test_tmp_dirs[@]}"; do rm -rf "$p"; done
}
trap test_cleanup EXIT

test_on_exit() { test_exit_commands+=("$1"); }

test_dir() {
  local _test_dir_path
  if [ $# -ge 2 ]; then
    _test_dir_path=$2
    rm -rf "$_test_dir_path"
    mkdir -p "$_test_dir_path"
  else
    _test_dir_path=$(mktemp -d)
    test_tmp_dirs+=("$_test_dir_path")
  fi
  chmod 700 "$_test_dir_path"
  test_log_dir=$_test_dir_path
  printf -v "$1" '%s' "$_test_dir_path"
}

fail() {
  echo "FAILED: $*" >&2
  local f
  for f in "$test_log_dir"/*.log; do
    [ -f "$f" ] || continue
    echo "--- $f" >&2
    tail -n 40 "$f" >&2
  done
  exit 1
}

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

random_secret() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n'; }

store_toml() {
  cat <<'TOML'
[crypto]
root_key_file = "root.key"
erasure_secrets_file = "erasure.secrets"
[store.sqlite]
path = "parley.db"
[jose]
key_file = "signing-keys.json"
TOML
}

wait_for_file() {
  local i
  for i in $(seq 1 600); do
    [ -s "$1" ] && return 0
    if [ $# -ge 2 ] && ! kill -0 "$2" 2>/dev/null; then break; fi
    sleep 0.05
  done
  [ -s "$1" ] || fail "no $(basename "$1") after 30 s"
}

expect_refused() {
  local bin=$1 file=$2 pattern=$3 cmd out rc args
  shift 3
  for cmd in check-config "$@"; do
    out="${file%.toml}.$cmd.log"
    args=(check-config "$file")
    [ "$cmd" = serve ] && args=(serve --config "$file")
    rc=0
    "$bin" "${args[@]}" >"$out" 2>&1 || rc=$?
    [ "$rc" -eq 2 ] || fail "$(basename "$file"): $cmd exit $rc"
    grep -qF -- "$pattern" "$out" || fail "$(basename "$file"): $cmd did not say \"$pattern\" (its output: $(basename "$out"))"
  done
}
