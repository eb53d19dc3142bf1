#!/usr/bin/env bash
# Installs the npm packages of every JavaScript project in the tree (from their lockfiles) and
# builds the front ends. Idempotent: skips projects whose node_modules match their lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."
projects=$(find web tests bench examples -name package-lock.json -not -path '*/node_modules/*' 2>/dev/null | xargs -r -n1 dirname | sort)
for dir in $projects; do
  stamp="$dir/node_modules/.parley-lock-stamp"
  if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then continue; fi
  echo "install-npm: $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$dir/package-lock.json" "$stamp"
done
for dir in $projects; do
  if grep -q '"build"' "$dir/package.json"; then (cd "$dir" && npm run --silent build); fi
done
