#!/usr/bin/env bash
# The README's second command: installs everything, builds the `ci` preset (-Werror) and runs
# every test: C++ unit and integration tests, then the Node and browser suites registered in
# CTest, then the short fuzz stage (scripts/fuzz.sh --ci). Extra arguments go to ctest (e.g.
# scripts/test.sh -L unit) and skip the fuzz stage.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
./scripts/install-deps.sh
./scripts/install-npm.sh
./scripts/build.sh ci
echo "test.sh: built in ${SECONDS}s"
ctest --preset ci "$@"
echo "test.sh: tests passed in ${SECONDS}s"
# The fuzz stage (docs/security-testing.md): every parser's libFuzzer target for a few seconds, from
# its seeds and regression inputs. Skipped when tests were selected, or with PARLEY_SKIP_FUZZ=1.
if [ $# -eq 0 ] && [ "${PARLEY_SKIP_FUZZ:-0}" != 1 ]; then
  ./scripts/fuzz.sh --ci
fi
echo "test.sh: all tests passed in ${SECONDS}s"
