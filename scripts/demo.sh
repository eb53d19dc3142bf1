#!/usr/bin/env bash
# The README's first command: installs everything, builds the release binary and starts the whole
# platform on loopback with its embedded defaults (`parley demo`). Extra arguments go to
# `parley demo` (e.g. --data-dir DIR, --ready-file FILE). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/install-npm.sh
./scripts/build.sh release parley
exec ./build/release/src/app/parley demo "$@"
