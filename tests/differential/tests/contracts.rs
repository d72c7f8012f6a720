//! The committed FEVM test contracts' bytecode (tests/fevm/build) is what their sources
//! compile to: rebuilding with the pinned solc from the npm registry (scripts/build-contracts.sh)
//! reproduces every file byte for byte.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read"))
        })
        .collect()
}

#[test]
fn rebuilding_the_contracts_reproduces_the_committed_bytecode() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::env::temp_dir().join(format!("skyr-contracts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let run = Command::new(root.join("scripts/build-contracts.sh"))
        .arg(&out)
        .output()
        .expect("scripts/build-contracts.sh runs");
    assert!(
        run.status.success(),
        "compiling the contracts failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let rebuilt = files(&out);
    let committed = files(&root.join("tests/fevm/build"));
    let _ = std::fs::remove_dir_all(&out);
    assert!(rebuilt.len() >= 6, "only {} files rebuilt", rebuilt.len());
    assert_eq!(
        rebuilt.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>(),
        "the rebuilt files differ from tests/fevm/build: run scripts/build-contracts.sh and commit"
    );
    for (name, bytes) in &rebuilt {
        assert!(
            committed.get(name) == Some(bytes),
            "{name} differs from the committed one: run scripts/build-contracts.sh and commit"
        );
    }
}
