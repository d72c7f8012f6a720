//! The bundles a run may use, found by the manifest a state's system actor names.
//!
//! A folder of bundles is indexed when added (each CAR read once, its blocks checked) but only
//! the bundles a run's vectors name are kept in memory, each once: vectors read their blocks
//! through an [`Overlay`] instead of copying them.
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::{anyhow, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use skyr::bundle::load_bundle;

/// The blocks of one bundle, parsed and checked once.
pub type Blocks = Arc<HashMap<Cid, Vec<u8>>>;

/// A bundle known by its manifest, its blocks read on first use.
struct Bundle {
    origin: PathBuf,
    /// The CAR's bytes for a bundle given as bytes; none for one read from `origin`.
    bytes: Option<Arc<Vec<u8>>>,
    blocks: OnceLock<std::result::Result<Blocks, String>>,
}

impl Bundle {
    fn blocks(&self, manifest: &Cid) -> Result<Blocks> {
        let loaded = self.blocks.get_or_init(|| {
            let read = match &self.bytes {
                Some(b) => parse(b, manifest),
                None => std::fs::read(&self.origin)
                    .map_err(anyhow::Error::from)
                    .and_then(|car| parse(&car, manifest)),
            };
            read.map(Arc::new)
                .map_err(|e| format!("bundle {}: {e:#}", self.origin.display()))
        });
        loaded.clone().map_err(|e| anyhow!(e))
    }
}

/// Checks a bundle CAR (every block's hash) and returns its blocks and manifest data CID.
fn check(car: &[u8]) -> Result<Cid> {
    let store = MemoryBlockstore::new();
    Ok(load_bundle(&store, car)?.manifest_data)
}

/// The blocks of a bundle CAR, which must still have the manifest it had when indexed.
fn parse(car: &[u8], manifest: &Cid) -> Result<HashMap<Cid, Vec<u8>>> {
    let found = check(car)?;
    if found != *manifest {
        anyhow::bail!("changed since it was indexed: manifest {found}, was {manifest}");
    }
    let reader = fvm_ipld_car::CarReader::new_unchecked(car)?;
    Ok(reader
        .map(|b| b.map(|b| (b.cid, b.data)))
        .collect::<Result<HashMap<_, _>, _>>()?)
}

/// Bundles by manifest data CID.
#[derive(Clone, Default)]
pub struct BundleSet {
    by_manifest: BTreeMap<Cid, Arc<Bundle>>,
    /// Actor code known outside any bundle (Skyr's fvm_sdk 3 test actor), by code CID.
    loose_code: BTreeMap<Cid, Arc<Vec<u8>>>,
    without_code: bool,
}

impl BundleSet {
    /// Adds a bundle CAR held in memory; returns its manifest data CID.
    pub fn add(&mut self, origin: PathBuf, car: Vec<u8>) -> Result<Cid> {
        let manifest = check(&car).with_context(|| format!("bundle {}", origin.display()))?;
        self.insert(manifest, origin, Some(Arc::new(car)));
        Ok(manifest)
    }

    /// Adds a bundle CAR file, read again from disk when a vector first needs it; returns
    /// its manifest data CID.
    pub fn add_file(&mut self, path: &Path) -> Result<Cid> {
        let car = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let manifest = check(&car).with_context(|| format!("bundle {}", path.display()))?;
        self.insert(manifest, path.to_path_buf(), None);
        Ok(manifest)
    }

    fn insert(&mut self, manifest: Cid, origin: PathBuf, bytes: Option<Arc<Vec<u8>>>) {
        self.by_manifest.insert(
            manifest,
            Arc::new(Bundle {
                origin,
                bytes,
                blocks: OnceLock::new(),
            }),
        );
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
            if let Err(e) = self.add_file(&p) {
                warnings.push(format!("{e:#}"));
            }
        }
        Ok(warnings)
    }

    /// The blocks of the bundle with this manifest, read on first use; none when there is
    /// no such bundle.
    pub fn blocks(&self, manifest: &Cid) -> Result<Option<Blocks>> {
        match self.by_manifest.get(manifest) {
            Some(b) => b.blocks(manifest).map(Some),
            None => Ok(None),
        }
    }

    /// Copies the bundle with this manifest into `store`; false when there is none.
    pub fn load_into(&self, manifest: &Cid, store: &impl Blockstore) -> Result<bool> {
        let Some(blocks) = self.blocks(manifest)? else {
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
            for (m, _) in self.by_manifest.iter() {
                if let Some(data) = self.blocks(m)?.and_then(|b| b.get(code).cloned()) {
                    store.put_keyed(code, &data)?;
                    copied += 1;
                    break;
                }
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

/// A vector's own blocks over a bundle's shared ones: reads look in both, writes go to the
/// vector's. The bundle is never copied.
pub struct Overlay {
    own: MemoryBlockstore,
    under: Option<Blocks>,
}

impl Overlay {
    /// The blocks `own` over the bundle blocks `under`.
    pub fn new(own: MemoryBlockstore, under: Option<Blocks>) -> Self {
        Overlay { own, under }
    }
}

impl Blockstore for Overlay {
    fn get(&self, k: &Cid) -> Result<Option<Vec<u8>>> {
        if let Some(b) = self.own.get(k)? {
            return Ok(Some(b));
        }
        Ok(self.under.as_ref().and_then(|u| u.get(k).cloned()))
    }

    fn put_keyed(&self, k: &Cid, block: &[u8]) -> Result<()> {
        self.own.put_keyed(k, block)
    }

    fn has(&self, k: &Cid) -> Result<bool> {
        Ok(self.own.has(k)? || self.under.as_ref().is_some_and(|u| u.contains_key(k)))
    }
}
