//! The bundles a run may use, found by the manifest a state's system actor names.
//!
//! A folder of bundles is indexed when added (each CAR's manifest read, the code it names
//! noted; every block's hash is checked when a bundle is first used) but only the bundles a
//! run's vectors need are kept in memory, each once: vectors read their blocks through an
//! [`Overlay`] instead of copying them.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::{anyhow, bail, Context, Result};
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

/// What a bundle file holds, learnt by reading its DAG-CBOR blocks (manifest header and
/// manifest) and skipping over its code: a folder of bundles is tens of MB of WASM, and
/// only the bundles a run uses are read whole (and every block's hash checked, by
/// [`parse`], before any is used; they must still name the manifest they were indexed
/// under).
fn index(path: &Path) -> Result<skyr::bundle::Bundle> {
    use std::io::{BufRead, Read};
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut r = std::io::BufReader::new(file);
    let not_car = |what: &str| anyhow!("bundle is not a CARv1 file: {what}");
    let length = |r: &mut std::io::BufReader<std::fs::File>| {
        unsigned_varint::io::read_u64(r)
            .map_err(|e| anyhow!("bundle CAR is malformed: a length prefix: {e}"))
    };
    if r.fill_buf()?.is_empty() {
        return Err(not_car("empty"));
    }
    let header_len = length(&mut r)?;
    if header_len > MAX_INDEXED_BLOCK {
        return Err(not_car("its header is too long"));
    }
    let mut header = vec![0; header_len as usize];
    r.read_exact(&mut header)
        .map_err(|_| not_car("its header is cut short"))?;
    let header: fvm_ipld_car::CarHeader =
        fvm_ipld_encoding::from_slice(&header).map_err(|e| not_car(&e.to_string()))?;
    if header.version != 1 {
        return Err(not_car(&format!("version {}", header.version)));
    }
    // The manifest's blocks, and an empty stand-in for each code block: enough for
    // `bundle_in`, which reads the manifest and asks only whether the code is there.
    let view = MemoryBlockstore::new();
    while !r.fill_buf()?.is_empty() {
        let len = length(&mut r)?;
        let mut block = (&mut r).take(len);
        let cid =
            Cid::read_bytes(&mut block).map_err(|e| anyhow!("bundle CAR is malformed: {e}"))?;
        let rest = block.limit();
        if cid.codec() == fvm_ipld_encoding::DAG_CBOR {
            if rest > MAX_INDEXED_BLOCK {
                bail!("bundle CAR is malformed: DAG-CBOR block {cid} of {rest} bytes");
            }
            let mut data = Vec::with_capacity(rest as usize);
            block.read_to_end(&mut data)?;
            if data.len() as u64 != rest {
                bail!("bundle CAR is malformed: block {cid} is cut short");
            }
            view.put_keyed(&cid, &data)?;
        } else {
            // Skip the code; a file cut short inside it is noticed when the bundle is read.
            let skip = i64::try_from(rest).map_err(|_| anyhow!("bundle CAR is malformed"))?;
            r.seek_relative(skip)?;
            view.put_keyed(&cid, &[])?;
        }
    }
    skyr::bundle::bundle_in(&view, &header.roots)
}

/// Blocks larger than this are not manifests: a file holding one is refused at indexing.
const MAX_INDEXED_BLOCK: u64 = 16 << 20;

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
        let b = index(path).with_context(|| format!("bundle {}", path.display()))?;
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
/// Every `*.car` file under `dir`, its sub-folders searched too, added to `out`.
pub fn car_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A bundle of three tiny "actors" (any bytes with the WASM magic will do: nothing here
    /// compiles them).
    fn bundle() -> (Vec<u8>, Cid) {
        let wasm = |tag: u8| {
            let mut w = b"\0asm\x01\0\0\0".to_vec();
            w.extend(std::iter::repeat_n(tag, 64));
            w
        };
        let names = ["account", "init", "system"];
        let actors: Vec<_> = (1..).zip(names).map(|(i, n)| (n.into(), wasm(i))).collect();
        skyr::bundle::write_bundle(&actors).unwrap()
    }

    fn folder(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("skyr-bundles-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_folder_bundle_is_checked_when_first_used() {
        let (car, manifest) = bundle();
        let dir = folder("good");
        std::fs::write(dir.join("b.car"), &car).unwrap();
        let mut set = BundleSet::default();
        assert!(set.add_dir(&dir).unwrap().is_empty());
        let layers = set.layers(&manifest, &MemoryBlockstore::new()).unwrap();
        assert_eq!(layers.len(), 1);
        assert!(layers[0].len() >= 3, "code and manifest blocks");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_that_is_not_a_bundle_is_reported_when_indexed() {
        let (car, _) = bundle();
        let dir = folder("bad-files");
        std::fs::write(dir.join("empty.car"), b"").unwrap();
        std::fs::write(
            dir.join("junk.car"),
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
        )
        .unwrap();
        // Cut inside the manifest's blocks, which come before the code.
        let code = car.windows(4).position(|w| w == b"\0asm").unwrap();
        std::fs::write(dir.join("cut.car"), &car[..code - 50]).unwrap();
        let mut set = BundleSet::default();
        let warnings = set.add_dir(&dir).unwrap();
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        for (w, file) in warnings.iter().zip(["cut.car", "empty.car", "junk.car"]) {
            assert!(w.contains(file) && w.contains("bundle"), "{w}");
        }
        assert!(set.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_corrupt_code_block_is_refused_on_use_naming_the_bundle() {
        let (mut car, manifest) = bundle();
        // One byte of the first actor's code, past its magic: the manifest still reads.
        let at = car.windows(4).position(|w| w == b"\0asm").unwrap() + 20;
        car[at] ^= 0xff;
        let dir = folder("corrupt");
        std::fs::write(dir.join("bad.car"), &car).unwrap();
        let mut set = BundleSet::default();
        assert!(set.add_dir(&dir).unwrap().is_empty(), "indexed unchecked");
        let err = set
            .layers(&manifest, &MemoryBlockstore::new())
            .expect_err("a corrupt block is refused");
        let text = format!("{err:#}");
        assert!(text.contains("bad.car"), "{text}");
        assert!(text.contains("malformed"), "{text}");
        // The same bytes added in memory are checked at once.
        assert!(BundleSet::default().add("bad.car".into(), car).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
