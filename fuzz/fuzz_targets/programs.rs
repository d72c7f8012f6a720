//! libFuzzer entry of the `programs` target (see `skyr_fuzz::differential::programs` and FUZZING.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    skyr_fuzz::differential::programs(data);
});
