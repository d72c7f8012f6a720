#!/usr/bin/env bash
# The devnet beside Anvil (its peer), same workload, same run: time from start to the first
# answer (Skyr with a cold and a warm module cache, Anvil), 200 transfers and 200 ERC-20 calls
# sent and awaited in turn through ethers (transactions per second, p50 latency), 200
# transfers in a burst, and the node's resident memory after. Medians of RUNS runs (default 3).
# Reports figures; asserts none. Uses the release build (builds it if missing).
# Usage: scripts/bench-devnet.sh [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
bundles="$root/../shared/bundles"
[ -f "$bundles/v18/builtin-actors-mainnet.car" ] || { echo "!! SKIPPED: bench-devnet needs $bundles/v18"; exit 0; }
clients=$("$root/scripts/devnet-clients-install.sh")
node "$root/scripts/compile-contracts.js" "$clients/node_modules/solc" \
  "$root/tests/devnet-clients/contracts" "$clients/artifacts.json" "$clients/node_modules" 2>/dev/null
mkdir -p "$clients/suites" && cp "$root/tests/devnet-clients"/*.mjs "$clients/suites/"
skyr="$root/target/release/skyr"
[ -x "$skyr" ] || (cd "$root" && cargo build --release --locked -p skyr-cli)
anvil="$clients/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
cache=$(mktemp -d)
out=$(mktemp)
trap 'rm -rf "$cache" "$out"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts $@ on a free port and prints "pid seconds-to-first-answer".
launch() {
  local p; p=$(port)
  local t0; t0=$(date +%s.%N)
  "$@" --port "$p" > /dev/null 2>&1 &
  local pid=$!
  until curl -s -o /dev/null -X POST -H 'content-type: application/json' \
      --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "http://127.0.0.1:$p"; do
    sleep 0.005
  done
  echo "$pid $(echo "$(date +%s.%N) - $t0" | bc) $p"
}

rss() { awk '/VmRSS/ {print $2 / 1024}' "/proc/$1/status"; }

for i in $(seq 1 "$runs"); do
  rm -rf "$cache"/*
  read -r pid cold p < <(SKYR_CACHE_DIR="$cache" launch "$skyr" devnet --bundles "$bundles" --quiet)
  kill $pid; wait $pid 2>/dev/null || true
  read -r pid warm p < <(SKYR_CACHE_DIR="$cache" launch "$skyr" devnet --bundles "$bundles" --quiet)
  w=$(node "$clients/suites/bench.mjs" "http://127.0.0.1:$p" "$clients/artifacts.json")
  echo "skyr $cold $warm $(rss $pid) $w" >> "$out"
  kill $pid; wait $pid 2>/dev/null || true
  read -r pid start p < <(launch "$anvil" --silent)
  w=$(node "$clients/suites/bench.mjs" "http://127.0.0.1:$p" "$clients/artifacts.json")
  echo "anvil $start $start $(rss $pid) $w" >> "$out"
  kill $pid; wait $pid 2>/dev/null || true
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kind, cold, warm, rss, w = line.split(" ", 4)
    w = json.loads(w)
    rows.setdefault(kind, []).append({
        "cold": float(cold), "warm": float(warm), "rss": float(rss),
        "t_tps": w["transfers"]["tps"], "t_p50": w["transfers"]["p50_ms"],
        "c_tps": w["calls"]["tps"], "c_p50": w["calls"]["p50_ms"], "b_tps": w["burst"]["tps"],
    })
med = {k: {f: statistics.median(r[f] for r in v) for f in v[0]} for k, v in rows.items()}
s, a = med["skyr"], med["anvil"]
print(f"devnet bench: medians of {len(rows['skyr'])} runs, same machine, same run")
print("| measure | skyr devnet | Anvil 1.7.1 | ratio (skyr/Anvil) |")
print("|---|---|---|---|")
def row(name, f, unit, fmt="{:.2f}"):
    print(f"| {name} | {fmt.format(s[f])} {unit} | {fmt.format(a[f])} {unit} | {s[f]/a[f]:.2f} |")
print(f"| start to first answer, cold cache | {s['cold']:.2f} s | {a['cold']:.2f} s | {s['cold']/a['cold']:.2f} |")
row("start to first answer, warm cache", "warm", "s")
row("200 transfers in turn: p50 latency", "t_p50", "ms", "{:.1f}")
row("200 transfers in turn: throughput", "t_tps", "tx/s", "{:.0f}")
row("200 ERC-20 calls in turn: p50 latency", "c_p50", "ms", "{:.1f}")
row("200 ERC-20 calls in turn: throughput", "c_tps", "tx/s", "{:.0f}")
row("200 transfers in a burst: throughput", "b_tps", "tx/s", "{:.0f}")
row("resident memory after the run", "rss", "MB", "{:.0f}")
PY
