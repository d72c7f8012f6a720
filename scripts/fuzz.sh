#!/usr/bin/env bash
# Runs one fuzz target under libFuzzer (cargo fuzz) for a while; installs cargo-fuzz first
# if it is missing. Usage: scripts/fuzz.sh <target> [seconds, default 600] [libFuzzer flags]
# Targets: vector_json car cbor_params programs modules wasm_bytes mainnet_messages
# (FUZZING.md says what each does). The growing corpus goes to fuzz/corpus/<target>
# (not committed), crashes to fuzz/artifacts/<target>; the committed seeds are read from
# fuzz/seeds/<target> and the regressions from fuzz/regressions/<target>.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?"usage: scripts/fuzz.sh <target> [seconds] [libFuzzer flags]"}
seconds=${2:-600}
shift $(( $# >= 2 ? 2 : 1 ))
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
cd "$root/fuzz"
mkdir -p "corpus/$target" "regressions/$target"
# cargo fuzz wants nightly for its flags; the machine's stable rustc takes them with
# RUSTC_BOOTSTRAP (and stable cargo takes fuzz/Cargo.toml's profile-rustflags, which keep
# libFuzzer's coverage out of wasmtime's code generator). No sanitizer: the targets are safe Rust, and a finding is a panic or a
# property, which libFuzzer sees without one (and the build is half as slow). -O: without it
# cargo fuzz turns on debug assertions and overflow checks in every crate, the references
# too, which nodes build without them (fvm 4's init actor panics at u64::MAX where its
# release build wraps); fuzz/Cargo.toml turns them on for Skyr alone.
export RUSTC_BOOTSTRAP=1
exec cargo fuzz run -O -s none "$target" "corpus/$target" "seeds/$target" "regressions/$target" -- \
  -max_total_time="$seconds" -timeout=300 -rss_limit_mb=8192 -print_final_stats=1 "$@"
