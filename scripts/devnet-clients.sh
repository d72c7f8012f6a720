#!/usr/bin/env bash
# The devnet against real clients nobody here wrote: ethers 6, viem 2 (npm) and web3.py 8
# (pip) suites, each run against a fresh `skyr devnet` and a fresh Anvil 1.7.1 (the peer),
# on contracts compiled by solc-js (an OpenZeppelin ERC-20, the FEVM probes), plus
# `forge script --broadcast`. All pinned (tests/devnet-clients) and installed into
# target/clients. Needs the official bundles (../shared/bundles); says SKIPPED loudly without
# them. Exits non-zero when any check failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bundles="${1:-$root/../shared/bundles}"
if [ ! -f "$bundles/v18/builtin-actors-mainnet.car" ]; then
  echo "!! SKIPPED: devnet client suites (ethers, viem, web3.py, forge): no v18 bundle in $bundles"
  exit 0
fi
clients=$("$root/scripts/devnet-clients-install.sh")
src="$root/tests/devnet-clients"
suites="$clients/suites"
mkdir -p "$suites"
cp "$src"/*.mjs "$suites/"
cp "$src"/*.py "$suites/" 2>/dev/null || true
node "$src/compile.mjs" "$clients/node_modules" "$clients/artifacts.json"
skyr="$root/target/debug/skyr"
anvil="$clients/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
logs=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$logs"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts a fresh node of kind $1; sets url and pid.
start() {
  local port; port=$(free_port)
  local log="$logs/$1.log"
  if [ "$1" = skyr ]; then
    "$skyr" devnet --bundles "$bundles" --port "$port" --quiet > "$log" 2>&1 &
  else
    "$anvil" --port "$port" --silent > "$log" 2>&1 &
  fi
  pid=$!
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 600); do
    if curl -s -o /dev/null -X POST -H 'content-type: application/json' \
        --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$url"; then
      return 0
    fi
    kill -0 $pid 2>/dev/null || { cat "$log"; echo "$1 exited"; return 1; }
    sleep 0.1
  done
  cat "$log"; echo "$1 did not start"; return 1
}

stop() { kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; pid=""; }

failed=0
run() { # suite, command…
  local name=$1; shift
  for kind in skyr anvil; do
    start $kind
    if ! "$@" "$url" $kind "$clients/artifacts.json"; then failed=$((failed + 1)); fi
    stop
  done
}
run ethers node "$suites/ethers.mjs"
[ -f "$suites/viem.mjs" ] && run viem node "$suites/viem.mjs"
[ -f "$suites/web3_suite.py" ] && run web3 "$clients/venv/bin/python" "$suites/web3_suite.py"
if [ "$failed" -ne 0 ]; then
  echo "devnet-clients: $failed suite run(s) failed"
  exit 1
fi
echo "devnet-clients: every suite passed on skyr devnet and Anvil"
