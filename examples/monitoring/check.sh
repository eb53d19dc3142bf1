#!/usr/bin/env bash
# The monitoring examples are valid and speak only of documented metrics: `promtool check rules`
# on the alert rules; the dashboard parses as JSON; every parley_* name either uses is listed in
# docs/metrics.md (a histogram's _bucket/_sum/_count series count as the histogram).
# Usage: check.sh SOURCE_DIR
set -euo pipefail
src=$1
dir=$src/examples/monitoring
command -v promtool >/dev/null || { echo "promtool is not installed (scripts/install-deps.sh installs prometheus)"; exit 1; }
promtool check rules "$dir/parley-alerts.yml"
python3 - "$dir" "$src/docs/metrics.md" <<'PY'
import json, re, sys
d, doc = sys.argv[1], open(sys.argv[2]).read()
documented = set(re.findall(r"`(parley_[a-z0-9_]+)`", doc))
json.load(open(f"{d}/parley-dashboard.json"))
used = set()
for name in ("parley-alerts.yml", "parley-dashboard.json"):
    used |= set(re.findall(r"parley_[a-z0-9_]+", open(f"{d}/{name}").read()))
used = {re.sub(r"_(bucket|sum|count)$", "", u) for u in used} - {"parley_dashboard"}
missing = sorted(u for u in used if u not in documented)
if missing:
    sys.exit(f"used but not in docs/metrics.md: {missing}")
print(f"monitoring examples: {len(used)} metrics, all documented")
PY
