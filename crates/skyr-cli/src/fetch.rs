//! `skyr bundle fetch vNN`: an official bundle downloaded from its builtin-actors release
//! (or a mirror laid out as `../shared/bundles` is: `--from URL` or `$SKYR_BUNDLE_MIRROR`),
//! with a progress bar, checked whole (every block against its CID, and the manifest CID
//! against the one compiled into Skyr) before it is written to the cache.
use std::io::Read;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use skyr::blockstore::MemoryBlockstore;
use skyr::bundle::{load_bundle, manifest_cid, official_bundle, OFFICIAL_BUNDLES};
use skyr::engine::cache::{bundle_path, write_atomically};

/// The largest bundle taken (the official ones are under 10 MB).
const MAX_DOWNLOAD: u64 = 256 << 20;
/// Where releases are published.
const RELEASES: &str = "https://github.com/filecoin-project/builtin-actors/releases/download";
/// The mirror variable.
pub const MIRROR_ENV: &str = "SKYR_BUNDLE_MIRROR";

/// Reads `v18` or `18`.
fn version_of(s: &str) -> Result<u32> {
    let n: u32 = s
        .strip_prefix('v')
        .unwrap_or(s)
        .parse()
        .map_err(|_| anyhow!("`{s}` is not a bundle version (e.g. v18)"))?;
    if official_bundle(n).is_none() {
        let known: Vec<String> = OFFICIAL_BUNDLES
            .iter()
            .map(|b| format!("v{}", b.version))
            .collect();
        bail!("no official bundle v{n}: Skyr knows {}", known.join(", "));
    }
    Ok(n)
}

/// Downloads, checks and caches bundle `version`; returns where it is.
pub fn fetch(version: &str, from: Option<String>, force: bool, quiet: bool) -> Result<PathBuf> {
    let n = version_of(version)?;
    let b = official_bundle(n).ok_or_else(|| anyhow!("no official bundle v{n}"))?;
    let path =
        bundle_path(n).ok_or_else(|| anyhow!("no cache folder: set SKYR_CACHE_DIR or HOME"))?;
    if path.is_file() && !force {
        check(&std::fs::read(&path)?, b.manifest).with_context(|| {
            format!("{} is there but is not v{n} (use --force)", path.display())
        })?;
        if !quiet {
            println!("v{n} is cached: {}", path.display());
        }
        return Ok(path);
    }
    let from = from.or_else(|| std::env::var(MIRROR_ENV).ok().filter(|s| !s.is_empty()));
    let url = match &from {
        Some(m) => format!(
            "{}/v{n}/builtin-actors-mainnet.car",
            m.trim_end_matches('/')
        ),
        None => format!("{RELEASES}/{}/builtin-actors-mainnet.car", b.tag),
    };
    let resp = ureq::get(&url)
        .call()
        .map_err(|e| anyhow!("downloading {url}: {e}"))?;
    let size: Option<u64> = resp.header("content-length").and_then(|s| s.parse().ok());
    if size.is_some_and(|s| s > MAX_DOWNLOAD) {
        bail!(
            "{url} is {} bytes, over the {MAX_DOWNLOAD}-byte limit",
            size.unwrap_or(0)
        );
    }
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(size.unwrap_or(0));
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
                .map_err(|e| anyhow!("{e}"))?
                .progress_chars("=> "),
        );
        bar.set_message(format!("v{n} ({})", b.tag));
        bar
    };
    let mut car = Vec::new();
    let mut reader = bar.wrap_read(resp.into_reader().take(MAX_DOWNLOAD + 1));
    reader
        .read_to_end(&mut car)
        .map_err(|e| anyhow!("downloading {url}: {e}"))?;
    bar.finish_and_clear();
    if car.len() as u64 > MAX_DOWNLOAD {
        bail!("{url} is over the {MAX_DOWNLOAD}-byte limit");
    }
    check(&car, b.manifest).with_context(|| format!("{url} is not the official v{n}"))?;
    write_atomically(&path, &[&car])?;
    if !quiet {
        println!(
            "v{n} ({}, manifest {}): {}",
            b.tag,
            b.manifest,
            path.display()
        );
    }
    Ok(path)
}

/// Checks a bundle CAR whole: it loads (every block against its CID, every actor's code
/// there) and its manifest is `manifest`.
fn check(car: &[u8], manifest: &str) -> Result<()> {
    let loaded = load_bundle(&MemoryBlockstore::new(), car)?;
    let got = manifest_cid(&loaded.manifest_data)?;
    if got.to_string() != manifest {
        bail!("its manifest is {got}, not {manifest}");
    }
    Ok(())
}
