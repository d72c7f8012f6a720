//! The committed corpus (tests/vectors) passes in full on Skyr's own bundle.
use std::path::PathBuf;

use skyr::Engine;
use skyr_vectors::{run_file, run_text, BundleSet, Status};

/// Skyr's own bundle, which the corpus runs on.
fn own_bundle() -> BundleSet {
    let mut bundles = BundleSet::default();
    bundles
        .add(
            PathBuf::from("actors/bundle.car"),
            include_bytes!("../../../actors/bundle.car").to_vec(),
        )
        .expect("own bundle");
    bundles
}

/// Runs every file on a big-stack thread with the bundles `bundles` makes; prints a count
/// under `label` and returns what did not pass.
fn run_all(
    files: Vec<PathBuf>,
    bundles: impl FnOnce() -> BundleSet + Send + 'static,
    label: String,
) -> Vec<String> {
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || {
            let bundles = bundles();
            let engine = Engine::new().expect("engine");
            let mut bad = Vec::new();
            for f in &files {
                let r = run_file(f, &bundles, &engine);
                if r.status != Status::Pass {
                    bad.push(format!(
                        "{}: {:?} {}",
                        r.vector,
                        r.status,
                        r.reason.unwrap_or_default()
                    ));
                }
            }
            println!("{label}: {} run, {} did not pass", files.len(), bad.len());
            bad
        })
        .expect("spawn")
        .join()
        .expect("corpus run")
}

/// The corpus sub-folders of the vectors on the official bundles (nv18–20, nv21–28).
const OFFICIAL_FOLDERS: [&str; 2] = ["nv18-20", "nv21-28"];

#[test]
fn every_committed_vector_passes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    // The nv18-28 vectors need the official bundles: checked apart below.
    let files: Vec<PathBuf> = skyr_vectors::files::vector_files(&root)
        .expect("tests/vectors exists")
        .into_iter()
        .filter(|f| !OFFICIAL_FOLDERS.iter().any(|o| f.starts_with(root.join(o))))
        .collect();
    assert!(
        files.len() > 100,
        "the corpus has only {} vectors",
        files.len()
    );
    let bad = run_all(files, own_bundle, "corpus vectors".to_string());
    assert!(
        bad.is_empty(),
        "vectors that did not pass:\n{}",
        bad.join("\n")
    );
}

/// The vectors of `folder` pass with the official bundles of `../shared` (their manifest is
/// the official one plus Skyr's test actor of the version's ABI, whose code the runner is
/// given as the `skyr` binary is).
fn official_folder_passes(folder: &'static str, at_least: usize) {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bundles");
    if !shared.is_dir() {
        eprintln!("SKIPPED: the {folder} vectors need the official bundles in ../shared/bundles");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(folder);
    let files = skyr_vectors::files::vector_files(&root).expect("the corpus folder exists");
    assert!(
        files.len() >= at_least,
        "only {} {folder} vectors",
        files.len()
    );
    let bundles = move || {
        let mut bundles = BundleSet::default();
        bundles.add_dir(&shared).expect("the official bundles");
        bundles.add_code(include_bytes!("../../../actors/skyr_actor_test3.wasm").to_vec());
        bundles.add_code(include_bytes!("../../../actors/skyr_actor_test4.wasm").to_vec());
        bundles
    };
    let bad = run_all(files, bundles, format!("{folder} corpus vectors"));
    assert!(
        bad.is_empty(),
        "vectors that did not pass:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_committed_nv18_vector_passes_with_the_official_bundles() {
    official_folder_passes("nv18-20", 600);
}

#[test]
fn every_committed_nv21_vector_passes_with_the_official_bundles() {
    official_folder_passes("nv21-28", 1000);
}

#[test]
fn a_vector_whose_bundle_is_missing_is_skipped_not_passed() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/messages/transfer-1-fil-from-secp-to-test-actor.json");
    let t = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            run_file(
                &file,
                &BundleSet::default(),
                &Engine::new().expect("engine"),
            )
        })
        .expect("spawn");
    let r = t.join().expect("run");
    assert_eq!(r.status, Status::Skip, "{:?}", r.reason);
    let reason = r.reason.unwrap_or_default();
    let published = own_bundle_root();
    assert!(
        reason.contains(&format!("needs bundle {published}"))
            && reason.contains("not in --bundles"),
        "{reason}"
    );
}

/// The CID Skyr's own bundle is published under (its CAR root).
fn own_bundle_root() -> cid::Cid {
    let car = include_bytes!("../../../actors/bundle.car");
    let reader = fvm_ipld_car::CarReader::new(&car[..]).expect("own bundle");
    reader.header.roots[0]
}

/// A corpus vector made to look extracted: its CAR also carries the manifest data block its
/// system actor names (the second block of a bundle CAR), but none of the WASM.
fn with_manifest_block(vector: &str) -> String {
    use base64::Engine as _;
    use std::io::{Read, Write};
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(vector);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("vector")).expect("JSON");
    let b64 = base64::engine::general_purpose::STANDARD;
    let gz = b64.decode(v["car"].as_str().expect("car")).expect("base64");
    let mut car = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut car)
        .expect("gzip");
    let reader = fvm_ipld_car::CarReader::new(car.as_slice()).expect("car");
    let header = fvm_ipld_car::CarHeader::new(reader.header.roots.clone(), 1);
    let mut blocks: Vec<fvm_ipld_car::Block> = reader.map(|b| b.expect("block")).collect();
    let bundle = include_bytes!("../../../actors/bundle.car");
    let data = fvm_ipld_car::CarReader::new(&bundle[..])
        .expect("own bundle")
        .nth(1)
        .expect("data block")
        .expect("data block");
    blocks.push(data);
    let mut out = Vec::new();
    let mut w = fvm_ipld_car::CarWriter::new(header, &mut out).expect("writer");
    for b in blocks {
        w.write(b).expect("write");
    }
    w.flush().expect("flush");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&out).expect("gzip");
    v["car"] = b64.encode(e.finish().expect("gzip")).into();
    v.to_string()
}

/// Runs vector text on no bundle at all, on a big-stack thread.
fn run_without_bundles(text: String, without_code: bool) -> skyr_vectors::VectorResult {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let mut bundles = BundleSet::default();
            bundles.run_without_code(without_code);
            run_text("t", &text, &bundles, &Engine::new().expect("engine"))
        })
        .expect("spawn")
        .join()
        .expect("run")
}

/// Extracted mainnet vectors carry the manifest data block their system actor names, but
/// none of the WASM: without the bundle they are skipped, naming it, not failed.
#[test]
fn a_vector_carrying_its_manifest_but_no_code_is_skipped() {
    let text = with_manifest_block("messages/transfer-1-fil-from-secp-to-test-actor.json");
    let r = run_without_bundles(text, false);
    assert_eq!(r.status, Status::Skip, "{:?}", r.reason);
    let reason = r.reason.unwrap_or_default();
    assert!(
        reason.contains(&format!("needs bundle {}", own_bundle_root()))
            && reason.contains("carries its manifest but not the actors' WASM"),
        "{reason}"
    );
}

/// With --without-code, a vector whose messages run no actor code is checked on its manifest
/// alone; one that would run code is skipped, naming the call — never failed, never passed.
#[test]
fn without_code_checks_what_needs_no_code_and_skips_the_rest() {
    let send = with_manifest_block("messages/transfer-1-fil-from-secp-to-test-actor.json");
    let r = run_without_bundles(send, true);
    assert_eq!(r.status, Status::Pass, "{:?}", r.reason);
    assert!(r.root_ok && r.receipts.iter().all(|c| c.ok()));
    assert!(r
        .reason
        .unwrap_or_default()
        .contains("passed without the actors' code"));

    let call = with_manifest_block("messages/account-method-2.json");
    let r = run_without_bundles(call, true);
    assert_eq!(r.status, Status::Skip, "{:?}", r.reason);
    let reason = r.reason.unwrap_or_default();
    assert!(reason.contains("message 0 runs `account` code"), "{reason}");

    // Without the manifest block there is nothing to run on: skipped as before.
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/messages/transfer-1-fil-from-secp-to-test-actor.json");
    let plain = std::fs::read_to_string(file).expect("vector");
    let r = run_without_bundles(plain, true);
    assert_eq!(r.status, Status::Skip, "{:?}", r.reason);
    assert!(r.reason.unwrap_or_default().contains("not in --bundles"));
}

#[test]
fn tampered_expectations_fail_with_the_difference_named() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/messages/transfer-1-fil-from-secp-to-test-actor.json");
    let text = std::fs::read_to_string(&file).expect("vector");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let mut wrong_gas = v.clone();
    let gas = wrong_gas["postconditions"]["receipts"][0]["gas_used"]
        .as_i64()
        .expect("gas");
    wrong_gas["postconditions"]["receipts"][0]["gas_used"] = (gas + 1).into();
    let pre = v["preconditions"]["state_tree"]["root_cid"].clone();
    v["postconditions"]["state_tree"]["root_cid"] = pre;
    let cases = vec![
        (wrong_gas.to_string(), "receipt 0"),
        (v.to_string(), "post-state root"),
    ];
    let t = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let bundles = own_bundle();
            let engine = Engine::new().expect("engine");
            cases
                .into_iter()
                .map(|(text, needle)| {
                    (
                        skyr_vectors::run_text("t", &text, &bundles, &engine),
                        needle,
                    )
                })
                .collect::<Vec<_>>()
        })
        .expect("spawn");
    for (r, needle) in t.join().expect("runs") {
        assert_eq!(r.status, Status::Fail, "{:?}", r.reason);
        assert!(
            r.reason.clone().unwrap_or_default().contains(needle),
            "{:?}",
            r.reason
        );
    }
}

#[test]
fn a_message_naming_a_delegated_address_is_invalid_before_nv18() {
    use base64::Engine as _;
    use skyr::shared::address::Address;
    use skyr::shared::message::Message;
    let b64 = base64::engine::general_purpose::STANDARD;
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/messages/transfer-1-fil-from-secp-to-test-actor.json");
    let text = std::fs::read_to_string(&file).expect("vector");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let bytes = b64
        .decode(v["apply_messages"][0]["bytes"].as_str().expect("message"))
        .expect("base64");
    let mut msg: Message = fvm_ipld_encoding::from_slice(&bytes).expect("message");
    msg.to = Address::new_delegated(10, &[0xaa; 20]).expect("f410 address");
    let bytes = fvm_ipld_encoding::to_vec(&msg).expect("encode");
    v["apply_messages"][0]["bytes"] = b64.encode(bytes).into();
    let text = v.to_string();
    let r = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            skyr_vectors::run_text("t", &text, &own_bundle(), &Engine::new().expect("engine"))
        })
        .expect("spawn")
        .join()
        .expect("run");
    assert_eq!(r.status, Status::Fail, "{:?}", r.reason);
    let reason = r.reason.unwrap_or_default();
    assert!(
        reason.contains("invalid message") && reason.contains("delegated addresses"),
        "{reason}"
    );
}

/// An nv18-20 vector without the official bundles is skipped, naming the actor code it
/// lacks (its manifest is no published bundle, so there is no bundle CID to name).
#[test]
fn an_nv18_vector_without_the_official_code_names_the_code() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(OFFICIAL_FOLDERS[0])
        .join("fevm/fevm-deploy-counter.json");
    let r = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let mut bundles = own_bundle();
            bundles.add_code(include_bytes!("../../../actors/skyr_actor_test3.wasm").to_vec());
            run_file(&file, &bundles, &Engine::new().expect("engine"))
        })
        .expect("spawn")
        .join()
        .expect("run");
    assert_eq!(r.status, Status::Skip, "{:?}", r.reason);
    let reason = r.reason.unwrap_or_default();
    assert!(
        reason.contains("needs actor code") && reason.contains("`system`"),
        "{reason}"
    );
}
