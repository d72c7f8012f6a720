//! libFuzzer entry of the `modules` target (see `skyr_fuzz::differential::modules` and FUZZING.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    skyr_fuzz::differential::modules(data);
});
