#!/usr/bin/env bash
# The whole test suite: unit tests, the bundle reproducibility check (rebuilds the actors) and
# the differential suite against the reference FVM. Installs what it needs on a fresh machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo test --workspace --locked "$@" -- --show-output
