#!/usr/bin/env bash
# The shipped Prometheus side (docker/prometheus, docker/grafana) without a network or root:
# promtool checks and unit-tests the rules, and the dashboard's JSON and queries are checked
# (tests/prometheus/dashboard_queries.py check), its exprs parsed by promtool as PromQL.
# Usage: check_rules.sh SOURCE_DIR. Exit 77 (ctest: skipped) without promtool or python3.
set -euo pipefail

src=${1:?usage: check_rules.sh SOURCE_DIR}
rules=$src/docker/prometheus/reachprobe-rules.yml
rules_test=$src/docker/prometheus/reachprobe-rules_test.yml
dashboard=$src/docker/grafana/reachprobe-dashboard.json

for tool in promtool python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not found (Debian package prometheus for promtool; python3)"
    exit 77
  fi
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "== promtool check rules"
promtool check rules "$rules"
echo "== promtool test rules"
# promtool resolves the test file's rule_files relative to the file itself.
promtool test rules "$rules_test"
# Every alert of the rules file is made to fire by the unit tests (each burn-rate window pair
# too), so a new alert cannot ship untested.
missing=0
while read -r name; do
  grep -q "alertname: $name\$" "$rules_test" || { echo "no test fires alert $name"; missing=1; }
done < <(grep -oP '^\s*- alert:\s*\K\S+' "$rules" | sort -u)
while read -r long short; do
  grep -q "long: $long, short: $short," "$rules_test" ||
    { echo "no test fires ReachprobeErrorBudgetBurn long=$long short=$short"; missing=1; }
done < <(grep -A1 -P '^\s*long: ' "$rules" | grep -oP '(long|short): \K\S+' | paste - -)
[ "$missing" -eq 0 ]
echo "every alert is fired by a test"
echo "== dashboard"
python3 "$src/tests/prometheus/dashboard_queries.py" check "$dashboard" --rules "$rules" \
  --rules-out "$scratch/dashboard-exprs.yml"
# Each panel expr as a recording rule: promtool parses it as PromQL (a typo fails here, not
# only in the lab test against a real Prometheus).
promtool check rules "$scratch/dashboard-exprs.yml"
echo "PASS"
