#!/usr/bin/env bash
# The whole suite from a fresh clone: system packages, npm packages, type check, dependency rules, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run typecheck
npm run lint:deps
npm test
