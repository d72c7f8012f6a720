//! Real nv17 mainnet vectors (tests/mainnet): without the official bundle they are skipped,
//! naming it; run on the manifest they carry, they match mainnet's receipts and state roots.
use std::path::PathBuf;

use skyr::Engine;
use skyr_vectors::{run_file, BundleSet, Status, VectorResult};

const V9_MAINNET: &str = "bafy2bzaceb6j6666h36xnhksu3ww4kxb6e25niayfgkdnifaqi6m6ooc66i6i";

fn run_all(bundles: BundleSet) -> Vec<VectorResult> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/mainnet");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/mainnet")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    let engine = Engine::new().expect("engine");
    files
        .iter()
        .map(|f| run_file(f, &bundles, &engine))
        .collect()
}

#[test]
fn without_the_official_bundle_they_are_skipped_naming_it() {
    for r in run_all(BundleSet::default()) {
        assert_eq!(r.status, Status::Skip, "{}: {:?}", r.vector, r.reason);
        let reason = r.reason.unwrap_or_default();
        assert!(
            reason.contains(V9_MAINNET) && reason.contains("v9.0.3"),
            "{reason}"
        );
    }
}

#[test]
fn run_on_the_manifest_they_carry_they_match_mainnet() {
    let mut bundles = BundleSet::default();
    bundles.run_without_code(true);
    let results = run_all(bundles);
    for r in &results {
        assert_eq!(r.status, Status::Pass, "{}: {:?}", r.vector, r.reason);
        assert!(r.root_ok);
        assert_eq!(r.receipts.len(), 1);
        assert!(r.receipts[0].ok(), "{:?}", r.receipts[0]);
        assert!(r
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("no message executed any"));
    }
    let exits: Vec<u32> = results.iter().map(|r| r.receipts[0].exit_code).collect();
    assert_eq!(
        exits,
        vec![0, 0, 6],
        "a send, a transfer to a multisig, a transfer short of funds"
    );
    println!(
        "mainnet vectors: {} passed (gas {:?})",
        results.len(),
        results
            .iter()
            .map(|r| r.receipts[0].gas_used)
            .collect::<Vec<_>>()
    );
}
