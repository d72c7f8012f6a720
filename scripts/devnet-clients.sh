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
cp "$src"/*.mjs "$src"/*.py "$src"/*.cjs "$suites/"
node "$root/scripts/compile-contracts.js" "$clients/node_modules/solc" "$src/contracts" \
  "$clients/artifacts.json" "$clients/node_modules"
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
run viem node "$suites/viem.mjs"
run web3 "$clients/venv/bin/python" "$suites/web3_suite.py"

# forge script --broadcast --skip-simulation: deploys the ERC-20 and transfers 10 tokens; cast
# reads the result. The compiler is solc-js behind solc's command line (solc-wrapper.cjs).
forge_check() { # url, kind
  local proj="$clients/forge"
  rm -rf "$proj" && cp -r "$src/forge" "$proj" && mkdir -p "$proj/src" && cp "$src/contracts/Token.sol" "$proj/src/"
  chmod +x "$suites/solc-wrapper.cjs"
  (cd "$proj" && "$clients/node_modules/.bin/forge" script script/Deploy.s.sol --rpc-url "$1" \
      --broadcast --skip-simulation --offline --use "$suites/solc-wrapper.cjs" \
      --remappings "@openzeppelin/=$clients/node_modules/@openzeppelin/") > "$logs/forge.log" 2>&1 \
    || { cat "$logs/forge.log"; echo "FAIL forge/$2: forge script"; return 1; }
  local got
  got=$("$clients/node_modules/.bin/cast" call --rpc-url "$1" 0x5FbDB2315678afecb367f032d93F642f64180aa3 \
      'balanceOf(address)(uint256)' 0x000000000000000000000000000000000000f0F0)
  if [ "$got" = 10 ]; then
    echo "ok   forge/$2: forge script --broadcast --skip-simulation deployed and called the ERC-20"
  else
    echo "FAIL forge/$2: expected a balance of 10, got [$got]"; return 1
  fi
}
for kind in skyr anvil; do
  start $kind
  forge_check "$url" $kind || failed=$((failed + 1))
  stop
done
if [ "$failed" -ne 0 ]; then
  echo "devnet-clients: $failed suite run(s) failed"
  exit 1
fi
echo "devnet-clients: every suite passed on skyr devnet and Anvil"
