#!/usr/bin/env bash
# directlinejs 0.15.5 against the BankX assistant of a real `parley demo` (channel + bot web
# service): run.sh PARLEY WORK_DIR. The demo runs on a free port range in a temporary data
# directory and is stopped at the end. Registered in CTest with the labels "compat;bot".
set -euo pipefail
parley=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/node_modules/botframework-directlinejs/package.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
# shellcheck source=../../lib/parley_test.sh
. "$here/../../lib/parley_test.sh"
test_dir work "$work"
# A port range of its own, away from the default 8400 that the browser tests use.
base=$((20000 + ($$ % 2000) * 10))
"$parley" demo --data-dir "$work/data" --ready-file "$work/ready.json" --port-base "$base" >"$work/demo.log" 2>&1 &
test_pids+=("$!")
wait_for_file "$work/ready.json" "$!"
# Skipped (77), not failed, only while the demo cannot run the bot (no conversation store built in).
if ! grep -q '"bot"' "$work/ready.json"; then
  echo "SKIP: parley demo runs no bot yet:"; grep "running without" "$work/demo.log" || true
  exit 77
fi
read -r bot site < <(node -e "const r=JSON.parse(require('fs').readFileSync('$work/ready.json','utf8'));console.log(r.bot, new URL(r.site).origin)")
echo "bot at $bot, site origin $site"
for scenario in welcome_faq lost_card fallback_handoff; do
  node "$here/assistant.js" "$scenario" "$bot" "$site" || fail "scenario $scenario"
done
# The channel secret the demo generated never reached a log line or the handshake answers.
if grep -qi "secret=" "$work/demo.log"; then fail "a secret-looking parameter was logged"; fi
echo "bot compat: passed"
