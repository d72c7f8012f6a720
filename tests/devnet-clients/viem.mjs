// viem 2 against a node (skyr devnet or Anvil): the client list — an OpenZeppelin
// ERC-20 deployed, a transfer and its event, eth_getLogs, a reason string and a custom error
// from a call, an estimate and a mined failed transaction, a legacy transaction, CREATE2, state
// at an older block, a fresh address, the FEVM's actor precompile, SELFDESTRUCT — and a test
// client's snapshot and impersonation. Where the FEVM differs on purpose the check says so.
// Usage: node viem.mjs URL skyr|anvil ARTIFACTS.json
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  decodeEventLog,
  decodeErrorResult,
  encodeFunctionData,
  getContractAddress,
  keccak256,
  concat,
  toHex,
  parseEther,
  zeroAddress,
  decodeAbiParameters,
  BaseError,
  ContractFunctionRevertedError,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { suite, KEYS, FRESH_KEY, CREATE2_DEPLOYER, EMPTY_HASH } from "./harness.mjs";

const [url, target, artifactsPath] = process.argv.slice(2);
const t = suite("viem", url, target, artifactsPath);
const A = t.artifacts;
const transport = http(url);
const pub = createPublicClient({ transport, pollingInterval: 50 });
const chainId = await pub.getChainId();
const chain = {
  id: chainId,
  name: t.fevm ? "skyr devnet" : "anvil",
  nativeCurrency: { name: "FIL", symbol: "FIL", decimals: 18 },
  rpcUrls: { default: { http: [url] } },
};
const [acc0, acc1, acc2] = KEYS.map((k) => privateKeyToAccount(k));
const wallet = (account) => createWalletClient({ account, chain, transport });
const w0 = wallet(acc0);
const w1 = wallet(acc1);
const test = createTestClient({ chain, mode: "anvil", transport });
const bigGas = t.fevm ? 200_000_000n : 3_000_000n;
const mined = (hash) => pub.waitForTransactionReceipt({ hash, pollingInterval: 50 });
let token;
let transferBlock;

/** The custom error or reason string a viem error carries. */
function revertOf(e) {
  const r = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
  return r ? (r.data?.errorName === "Error" ? r.data.args[0] : r.data?.errorName) : undefined;
}

await t.check("deploy an OpenZeppelin ERC-20 at Ethereum's CREATE address", async () => {
  const hash = await w0.deployContract({ abi: A.Token.abi, bytecode: A.Token.bytecode, args: [10n ** 24n] });
  const r = await mined(hash);
  token = r.contractAddress;
  t.eq(token, getContractAddress({ from: acc0.address, nonce: 0n }).toLowerCase(), "address");
  t.eq(await pub.getCode({ address: token }), A.Token.runtime, "runtime code");
  t.eq(await pub.readContract({ address: token, abi: A.Token.abi, functionName: "name" }), "Skyr Token", "name");
});

await t.check("transfer, its Transfer event, eth_getLogs", async () => {
  const hash = await w0.writeContract({ address: token, abi: A.Token.abi, functionName: "transfer", args: [acc1.address, 5n] });
  const r = await mined(hash);
  t.eq(r.status, "success", "status");
  transferBlock = r.blockNumber;
  const ev = decodeEventLog({ abi: A.Token.abi, ...r.logs[0] });
  t.eq(ev.eventName, "Transfer", "event");
  t.eq(ev.args.value, 5n, "value");
  const logs = await pub.getContractEvents({ address: token, abi: A.Token.abi, eventName: "Transfer", args: { to: acc1.address }, fromBlock: 0n });
  t.eq(logs.length, 1, "logs to acc1");
  t.eq(logs[0].transactionHash, hash, "its log");
});

await t.check("a reason string and a custom error from calls and estimates", async () => {
  const e1 = await t.fails(pub.readContract({ address: token, abi: A.Token.abi, functionName: "guarded", args: [11n] }), "guarded");
  t.eq(revertOf(e1), "x must be below 10", "reason string");
  const e2 = await t.fails(
    pub.simulateContract({ account: acc1, address: token, abi: A.Token.abi, functionName: "strictTransfer", args: [acc2.address, 100n] }),
    "simulate",
  );
  t.eq(revertOf(e2), "NotEnough", "custom error from eth_call");
  const e3 = await t.fails(
    pub.estimateContractGas({ account: acc1, address: token, abi: A.Token.abi, functionName: "strictTransfer", args: [acc2.address, 100n] }),
    "estimate",
  );
  t.eq(revertOf(e3), "NotEnough", "custom error from eth_estimateGas");
});

await t.check("a mined failed transaction, its error read back", async () => {
  const hash = await w1.writeContract({ address: token, abi: A.Token.abi, functionName: "strictTransfer", args: [acc2.address, 100n], gas: bigGas });
  const r = await mined(hash);
  t.eq(r.status, "reverted", "status");
  const tx = await pub.getTransaction({ hash });
  const e = await t.fails(pub.call({ account: acc1, to: token, data: tx.input, blockNumber: r.blockNumber - 1n }), "replayed");
  const data = e.walk((x) => x.data)?.data;
  t.eq(decodeErrorResult({ abi: A.Token.abi, data }).errorName, "NotEnough", "its error");
});

await t.check("a legacy transaction", async () => {
  const gasPrice = (await pub.getGasPrice()) * 2n;
  const hash = await w0.sendTransaction({ to: acc2.address, value: 1n, type: "legacy", gasPrice, gas: bigGas / 4n });
  t.eq((await mined(hash)).status, "success", "status");
  t.eq((await pub.getTransaction({ hash })).type, "legacy", "type");
});

await t.check("CREATE2 through the deployer lands where predicted", async () => {
  const salt = keccak256(toHex("viem"));
  const predicted = getContractAddress({ from: CREATE2_DEPLOYER, salt, bytecode: A.Doomed.bytecode, opcode: "CREATE2" });
  const hash = await w0.sendTransaction({ to: CREATE2_DEPLOYER, data: concat([salt, A.Doomed.bytecode]), gas: bigGas });
  t.eq((await mined(hash)).status, "success", "status");
  t.eq(await pub.getCode({ address: predicted }), A.Doomed.runtime, "code at the prediction");
});

await t.check("state at an older block", async () => {
  const read = (blockNumber) => pub.readContract({ address: token, abi: A.Token.abi, functionName: "balanceOf", args: [acc1.address], blockNumber });
  t.eq(await read(transferBlock - 1n), 0n, "before");
  t.eq(await read(transferBlock), 5n, "at");
});

await t.check("value to a fresh address, then from it once funded", async () => {
  const fresh = privateKeyToAccount(FRESH_KEY);
  t.eq((await mined(await w0.sendTransaction({ to: fresh.address, value: parseEther("2") }))).status, "success", "funding");
  t.eq(await pub.getTransactionCount({ address: fresh.address }), 0, "nonce");
  t.eq((await pub.getCode({ address: fresh.address })) ?? "0x", "0x", "no code");
  const back = await wallet(fresh).sendTransaction({ to: acc0.address, value: parseEther("1") });
  t.eq((await mined(back)).status, "success", "its own transaction");
});

let probe;
await t.check("an actor through the 0xfe precompiles (FEVM only)", async () => {
  probe = (await mined(await w0.deployContract({ abi: A.Probe.abi, bytecode: A.Probe.bytecode }))).contractAddress;
  const { result } = await pub.simulateContract({ account: acc0, address: probe, abi: A.Probe.abi, functionName: "resolve", args: ["0x0063"] });
  t.eq(result[1], t.fevm ? toHex(99, { size: 32 }) : "0x", "resolve_address of f099 (absent on Ethereum)");
  if (t.fevm) {
    // call_actor_id by DELEGATECALL, CBOR params (codec 0x51), to the EthAccount at 0x0…0.
    const f4 = (await t.rpc("Filecoin.EthAddressToFilecoinAddress", [zeroAddress])).result;
    const id = BigInt((await t.rpc("Filecoin.StateLookupID", [f4, []])).result.slice(2));
    const call = await pub.simulateContract({ account: acc0, address: probe, abi: A.Probe.abi, functionName: "callActor", args: [3844450837n, 0n, 0x51n, "0x40", id] });
    t.ok(call.result[0], "call_actor_id ran");
    const [exit] = decodeAbiParameters([{ type: "int256" }, { type: "uint64" }, { type: "bytes" }], call.result[1]);
    t.eq(exit, 0n, "the actor's exit code");
  }
  const h = await pub.readContract({ address: probe, abi: A.Probe.abi, functionName: "codehash", args: ["0xfe00000000000000000000000000000000000003"] });
  t.eq(h, t.fevm ? EMPTY_HASH : "0x" + "00".repeat(32), "extcodehash of a precompile");
});

await t.check("SELFDESTRUCT, seen from the next transaction", async () => {
  const doomed = (await mined(await w0.deployContract({ abi: A.Doomed.abi, bytecode: A.Doomed.bytecode, value: 500n }))).contractAddress;
  const heir = "0x000000000000000000000000000000000000dead";
  const before = await pub.getBalance({ address: heir });
  const hash = await w0.writeContract({ address: probe, abi: A.Probe.abi, functionName: "destroyThenPing", args: [doomed, heir], gas: bigGas });
  t.eq((await mined(hash)).status, "success", "status");
  t.eq((await pub.getBalance({ address: heir })) - before, 500n, "the heir got the balance");
  const code = (await pub.getCode({ address: doomed })) ?? "0x";
  t.eq(code, t.fevm ? "0x" : A.Doomed.runtime, "code after (EIP-6780 keeps it on Ethereum)");
});

await t.check("a test client's snapshot and revert", async () => {
  const id = await test.snapshot();
  await mined(await w0.writeContract({ address: token, abi: A.Token.abi, functionName: "transfer", args: [acc2.address, 9n] }));
  await test.revert({ id });
  const bal = await pub.readContract({ address: token, abi: A.Token.abi, functionName: "balanceOf", args: [acc2.address] });
  t.eq(bal, 0n, "back");
});

await t.check("impersonation from a test client", async () => {
  const whale = "0x000000000000000000000000000000000000bEEF";
  await test.setBalance({ address: whale, value: parseEther("5") });
  await test.impersonateAccount({ address: whale });
  const hash = await createWalletClient({ account: whale, chain, transport }).sendTransaction({ to: acc1.address, value: 3n, gas: bigGas / 4n });
  const r = await mined(hash);
  t.eq(r.status, "success", "status");
  t.eq(r.from, whale.toLowerCase(), "from");
  await test.stopImpersonatingAccount({ address: whale });
});

t.done();
