//! The bundles a run may use, found by the manifest a state's system actor names.
//!
//! A folder of bundles is indexed when added (each CAR read once, its blocks checked, the
//! code its manifest names noted) but only the bundles a run's vectors need are kept in
//! memory, each once: vectors read their blocks through an [`Overlay`] instead of copying
//! them.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::{anyhow, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};

/// The blocks of one bundle, parsed and checked once.
pub type Blocks = Arc<HashMap<Cid, Vec<u8>>>;

/// A bundle known by its manifest, its blocks read on first use.
struct Bundle {
    origin: PathBuf,
    /// The CAR's bytes for a bundle given as bytes; none for one read from `origin`.
    bytes: Option<Arc<Vec<u8>>>,
    /// The code CIDs its manifest names.
    codes: BTreeSet<Cid>,
    blocks: OnceLock<std::result::Result<Blocks, String>>,
}

impl Bundle {
    fn blocks(&self, manifest: &Cid) -> Result<Blocks> {
        let loaded = self.blocks.get_or_init(|| {
            let read = match &self.bytes {
                Some(b) => parse(b),
                None => std::fs::read(&self.origin)
                    .map_err(anyhow::Error::from)
                    .and_then(|car| parse(&car)),
            };
            read.and_then(|(blocks, found)| {
                if found.manifest_data != *manifest {
                    anyhow::bail!(
                        "changed since it was indexed: manifest {}, was {manifest}",
                        found.manifest_data
                    );
                }
                Ok(blocks)
            })
            .map_err(|e| format!("bundle {}: {e:#}", self.origin.display()))
        });
        loaded.clone().map_err(|e| anyhow!(e))
    }
}

/// Reads a bundle CAR once (every block's hash checked) and checks it as a bundle: its
/// blocks and its manifest.
fn parse(car: &[u8]) -> Result<(Blocks, skyr::bundle::Bundle)> {
    let reader = fvm_ipld_car::CarReader::new(car)
        .map_err(|e| anyhow!("bundle is not a CARv1 file: {e}"))?;
    let roots = reader.header.roots.clone();
    let blocks = reader
        .map(|b| b.map(|b| (b.cid, b.data)))
        .collect::<Result<HashMap<_, _>, _>>()
        .map_err(|e| anyhow!("bundle CAR is malformed: {e}"))?;
    let blocks = Arc::new(blocks);
    let bundle = skyr::bundle::bundle_in(
        &Overlay::new(Default::default(), vec![blocks.clone()]),
        &roots,
    )?;
    Ok((blocks, bundle))
}

/// Bundles by manifest data CID.
#[derive(Clone, Default)]
pub struct BundleSet {
    by_manifest: BTreeMap<Cid, Arc<Bundle>>,
    /// Actor code known outside any bundle (Skyr's test actors), by code CID.
    loose_code: Blocks,
    without_code: bool,
}

impl BundleSet {
    /// Adds a bundle CAR held in memory; returns its manifest data CID.
    pub fn add(&mut self, origin: PathBuf, car: Vec<u8>) -> Result<Cid> {
        let (blocks, b) = parse(&car).with_context(|| format!("bundle {}", origin.display()))?;
        let bundle = self.insert(&b, origin, Some(Arc::new(car)));
        // Read already: keep the blocks rather than parse the bytes again on first use.
        let _ = bundle.blocks.set(Ok(blocks));
        Ok(b.manifest_data)
    }

    /// Adds a bundle CAR file, read again from disk when a vector first needs it; returns
    /// its manifest data CID.
    pub fn add_file(&mut self, path: &Path) -> Result<Cid> {
        let car = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let (_, b) = parse(&car).with_context(|| format!("bundle {}", path.display()))?;
        self.insert(&b, path.to_path_buf(), None);
        Ok(b.manifest_data)
    }

    fn insert(
        &mut self,
        b: &skyr::bundle::Bundle,
        origin: PathBuf,
        bytes: Option<Arc<Vec<u8>>>,
    ) -> Arc<Bundle> {
        let bundle = Arc::new(Bundle {
            origin,
            bytes,
            codes: b.manifest.entries().iter().map(|(_, c)| *c).collect(),
            blocks: OnceLock::new(),
        });
        self.by_manifest.insert(b.manifest_data, bundle.clone());
        bundle
    }

    /// Adds one actor's WASM outside any bundle, for manifests that name it beside a
    /// bundle's actors; returns its code CID.
    pub fn add_code(&mut self, wasm: Vec<u8>) -> Cid {
        let code = skyr::bundle::code_cid(&wasm);
        Arc::make_mut(&mut self.loose_code).insert(code, wasm);
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

    /// The blocks a state naming `manifest` reads its actors' code from, `store` holding the
    /// state's own blocks: the bundle with this manifest; or, for a manifest of its own (a
    /// bundle's actors beside a test actor, say), the known code of each entry `store`
    /// lacks, from the loose code and the bundles that have it (read on first use). Empty
    /// when nothing here helps.
    pub fn layers(&self, manifest: &Cid, store: &impl Blockstore) -> Result<Vec<Blocks>> {
        if let Some(b) = self.by_manifest.get(manifest) {
            return Ok(vec![b.blocks(manifest)?]);
        }
        let Ok(m) = skyr::bundle::Manifest::load(store, manifest) else {
            return Ok(Vec::new());
        };
        let mut loose = false;
        let mut from = BTreeSet::new();
        for (_, code) in m.entries() {
            if store.has(code)? {
                continue;
            }
            if self.loose_code.contains_key(code) {
                loose = true;
            } else if let Some((data, _)) = self
                .by_manifest
                .iter()
                .find(|(_, b)| b.codes.contains(code))
            {
                from.insert(*data);
            }
        }
        let mut layers = Vec::new();
        if loose {
            layers.push(self.loose_code.clone());
        }
        for data in &from {
            layers.push(self.by_manifest[data].blocks(data)?);
        }
        Ok(layers)
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

/// A vector's own blocks over shared ones (a bundle's, or the code a manifest of its own
/// names): reads look in the vector's first, writes go to the vector's. The shared blocks are
/// never copied.
pub struct Overlay {
    own: MemoryBlockstore,
    under: Vec<Blocks>,
}

impl Overlay {
    /// The blocks `own` over the layers `under` (searched in order).
    pub fn new(own: MemoryBlockstore, under: Vec<Blocks>) -> Self {
        Overlay { own, under }
    }
}

impl Blockstore for Overlay {
    fn get(&self, k: &Cid) -> Result<Option<Vec<u8>>> {
        if let Some(b) = self.own.get(k)? {
            return Ok(Some(b));
        }
        Ok(self.under.iter().find_map(|u| u.get(k).cloned()))
    }

    fn put_keyed(&self, k: &Cid, block: &[u8]) -> Result<()> {
        self.own.put_keyed(k, block)
    }

    fn has(&self, k: &Cid) -> Result<bool> {
        Ok(self.own.has(k)? || self.under.iter().any(|u| u.contains_key(k)))
    }
}
