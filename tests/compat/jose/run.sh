#!/usr/bin/env bash
# Cross-implementation test: tokens Parley signs verify with panva/jose, and tokens jose signs
# verify in Parley, for ES256, EdDSA and RS256. Usage: run.sh PARLEY_COMPAT_TOOL WORK_DIR
# (registered in CTest as jose_compat_npm, label "compat").
set -euo pipefail
tool=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/node_modules/jose/package.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
rm -rf "$work"
mkdir -p "$work"
"$tool" sign "$work"
node "$here/compat.mjs" verify "$work"
node "$here/compat.mjs" sign "$work"
"$tool" verify "$work"
echo "jose compat: Parley -> jose and jose -> Parley verified for ES256, EdDSA, RS256"
