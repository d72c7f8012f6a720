//! Skyr's own bundle, laid out like builtin-actors v9: the v9 names in v9 order (so type
//! numbers match), Skyr's system/init/account actors, a stub for every other built-in name,
//! and the test actor as type 13 ("skyrtest"). One layout for the committed bundle and for
//! the check that a rebuild reproduces it.
use std::path::Path;

use anyhow::{Context, Result};
use skyr::bundle::{tag_module, write_bundle};

/// (name in the manifest, actor crate) in manifest order.
pub const LAYOUT: [(&str, &str); 13] = [
    ("system", "system"),
    ("init", "init"),
    ("cron", "stub"),
    ("account", "account"),
    ("storagepower", "stub"),
    ("storageminer", "stub"),
    ("storagemarket", "stub"),
    ("paymentchannel", "stub"),
    ("multisig", "stub"),
    ("reward", "stub"),
    ("verifiedregistry", "stub"),
    ("datacap", "stub"),
    ("skyrtest", "test"),
];

/// Packs the actors built in `wasm_dir` (by `scripts/build-actors.sh`) into the bundle CAR.
/// The stub is tagged with each name it stands in for, so every name has its own code CID.
pub fn pack(wasm_dir: &Path) -> Result<Vec<u8>> {
    let mut entries = Vec::new();
    for (name, krate) in LAYOUT {
        let path = wasm_dir.join(format!("skyr_actor_{krate}.wasm"));
        let wasm = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let wasm = if krate == "stub" {
            tag_module(&wasm, name)
        } else {
            wasm
        };
        entries.push((name.to_string(), wasm));
    }
    Ok(write_bundle(&entries)?.0)
}
