//! libFuzzer entry of the `cbor_params` target (see `skyr_fuzz::differential::cbor_params` and FUZZING.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    skyr_fuzz::differential::cbor_params(data);
});
