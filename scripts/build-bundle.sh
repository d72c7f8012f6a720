#!/usr/bin/env bash
# Builds Skyr's actors and packs them into the bundle (layout: tests/differential/src/bundle.rs).
# Usage: scripts/build-bundle.sh [OUT]   (default: actors/bundle.car, the committed bundle)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/actors/bundle.car}
dir=$("$root/scripts/build-actors.sh")
cd "$root"
cargo run --quiet --locked -p skyr-differential --bin pack-bundle -- "$dir" "$out" >&2
echo "$out"
