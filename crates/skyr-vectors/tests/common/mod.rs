//! What the vector tests share: where the checkout is, and the bundles they run on.
use std::path::PathBuf;

use skyr_vectors::BundleSet;

/// The checkout's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether the official bundles (`../shared/bundles`) are beside the checkout.
pub fn official_bundles() -> bool {
    root().join("../shared/bundles").is_dir()
}

/// Skyr's own bundle and test actors and, when `../shared` is beside the checkout, the
/// official bundles.
pub fn bundles() -> BundleSet {
    let mut b = BundleSet::default();
    b.add(
        PathBuf::from("actors/bundle.car"),
        include_bytes!("../../../../actors/bundle.car").to_vec(),
    )
    .expect("own bundle");
    b.add_code(include_bytes!("../../../../actors/skyr_actor_test3.wasm").to_vec());
    b.add_code(include_bytes!("../../../../actors/skyr_actor_test4.wasm").to_vec());
    if official_bundles() {
        b.add_dir(&root().join("../shared/bundles"))
            .expect("official bundles");
    }
    b
}
