// Compiles the client suites' contracts with solc-js (pinned in package.json), OpenZeppelin
// imports read from node_modules; writes {name: {abi, bytecode, runtime}} as JSON.
// Usage: node compile.mjs NODE_MODULES OUT.json
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [modules, out] = process.argv.slice(2);
const require = createRequire(path.join(modules, "x.js"));
const solc = require("solc");
const here = path.dirname(new URL(import.meta.url).pathname);
const sources = {};
for (const f of fs.readdirSync(path.join(here, "contracts"))) {
  sources[f] = { content: fs.readFileSync(path.join(here, "contracts", f), "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "paris",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const find = (p) => {
  const f = path.join(modules, p);
  return fs.existsSync(f) ? { contents: fs.readFileSync(f, "utf8") } : { error: `not found: ${p}` };
};
const result = JSON.parse(solc.compile(JSON.stringify(input), { import: find }));
const errors = (result.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join("\n"));
  process.exit(1);
}
const artifacts = {};
for (const file of Object.keys(sources)) {
  for (const [name, c] of Object.entries(result.contracts[file])) {
    artifacts[name] = {
      abi: c.abi,
      bytecode: "0x" + c.evm.bytecode.object,
      runtime: "0x" + c.evm.deployedBytecode.object,
    };
  }
}
fs.writeFileSync(out, JSON.stringify(artifacts));
console.error(`compiled ${Object.keys(artifacts).join(", ")} with solc ${solc.version()}`);
