#!/usr/bin/env bash
# skyr devnet against a real client: Foundry's `cast` (npm @foundry-rs/cast-linux-amd64,
# pinned, installed into target/clients by devnet-clients-install.sh) deploys Counter from tests/fevm, sends, calls, reads
# a receipt, logs, balance, code and storage, sees a revert reason, and drives the chain as a
# test suite does (snapshot and revert, time, balance, code and storage set by hand, a send
# from an impersonated account, `cast send --unlocked`). Needs the official
# bundles (../shared/bundles); says SKIPPED loudly without them. Exits non-zero on any mismatch.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bundles="${1:-$root/../shared/bundles}"
if [ ! -f "$bundles/v18/builtin-actors-mainnet.car" ]; then
  echo "!! SKIPPED: devnet client checks: no v18 bundle in $bundles"
  exit 0
fi
clients=$("$root/scripts/devnet-clients-install.sh")
cast="$clients/node_modules/@foundry-rs/cast-linux-amd64/bin/cast"
skyr="$root/target/debug/skyr"
log=$(mktemp)
"$skyr" devnet --bundles "$bundles" --port 0 --genesis-time 1700000000 > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 600); do
  url=$(sed -n 's/^Listening on \(http:.*\)$/\1/p' "$log")
  [ -n "$url" ] && break
  kill -0 $pid 2>/dev/null || { cat "$log"; echo "devnet exited"; exit 1; }
  sleep 0.2
done
[ -n "$url" ] || { cat "$log"; echo "devnet did not start"; exit 1; }
export ETH_RPC_URL="$url"
key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
me=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
passed=0
failed=0
check() { # name, expected, actual
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "ok   $1"
  else failed=$((failed + 1)); echo "FAIL $1: expected [$2], got [$3]"; fi
}
check "cast chain-id" 31415926 "$("$cast" chain-id)"
check "cast balance" 10000000000000000000000 "$("$cast" balance $me)"
init="$(cat "$root/tests/fevm/build/Counter.bin")$("$cast" abi-encode 'f(uint256)' 5 | sed 's/^0x//')"
out=$("$cast" send --private-key $key --create "$init" --json)
addr=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["contractAddress"])')
check "cast send --create: address" 0x5fbdb2315678afecb367f032d93f642f64180aa3 "$addr"
check "cast code" "0x$(cat "$root/tests/fevm/build/Counter.bin-runtime")" "$("$cast" code $addr)"
check "cast call count()" 5 "$("$cast" call $addr 'count()(uint256)')"
tx=$("$cast" send --private-key $key $addr 'inc(bytes)' 0x1234 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["transactionHash"])')
check "cast receipt status" true "$("$cast" receipt $tx status)"
check "cast call after send" 6 "$("$cast" call $addr 'count()(uint256)')"
check "cast storage slot 0" 0x0000000000000000000000000000000000000000000000000000000000000006 "$("$cast" storage $addr 0)"
topic=$("$cast" keccak 'Incremented(address,uint256,bytes)')
check "cast logs" 1 "$("$cast" logs --from-block 0 --address $addr --json "$topic" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
reason=$("$cast" call $addr 'fail(string)' boom 2>&1 || true)
case "$reason" in *"Error(boom)"*) check "cast call revert reason" yes yes ;; *) check "cast call revert reason" "Error(boom)" "$reason" ;; esac
check "cast send value to a fresh address" 1 "$("$cast" send --private-key $key 0x4242424242424242424242424242424242424242 --value 7 --json | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["status"], 16))')"
check "cast balance of it" 7 "$("$cast" balance 0x4242424242424242424242424242424242424242)"
rpc() { "$cast" rpc "$@" | tr -d '"'; }
# A test suite's side: a snapshot, a transaction, the revert.
snap=$(rpc evm_snapshot)
"$cast" send --private-key $key $addr 'inc(bytes)' 0x > /dev/null
check "count after a send past the snapshot" 7 "$("$cast" call $addr 'count()(uint256)')"
check "cast rpc evm_revert" true "$(rpc evm_revert "$snap")"
check "count after the revert" 6 "$("$cast" call $addr 'count()(uint256)')"
before=$("$cast" block latest --field timestamp)
rpc evm_increaseTime 3600 > /dev/null
rpc evm_mine > /dev/null
check "evm_increaseTime then evm_mine" $((before + 30 + 3600)) "$("$cast" block latest --field timestamp)"
stranger=0x4343434343434343434343434343434343434343
rpc anvil_setBalance $stranger 0xde0b6b3a7640000 > /dev/null
check "anvil_setBalance" 1000000000000000000 "$("$cast" balance $stranger)"
rpc anvil_impersonateAccount $stranger > /dev/null
check "cast send --unlocked from an impersonated account" 1 "$("$cast" send --unlocked --from $stranger $addr 'inc(bytes)' 0x --json | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["status"], 16))')"
check "count after the impersonated send" 7 "$("$cast" call $addr 'count()(uint256)')"
rpc anvil_setStorageAt $addr 0x0 0x$(printf '%064x' 77) > /dev/null
check "anvil_setStorageAt read by the contract" 77 "$("$cast" call $addr 'count()(uint256)')"
runtime="0x$(cat "$root/tests/fevm/build/Counter.bin-runtime")"
rpc anvil_setCode 0x4444444444444444444444444444444444444444 "$runtime" > /dev/null
check "anvil_setCode" "$runtime" "$("$cast" code 0x4444444444444444444444444444444444444444)"
echo "devnet-cast: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
