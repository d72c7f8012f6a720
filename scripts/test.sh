#!/usr/bin/env bash
# The whole test suite: unit tests, the bundle reproducibility check (rebuilds the actors),
# the differential suite against the reference FVM, the vector runner on garbage, and the
# committed corpus through `skyr vectors run`. Installs what it needs on a fresh machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo test --workspace --locked "$@" -- --show-output
echo "== skyr vectors run --json tests/vectors (summary) =="
cargo run --quiet --locked -p skyr-cli -- vectors run --json tests/vectors | tail -n 1
