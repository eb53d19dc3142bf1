#!/usr/bin/env bash
# The README's second command: installs everything, builds the `ci` preset (-Werror) and runs
# every test: C++ unit and integration tests, then the Node and browser suites registered in
# CTest. Extra arguments go to ctest (e.g. scripts/test.sh -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
./scripts/install-deps.sh
./scripts/install-npm.sh
./scripts/build.sh ci
echo "test.sh: built in ${SECONDS}s"
ctest --preset ci "$@"
echo "test.sh: all tests passed in ${SECONDS}s"
