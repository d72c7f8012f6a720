//! Garbage in, a precise `error` out: never a panic, never a pass.
use std::io::Write;

use base64::Engine as _;
use skyr::Engine;
use skyr_vectors::{run_text, BundleSet, Status};

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn gz(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).expect("gzip");
    e.finish().expect("gzip")
}

fn vector(car: &str) -> String {
    let root = "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4";
    format!(
        r#"{{"class":"message","car":"{car}","preconditions":{{"state_tree":{{"root_cid":{{"/":"{root}"}}}},"variants":[{{"id":"a","epoch":1,"nv":17}}]}},"apply_messages":[],"postconditions":{{"state_tree":{{"root_cid":{{"/":"{root}"}}}},"receipts":[]}}}}"#
    )
}

fn check(text: &str, expect: Status, needle: &str) {
    let engine = Engine::new().expect("engine");
    let r = run_text("t", text, &BundleSet::default(), &engine);
    assert_eq!(r.status, expect, "{:?}", r.reason);
    let reason = r.reason.unwrap_or_default();
    assert!(
        reason.contains(needle),
        "reason `{reason}` should mention `{needle}`"
    );
}

#[test]
fn not_json() {
    check("this is not json", Status::Error, "not JSON");
}

#[test]
fn wrong_schema() {
    check(r#"{"class": 5}"#, Status::Error, "class");
    check(r#"{"class": "message"}"#, Status::Error, "car");
    let v = vector("").replace(
        r#""variants":[{"id":"a","epoch":1,"nv":17}]"#,
        r#""variants":"x""#,
    );
    check(&v, Status::Error, "preconditions");
}

#[test]
fn bad_base64() {
    check(&vector("***"), Status::Error, "car: bad base64");
}

#[test]
fn bad_gzip() {
    check(
        &vector(&b64(b"plainly not gzip")),
        Status::Error,
        "car: not gzip",
    );
}

#[test]
fn bad_car() {
    check(
        &vector(&b64(&gz(b"not a car"))),
        Status::Error,
        "car: not a CARv1",
    );
}

#[test]
fn missing_blocks() {
    let (car, _) = skyr::bundle::write_bundle(&[
        ("system".into(), b"s".to_vec()),
        ("init".into(), b"i".to_vec()),
        ("account".into(), b"a".to_vec()),
    ])
    .expect("a car");
    check(
        &vector(&b64(&gz(&car))),
        Status::Error,
        "missing from the CAR",
    );
}

#[test]
fn unsupported_versions_and_classes_are_skipped() {
    check(
        &vector("").replace(r#""nv":17"#, r#""nv":29"#),
        Status::Skip,
        "network version 29",
    );
    check(
        &vector("").replace(r#""class":"message""#, r#""class":"tipset""#),
        Status::Skip,
        "tipset",
    );
}

#[test]
fn a_car_that_decompresses_past_the_limit_is_refused_by_its_size() {
    // A CAR whose one block is 2 MiB of zeros gzips to a few KB: past a 1 MiB limit it is
    // refused while it inflates, by the limit; within 4 MiB it is read.
    let (car, _) = skyr::bundle::write_bundle(&[
        ("system".into(), vec![0u8; 2 << 20]),
        ("init".into(), b"i".to_vec()),
        ("account".into(), b"a".to_vec()),
    ])
    .expect("a CAR");
    let text = vector(&b64(&gz(&car)));
    let v = skyr_vectors::Vector::from_json(&text).expect("a vector");
    let e = format!(
        "{:#}",
        skyr_vectors::runner::decode_car_within(&v, 1 << 20).unwrap_err()
    );
    assert!(e.contains("decompresses to more than 1048576 bytes"), "{e}");
    let blocks = skyr_vectors::runner::decode_car_within(&v, 4 << 20).expect("within");
    assert!(blocks.iter().any(|(_, data)| data.len() == 2 << 20));

    // Zeros are no CAR: refused at their first bytes, whatever the limit.
    let text = vector(&b64(&gz(&vec![0u8; 2 << 20])));
    let v = skyr_vectors::Vector::from_json(&text).expect("a vector");
    for limit in [1 << 20, 4 << 20] {
        let e = format!(
            "{:#}",
            skyr_vectors::runner::decode_car_within(&v, limit).unwrap_err()
        );
        assert!(e.contains("not a CARv1"), "{e}");
    }
}

#[test]
fn a_gzip_stream_cut_short_is_not_a_shorter_car() {
    let (car, _) = skyr::bundle::write_bundle(&[
        ("system".into(), vec![1u8; 4096]),
        ("init".into(), vec![2u8; 4096]),
        ("account".into(), vec![3u8; 4096]),
    ])
    .expect("a CAR");
    let whole = gz(&car);
    let text = vector(&b64(&whole[..whole.len() - 8]));
    let v = skyr_vectors::Vector::from_json(&text).expect("a vector");
    let e = format!(
        "{:#}",
        skyr_vectors::runner::decode_car_within(&v, 1 << 20).unwrap_err()
    );
    assert!(e.contains("not gzip"), "{e}");
}
