#!/usr/bin/env bash
# The one command that installs, builds and starts ClusterTap (README, "Set up").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh runtime
npm ci --no-audit --no-fund
npm run build
exec npm start -- "$@"
