//! The committed corpus is what the generator makes from today's scenario table and bundle:
//! regenerating it reproduces tests/vectors file for file, byte for byte.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use skyr_differential::{
    corpus_nv16_17, corpus_nv18_28, run_nv16_17, run_nv18_28, table_nv16_17, table_nv18_20,
    table_nv21_28,
};

/// The vector files under `dir`, by path relative to `base`, except the nv18–20 and nv21–28
/// folders (checked apart, with the official bundles).
fn files(dir: &Path, base: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for e in std::fs::read_dir(dir).expect("readable folder") {
        let p = e.expect("entry").path();
        let official =
            |n: &std::ffi::OsStr| n == corpus_nv18_28::FOLDER || n == corpus_nv18_28::FOLDER4;
        if p.is_dir() && p.file_name().is_some_and(official) && dir == base {
            continue;
        }
        if p.is_dir() {
            files(&p, base, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            let rel = p.strip_prefix(base).expect("under base").to_path_buf();
            out.insert(rel, std::fs::read(&p).expect("readable file"));
        }
    }
}

#[test]
fn regenerating_the_corpus_reproduces_it() {
    let committed_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors");
    let fresh_dir = std::env::temp_dir().join(format!("skyr-corpus-{}", std::process::id()));
    let dir = fresh_dir.clone();
    let written = run_nv16_17::on_big_stack(move || {
        let engines = run_nv16_17::Engines::new().expect("engines");
        corpus_nv16_17::write_all(&engines, &table_nv16_17::all(), &dir)
            .expect("generation")
            .0
    })
    .expect("generator");
    let (mut committed, mut fresh) = (BTreeMap::new(), BTreeMap::new());
    files(&committed_dir, &committed_dir, &mut committed);
    files(&fresh_dir, &fresh_dir, &mut fresh);
    std::fs::remove_dir_all(&fresh_dir).ok();
    assert_eq!(written, fresh.len());
    let stale: Vec<_> = committed
        .keys()
        .filter(|k| fresh.get(*k) != committed.get(*k))
        .collect();
    let missing: Vec<_> = fresh
        .keys()
        .filter(|k| !committed.contains_key(*k))
        .collect();
    assert!(
        stale.is_empty() && missing.is_empty(),
        "tests/vectors is out of date (run gen-corpus): {} stale or extra, {} missing, e.g. {:?} {:?}",
        stale.len(),
        missing.len(),
        stale.first(),
        missing.first()
    );
}

/// Regenerates one folder of the vectors on the official bundles and compares it with the
/// committed one.
fn official_folder_is_fresh(
    folder: &'static str,
    bundles: Option<run_nv18_28::Bundles>,
    scenarios: fn() -> Vec<skyr_differential::scenario_nv18_28::OfficialScenario>,
    at_least: usize,
) {
    let Some(bundles) = bundles else {
        eprintln!(
            "SKIPPED: regenerating the {folder} vectors needs the official bundles in ../shared"
        );
        return;
    };
    let committed_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../vectors")
        .join(folder);
    let fresh_dir = std::env::temp_dir().join(format!("skyr-{folder}-{}", std::process::id()));
    let dir = fresh_dir.clone();
    let written = run_nv16_17::on_big_stack(move || {
        let engines = run_nv18_28::OfficialEngines::new().expect("engines");
        corpus_nv18_28::write_all(&engines, &bundles, &scenarios(), &dir)
            .expect("generation")
            .0
    })
    .expect("generator");
    let (mut committed, mut fresh) = (BTreeMap::new(), BTreeMap::new());
    files(&committed_dir, &committed_dir, &mut committed);
    files(&fresh_dir, &fresh_dir, &mut fresh);
    std::fs::remove_dir_all(&fresh_dir).ok();
    println!("{folder}: {written} vectors regenerated");
    assert!(written >= at_least, "only {written} {folder} vectors");
    assert_eq!(written, fresh.len());
    assert!(
        committed == fresh,
        "tests/vectors/{folder} is out of date (run gen-corpus): {} committed, {} fresh",
        committed.len(),
        fresh.len()
    );
}

/// The same for the nv18–20 vectors, which need the official bundles of `../shared`.
#[test]
fn regenerating_the_nv18_corpus_reproduces_it() {
    official_folder_is_fresh(
        corpus_nv18_28::FOLDER,
        run_nv18_28::Bundles::load(),
        table_nv18_20::all,
        600,
    );
}

/// The same for the nv21–28 vectors, recorded from fvm 4.8.4.
#[test]
fn regenerating_the_nv21_corpus_reproduces_it() {
    official_folder_is_fresh(
        corpus_nv18_28::FOLDER4,
        run_nv18_28::Bundles::load_for(table_nv21_28::VERSIONS),
        table_nv21_28::all,
        1000,
    );
}
