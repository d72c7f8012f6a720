//! The committed corpus is what the generator makes from today's scenario table and bundle:
//! regenerating it reproduces tests/vectors file for file, byte for byte.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use skyr_differential::{corpus, run, table};

fn files(dir: &Path, base: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for e in std::fs::read_dir(dir).expect("readable folder") {
        let p = e.expect("entry").path();
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
    let written = run::on_big_stack(move || {
        let engines = run::Engines::new().expect("engines");
        corpus::write_all(&engines, &table::all(), &dir)
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
