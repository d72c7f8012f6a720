//! `skyr cache`: what the module cache holds, and clearing it.
use std::process::ExitCode;

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
            // This build's folder, to tell its entries from those of other builds.
            let own = args
                .engine()
                .ok()
                .and_then(|e| e.disk_cache().map(|d| d.modules_dir().to_path_buf()))
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
            if builds.iter().all(|b| b.entries + b.leftovers == 0) {
                println!("empty");
            }
            for b in &builds {
                let whose = if own.as_deref() == Some(b.build.as_str()) {
                    "this build"
                } else {
                    "another build"
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
    }
    Ok(ExitCode::SUCCESS)
}
