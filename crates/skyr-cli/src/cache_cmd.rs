//! `skyr cache`: what the module cache holds, and clearing it.
use std::process::ExitCode;

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use clap::Subcommand;
use skyr::engine::cache;
use skyr::Engine;

use crate::engine_args::EngineArgs;

/// One line saying what the cache did, for the end of a run.
pub fn report(engine: &Engine) -> Option<String> {
    let disk = engine.disk_cache()?;
    let c = disk.counts();
    let mut line = format!(
        "module cache {}: {} loaded, {} compiled",
        disk.modules_dir().display(),
        c.hits,
        c.misses + c.recovered
    );
    if c.recovered > 0 {
        line.push_str(&format!(", {} unusable entries replaced", c.recovered));
    }
    if c.write_failures > 0 {
        line.push_str(&format!(
            ", {} could not be written ({})",
            c.write_failures,
            disk.first_write_error().unwrap_or_default()
        ));
    }
    Some(line)
}

/// Cache commands.
#[derive(Subcommand)]
pub enum CacheCmd {
    /// Where the module cache is, how many entries it holds and their size.
    Info,
    /// Remove every cached module (and leftovers of interrupted writes).
    Clear,
    /// Compile official bundles' actors ahead of time (default `--tier tiered`: both the fast
    /// and the optimised build), so later runs load them.
    Warm {
        /// Bundle CARs, or folders searched for them (default: those `skyr bundle fetch` kept).
        #[arg(long, value_name = "DIR|CAR")]
        bundles: Vec<PathBuf>,
    },
}

/// Runs a cache command.
pub fn run(cmd: CacheCmd, args: &EngineArgs) -> Result<ExitCode> {
    let dir = args.dir().ok_or_else(|| {
        anyhow!("no module cache folder: --no-cache was given, or no home folder is known (give --cache-dir)")
    })?;
    match cmd {
        CacheCmd::Info => {
            println!("module cache: {}", dir.display());
            let builds = cache::folder_info(&dir)?;
            // This build's folders (one per compilation build), to tell its entries from those
            // of other builds of Skyr.
            let engine = args.engine().ok();
            let own: Vec<(String, &str)> = skyr::Build::ALL
                .iter()
                .filter_map(|b| {
                    let d = engine.as_ref()?.disk_cache_of(*b)?;
                    let name = d.modules_dir().file_name()?.to_string_lossy().into_owned();
                    Some((name, b.name()))
                })
                .collect();
            if builds.iter().all(|b| b.entries + b.leftovers == 0) {
                println!("empty");
            }
            for b in &builds {
                let whose = match own.iter().find(|(name, _)| name == &b.build) {
                    Some((_, build)) => format!("this build, {build}"),
                    None => "another build".to_string(),
                };
                println!(
                    "{} ({whose}): {} entries, {:.1} MB",
                    b.build,
                    b.entries,
                    b.bytes as f64 / 1e6
                );
                if b.leftovers > 0 {
                    println!(
                        "  {} leftover temporary files (interrupted writes; `skyr cache clear` removes them)",
                        b.leftovers
                    );
                }
            }
        }
        CacheCmd::Clear => {
            let n = cache::clear(&dir)?;
            println!("module cache {}: removed {n} files", dir.display());
        }
        CacheCmd::Warm { bundles } => {
            let engine = args.engine_or(skyr::Tier::Tiered)?;
            println!("module cache {}", dir.display());
            crate::cache_warm::warm(&engine, &bundles)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
