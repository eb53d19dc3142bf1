#!/usr/bin/env bash
# Builds the libFuzzer binary (clang 14, ASan + UBSan; tests/fuzz/README.md) and runs its targets one
# after the other, each from its seed corpus (src/<component>/fuzz/corpus/<target>, regression
# inputs included) plus the inputs earlier runs found (build/<preset>/corpus/<target>). --ci builds
# the fuzz-ci preset (-O0, no debug info: half the compile time), the others the fuzz preset (-O1 -g).
#
#   scripts/fuzz.sh --ci [targets...]        every target for CI_SECONDS (default 5) seconds: the CI stage
#   scripts/fuzz.sh --seconds N [targets...] every target for N seconds
#   scripts/fuzz.sh --long [targets...]      every target until RUNS (default 10000000) executions, at
#                                            nice 19 in a session of its own (idle CPU only): the long run
#                                            whose figures docs/security-testing.md reports
#   scripts/fuzz.sh --list                   the targets
#   --build-only / --no-build                only build the preset's binary / run without building
#                                            (scripts/test.sh builds during ctest, runs after it)
#
# Prints one line per target (executions, coverage, corpus, time) and writes the same as a Markdown
# table to build/<preset>/results-<mode>.md. A crash, sanitizer report, timeout or out-of-memory
# stops that target: its input is in build/<preset>/artifacts/, the log in build/<preset>/logs/; the
# script goes on with the others and exits 1. Reproduce: build/fuzz/tests/fuzz/parley_fuzz <target> <input>.
# Fix the bug, then keep the input as src/<component>/fuzz/corpus/<target>/regress-<what>.
set -euo pipefail
cd "$(dirname "$0")/.."

# target:component:max_len
targets=(
  json:core:8192 http:net:12000 websocket:net:4096 jws:jose:20000 jwk:jose:20000 guard:guard:4096
  activity:channel:8192 multipart:channel:8192 directline:channel:8192 login_api:login:4096
  assistant:assistant:32768 bot_activity:bot:8192 config:app:8192
)

mode=ci
seconds=${CI_SECONDS:-5}
runs=${RUNS:-10000000}
selected=()
build=1
run=1
while [ $# -gt 0 ]; do
  case $1 in
    --ci) mode=ci ;;
    --seconds) mode=seconds; seconds=$2; shift ;;
    --long) mode=long ;;
    --build-only) run=0 ;;
    --no-build) build=0 ;;
    --list) for t in "${targets[@]}"; do echo "${t%%:*}"; done; exit 0 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) selected+=("$1") ;;
  esac
  shift
done

preset=fuzz
[ "$mode" = ci ] && preset=fuzz-ci
out=build/$preset
SECONDS=0
if [ $build = 1 ]; then
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target parley_fuzz
fi
build_seconds=$SECONDS
[ $run = 1 ] || exit 0
bin=$out/tests/fuzz/parley_fuzz
mkdir -p "$out/artifacts" "$out/logs"
results=$out/results-$mode.md
{
  echo "| target | executions | coverage (edges) | features | corpus (seeds + found) | seconds | exec/s | result |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$results"

status=0
for entry in "${targets[@]}"; do
  IFS=: read -r name component max_len <<<"$entry"
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " =~ " $name " ]]; then continue; fi
  seeds=src/$component/fuzz/corpus/$name
  corpus=$out/corpus/$name
  mkdir -p "$corpus"
  log=$out/logs/$name-$mode.log
  limit=(-max_total_time="$seconds")
  runner=()
  if [ "$mode" = long ]; then
    limit=(-runs="$runs")
    # Idle CPU only. With the kernel's autogroups (sched_autogroup_enabled=1), nice only ranks the
    # processes of one session: in its own session with its group's nice at 19, the fuzzer yields
    # to every other session's work, not only to this shell's.
    runner=(setsid --wait sh -c 'echo 19 >/proc/self/autogroup 2>/dev/null; exec nice -n 19 "$@"' fuzz)
  fi
  start=$SECONDS
  result=ok
  if ! "${runner[@]}" "$bin" "$name" "$corpus" "$seeds" "${limit[@]}" -max_len="$max_len" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" >"$log" 2>&1; then
    status=1
    result="FAILED: see $log"
  fi
  elapsed=$((SECONDS - start))
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1 || true)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || true)
  ft=$(grep -Eo 'ft: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || true)
  found=$(find "$corpus" -type f | wc -l)
  seeded=$(find "$seeds" -type f | wc -l)
  rate=$(( ${execs:-0} / (elapsed > 0 ? elapsed : 1) ))
  echo "fuzz: $name: ${execs:-?} executions, cov ${cov:-?}, ft ${ft:-?}, corpus $seeded + $found, ${elapsed}s ($rate/s): $result"
  echo "| \`$name\` | ${execs:-?} | ${cov:-?} | ${ft:-?} | $seeded + $found | $elapsed | $rate | $result |" >>"$results"
done
echo "fuzz: built in ${build_seconds}s, everything in ${SECONDS}s; table in $results"
exit $status
