#!/usr/bin/env bash
# Long fuzz runs (not CI; issue 19): the runtime's JSON entry points with arbitrary JSON call
# sequences (tests/fuzz_entry.rs) and the shell parser/evaluator (tests/fuzz.rs), in the
# optimised `native` profile. CI runs the same targets with their short defaults.
#
#   bash scripts/fuzz.sh                 # 5,000 entry-point sequences, 100,000 shell inputs
#   bash scripts/fuzz.sh 20000 400000    # more
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
entry=${1:-5000}
shell=${2:-100000}
echo "[fuzz] entry points: $entry sequences; shell: $shell inputs (profile native)" >&2
AGENT_OPS_FUZZ_ENTRY_CASES="$entry" cargo test --quiet --profile native --test all fuzz_entry -- --nocapture
AGENT_OPS_FUZZ_CASES="$shell" cargo test --quiet --profile native --test all fuzz:: -- --nocapture
