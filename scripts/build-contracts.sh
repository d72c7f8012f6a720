#!/usr/bin/env bash
# Compiles the Solidity contracts of the FEVM scenarios (tests/fevm/contracts) with the solc
# package of the npm registry, pinned, on the machine's node; installs it on first use.
# Usage: scripts/build-contracts.sh [OUT]   (default: tests/fevm/build, the committed output)
# Prints the output folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/tests/fevm/build}
version=0.8.28
prefix="$root/target/solc-$version"
if [ ! -f "$prefix/node_modules/solc/package.json" ]; then
  command -v npm >/dev/null || { echo "npm is needed to install solc $version" >&2; exit 1; }
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error "solc@$version" >&2
fi
node "$root/scripts/compile-contracts.js" "$prefix/node_modules/solc" \
  "$root/tests/fevm/contracts" "$out" >&2
echo "$out"
