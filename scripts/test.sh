#!/usr/bin/env bash
# Runs every test: formatting and lints, the native Rust tests, the wasm boundary and
# component tests, and the end-to-end scenarios in a real OpenClaw. Installs what it needs.
#
#   bash scripts/test.sh
#
# Environment: AGENT_OPS_CORPORA_DIR, an optional override of the phase 4 corpora directory
# (default tests/corpora, the copy committed with the tests): nothing beside the checkout is needed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
start=$(date +%s)
step() { printf '\n==> %s (%ds)\n' "$*" "$(( $(date +%s) - start ))"; }

: "${AGENT_OPS_CORPORA_DIR:=$here/tests/corpora}"
export AGENT_OPS_CORPORA_DIR
if [ ! -f "$AGENT_OPS_CORPORA_DIR/tldr.txt" ]; then
  echo "test.sh: the phase 4 corpora are missing at $AGENT_OPS_CORPORA_DIR (AGENT_OPS_CORPORA_DIR is an optional override; unset it to use tests/corpora of this checkout)" >&2
  exit 1
fi

step "install tools"
bash scripts/install-tools.sh

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy (native, all targets; wasm bindings)"
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --lib --target wasm32-unknown-unknown --features js -- -D warnings
cargo clippy --quiet --lib --target wasm32-wasip2 --features component -- -D warnings

step "build (plugin wasm, component, tarball)"
bash scripts/build.sh --pack

step "cargo test (native)"
cargo test --quiet --all-targets

step "wasm boundary and component tests (Node 24 + jco)"
bash scripts/component-test.sh

step "end-to-end scenarios in the real OpenClaw"
bash scripts/e2e.sh

step "all tests passed"
