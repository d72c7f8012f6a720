#!/usr/bin/env node
// solc's command line, as forge calls it (`--version`, `--standard-json` on stdin), answered by
// the pinned solc-js: forge fetches native compilers from binaries.soliditylang.org, which this
// machine cannot reach, and accepts any compiler path (`forge --use PATH`).
const path = require("node:path");
const fs = require("node:fs");
const solc = require(path.join(__dirname, "..", "node_modules", "solc"));
const args = process.argv.slice(2);
if (args.includes("--version")) {
  const v = solc.version().replace(".Emscripten.clang", ".Linux.g++");
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${v}\n`);
} else if (args.includes("--standard-json")) {
  const input = fs.readFileSync(0, "utf8");
  const read = (p) => {
    for (const base of [process.cwd(), ...args.filter((a, i) => args[i - 1] === "--include-path" || args[i - 1] === "--base-path")]) {
      const f = path.resolve(base, p);
      if (fs.existsSync(f)) return { contents: fs.readFileSync(f, "utf8") };
    }
    return { error: `not found: ${p}` };
  };
  process.stdout.write(solc.compile(input, { import: read }));
} else {
  process.stderr.write(`solc-wrapper: only --version and --standard-json are served (got ${args.join(" ")})\n`);
  process.exit(1);
}
