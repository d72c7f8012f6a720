//! Records the scenario table as conformance vectors under a folder (default tests/vectors):
//! one file per scenario, in a folder per family. Scenarios that cannot be vectors, or whose
//! vector would pass the size cap, are listed and left out.
use std::path::PathBuf;

use skyr_differential::{corpus, run, table};

fn main() -> anyhow::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "tests/vectors".into()),
    );
    run::on_big_stack(move || -> anyhow::Result<()> {
        let engines = run::Engines::new()?;
        let (written, left_out) = corpus::write_all(&engines, &table::all(), &out)?;
        println!("{written} vectors written to {}", out.display());
        for l in &left_out {
            println!("left out: {l}");
        }
        Ok(())
    })?
}
