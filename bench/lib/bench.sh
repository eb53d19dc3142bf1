# Sourced first by the bench/*/ scripts (bash, set -euo pipefail): what each of them does before it
# measures, written once.
#   - moves to the repository root;
#   - preset=${PRESET:-release}; build_dir=${BUILD_DIR:-build/$preset};
#   - bench_build TARGET...  configures the preset (tests on: benches link the test libraries) and
#                            builds the targets with -j2 (a shared machine); its output only when it
#                            fails; nothing at all with SKIP_BUILD=1;
#   - raw=bench/results/raw (created): the raw outputs a report is made from;
#   - load_avg               prints the 1-, 5- and 15-minute load averages (for a report's header).
#   - cpu_ticks PID, cpu_us_per TICKS N: a server's CPU time, and that time per request.
# shellcheck shell=bash

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
preset=${PRESET:-release}
build_dir=${BUILD_DIR:-build/$preset}
raw=bench/results/raw
mkdir -p "$raw"

bench_build() {
  [ "${SKIP_BUILD:-0}" = 1 ] && return 0
  local log
  log=$(mktemp)
  if ! { cmake --preset "$preset" -DPARLEY_BUILD_TESTS=ON && cmake --build "$build_dir" -j2 --target "$@"; } >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    rm -f "$log"
    echo "bench: building $* in $build_dir failed" >&2
    return 1
  fi
  rm -f "$log"
}

load_avg() { cut -d' ' -f1-3 /proc/loadavg; }

# cpu_ticks PID: the process's user + system CPU time so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# cpu_us_per TICKS N: those ticks as microseconds of CPU per item (two decimals).
cpu_us_per() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$2" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }'; }
