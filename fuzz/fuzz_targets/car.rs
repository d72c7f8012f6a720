//! libFuzzer entry of the `car` target (see `skyr_fuzz::parsers::car` and FUZZING.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    skyr_fuzz::parsers::car(data);
});
