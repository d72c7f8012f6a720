// ethers 6 against a node (skyr devnet or Anvil): an OpenZeppelin ERC-20 deployed and used,
// reverts read three ways, legacy transactions, CREATE2, history, a fresh address, the FEVM's
// precompiles, SELFDESTRUCT, block fields, a test suite's snapshot and impersonation, and every
// check of devnet.md §8.3. Where the FEVM differs from Ethereum on purpose, the check says so
// and asserts each chain's own behaviour.
// Usage: node ethers.mjs URL skyr|anvil ARTIFACTS.json
import { ethers } from "ethers";
import { suite, KEYS, FRESH_KEY, CREATE2_DEPLOYER, CALLCODE_CODE, EF_INITCODE, EMPTY_HASH } from "./harness.mjs";

const [url, target, artifactsPath] = process.argv.slice(2);
const t = suite("ethers", url, target, artifactsPath);
const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
provider.pollingInterval = 50;
const [w0, w1, w2] = KEYS.map((k) => new ethers.NonceManager(new ethers.Wallet(k, provider)));
const a0 = await w0.getAddress();
const a1 = await w1.getAddress();
const a2 = await w2.getAddress();
const A = t.artifacts;
// FVM gas: a transaction needs millions just to be included; Anvil's blocks hold 30 M.
const bigGas = t.fevm ? 200_000_000n : 3_000_000n;
let token;
let transferBlock;

await t.check("deploy an OpenZeppelin ERC-20 at Ethereum's CREATE address", async () => {
  const f = new ethers.ContractFactory(A.Token.abi, A.Token.bytecode, w0);
  token = await f.deploy(10n ** 24n);
  await token.waitForDeployment();
  t.eq((await token.getAddress()).toLowerCase(), "0x5fbdb2315678afecb367f032d93f642f64180aa3", "address");
  t.eq(await provider.getCode(await token.getAddress()), A.Token.runtime, "runtime code");
  t.eq(await token.symbol(), "SKY", "symbol");
  const r = await provider.getTransactionReceipt(token.deploymentTransaction().hash);
  t.ok(r.logs.length === 1, "the mint's Transfer log");
  t.eq(r.contractAddress.toLowerCase(), (await token.getAddress()).toLowerCase(), "contractAddress");
  if (t.fevm) t.ok(r.gasUsed > 1_000_000n, `FVM gas (differs on purpose): ${r.gasUsed}`);
  // eth_call of a creation returns nothing on the FEVM (the EAM answers), the code on Ethereum.
  const created = await provider.call({ from: a0, data: A.Token.bytecode + "00".repeat(31) + "01" });
  t.eq(created, t.fevm ? "0x" : A.Token.runtime, "eth_call of a creation");
});

await t.check("transfer, its Transfer event decoded, eth_getLogs by topic", async () => {
  const tx = await token.transfer(a1, 5n);
  const r = await tx.wait();
  t.eq(r.status, 1, "status");
  transferBlock = r.blockNumber;
  const ev = token.interface.parseLog(r.logs[0]);
  t.eq(ev.name, "Transfer", "event");
  t.eq(ev.args.to, a1, "to");
  t.eq(ev.args.value, 5n, "value");
  t.ok(r.effectiveGasPrice > 0n || r.gasPrice > 0n, "effectiveGasPrice");
  const found = await token.queryFilter(token.filters.Transfer(a0, a1), 0);
  t.eq(found.length, 1, "logs from a0 to a1");
  t.eq(found[0].transactionHash, tx.hash, "the transfer's log");
});

await t.check("a require reason from eth_call", async () => {
  const e = await t.fails(token.guarded(11), "guarded(11)");
  t.eq(e.reason, "x must be below 10", "reason");
});

await t.check("a custom error from eth_call and eth_estimateGas", async () => {
  const c = token.connect(w1);
  const e = await t.fails(c.strictTransfer.staticCall(a2, 100n), "call");
  t.eq(e.revert?.name, "NotEnough", "decoded error");
  t.eq(e.revert?.args?.[0], 5n, "have");
  const g = await t.fails(c.strictTransfer.estimateGas(a2, 100n), "estimate");
  t.eq(token.interface.parseError(g.data)?.name, "NotEnough", "the estimate's revert data");
});

await t.check("a mined failed transaction", async () => {
  const tx = await token.connect(w1).strictTransfer(a2, 100n, { gasLimit: bigGas });
  const e = await t.fails(tx.wait(), "wait");
  t.eq(e.receipt?.status, 0, "status 0");
  const again = await t.fails(token.connect(w1).strictTransfer.staticCall(a2, 100n, { blockTag: e.receipt.blockNumber - 1 }), "replayed");
  t.eq(again.revert?.name, "NotEnough", "its error, replayed at its parent block");
});

await t.check("a legacy (EIP-155) transaction", async () => {
  const gasPrice = (await provider.getFeeData()).gasPrice * 2n;
  const tx = await w0.sendTransaction({ to: a2, value: 1n, type: 0, gasPrice, gasLimit: bigGas / 4n });
  const r = await tx.wait();
  t.eq(r.status, 1, "status");
  t.eq((await provider.getTransaction(tx.hash)).type, 0, "type");
});

await t.check("CREATE2 through the deployer lands where predicted", async () => {
  const salt = ethers.id("skyr");
  const init = A.Doomed.bytecode;
  const predicted = ethers.getCreate2Address(CREATE2_DEPLOYER, salt, ethers.keccak256(init));
  const tx = await w0.sendTransaction({ to: CREATE2_DEPLOYER, data: ethers.concat([salt, init]), gasLimit: bigGas });
  t.eq((await tx.wait()).status, 1, "status");
  t.eq(await provider.getCode(predicted), A.Doomed.runtime, "code at the prediction");
});

await t.check("state at an older block", async () => {
  t.eq(await token.balanceOf(a1, { blockTag: transferBlock - 1 }), 0n, "before the transfer");
  t.eq(await token.balanceOf(a1, { blockTag: transferBlock }), 5n, "at it");
});

await t.check("value to a fresh address, then from it once funded", async () => {
  const fresh = new ethers.Wallet(FRESH_KEY, provider);
  const r = await (await w0.sendTransaction({ to: fresh.address, value: ethers.parseEther("2") })).wait();
  t.eq(r.status, 1, "funding");
  t.eq(await provider.getCode(fresh.address), "0x", "no code");
  t.eq(await provider.getTransactionCount(fresh.address), 0, "nonce");
  const back = await (await fresh.sendTransaction({ to: a0, value: ethers.parseEther("1") })).wait();
  t.eq(back.status, 1, "its own transaction");
  t.eq(await provider.getTransactionCount(fresh.address), 1, "nonce after");
});

let probe;
await t.check("an actor through the 0xfe precompiles (FEVM only)", async () => {
  const f = new ethers.ContractFactory(A.Probe.abi, A.Probe.bytecode, w0);
  probe = await f.deploy();
  await probe.waitForDeployment();
  // resolve_address: the f0 address of actor 99 (burnt funds): protocol 0, LEB128 99.
  const [ok, out] = await probe.resolve.staticCall("0x0063");
  t.ok(ok, "resolve ran");
  t.eq(out, t.fevm ? ethers.toBeHex(99, 32) : "0x", "resolve_address (absent on Ethereum)");
  // call_actor_id by DELEGATECALL: InvokeEVM-range method 3844450837 on the EthAccount at 0x0…0,
  // CBOR params (codec 0x51) succeed; DAG-CBOR (0x71) is refused; CALL is refused.
  const zero = await t.rpc("Filecoin.EthAddressToFilecoinAddress", [ethers.ZeroAddress]);
  if (t.fevm) {
    const id = Number((await t.rpc("Filecoin.StateLookupID", [zero.result, []])).result.slice(2));
    const [ok51, out51] = await probe.callActor.staticCall(3844450837n, 0n, 0x51, "0x40", id);
    t.ok(ok51, "codec 0x51 runs");
    const [exit] = ethers.AbiCoder.defaultAbiCoder().decode(["int256", "uint64", "bytes"], out51);
    t.eq(exit, 0n, "the actor's exit code");
    const [ok71] = await probe.callActor.staticCall(3844450837n, 0n, 0x71, "0x40", id);
    t.ok(!ok71, "codec 0x71 is refused");
    const [okCall] = await probe.callActorByCall.staticCall(0, id);
    t.ok(!okCall, "CALL (not DELEGATECALL) is refused");
  } else {
    const [okAny, outAny] = await probe.callActor.staticCall(3844450837n, 0n, 0x51, "0x40", 1);
    t.ok(okAny && outAny === "0x", "on Ethereum 0xfe…05 is an empty account");
  }
  // extcodehash of a precompile: keccak("") on the FEVM (filecoin-solidity relies on it), 0 on Ethereum.
  t.eq(await probe.codehash("0xfe00000000000000000000000000000000000003"), t.fevm ? EMPTY_HASH : ethers.ZeroHash, "extcodehash(0xfe…03)");
});

await t.check("block fields inside a transaction (§8.3: 3, 4)", async () => {
  const r = await (await probe.env({ gasLimit: bigGas })).wait();
  const ev = probe.interface.parseLog(r.logs[0]).args;
  const block = await provider.getBlock(r.blockNumber);
  const parent = await provider.getBlock(r.blockNumber - 1);
  t.eq(ev.number, BigInt(block.number), "NUMBER");
  t.eq(ev.timestamp, BigInt(block.timestamp), "TIMESTAMP");
  t.eq(ev.basefee, block.baseFeePerGas, "BASEFEE");
  t.eq(ev.chainid, (await provider.getNetwork()).chainId, "CHAINID");
  t.eq(ev.parentHash, parent.hash, "BLOCKHASH(n-1)");
  const tx = await provider.getTransaction(r.hash);
  if (t.fevm) {
    t.eq(ev.coinbase, ethers.ZeroAddress, "COINBASE is 0");
    t.eq(ev.gaslimit, 10_000_000_000n, "GASLIMIT is the block limit");
    t.eq(ev.gasprice, block.baseFeePerGas + tx.maxPriorityFeePerGas, "GASPRICE = base fee + premium, not capped");
  }
});

await t.check("SELFDESTRUCT: works in its transaction, gone after (Ethereum keeps the code: EIP-6780)", async () => {
  const f = new ethers.ContractFactory(A.Doomed.abi, A.Doomed.bytecode, w0);
  const doomed = await f.deploy({ value: 1000n });
  await doomed.waitForDeployment();
  const addr = await doomed.getAddress();
  const heir = ethers.Wallet.createRandom().address;
  // Destroyed, then called again in the same transaction (from the probe): it still answers.
  t.eq(await probe.destroyThenPing.staticCall(addr, heir), 42n, "same-transaction call");
  t.eq((await (await probe.destroyThenPing(addr, heir, { gasLimit: bigGas })).wait()).status, 1, "status");
  t.eq(await provider.getBalance(heir), 1000n, "the heir got the balance");
  if (t.fevm) {
    t.eq(await provider.getCode(addr), "0x", "eth_getCode");
    t.eq(await probe.codesize(addr), 0n, "extcodesize");
    t.eq(await probe.codehash(addr), EMPTY_HASH, "extcodehash");
    t.eq(await provider.getTransactionCount(addr), 0, "nonce");
  } else {
    t.eq(await provider.getCode(addr), A.Doomed.runtime, "code stays (EIP-6780)");
  }
});

await t.check("transfer into a receive() that writes storage (§8.3: 7)", async () => {
  const f = new ethers.ContractFactory(A.Probe.abi, A.Probe.bytecode, w0);
  const other = await f.deploy();
  await other.waitForDeployment();
  const tx = probe.pay(await other.getAddress(), { value: 7n, gasLimit: bigGas });
  if (t.fevm) {
    t.eq((await (await tx).wait()).status, 1, "the FEVM's stipend is 10 M gas");
    t.eq(await other.received(), 7n, "stored");
  } else {
    await t.fails((await tx).wait(), "2300-gas stipend on Ethereum");
  }
});

await t.check("CALLCODE is undefined (exit 35); 0xEF code is refused (§8.3: 8)", async () => {
  const at = "0x00000000000000000000000000000000000c0de0";
  await provider.send("anvil_setCode", [at, CALLCODE_CODE]);
  const r = await t.rpc("eth_call", [{ to: at, data: "0x" }, "latest"]);
  if (t.fevm) {
    t.ok(r.error && /35/.test(r.error.message), `exit 35: ${JSON.stringify(r)}`);
  } else {
    t.eq(r.result, "0x", "CALLCODE runs on Ethereum");
  }
  const e = await t.rpc("eth_estimateGas", [{ from: a0, data: EF_INITCODE }]);
  const c = await t.rpc("eth_call", [{ from: a0, data: EF_INITCODE }, "latest"]);
  t.ok(e.error || c.error, `0xEF: ${JSON.stringify(e)} ${JSON.stringify(c)}`);
});

await t.check("transaction types (§8.3: 9)", async () => {
  const nonce = await provider.getTransactionCount(a2);
  const fee = (await provider.getFeeData()).maxFeePerGas * 2n;
  const base = { to: a0, value: 1n, nonce, gasLimit: bigGas / 4n, chainId: (await provider.getNetwork()).chainId };
  const w = new ethers.Wallet(KEYS[2]);
  const t1 = await w.signTransaction({ ...base, type: 1, gasPrice: fee, accessList: [] });
  const r1 = await t.rpc("eth_sendRawTransaction", [t1]);
  const withList = await w.signTransaction({ ...base, type: 2, maxFeePerGas: fee, maxPriorityFeePerGas: 1n, accessList: [{ address: a0, storageKeys: [ethers.ZeroHash] }] });
  const r2 = await t.rpc("eth_sendRawTransaction", [withList]);
  if (t.fevm) {
    t.ok(r1.error && /2930/.test(r1.error.message), `type 1 refused: ${JSON.stringify(r1)}`);
    t.ok(r2.error && /access list/.test(r2.error.message), `access list refused: ${JSON.stringify(r2)}`);
  } else {
    t.ok(r1.result, "type 1 taken on Ethereum");
  }
  // Homestead: no chain ID in the signature.
  const n = await provider.getTransactionCount(a2);
  const homestead = await w.signTransaction({ to: a0, value: 1n, nonce: n, gasLimit: bigGas / 4n, gasPrice: fee, type: 0, chainId: 0n });
  const r3 = await t.rpc("eth_sendRawTransaction", [homestead]);
  t.ok(r3.result, `Homestead taken: ${JSON.stringify(r3)}`);
});

await t.check("eth_call revert: code 3, the revert bytes in data (§8.3: 10)", async () => {
  const r = await t.rpc("eth_call", [{ to: await token.getAddress(), data: token.interface.encodeFunctionData("guarded", [11]) }, "latest"]);
  t.eq(r.error?.code, 3, "code");
  t.ok(String(r.error?.data).startsWith("0x08c379a0"), `Error(string) bytes: ${r.error?.data}`);
});

await t.check("a test suite's snapshot and revert", async () => {
  const snap = await provider.send("evm_snapshot", []);
  await (await token.transfer(a2, 9n)).wait();
  t.eq(await token.balanceOf(a2), 9n, "after");
  t.eq(await provider.send("evm_revert", [snap]), true, "reverted");
  t.eq(await token.balanceOf(a2), 0n, "back");
  w0.reset();
});

await t.check("impersonation from a test suite", async () => {
  const whale = "0x000000000000000000000000000000000000beef";
  await provider.send("anvil_setBalance", [whale, ethers.toQuantity(ethers.parseEther("5"))]);
  await provider.send("anvil_impersonateAccount", [whale]);
  const signer = await provider.getSigner(whale);
  const r = await (await signer.sendTransaction({ to: a1, value: 3n, gasLimit: bigGas / 4n })).wait();
  t.eq(r.status, 1, "status");
  t.eq(r.from.toLowerCase(), whale, "from");
  await provider.send("anvil_stopImpersonatingAccount", [whale]);
});

t.done();
