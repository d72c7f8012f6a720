//! Records the scenario tables as conformance vectors under a folder (default tests/vectors):
//! one file per scenario, in a folder per family; the nv18–20 table under `nv18-20/` and the
//! nv21–28 table under `nv21-28/`, when the official bundles are in `../shared` (without them
//! that part is left as it is, and said so). Scenarios that cannot be vectors, or whose vector would pass the size cap, are
//! listed and left out.
use std::path::PathBuf;

use skyr_differential::{corpus, corpus3, run, run3, table, table3, table4};

fn main() -> anyhow::Result<()> {
    let arg = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/vectors".into());
    if arg.starts_with('-') {
        anyhow::bail!("usage: gen-corpus [FOLDER] (default tests/vectors); `{arg}` is no folder");
    }
    let out = PathBuf::from(arg);
    run::on_big_stack(move || -> anyhow::Result<()> {
        let engines = run::Engines::new()?;
        let (written, left_out) = corpus::write_all(&engines, &table::all(), &out)?;
        println!("{written} vectors written to {}", out.display());
        for l in &left_out {
            println!("left out: {l}");
        }
        let Some(bundles) = run3::Bundles::load() else {
            println!("nv18-20 vectors not written: the official bundles are not in ../shared");
            return Ok(());
        };
        let dir = out.join(corpus3::FOLDER);
        let engines = run3::Engines3::new()?;
        let (written, left_out) = corpus3::write_all(&engines, &bundles, &table3::all(), &dir)?;
        println!("{written} nv18-20 vectors written to {}", dir.display());
        for l in &left_out {
            println!("left out: {l}");
        }
        let Some(bundles) = run3::Bundles::load_for(table4::VERSIONS) else {
            println!("nv21-28 vectors not written: the official bundles are not in ../shared");
            return Ok(());
        };
        let dir = out.join(corpus3::FOLDER4);
        let (written, left_out) = corpus3::write_all(&engines, &bundles, &table4::all(), &dir)?;
        println!("{written} nv21-28 vectors written to {}", dir.display());
        for l in &left_out {
            println!("left out: {l}");
        }
        Ok(())
    })?
}
