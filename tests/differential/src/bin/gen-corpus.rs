//! Records the scenario table as conformance vectors under a folder (default tests/vectors):
//! one file per scenario, in a folder per family. Scenarios that cannot be vectors, or whose
//! vector would pass the size cap, are listed and left out.
use std::path::PathBuf;

use skyr_differential::{corpus, run, table};

/// Largest vector file kept in the committed corpus.
const MAX_BYTES: usize = 256 * 1024;

fn main() -> anyhow::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "tests/vectors".into()),
    );
    let t = std::thread::Builder::new().stack_size(512 << 20).spawn(
        move || -> anyhow::Result<()> {
            let engines = run::Engines::new()?;
            let (mut written, mut left_out) = (0, Vec::new());
            let mut names = std::collections::BTreeSet::new();
            for s in table::all() {
                if let Some(why) = corpus::excluded(&s) {
                    left_out.push(format!("{}: {why}", s.name));
                    continue;
                }
                let family = s
                    .name
                    .split(':')
                    .next()
                    .filter(|f| *f != s.name)
                    .unwrap_or("messages");
                let dir = out.join(corpus::slug(family));
                let mut file = corpus::slug(&s.name);
                while !names.insert(format!("{family}/{file}")) {
                    file.push('x');
                }
                let v = corpus::vector(&engines, &s)?;
                let text = serde_json::to_string(&v)?;
                if text.len() > MAX_BYTES {
                    left_out.push(format!(
                        "{}: {} bytes is over the size cap",
                        s.name,
                        text.len()
                    ));
                    continue;
                }
                std::fs::create_dir_all(&dir)?;
                std::fs::write(dir.join(format!("{file}.json")), text + "\n")?;
                written += 1;
            }
            println!("{written} vectors written to {}", out.display());
            for l in &left_out {
                println!("left out: {l}");
            }
            Ok(())
        },
    )?;
    t.join()
        .map_err(|_| anyhow::anyhow!("the generator panicked"))?
}
