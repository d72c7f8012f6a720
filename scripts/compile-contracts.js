// Compiles every .sol file of a folder with the solc package (its JavaScript build) through
// the standard JSON interface, with settings that make the bytes reproducible anywhere: a
// pinned compiler, the optimizer at 200 runs, EVM "paris" (no PUSH0, which the FEVM of
// network version 18 lacks), and no metadata hash appended.
// Usage: node scripts/compile-contracts.js SOLC_MODULE_DIR SOURCES_DIR OUT_DIR
"use strict";
const fs = require("fs");
const path = require("path");

const [solcDir, srcDir, outDir] = process.argv.slice(2);
if (!solcDir || !srcDir || !outDir) {
  console.error("usage: compile-contracts.js SOLC_MODULE_DIR SOURCES_DIR OUT_DIR");
  process.exit(2);
}
const solc = require(path.resolve(solcDir));

const sources = {};
for (const f of fs.readdirSync(srcDir).filter((f) => f.endsWith(".sol")).sort()) {
  sources[f] = { content: fs.readFileSync(path.join(srcDir, f), "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "paris",
    metadata: { bytecodeHash: "none", appendCBOR: false },
    outputSelection: {
      "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] },
    },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const e of output.errors || []) {
  console.error(e.formattedMessage);
}
if (errors.length > 0) {
  process.exit(1);
}
fs.mkdirSync(outDir, { recursive: true });
for (const file of Object.keys(output.contracts).sort()) {
  for (const name of Object.keys(output.contracts[file]).sort()) {
    const c = output.contracts[file][name];
    fs.writeFileSync(path.join(outDir, `${name}.bin`), c.evm.bytecode.object + "\n");
    fs.writeFileSync(path.join(outDir, `${name}.bin-runtime`), c.evm.deployedBytecode.object + "\n");
    fs.writeFileSync(path.join(outDir, `${name}.abi.json`), JSON.stringify(c.abi, null, 1) + "\n");
  }
}
console.error(`compiled with solc ${solc.version()}`);
