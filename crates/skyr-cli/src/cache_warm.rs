//! `skyr cache warm`: compiles the official bundles' actors ahead of time, in the builds the
//! tier names (by default both: the fast build, and the optimised one behind it), so later
//! runs, and a devnet's start, load them instead of compiling.
use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use skyr::blockstore::MemoryBlockstore;
use skyr::{Build, Engine};

/// The bundle CARs under `paths` (files, or folders searched recursively for `*.car`);
/// without paths, the bundles `skyr bundle fetch` kept.
fn car_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let roots = if paths.is_empty() {
        let dir = skyr::engine::cache::default_dir()
            .ok_or_else(|| anyhow!("no cache folder is known: give --bundles DIR|CAR"))?
            .join("bundles");
        vec![dir]
    } else {
        paths.to_vec()
    };
    let mut out = Vec::new();
    for p in &roots {
        if p.is_file() {
            out.push(p.clone());
        } else {
            skyr_vectors::bundles::car_files(p, &mut out)
                .with_context(|| format!("--bundles {}", p.display()))?;
        }
    }
    out.sort();
    Ok(out)
}

/// The network versions an official bundle (by its CAR root) ran at, that Skyr runs.
fn versions_of(root: &cid::Cid) -> Vec<u32> {
    let Some(b) = skyr::bundle::OFFICIAL_BUNDLES
        .iter()
        .find(|b| b.manifest == root.to_string())
    else {
        return Vec::new();
    };
    b.network_versions
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .filter(|nv| skyr::rules::rules_for_number(*nv).is_some())
        .collect()
}

/// Compiles every actor of the bundles under `paths` for each network version it ran at.
pub fn warm(engine: &Engine, paths: &[PathBuf]) -> Result<()> {
    let cars = car_files(paths)?;
    if cars.is_empty() {
        return Err(anyhow!(
            "no bundle CARs found: run `skyr bundle fetch vNN`, or give --bundles DIR|CAR"
        ));
    }
    let started = std::time::Instant::now();
    for path in &cars {
        let car = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let store = MemoryBlockstore::new();
        let bundle = skyr::bundle::load_bundle(&store, &car)
            .with_context(|| format!("{} is not a bundle", path.display()))?;
        let root = skyr::bundle::manifest_cid(&bundle.manifest_data)?;
        let versions = versions_of(&root);
        if versions.is_empty() {
            println!(
                "{}: not an official mainnet bundle Skyr runs (manifest {root}): skipped",
                path.display()
            );
            continue;
        }
        let mut meterings = Vec::new();
        for nv in &versions {
            let rules =
                skyr::rules::rules_for_number(*nv).ok_or_else(|| anyhow!("nv{nv} has no rules"))?;
            let m = rules.metering();
            if !meterings.contains(&m) {
                meterings.push(m);
            }
        }
        for m in &meterings {
            engine
                .prepare_all(&store, bundle.manifest.entries(), m)
                .with_context(|| format!("compiling {}", path.display()))?;
        }
        println!(
            "{}: {} actors for nv{}",
            path.display(),
            bundle.manifest.entries().len(),
            versions
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", nv")
        );
    }
    // The optimised builds a tiered engine queued.
    engine.settle();
    for build in Build::ALL {
        if let Some(d) = engine.disk_cache_of(build) {
            let c = d.counts();
            println!(
                "{} build: {} compiled, {} already cached",
                build.name(),
                c.misses + c.recovered,
                c.hits
            );
        }
    }
    println!("in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
