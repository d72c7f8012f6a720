// The devnet workload of the speed bench, against one node: 200 value transfers and 200
// contract calls each sent and awaited in turn (as a test suite does, through ethers), then
// 200 transfers sent in a burst and awaited together. Prints one JSON line of figures.
// Usage: node bench.mjs URL ARTIFACTS.json
import fs from "node:fs";
import { ethers } from "ethers";

const [url, artifactsPath] = process.argv.slice(2);
const A = JSON.parse(fs.readFileSync(artifactsPath, "utf8"));
const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
provider.pollingInterval = 10;
const key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const wallet = new ethers.Wallet(key, provider);
const N = 200;
const to = "0x00000000000000000000000000000000000b0b00";
const chainId = (await provider.getNetwork()).chainId;
const fee = (await provider.getFeeData()).maxFeePerGas * 4n;
// One estimate per kind, as a suite's fixtures do; every transaction then carries its gas.
const transferGas = (await provider.estimateGas({ from: wallet.address, to, value: 1n })) * 2n;
let nonce = await provider.getTransactionCount(wallet.address);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

async function sequential(make) {
  const lat = [];
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const tx = await wallet.sendTransaction({ ...make(), nonce: nonce++, chainId, maxFeePerGas: fee, maxPriorityFeePerGas: 200000n });
    const r = await provider.waitForTransaction(tx.hash);
    if (r.status !== 1) throw new Error(`transaction ${i} failed`);
    lat.push(performance.now() - t0);
  }
  const secs = (performance.now() - start) / 1000;
  return { tps: N / secs, p50_ms: median(lat) };
}

const transfers = await sequential(() => ({ to, value: 1n, gasLimit: transferGas }));
const f = new ethers.ContractFactory(A.Token.abi, A.Token.bytecode, wallet);
const token = await f.deploy(10n ** 24n, { nonce: nonce++, maxFeePerGas: fee, maxPriorityFeePerGas: 200000n });
await token.waitForDeployment();
const data = token.interface.encodeFunctionData("transfer", [to, 1n]);
const callGas = (await provider.estimateGas({ from: wallet.address, to: await token.getAddress(), data })) * 2n;
const calls = await sequential(() => ({ to: token.target, data, gasLimit: callGas }));

const signed = [];
for (let i = 0; i < N; i++) {
  signed.push(await wallet.signTransaction({ to, value: 1n, nonce: nonce++, chainId, gasLimit: transferGas, maxFeePerGas: fee, maxPriorityFeePerGas: 200000n, type: 2 }));
}
const b0 = performance.now();
const hashes = await Promise.all(signed.map((s) => provider.send("eth_sendRawTransaction", [s])));
const receipts = await Promise.all(hashes.map((h) => provider.waitForTransaction(h)));
if (receipts.some((r) => r.status !== 1)) throw new Error("a burst transaction failed");
const burstSecs = (performance.now() - b0) / 1000;
console.log(JSON.stringify({ transfers, calls, burst: { tps: N / burstSecs, secs: burstSecs } }));
