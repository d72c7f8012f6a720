//! libFuzzer entry of the `mainnet_messages` target (see `skyr_fuzz::differential::mainnet_messages` and FUZZING.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    skyr_fuzz::differential::mainnet_messages(data);
});
