#!/usr/bin/env bash
# The whole test suite: unit tests, the bundle reproducibility check (rebuilds the actors),
# the differential suite against the reference FVM, the vector runner on garbage, and the
# committed corpus through the `skyr vectors run` binary (its summary line is printed).
# Installs what it needs on a fresh machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo test --workspace --locked "$@" -- --show-output
