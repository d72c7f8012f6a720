// What the JavaScript client suites share: a named check list that reports each check and
// exits non-zero when one failed, raw JSON-RPC for what a library hides, and the fixtures.
import fs from "node:fs";

/** A suite's checks against one node: `fevm` says whether it is skyr devnet (else Anvil). */
export function suite(name, url, target, artifactsPath) {
  let passed = 0;
  let failed = 0;
  const t = {
    url,
    fevm: target === "skyr",
    artifacts: JSON.parse(fs.readFileSync(artifactsPath, "utf8")),
    async check(label, fn) {
      try {
        await fn();
        passed++;
        console.log(`ok   ${name}/${target}: ${label}`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${name}/${target}: ${label}: ${e && e.stack ? e.stack.split("\n").slice(0, 4).join(" | ") : e}`);
      }
    },
    eq(got, want, what = "") {
      if (String(got) !== String(want)) throw new Error(`${what}: expected ${want}, got ${got}`);
    },
    ok(cond, what) {
      if (!cond) throw new Error(what);
    },
    async rpc(method, params = []) {
      const r = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      });
      return r.json();
    },
    async fails(promise, what) {
      try {
        await promise;
      } catch (e) {
        return e;
      }
      throw new Error(`${what}: expected a failure`);
    },
    done() {
      console.log(`${name}/${target}: ${passed} passed, ${failed} failed`);
      process.exit(failed ? 1 : 0);
    },
  };
  return t;
}

/** Anvil's first dev keys (the devnet's too). */
export const KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
];
/** A key nobody funded: a fresh address. */
export const FRESH_KEY = "0x1111111111111111111111111111111111111111111111111111111111111111";
/** The CREATE2 deployer on both chains. */
export const CREATE2_DEPLOYER = "0x4e59b44847b379578588920cA78FbF26c0B4956C";
/** Code that runs CALLCODE on itself: PUSH1 0 ×5, ADDRESS, GAS, CALLCODE, STOP. */
export const CALLCODE_CODE = "0x60006000600060006000305af200";
/** Init code returning one byte, 0xEF (EIP-3541 refuses it). */
export const EF_INITCODE = "0x60ef60005360016000f3";
/** keccak256 of nothing. */
export const EMPTY_HASH = "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";
