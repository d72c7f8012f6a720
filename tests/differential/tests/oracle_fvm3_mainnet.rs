//! The nv18–20 oracle (fvm 3.14.2, as this crate sets it up) reproduces mainnet on the real
//! nv18 vectors in `../shared/vectors`: every receipt and the post-state root. Skyr's nv18
//! work is judged against this oracle, so the oracle's setup (bundle, randomness, base fee,
//! message lengths) is checked against mainnet first.

use skyr_differential::vector_ref::{self, RefEngines};
use skyr_vectors::BundleSet;

#[test]
fn the_nv18_oracle_reproduces_mainnet() {
    let dir = skyr_differential::shared_data().join("vectors/0002-hygge-01-dev");
    let bundles_dir = skyr_differential::shared_data().join("bundles");
    if !dir.is_dir() || !bundles_dir.is_dir() {
        eprintln!(
            "!! SKIPPED: {} or {} is absent: the nv18 oracle was not checked against mainnet",
            dir.display(),
            bundles_dir.display()
        );
        return;
    }
    let files = skyr_vectors::files::vector_files(&dir).expect("vector files");
    assert!(!files.is_empty(), "no vectors under {}", dir.display());
    let failures = skyr_differential::run_nv16_17::on_big_stack(move || {
        let mut bundles = BundleSet::default();
        let warnings = bundles.add_dir(&bundles_dir).expect("bundles");
        assert!(warnings.is_empty(), "{warnings:?}");
        let mut engines = RefEngines::default();
        let mut failures = Vec::new();
        for f in &files {
            let name = f
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(f).expect("read");
            match vector_ref::run(&mut engines, &text, &bundles) {
                Ok(Some(got)) if got.reproduced => {}
                Ok(Some(got)) => {
                    failures.push(format!("{name}: {}", got.difference.unwrap_or_default()))
                }
                Ok(None) => failures.push(format!("{name}: its bundle is not in shared/bundles")),
                Err(e) => failures.push(format!("{name}: {e:#}")),
            }
        }
        println!(
            "nv18 oracle (fvm 3.14.2) on mainnet vectors: {} run, {} differ from mainnet",
            files.len(),
            failures.len()
        );
        failures
    })
    .expect("the oracle run");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
