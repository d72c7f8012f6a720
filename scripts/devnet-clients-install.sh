#!/usr/bin/env bash
# Installs the pinned clients the devnet is tested with into target/clients: npm packages from
# tests/devnet-clients/package-lock.json (Foundry's cast, anvil and forge 1.7.1, ethers, viem,
# solc-js, OpenZeppelin) and a Python venv with web3 from requirements.txt. Does nothing when
# what is installed matches the pins. Prints the folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/tests/devnet-clients"
clients="$root/target/clients"
mkdir -p "$clients"
pins=$(cat "$src/package.json" "$src/package-lock.json" "$src/requirements.txt" | sha256sum | cut -c1-16)
if [ "$(cat "$clients/.installed" 2>/dev/null)" != "$pins" ]; then
  cp "$src/package.json" "$src/package-lock.json" "$clients/"
  (cd "$clients" && npm ci --no-audit --no-fund --silent) >&2
  python3 -m venv "$clients/venv" >&2
  "$clients/venv/bin/pip" install --quiet --disable-pip-version-check -r "$src/requirements.txt" >&2
  echo "$pins" > "$clients/.installed"
fi
echo "$clients"
