// Compiles every .sol file of a folder with the solc package (its JavaScript build) through
// the standard JSON interface, with settings that make the bytes reproducible anywhere: a
// pinned compiler, the optimizer at 200 runs, EVM "paris" (no PUSH0, which the FEVM of
// network version 18 lacks), and no metadata hash appended. Imports (`@openzeppelin/…`) are
// read under IMPORT_ROOT when given (a node_modules folder). OUT is a folder of NAME.bin,
// NAME.bin-runtime and NAME.abi.json files, or, when it ends in .json, one file mapping each
// contract's name to {abi, bytecode, runtime} (hex with 0x), as the client suites read it.
// Usage: node scripts/compile-contracts.js SOLC_MODULE_DIR SOURCES_DIR OUT [IMPORT_ROOT]
"use strict";
const fs = require("fs");
const path = require("path");

const [solcDir, srcDir, outDir, importRoot] = process.argv.slice(2);
if (!solcDir || !srcDir || !outDir) {
  console.error("usage: compile-contracts.js SOLC_MODULE_DIR SOURCES_DIR OUT [IMPORT_ROOT]");
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
const findImport = (p) => {
  const f = importRoot && path.join(importRoot, p);
  return f && fs.existsSync(f) ? { contents: fs.readFileSync(f, "utf8") } : { error: `not found: ${p}` };
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const e of output.errors || []) {
  console.error(e.formattedMessage);
}
if (errors.length > 0) {
  process.exit(1);
}
if (outDir.endsWith(".json")) {
  const artifacts = {};
  for (const file of Object.keys(output.contracts).sort()) {
    for (const [name, c] of Object.entries(output.contracts[file])) {
      artifacts[name] = {
        abi: c.abi,
        bytecode: "0x" + c.evm.bytecode.object,
        runtime: "0x" + c.evm.deployedBytecode.object,
      };
    }
  }
  fs.writeFileSync(outDir, JSON.stringify(artifacts));
  console.error(`compiled ${Object.keys(artifacts).join(", ")} with solc ${solc.version()}`);
  process.exit(0);
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
