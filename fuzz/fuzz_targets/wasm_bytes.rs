//! libFuzzer entry of the `wasm_bytes` target (see `skyr_fuzz::differential::wasm_bytes` and FUZZING.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    skyr_fuzz::differential::wasm_bytes(data);
});
