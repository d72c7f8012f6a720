//! The bundles a run may use, found by the manifest a state's system actor names.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use skyr::bundle::load_bundle;

/// The blocks of one bundle, parsed and checked once.
type Blocks = Arc<Vec<(Cid, Vec<u8>)>>;

/// Bundles by manifest data CID, kept as checked blocks so each vector only copies them.
#[derive(Clone, Default)]
pub struct BundleSet {
    by_manifest: BTreeMap<Cid, (PathBuf, Blocks)>,
    /// Actor code known outside any bundle (Skyr's fvm_sdk 3 test actor), by code CID.
    loose_code: BTreeMap<Cid, Arc<Vec<u8>>>,
    without_code: bool,
}

impl BundleSet {
    /// Adds a bundle CAR; returns its manifest data CID.
    pub fn add(&mut self, origin: PathBuf, car: Vec<u8>) -> Result<Cid> {
        let store = MemoryBlockstore::new();
        let b =
            load_bundle(&store, &car).with_context(|| format!("bundle {}", origin.display()))?;
        // The CAR was read (and every block's hash checked) above; keep its blocks.
        let reader = fvm_ipld_car::CarReader::new_unchecked(car.as_slice())?;
        let blocks = reader
            .map(|b| b.map(|b| (b.cid, b.data)))
            .collect::<Result<Vec<_>, _>>()?;
        self.by_manifest
            .insert(b.manifest_data, (origin, Arc::new(blocks)));
        Ok(b.manifest_data)
    }

    /// Adds one actor's WASM outside any bundle, for manifests that name it beside a
    /// bundle's actors; returns its code CID.
    pub fn add_code(&mut self, wasm: Vec<u8>) -> Cid {
        let code = skyr::bundle::code_cid(&wasm);
        self.loose_code.insert(code, Arc::new(wasm));
        code
    }

    /// Adds every `*.car` file of a folder and of its sub-folders (as release archives lay
    /// them out: `v9/builtin-actors-mainnet.car`). Files that are not bundles are reported,
    /// not fatal.
    pub fn add_dir(&mut self, dir: &Path) -> Result<Vec<String>> {
        let mut warnings = Vec::new();
        let mut entries = Vec::new();
        car_files(dir, &mut entries)?;
        entries.sort();
        for p in entries {
            let car = std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?;
            if let Err(e) = self.add(p.clone(), car) {
                warnings.push(format!("{e:#}"));
            }
        }
        Ok(warnings)
    }

    /// Loads the bundle with this manifest into `store`; false when there is none.
    pub fn load_into(&self, manifest: &Cid, store: &impl Blockstore) -> Result<bool> {
        let Some((_, blocks)) = self.by_manifest.get(manifest) else {
            return Ok(false);
        };
        for (k, data) in blocks.iter() {
            store.put_keyed(k, data)?;
        }
        Ok(true)
    }

    /// For a manifest the store holds but no bundle has (a custom one, say an official
    /// bundle plus a test actor): copies in, from any known bundle, the code of each entry
    /// the store lacks. Returns how many code blocks were copied.
    pub fn load_code_into(&self, manifest: &Cid, store: &impl Blockstore) -> Result<usize> {
        let Ok(m) = skyr::bundle::Manifest::load(store, manifest) else {
            return Ok(0);
        };
        let mut copied = 0;
        for (_, code) in m.entries() {
            if store.has(code)? {
                continue;
            }
            if let Some(wasm) = self.loose_code.get(code) {
                store.put_keyed(code, wasm)?;
                copied += 1;
                continue;
            }
            let found = self
                .by_manifest
                .values()
                .find_map(|(_, blocks)| blocks.iter().find(|(k, _)| k == code));
            if let Some((k, data)) = found {
                store.put_keyed(k, data)?;
                copied += 1;
            }
        }
        Ok(copied)
    }

    /// Lets vectors whose bundle is not here run on the manifest they carry, without the
    /// actors' code: one whose messages execute no actor code (transfers, failed transfers)
    /// is still checked; one that would execute code is skipped, naming the call.
    pub fn run_without_code(&mut self, yes: bool) {
        self.without_code = yes;
    }

    /// Whether vectors without their bundle's code are run (see [`Self::run_without_code`]).
    pub fn runs_without_code(&self) -> bool {
        self.without_code
    }

    /// How many bundles are known.
    pub fn len(&self) -> usize {
        self.by_manifest.len()
    }

    /// True when none are known.
    pub fn is_empty(&self) -> bool {
        self.by_manifest.is_empty()
    }
}

/// Every `*.car` file under `dir`, in any depth of sub-folders.
fn car_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)
        .with_context(|| format!("reading bundle folder {}", dir.display()))?
    {
        let path = entry
            .with_context(|| format!("reading bundle folder {}", dir.display()))?
            .path();
        if path.is_dir() {
            car_files(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "car") {
            out.push(path);
        }
    }
    Ok(())
}
