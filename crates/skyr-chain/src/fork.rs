//! A chain that starts from a tipset of another chain (a node's), as `anvil --fork-url`
//! starts from a block of a live network: its first tipset is the node's, with the state that
//! tipset produced; the tipsets mined on it are the chain's own. Epochs up to the fork ask the
//! node (randomness, tipset CIDs); the state's blocks come through whatever store the chain
//! is given, so reads may go to the node while writes stay local.
use std::collections::BTreeMap;
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use skyr::blockstore::BaseStore;
use skyr::shared::econ::TokenAmount;
use skyr::shared::version::NetworkVersion;
use skyr::{Engine, Externs};

use crate::block::{tipset_key_cid, BlockHeader};
use crate::chain::{Chain, ChainConfig, TipsetRecord};
use crate::saved::manifest_at;

/// The node's tipset a chain forks, and what the node says about it.
pub struct ForkBase {
    /// The network version at the tipset (the chain runs it from then on: no upgrades).
    pub network_version: NetworkVersion,
    /// Its blocks, in its key's order, with their CIDs.
    pub blocks: Vec<(Cid, BlockHeader)>,
    /// The state it produced (its child's parent state).
    pub state_root: Cid,
    /// The root of its receipts (its child's parent receipts).
    pub receipts_root: Cid,
    /// The base fee its child paid: the first tipset mined on the fork pays it.
    pub next_base_fee: TokenAmount,
    /// The circulating supply the node's machine saw there.
    pub circ_supply: TokenAmount,
    /// Randomness and tipset CIDs for the epochs up to it, as the node draws them.
    pub history: Rc<dyn Externs>,
}

impl Chain {
    /// A chain whose first tipset is `base`, on `store` (which must reach the node's state).
    /// Its blocks are mined by the miner of `base`'s first block; its actors are the ones the
    /// state names.
    pub fn fork(
        engine: Engine,
        store: Rc<dyn BaseStore>,
        base: ForkBase,
        config: ChainConfig,
    ) -> Result<Chain> {
        let mut blocks = base.blocks.into_iter();
        let (block_cid, header) = blocks
            .next()
            .ok_or_else(|| anyhow!("the tipset to fork has no blocks"))?;
        let siblings: Vec<(Cid, BlockHeader)> = blocks.collect();
        if siblings.iter().any(|(_, h)| h.height != header.height) {
            bail!("the blocks of the tipset to fork disagree on their height");
        }
        let height = header.height;
        let manifest =
            manifest_at(&store, &base.state_root, base.network_version).with_context(|| {
                format!("the actors of the state at the fork ({})", base.state_root)
            })?;
        let mut chain = Chain {
            engine,
            store,
            config,
            network_version: base.network_version,
            manifest,
            miner: 0,
            genesis_state: base.state_root,
            tipsets: Vec::new(),
            messages: BTreeMap::new(),
            heights: BTreeMap::new(),
            changed_from: Some(height),
            next_base_fee: Some(base.next_base_fee),
            first_height: height,
            history: Some(base.history),
            circ_supply: base.circ_supply,
        };
        let miner_addr = header.miner;
        let mut key = vec![block_cid];
        key.extend(siblings.iter().map(|(c, _)| *c));
        let record = TipsetRecord {
            key_cid: tipset_key_cid(&key)?,
            header,
            block_cid,
            messages: Vec::new(),
            message_cids: Vec::new(),
            results: Vec::new(),
            state_root: base.state_root,
            receipts_root: base.receipts_root,
            siblings,
        };
        chain.push(record);
        chain.miner = match miner_addr.id() {
            Ok(id) => id,
            Err(_) => chain
                .state_at(height)?
                .lookup_id(&miner_addr)?
                .ok_or_else(|| anyhow!("the fork's miner {miner_addr} has no actor"))?,
        };
        Ok(chain)
    }
}
