//! Records the scenario tables as conformance vectors under a folder (default tests/vectors):
//! one file per scenario, in a folder per family; the nv18–20 table under `nv18-20/` and the
//! nv21–28 table under `nv21-28/`, when the official bundles are in `../shared` (without them
//! that part is left as it is, and said so). Scenarios that cannot be vectors, or whose vector would pass the size cap, are
//! listed and left out.
use std::path::PathBuf;

use skyr_differential::{
    corpus_nv16_17, corpus_nv18_28, run_nv16_17, run_nv18_28, table_nv16_17, table_nv18_20,
    table_nv21_28,
};

fn main() -> anyhow::Result<()> {
    let arg = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/vectors".into());
    if arg.starts_with('-') {
        anyhow::bail!("usage: gen-corpus [FOLDER] (default tests/vectors); `{arg}` is no folder");
    }
    let out = PathBuf::from(arg);
    run_nv16_17::on_big_stack(move || -> anyhow::Result<()> {
        let engines = run_nv16_17::Engines::new()?;
        let (written, left_out) = corpus_nv16_17::write_all(&engines, &table_nv16_17::all(), &out)?;
        println!("{written} vectors written to {}", out.display());
        for l in &left_out {
            println!("left out: {l}");
        }
        let Some(bundles) = run_nv18_28::Bundles::load() else {
            println!("nv18-20 vectors not written: the official bundles are not in ../shared");
            return Ok(());
        };
        let dir = out.join(corpus_nv18_28::FOLDER);
        let engines = run_nv18_28::OfficialEngines::new()?;
        let (written, left_out) =
            corpus_nv18_28::write_all(&engines, &bundles, &table_nv18_20::all(), &dir)?;
        println!("{written} nv18-20 vectors written to {}", dir.display());
        for l in &left_out {
            println!("left out: {l}");
        }
        let Some(bundles) = run_nv18_28::Bundles::load_for(table_nv21_28::VERSIONS) else {
            println!("nv21-28 vectors not written: the official bundles are not in ../shared");
            return Ok(());
        };
        let dir = out.join(corpus_nv18_28::FOLDER4);
        let (written, left_out) =
            corpus_nv18_28::write_all(&engines, &bundles, &table_nv21_28::all(), &dir)?;
        println!("{written} nv21-28 vectors written to {}", dir.display());
        for l in &left_out {
            println!("left out: {l}");
        }
        Ok(())
    })?
}
