#!/usr/bin/env bash
# The whole test suite: unit tests, the bundle reproducibility check (rebuilds the actors),
# the differential suite against the reference FVM, the vector runner on garbage, the
# committed corpus through the `skyr vectors run` binary (its summary line is printed), and
# the official mainnet vectors in ../shared (when present) with the official bundles, and the
# reduced benchmark (it reports times, it asserts none).
# Installs what it needs on a fresh machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Runs `skyr vectors run ARGS…`, its stderr kept and then shown: a panic the machine
# contains on purpose must print nothing, so any `panicked` there fails the suite.
quiet_vectors_run() {
  local err="$root/target/tmp/vectors-run-stderr.txt" status=0
  mkdir -p "$root/target/tmp"
  "$root/target/debug/skyr" vectors run "$@" 2> "$err" || status=$?
  cat "$err" >&2
  [ "$status" -eq 0 ] || exit "$status"
  if grep -q "panicked" "$err"; then
    echo "!! FAILED: a panic reached stderr during: skyr vectors run $*" >&2
    exit 1
  fi
}

cargo test --workspace --locked "$@" -- --show-output

# Real mainnet vectors with the official bundles: data kept beside the checkout, never in it.
shared="$root/../shared"
if [ -d "$shared/vectors" ] && [ -d "$shared/bundles" ]; then
  echo "== official mainnet vectors: $shared/vectors with the bundles of $shared/bundles"
  # `cargo test --workspace` above built the binary (the CLI tests run it).
  # With the gas report: every message is traced, and the report sums their charges.
  quiet_vectors_run --gas-report --bundles "$shared/bundles" "$shared/vectors"
  # Receipts must not depend on how the actors are compiled: the corpus and the mainnet
  # vectors again, on the optimised tier (the differential suites run on it with
  # SKYR_TIER=optimized; too long for every CI run).
  echo "== the corpus and the official mainnet vectors on the optimized tier"
  quiet_vectors_run --tier optimized --cache-dir "$root/target/tmp/skyr-optimized" \
    --bundles "$shared/bundles" "$root/tests/vectors" "$shared/vectors"
  # skyr devnet against a real client (Foundry's cast, pinned, installed from npm).
  echo "== skyr devnet with cast"
  "$root/scripts/devnet-cast.sh" "$shared/bundles"
  # The client suites (ethers, viem, web3.py, forge), each against skyr devnet and Anvil.
  echo "== skyr devnet with ethers, viem, web3.py and forge (and the same against Anvil)"
  "$root/scripts/devnet-clients.sh" "$shared/bundles"
else
  echo "!! SKIPPED: the official mainnet vectors and bundles ($shared/vectors, $shared/bundles)"
  echo "!! are not beside this checkout; nothing here checked Skyr against mainnet's own receipts."
  echo "!! SKIPPED: skyr devnet with cast, ethers, viem, web3.py and forge (they need the official v18 bundle)"
  echo "== the corpus on the optimized tier (nv16–17 only: the others need the official bundles)"
  quiet_vectors_run --tier optimized --cache-dir "$root/target/tmp/skyr-optimized" \
    "$root/tests/vectors"
fi

# Skyr beside the reference on the same vectors, one process each (debug build: the figures
# say how this build compares, the README gives release figures).
echo "== bench-vectors (reduced set)"
"$root/target/debug/bench-vectors"
