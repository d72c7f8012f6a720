//! libFuzzer entry of the `vector_json` target (see `skyr_fuzz::parsers::vector_json` and FUZZING.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    skyr_fuzz::parsers::vector_json(data);
});
