//! A receipt's events root, when a vector records one, is compared like the other fields.
use std::path::PathBuf;

use skyr::Engine;
use skyr_vectors::{run_text, BundleSet, Status};

/// A committed corpus vector (nv17: no events).
fn corpus_vector() -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/messages/account-method-2.json");
    let text = std::fs::read_to_string(&path).expect("the corpus vector");
    serde_json::from_str(&text).expect("JSON")
}

fn run(v: &serde_json::Value) -> (Status, String) {
    let engine = Engine::new().expect("engine");
    let mut bundles = BundleSet::default();
    bundles
        .add(
            PathBuf::from("actors/bundle.car"),
            include_bytes!("../../../actors/bundle.car").to_vec(),
        )
        .expect("own bundle");
    let r = run_text("t", &v.to_string(), &bundles, &engine);
    (r.status, r.reason.unwrap_or_default())
}

#[test]
fn a_recorded_events_root_must_match() {
    let mut v = corpus_vector();
    assert_eq!(run(&v).0, Status::Pass, "the vector passes as recorded");
    // Skyr's receipt has no events root (nv17): one recorded in the vector differs.
    v["postconditions"]["receipts"][0]["events_root"] = serde_json::json!({
        "/": "bafy2bzacebkl3hdhd2m2c5wogxm72cnefvz7rzkutxmtfaljvf4udiezefirs"
    });
    let (status, reason) = run(&v);
    assert_eq!(status, Status::Fail, "{reason}");
    assert!(reason.contains("events root differs"), "{reason}");
}
