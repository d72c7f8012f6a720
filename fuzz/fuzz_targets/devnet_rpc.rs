//! libFuzzer entry of the `devnet_rpc` target (see `skyr_fuzz::devnet` and FUZZING.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    skyr_fuzz::devnet::devnet_rpc(data);
});
