#!/usr/bin/env bash
# Builds Skyr's own actors (actors/) for wasm32-unknown-unknown, as MVP + bulk memory: the
# WASM features of the official bundles. Prints the folder holding the .wasm files.
#
# Toolchain: Debian's rustc-web (1.96, with its library source) builds the wasm32 standard
# library itself (-Zbuild-std); it is installed when missing. This is the toolchain the
# committed bundle was built with, so a rebuild reproduces it byte for byte. Where only a
# rustup wasm32 target exists (SKYR_WASM_TOOLCHAIN=rustup), the plain build works too, but
# its bytes (and so code CIDs) differ.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/actors"
export CARGO_TARGET_DIR="$root/actors/target"
cargo_home=${CARGO_HOME:-$HOME/.cargo}
# Paths that end up in panic messages must not depend on the machine.
remap="--remap-path-prefix=$cargo_home/registry/src=/cargo --remap-path-prefix=$root=/skyr"
flags="-C target-cpu=mvp -C target-feature=+bulk-memory $remap"

if [ "${SKYR_WASM_TOOLCHAIN:-rustc-web}" = rustup ]; then
  RUSTFLAGS="$flags" cargo build --quiet --release --locked --target wasm32-unknown-unknown >&2
else
  if [ ! -x /usr/bin/rustc ] || [ ! -d /usr/lib/rustlib/src/rust/library ]; then
    echo "installing rustc-web (Debian) to build the wasm32 standard library..." >&2
    (apt-get update -qq && apt-get install -y -qq rustc-web cargo-web rust-web-src) >&2
  fi
  host_lld=$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS="$flags" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$host_lld" \
    /usr/bin/cargo build --quiet --release --locked --target wasm32-unknown-unknown \
    -Zbuild-std=std,panic_abort >&2
fi
echo "$root/actors/target/wasm32-unknown-unknown/release"
