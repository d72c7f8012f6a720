//! The committed bundle is what the actors' sources build: rebuilding them (with the pinned
//! toolchain, see scripts/build-actors.sh) and packing them reproduces it byte for byte.
use std::path::PathBuf;
use std::process::Command;

#[test]
fn rebuilding_the_actors_reproduces_the_committed_bundle() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(root.join("scripts/build-actors.sh"))
        .output()
        .expect("scripts/build-actors.sh runs");
    assert!(
        out.status.success(),
        "building the actors failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim().to_string());
    let test3 = std::fs::read(dir.join("skyr_actor_test3.wasm")).expect("the fvm_sdk 3 test actor");
    assert!(
        test3 == skyr_differential::genesis_official::TEST_ACTOR,
        "the rebuilt fvm_sdk 3 test actor ({} bytes) differs from actors/skyr_actor_test3.wasm \
         ({} bytes): if its sources changed, copy the rebuilt one over and commit",
        test3.len(),
        skyr_differential::genesis_official::TEST_ACTOR.len()
    );
    let car = skyr_differential::bundle::pack(&dir).expect("packing the bundle");
    let committed = skyr_differential::genesis_skyr::BUNDLE;
    let toolchain = Command::new("/usr/bin/rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "unknown".into());
    assert!(
        car == committed,
        "the rebuilt bundle ({} bytes) differs from actors/bundle.car ({} bytes), built with {toolchain} \
         (the committed one was built with rustc 1.96.0 from Debian's rustc-web 1.96.0+dfsg1-1~deb12u2): \
         if the actors changed, run scripts/build-bundle.sh and commit",
        car.len(),
        committed.len()
    );
}
