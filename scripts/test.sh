#!/usr/bin/env bash
# The README's second command: installs everything, builds the `ci` preset (-Werror) and runs
# every test: C++ unit and integration tests (fuzz_replay among them: every fuzz seed and regression
# input through its harness), then the Node and browser suites registered in CTest, then the short
# fuzz stage when PARLEY_FUZZ_STAGE=1 (scripts/fuzz.sh --ci: a second, clang, build; off by default
# until its cold cost on CI's 2 cores is measured against the 45-minute budget). Extra arguments go
# to ctest (e.g. scripts/test.sh -L unit) and skip the fuzz stage.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
./scripts/install-deps.sh
./scripts/install-npm.sh
./scripts/build.sh ci
echo "test.sh: built in ${SECONDS}s"
fuzz=0
if [ $# -eq 0 ] && [ "${PARLEY_FUZZ_STAGE:-0}" = 1 ]; then fuzz=1; fi
if [ $fuzz = 1 ]; then
  # The fuzz stage's clang build (docs/security-testing.md) runs during ctest at nice 10: the tests
  # wait on sockets, services and browsers much of the time, and the build takes that idle CPU
  # instead of adding its whole time after them. Its own process group (set -m), so that a failing
  # ctest stops it with every compiler it started.
  mkdir -p build
  set -m
  nice -n 10 ./scripts/fuzz.sh --ci --build-only >build/fuzz-ci-build.log 2>&1 &
  fuzz_build=$!
  set +m
  trap 'kill -- -$fuzz_build 2>/dev/null || true' EXIT
fi
ctest --preset ci "$@"
echo "test.sh: tests passed in ${SECONDS}s"
if [ $fuzz = 1 ]; then
  # Every parser's libFuzzer target for a few seconds, from its seeds and regression inputs.
  if ! wait $fuzz_build; then
    cat build/fuzz-ci-build.log
    echo "test.sh: the fuzz build failed" >&2
    exit 1
  fi
  trap - EXIT
  echo "test.sh: fuzz build finished at ${SECONDS}s"
  ./scripts/fuzz.sh --ci --no-build
fi
echo "test.sh: all tests passed in ${SECONDS}s"
