//! The blockstore a machine runs on when its state lives on a node: the blocks it writes,
//! over local bundles' code (when the state's manifest is one of them), over the node's blocks
//! read through the cache. Writes never reach the node or the cache.
use std::rc::Rc;

use anyhow::Result;
use cid::Cid;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use skyr_vectors::bundles::Blocks;
use skyr_vectors::runner::{manifest_of, missing_code};
use skyr_vectors::BundleSet;

use crate::source::NodeSource;

/// Blocks written here, then `code`, then the node's.
pub struct NodeStore {
    own: MemoryBlockstore,
    code: Vec<Blocks>,
    source: Rc<NodeSource>,
}

impl NodeStore {
    /// A store over `source`, with local code layers `code` read before it.
    pub fn new(source: Rc<NodeSource>, code: Vec<Blocks>) -> NodeStore {
        NodeStore {
            own: MemoryBlockstore::new(),
            code,
            source,
        }
    }

    /// Whether `k` is here without asking the node: written, or in a local code layer.
    pub fn has_local(&self, k: &Cid) -> bool {
        self.own.has(k).unwrap_or(false) || self.code.iter().any(|l| l.contains_key(k))
    }

    /// Adds local code layers (found once the state's manifest is known).
    pub fn add_code(&mut self, code: Vec<Blocks>) {
        self.code.extend(code);
    }
}

/// A store for the state at `root` on `source`'s node, and what it found on the way.
pub struct StateStore {
    /// The store: the actors' code from local bundles where they hold the state's, the rest
    /// fetched from the node.
    pub store: NodeStore,
    /// The manifest data CID the state's system actor names.
    pub manifest: Cid,
    /// Why some actor code is not at hand, when it is not (messages that run none can still
    /// run).
    pub missing: Option<String>,
}

/// The [`StateStore`] of the state at `root` on `source`'s node, with `bundles`' code where
/// they hold the state's; the actors' code they lack is fetched several blocks at once.
pub fn state_store(source: &Rc<NodeSource>, bundles: &BundleSet, root: &Cid) -> Result<StateStore> {
    let mut store = NodeStore::new(source.clone(), Vec::new());
    let manifest = manifest_of(&store, root)?;
    store.add_code(bundles.layers(&manifest, &store)?);
    if let Ok(m) = skyr::bundle::Manifest::load(&store, &manifest) {
        let wanted: Vec<Cid> = m
            .entries()
            .iter()
            .map(|(_, c)| *c)
            .filter(|c| !store.has_local(c))
            .collect();
        // A node without some code is reported when a message needs it.
        let _ = source.prefetch(&wanted);
    }
    let missing = missing_code(&store, &manifest)?;
    Ok(StateStore {
        store,
        manifest,
        missing,
    })
}

impl Blockstore for NodeStore {
    fn get(&self, k: &Cid) -> Result<Option<Vec<u8>>> {
        if let Some(b) = self.own.get(k)? {
            return Ok(Some(b));
        }
        if let Some(b) = self.code.iter().find_map(|l| l.get(k)) {
            return Ok(Some(b.clone()));
        }
        // A block the node lacks (or cannot serve) fails the read: a state whose blocks are
        // missing cannot be executed faithfully.
        self.source.block(k).map(Some)
    }

    fn put_keyed(&self, k: &Cid, block: &[u8]) -> Result<()> {
        self.own.put_keyed(k, block)
    }

    fn has(&self, k: &Cid) -> Result<bool> {
        Ok(self.own.has(k)?
            || self.code.iter().any(|l| l.contains_key(k))
            || self.source.block(k).is_ok())
    }
}

/// The node's blocks alone, read-only (for reading chain structures: AMTs of messages and
/// receipts).
impl Blockstore for NodeSource {
    fn get(&self, k: &Cid) -> Result<Option<Vec<u8>>> {
        self.block(k).map(Some)
    }

    fn put_keyed(&self, k: &Cid, _block: &[u8]) -> Result<()> {
        anyhow::bail!("the node's blocks are read-only here (a write of {k})")
    }

    fn has(&self, k: &Cid) -> Result<bool> {
        Ok(self.block(k).is_ok())
    }
}
