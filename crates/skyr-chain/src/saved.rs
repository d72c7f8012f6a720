//! A chain saved and restored: what a chain is beyond its blocks (its configuration, and per
//! tipset the block, message and state CIDs and what each message produced), in forms an
//! index can hold. The blocks themselves (headers, messages, states, receipts) are in the
//! store already; restoring reads them back and checks that the tipsets link up.
use std::collections::BTreeMap;
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use serde_tuple::{Deserialize_tuple, Serialize_tuple};
use skyr::blockstore::BaseStore;
use skyr::bundle::Manifest;
use skyr::shared::version::NetworkVersion;
use skyr::Engine;

use crate::block::{tipset_key_cid, BlockHeader};
use crate::chain::{Chain, ChainConfig, MessageResult, TipsetRecord};
use crate::genesis::ids;
use crate::message::ChainMessage;
use crate::store::StoreRef;

/// The chain itself, saved once.
#[derive(Clone, Debug, PartialEq, Serialize_tuple, Deserialize_tuple)]
pub struct SavedChain {
    /// Its network version.
    pub network_version: u32,
    /// The miner producing its blocks.
    pub miner: u64,
    /// The genesis state as built.
    pub genesis_state: Cid,
    /// How it runs.
    pub config: ChainConfig,
}

/// One tipset, saved.
#[derive(Clone, Debug, Serialize_tuple, Deserialize_tuple)]
pub struct SavedTipset {
    /// Its block.
    pub block_cid: Cid,
    /// Its messages.
    pub message_cids: Vec<Cid>,
    /// What each produced.
    pub results: Vec<MessageResult>,
    /// The state it produced (edits included).
    pub state_root: Cid,
    /// The root of its receipts.
    pub receipts_root: Cid,
}

impl Chain {
    /// The chain, for saving.
    pub fn saved(&self) -> SavedChain {
        SavedChain {
            network_version: u32::from(self.network_version),
            miner: self.miner,
            genesis_state: self.genesis_state,
            config: self.config.clone(),
        }
    }

    /// Tipset `height`, for saving.
    pub fn saved_tipset(&self, height: i64) -> Option<SavedTipset> {
        let t = self.at(height)?;
        Some(SavedTipset {
            block_cid: t.block_cid,
            message_cids: t.message_cids.clone(),
            results: t.results.clone(),
            state_root: t.state_root,
            receipts_root: t.receipts_root,
        })
    }

    /// Restores a chain saved as `saved` and `tipsets` (from the genesis on, in order) whose
    /// blocks are in `store`.
    pub fn restore(
        engine: Engine,
        store: Rc<dyn BaseStore>,
        saved: SavedChain,
        tipsets: Vec<SavedTipset>,
    ) -> Result<Chain> {
        let read = |cid: &Cid, what: &str| -> Result<Vec<u8>> {
            store
                .get(cid)?
                .ok_or_else(|| anyhow!("the saved chain's {what} {cid} is not in the store"))
        };
        let mut records: Vec<TipsetRecord> = Vec::with_capacity(tipsets.len());
        for (h, t) in tipsets.into_iter().enumerate() {
            let header: BlockHeader = fvm_ipld_encoding::from_slice(&read(&t.block_cid, "block")?)
                .with_context(|| format!("the saved block at height {h} does not decode"))?;
            if header.height != h as i64 {
                bail!(
                    "the saved chain is broken: the block at position {h} is at height {}",
                    header.height
                );
            }
            if let Some(parent) = records.last() {
                if header.parents != vec![parent.block_cid] {
                    bail!(
                        "the saved chain is broken: block {h} does not follow block {}",
                        h - 1
                    );
                }
            }
            if t.message_cids.len() != t.results.len() {
                bail!("the saved tipset {h} has messages and results that do not pair up");
            }
            let mut ms = Vec::with_capacity(t.message_cids.len());
            for c in &t.message_cids {
                ms.push(ChainMessage::decode(&read(c, "message")?)?);
            }
            records.push(TipsetRecord {
                key_cid: tipset_key_cid(&[t.block_cid])?,
                header,
                block_cid: t.block_cid,
                messages: ms,
                message_cids: t.message_cids,
                results: t.results,
                state_root: t.state_root,
                receipts_root: t.receipts_root,
                siblings: Vec::new(),
            });
        }
        if records.is_empty() {
            bail!("the saved chain has no genesis");
        }
        let network_version = NetworkVersion::from(saved.network_version);
        let manifest = manifest_at(&store, &saved.genesis_state, network_version)?;
        let mut chain = Chain {
            engine,
            store,
            config: saved.config,
            network_version,
            manifest,
            miner: saved.miner,
            genesis_state: saved.genesis_state,
            tipsets: Vec::with_capacity(records.len()),
            messages: BTreeMap::new(),
            heights: BTreeMap::new(),
            changed_from: None,
            next_base_fee: None,
            first_height: 0,
            history: None,
            circ_supply: crate::chain::default_circ_supply(network_version),
        };
        for r in records {
            chain.push(r);
        }
        Ok(chain)
    }
}

/// The bundle's manifest named by the system actor of the state at `root`.
pub(crate) fn manifest_at(
    store: &Rc<dyn BaseStore>,
    root: &Cid,
    nv: NetworkVersion,
) -> Result<Manifest> {
    let rules = skyr::rules::rules_for(nv).ok_or_else(|| anyhow!("no rules for {nv}"))?;
    let tree = skyr::state_tree::StateTree::load(
        skyr::blockstore::BufferedStore::new(store.clone()),
        root,
        rules,
    )?;
    let system = tree
        .get_actor(ids::SYSTEM)?
        .ok_or_else(|| anyhow!("the state {root} has no system actor"))?;
    let bytes = store
        .get(&system.state)?
        .ok_or_else(|| anyhow!("the system actor's state is not in the store"))?;
    let (data,): (Cid,) = fvm_ipld_encoding::from_slice(&bytes)
        .context("the system actor's state does not decode")?;
    Manifest::load(&StoreRef(store.clone()), &data)
}
