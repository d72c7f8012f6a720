//! The devnet kept on disk (`--state DIR`): the blockstore and the chain index in one
//! `skyr-store` database, saved before each answer that changed something, so whatever a
//! client was told (a transaction hash, a receipt, a snapshot ID) survives a crash and a
//! restart.
//!
//! The index holds: the chain (`chain`: its configuration), each tipset (`tipset/` and the
//! height, big-endian: block, message and state CIDs and what each message produced), each
//! transaction hash's message (`eth/` and the hash), and the node's own state (`node`: the
//! pool, the snapshots and the pending time moves). Dev keys come from the flags at each start;
//! automine and interval mining too.
use std::path::Path;
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use serde::{Deserialize, Serialize};
use skyr::Engine;
use skyr_chain::saved::{SavedChain, SavedTipset};
use skyr_chain::Chain;
use skyr_store::Db;

use crate::accounts::DevKey;
use crate::node::{Node, Pending};
use crate::snapshots::{Snapshot, TimeMoves};

/// The database's file in the state folder.
pub const DB_FILE: &str = "devnet.redb";

const CHAIN_KEY: &[u8] = b"chain";
const NODE_KEY: &[u8] = b"node";
const TIPSET_PREFIX: &[u8] = b"tipset/";
const ETH_PREFIX: &[u8] = b"eth/";

fn tipset_key(height: u64) -> Vec<u8> {
    let mut k = TIPSET_PREFIX.to_vec();
    k.extend_from_slice(&height.to_be_bytes());
    k
}

fn eth_key(hash: &[u8; 32]) -> Vec<u8> {
    let mut k = ETH_PREFIX.to_vec();
    k.extend_from_slice(hash);
    k
}

/// The node's own state, saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedNode {
    /// The bundle's manifest CID (for the banner).
    pub bundle_manifest: Cid,
    /// Transactions waiting for a block.
    pub pool: Vec<Pending>,
    /// Snapshots, oldest first.
    pub snapshots: Vec<Snapshot>,
    /// The next snapshot's ID.
    pub next_snapshot: u64,
    /// Time moves the next block takes.
    pub time: TimeMoves,
}

/// A node's link to its database, and what it last saved.
pub struct Persist {
    db: Rc<Db>,
    last_node: Vec<u8>,
    /// Transaction hashes indexed since the last save.
    pub(crate) unsaved_eth: Vec<([u8; 32], Cid)>,
    bundle_manifest: Cid,
}

/// Serialises a `ChainMessage` as its chain encoding (for the saved pool).
pub(crate) mod message_bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    use skyr_chain::ChainMessage;

    pub fn serialize<S: Serializer>(m: &ChainMessage, s: S) -> Result<S::Ok, S::Error> {
        let b = m.encode().map_err(serde::ser::Error::custom)?;
        s.serialize_bytes(&b)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ChainMessage, D::Error> {
        let b = serde_bytes::ByteBuf::deserialize(d)?;
        ChainMessage::decode(&b).map_err(serde::de::Error::custom)
    }
}

/// Opens (or creates) the database in `dir`.
pub fn open(dir: &Path) -> Result<Rc<Db>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the state folder {}", dir.display()))?;
    Ok(Rc::new(Db::open(&dir.join(DB_FILE))?))
}

/// What a database holds: nothing yet, or a devnet to restore.
pub fn saved_chain(db: &Db) -> Result<Option<SavedChain>> {
    match db.index_get(CHAIN_KEY)? {
        None => Ok(None),
        Some(b) => Ok(Some(
            fvm_ipld_encoding::from_slice(&b).context("the saved chain does not decode")?,
        )),
    }
}

/// Restores the devnet saved in `db` (whose chain is `saved`), with `keys` as its dev keys.
pub fn restore(db: Rc<Db>, saved: SavedChain, engine: Engine, keys: Vec<DevKey>) -> Result<Node> {
    let mut tipsets = Vec::new();
    for (i, (k, v)) in db.index_scan(TIPSET_PREFIX)?.into_iter().enumerate() {
        if k != tipset_key(i as u64) {
            bail!("the saved chain is broken: tipset {i} is missing");
        }
        let t: SavedTipset = fvm_ipld_encoding::from_slice(&v)
            .with_context(|| format!("the saved tipset {i} does not decode"))?;
        tipsets.push(t);
    }
    let chain_id = saved.config.chain_id;
    let chain = Chain::restore(engine, db.clone(), saved, tipsets)?;
    let node_bytes = db
        .index_get(NODE_KEY)?
        .ok_or_else(|| anyhow!("the saved devnet has a chain but no node state"))?;
    let n: SavedNode =
        fvm_ipld_encoding::from_slice(&node_bytes).context("the saved node does not decode")?;
    let mut node = Node::new(chain, chain_id, keys);
    for (k, v) in db.index_scan(ETH_PREFIX)? {
        let hash: [u8; 32] = k[ETH_PREFIX.len()..]
            .try_into()
            .map_err(|_| anyhow!("a saved transaction hash is not 32 bytes"))?;
        let cid = Cid::try_from(v.as_slice()).context("a saved message CID does not parse")?;
        node.index_eth(hash, cid);
    }
    let bundle_manifest = n.bundle_manifest;
    node.take_saved(n);
    node.persist = Some(Persist {
        db,
        last_node: node_bytes,
        unsaved_eth: Vec::new(),
        bundle_manifest,
    });
    Ok(node)
}

impl Node {
    /// Links the node to `db`: from now on [`Node::save`] writes there.
    pub fn persist_to(&mut self, db: Rc<Db>, bundle_manifest: Cid) {
        self.persist = Some(Persist {
            db,
            last_node: Vec::new(),
            unsaved_eth: Vec::new(),
            bundle_manifest,
        });
    }

    /// The bundle manifest a restored node was saved with.
    pub fn saved_bundle(&self) -> Option<Cid> {
        self.persist.as_ref().map(|p| p.bundle_manifest)
    }

    /// The node's own state, for saving.
    pub fn saved_node(&self) -> SavedNode {
        SavedNode {
            bundle_manifest: self.saved_bundle().unwrap_or_default(),
            pool: self.pool.clone(),
            snapshots: self.snapshots.clone(),
            next_snapshot: self.next_snapshot,
            time: self.time,
        }
    }

    /// Takes the node state a save or a dump kept: pool, snapshots, time moves.
    fn take_saved(&mut self, saved: SavedNode) {
        self.pool = saved.pool;
        self.snapshots = saved.snapshots;
        self.next_snapshot = saved.next_snapshot;
        self.time = saved.time;
    }

    /// Puts `chain` in place of the node's, with the node state and transaction-hash index
    /// saved beside it (a dump loaded); everything is saved again at the next save.
    pub fn replace_chain(
        &mut self,
        mut chain: Chain,
        saved: SavedNode,
        eth: impl Iterator<Item = ([u8; 32], Cid)>,
    ) {
        chain.mark_all_changed();
        self.chain = chain;
        self.take_saved(saved);
        self.clear_eth_index();
        let pending: Vec<([u8; 32], Cid)> = self
            .pool
            .iter()
            .filter_map(|p| p.message.cid().ok().map(|c| (p.eth_hash, c)))
            .collect();
        for (h, c) in eth.chain(pending) {
            self.index_eth(h, c);
            if let Some(p) = self.persist.as_mut() {
                p.unsaved_eth.push((h, c));
            }
        }
    }

    /// Writes what changed since the last save, in one durable commit (nothing without a
    /// database).
    pub fn save(&mut self) -> Result<()> {
        let Some(changed) = self
            .persist
            .as_ref()
            .map(|_| self.chain.take_changed_from())
        else {
            return Ok(());
        };
        let node_bytes = fvm_ipld_encoding::to_vec(&self.saved_node())?;
        // What changed of the chain: its tipsets from the lowest changed height up (and the
        // chain itself when the change reaches the genesis).
        let mut rewrite = None;
        if let Some(from) = changed.map(|h| h.max(0)) {
            let mut puts = Vec::new();
            if from == 0 {
                puts.push((
                    CHAIN_KEY.to_vec(),
                    fvm_ipld_encoding::to_vec(&self.chain.saved())?,
                ));
            }
            for h in from..=self.chain.head().height() {
                let t = self
                    .chain
                    .saved_tipset(h)
                    .ok_or_else(|| anyhow!("the chain has no tipset {h}"))?;
                puts.push((tipset_key(h as u64), fvm_ipld_encoding::to_vec(&t)?));
            }
            rewrite = Some((from as u64, puts));
        }
        let Some(p) = self.persist.as_mut() else {
            return Ok(());
        };
        if let Some((from, puts)) = rewrite {
            p.db.index_delete_range(&tipset_key(from), &tipset_key(u64::MAX));
            for (k, v) in &puts {
                p.db.index_put(k, v);
            }
        }
        for (hash, cid) in p.unsaved_eth.drain(..) {
            p.db.index_put(&eth_key(&hash), &cid.to_bytes());
        }
        let node_changed = node_bytes != p.last_node;
        if node_changed {
            p.db.index_put(NODE_KEY, &node_bytes);
        }
        p.db.commit().context("saving the devnet")?;
        if node_changed {
            p.last_node = node_bytes;
        }
        Ok(())
    }
}
