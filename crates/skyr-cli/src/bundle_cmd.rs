//! `skyr bundle`: pack WASM actors into a bundle CAR, and show what a bundle holds.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use skyr::blockstore::MemoryBlockstore;
use skyr::bundle::{load_bundle, tag_module, write_bundle};
use skyr::engine::cache::write_atomically;
use skyr_vectors::files::read_bounded;
use skyr_vectors::runner::MAX_CAR_BYTES;

/// The most an actor's WASM may hold (64 MiB): the largest official actor is a few MB.
const MAX_ACTOR_BYTES: u64 = 64 << 20;

/// How every WASM module starts: the magic bytes and version 1.
const WASM_HEADER: &[u8] = b"\0asm\x01\0\0\0";

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
    /// Download an official bundle (v8 to v18) into the cache, checked against the manifest
    /// CID compiled into Skyr. `skyr devnet` uses the cached v18 when given no --bundles.
    Fetch {
        /// Which: v8 … v18.
        version: String,
        /// A mirror laid out as ../shared/bundles is (`URL/vNN/builtin-actors-mainnet.car`)
        /// instead of the GitHub release; $SKYR_BUNDLE_MIRROR says the same.
        #[arg(long, value_name = "URL")]
        from: Option<String>,
        /// Download again even if the cache has it.
        #[arg(long)]
        force: bool,
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
                let wasm = read_bounded(Path::new(path), MAX_ACTOR_BYTES, "an actor's WASM")?;
                if !wasm.starts_with(WASM_HEADER) {
                    bail!("{path} is not a WASM module (it does not start with \\0asm, version 1)");
                }
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
            write_atomically(&out, &[&car])?;
            println!(
                "{} ({} bytes), manifest data {data}",
                out.display(),
                car.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        BundleCmd::Fetch {
            version,
            from,
            force,
        } => {
            crate::fetch::fetch(&version, from, force, false)?;
            Ok(ExitCode::SUCCESS)
        }
        BundleCmd::Show { file } => {
            let car = read_bounded(&file, MAX_CAR_BYTES, "a bundle CAR")?;
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
