//! `skyr bundle`: pack WASM actors into a bundle CAR, and show what a bundle holds.
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use skyr::blockstore::MemoryBlockstore;
use skyr::bundle::{load_bundle, tag_module, write_bundle};

/// Bundle commands.
#[derive(Subcommand)]
pub enum BundleCmd {
    /// Pack actors into a bundle, in the order given (which fixes their type numbers). A
    /// module packed under several names is tagged with each name so each gets its own CID.
    Pack {
        /// Where to write the CAR.
        #[arg(long)]
        out: PathBuf,
        /// NAME=PATH of each actor's WASM.
        #[arg(required = true)]
        actors: Vec<String>,
    },
    /// List a bundle's manifest: type number, name, code CID.
    Show {
        /// The bundle CAR.
        file: PathBuf,
    },
}

/// Runs a bundle command.
pub fn run(cmd: BundleCmd) -> Result<ExitCode> {
    match cmd {
        BundleCmd::Pack { out, actors } => {
            let mut entries = Vec::new();
            for a in &actors {
                let (name, path) = a
                    .split_once('=')
                    .ok_or_else(|| anyhow!("expected NAME=PATH, got `{a}`"))?;
                if name.is_empty() {
                    bail!("empty actor name in `{a}`");
                }
                let wasm = std::fs::read(path).with_context(|| format!("reading {path}"))?;
                entries.push((name.to_string(), wasm));
            }
            let shared: Vec<bool> = entries
                .iter()
                .map(|(_, w)| entries.iter().filter(|(_, o)| o == w).count() > 1)
                .collect();
            for ((name, wasm), shared) in entries.iter_mut().zip(shared) {
                if shared {
                    *wasm = tag_module(wasm, name);
                }
            }
            let (car, data) = write_bundle(&entries)?;
            std::fs::write(&out, &car).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "{} ({} bytes), manifest data {data}",
                out.display(),
                car.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        BundleCmd::Show { file } => {
            let car =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let store = MemoryBlockstore::new();
            let b = load_bundle(&store, &car)?;
            println!("manifest data {}", b.manifest_data);
            for (i, (name, code)) in b.manifest.entries().iter().enumerate() {
                println!("{:>3}  {:<18} {}", i + 1, name, code);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
