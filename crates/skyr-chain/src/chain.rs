//! The chain: one single-block tipset per epoch, each applied as a Filecoin node applies it
//! (Lotus `ApplyBlocks`): its explicit messages in order, then the block reward to its miner,
//! then cron's end-of-epoch tick, both implicit messages from the system actor; receipts come
//! from the explicit messages only. The state a tipset produces is kept with it, so any
//! epoch's state can be read or called into.
//!
//! Messages apply at the tipset's own epoch, timestamp and parent base fee, on the state its
//! parent produced. The chain checks nothing about who may send what: a node checks messages
//! before it mines them (signatures, nonces, fee caps), and the machine checks what Filecoin's
//! executor checks.
use std::collections::BTreeMap;
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_amt::Amtv0;
use skyr::blockstore::BaseStore;
use skyr::bundle::Manifest;
use skyr::shared::address::Address;
use skyr::shared::bigint::BigInt;
use skyr::shared::clock::ChainEpoch;
use skyr::shared::econ::TokenAmount;
use skyr::shared::event::StampedEvent;
use skyr::shared::receipt::Receipt;
use skyr::shared::version::NetworkVersion;
use skyr::state_tree::{ActorState, StateTree};
use skyr::{ApplyKind, ApplyRet, Engine, Executor, Externs, Machine, MachineConfig, RealProofs};

use crate::basefee::{effective_premium, next_base_fee, premium_at_target, INITIAL_BASE_FEE};
use crate::block::{tipset_key_cid, BlockHeader, ElectionProof, Ticket, TxMeta};
use crate::externs::{ChainExterns, TIPSET_LOOKBACK};
use crate::genesis::{ids, Genesis};
use crate::message::{cbor_cid, ChainMessage};
use crate::store::StoreRef;

/// The bit width of a receipt's events AMT.
const EVENTS_AMT_BIT_WIDTH: u32 = 5;

/// How a chain runs.
#[derive(Clone, Debug, PartialEq, serde_tuple::Serialize_tuple, serde_tuple::Deserialize_tuple)]
pub struct ChainConfig {
    /// The EIP-155 chain ID the machine reports (`CHAINID`).
    pub chain_id: u64,
    /// Seconds between epochs (30 on mainnet): an epoch's timestamp is the genesis's plus
    /// this many seconds per epoch unless told otherwise.
    pub block_delay: u64,
    /// A fixed base fee; `None` follows the network's rule.
    pub fixed_base_fee: Option<TokenAmount>,
}

/// What applying one explicit message produced.
#[derive(Clone, Debug, serde_tuple::Serialize_tuple, serde_tuple::Deserialize_tuple)]
pub struct MessageResult {
    /// Its receipt.
    pub receipt: Receipt,
    /// Burnt at the base fee.
    pub base_fee_burn: TokenAmount,
    /// Burnt for over-estimating gas.
    pub over_estimation_burn: TokenAmount,
    /// Paid to the miner.
    pub miner_tip: TokenAmount,
    /// Owed by the miner for including it.
    pub miner_penalty: TokenAmount,
    /// Returned to the sender.
    pub refund: TokenAmount,
    /// The events it emitted (their root is in the receipt).
    pub events: Vec<StampedEvent>,
    /// Why it failed, when it did.
    pub failure: Option<String>,
}

impl MessageResult {
    fn from_apply(ret: ApplyRet) -> MessageResult {
        MessageResult {
            receipt: ret.receipt,
            base_fee_burn: ret.base_fee_burn,
            over_estimation_burn: ret.over_estimation_burn,
            miner_tip: ret.miner_tip,
            miner_penalty: ret.miner_penalty,
            refund: ret.refund,
            events: ret.events,
            failure: ret.failure,
        }
    }
}

/// A tipset of the chain (one block) and what applying it produced.
#[derive(Clone, Debug)]
pub struct TipsetRecord {
    /// Its block's header.
    pub header: BlockHeader,
    /// The block's CID.
    pub block_cid: Cid,
    /// The tipset key's CID (its digest is the Ethereum block hash).
    pub key_cid: Cid,
    /// Its messages, in order.
    pub messages: Vec<ChainMessage>,
    /// Their CIDs.
    pub message_cids: Vec<Cid>,
    /// What each produced.
    pub results: Vec<MessageResult>,
    /// The state after its messages, the block reward and cron.
    pub state_root: Cid,
    /// The root of its receipts (the next block names it).
    pub receipts_root: Cid,
    /// The tipset's other blocks, after `block_cid` in its key: only the base of a chain
    /// forked from a node's ([`Chain::fork`]) has any; a devnet's tipsets have one block.
    pub siblings: Vec<(Cid, BlockHeader)>,
}

impl TipsetRecord {
    /// Its epoch.
    pub fn height(&self) -> ChainEpoch {
        self.header.height
    }

    /// Its key: its blocks' CIDs (what a child names as its parents).
    pub fn block_cids(&self) -> Vec<Cid> {
        std::iter::once(self.block_cid)
            .chain(self.siblings.iter().map(|(c, _)| *c))
            .collect()
    }
}

/// A chain on a store, from its genesis on.
pub struct Chain {
    pub(crate) engine: Engine,
    pub(crate) store: Rc<dyn BaseStore>,
    pub(crate) config: ChainConfig,
    pub(crate) network_version: NetworkVersion,
    pub(crate) manifest: Manifest,
    pub(crate) miner: u64,
    pub(crate) genesis_state: Cid,
    pub(crate) tipsets: Vec<TipsetRecord>,
    pub(crate) messages: BTreeMap<Cid, (ChainEpoch, usize)>,
    /// Each tipset's height by its key CID and by its block's CID.
    pub(crate) heights: BTreeMap<Cid, ChainEpoch>,
    /// The lowest height whose record changed since [`Chain::take_changed_from`] last said
    /// (for saving only what changed).
    pub(crate) changed_from: Option<ChainEpoch>,
    /// The base fee the next tipset pays, when set by hand (taken by that tipset).
    pub(crate) next_base_fee: Option<TokenAmount>,
    /// The height of its first tipset: 0, or the node's tipset a fork starts from.
    pub(crate) first_height: ChainEpoch,
    /// What answers for the epochs up to the first tipset (a forked chain's node: its
    /// randomness and tipset CIDs); `None` for a chain that starts at its genesis.
    pub(crate) history: Option<Rc<dyn skyr::Externs>>,
    /// The circulating supply its machines see: a forked chain's node's at the fork, else the
    /// machine's default (a chain without a token history has no supply to compute).
    pub(crate) circ_supply: TokenAmount,
}

/// The circulating supply a machine of `nv` assumes when none is given.
pub(crate) fn default_circ_supply(nv: NetworkVersion) -> TokenAmount {
    MachineConfig::new(nv, 0, Cid::default()).circ_supply
}

fn digest(label: &[u8], epoch: ChainEpoch) -> Vec<u8> {
    skyr::externs::epoch_digest(label, epoch).to_vec()
}

impl Chain {
    /// A chain whose genesis is `genesis` (built in `store`), at `timestamp`.
    pub fn new(
        engine: Engine,
        store: Rc<dyn BaseStore>,
        genesis: &Genesis,
        timestamp: u64,
        config: ChainConfig,
    ) -> Result<Chain> {
        let network_version = NetworkVersion::from(genesis.network_version);
        let mut chain = Chain {
            engine,
            store,
            config,
            network_version,
            manifest: genesis.manifest.clone(),
            miner: genesis.miner,
            genesis_state: genesis.state_root,
            tipsets: Vec::new(),
            messages: BTreeMap::new(),
            heights: BTreeMap::new(),
            changed_from: Some(0),
            next_base_fee: None,
            first_height: 0,
            history: None,
            circ_supply: default_circ_supply(network_version),
        };
        let empty_receipts = chain.amt_of(Vec::<Receipt>::new())?;
        let header = BlockHeader {
            miner: Address::new_id(ids::SYSTEM),
            ticket: Some(Ticket {
                vrf_proof: digest(b"skyr-chain/genesis", 0),
            }),
            election_proof: None,
            beacon_entries: Vec::new(),
            win_post_proof: Vec::new(),
            parents: Vec::new(),
            parent_weight: BigInt::from(0),
            height: 0,
            parent_state_root: genesis.state_root,
            parent_message_receipts: empty_receipts,
            messages: chain.tx_meta(&[], &[])?,
            bls_aggregate: None,
            timestamp,
            block_sig: None,
            fork_signaling: 0,
            parent_base_fee: TokenAmount::from_atto(INITIAL_BASE_FEE),
        };
        let record = chain.seal(
            header,
            Vec::new(),
            Vec::new(),
            Vec::new(),
            genesis.state_root,
        )?;
        chain.push(record);
        Ok(chain)
    }

    /// The store holding its blocks and states.
    pub fn store(&self) -> &Rc<dyn BaseStore> {
        &self.store
    }

    /// The engine its machines run on.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// How it runs.
    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The network version it runs.
    pub fn network_version(&self) -> NetworkVersion {
        self.network_version
    }

    /// The bundle's actors by name (the genesis's: the devnet has no upgrades).
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The miner producing its blocks.
    pub fn miner(&self) -> u64 {
        self.miner
    }

    /// The newest tipset.
    pub fn head(&self) -> &TipsetRecord {
        // `new` pushes the genesis and nothing removes it.
        &self.tipsets[self.tipsets.len() - 1]
    }

    /// The height of its first tipset: 0 (its genesis), or the node's tipset it forked.
    pub fn first_height(&self) -> ChainEpoch {
        self.first_height
    }

    /// The tipset at `height`, if the chain has reached it (and holds it: a forked chain has
    /// none before the tipset it forked).
    pub fn at(&self, height: ChainEpoch) -> Option<&TipsetRecord> {
        self.index_of(height).and_then(|i| self.tipsets.get(i))
    }

    /// Where tipset `height` sits in `tipsets`, when at or after the first.
    fn index_of(&self, height: ChainEpoch) -> Option<usize> {
        usize::try_from(height.checked_sub(self.first_height)?).ok()
    }

    /// The tipset whose key CID is `key`.
    pub fn by_key(&self, key: &Cid) -> Option<&TipsetRecord> {
        self.at(*self.heights.get(key)?)
            .filter(|t| &t.key_cid == key)
    }

    /// The tipset whose block's CID is `block`.
    pub fn by_block(&self, block: &Cid) -> Option<&TipsetRecord> {
        self.at(*self.heights.get(block)?)
            .filter(|t| &t.block_cid == block)
    }

    /// Puts `record` on top and indexes its CIDs and its messages'.
    pub(crate) fn push(&mut self, record: TipsetRecord) {
        let height = record.height();
        for (i, c) in record.message_cids.iter().enumerate() {
            self.messages.insert(*c, (height, i));
        }
        self.heights.insert(record.key_cid, height);
        self.heights.insert(record.block_cid, height);
        self.tipsets.push(record);
    }

    /// The tipset that includes message `cid`, and its index there.
    pub fn find_message(&self, cid: &Cid) -> Option<(&TipsetRecord, usize)> {
        let (h, i) = self.messages.get(cid)?;
        Some((self.at(*h)?, *i))
    }

    /// The base fee the next tipset's messages pay.
    pub fn next_base_fee(&self) -> TokenAmount {
        if let Some(set) = &self.next_base_fee {
            return set.clone();
        }
        if let Some(fixed) = &self.config.fixed_base_fee {
            return fixed.clone();
        }
        let head = self.head();
        let base = &head.header.parent_base_fee;
        let mut seen = std::collections::BTreeSet::new();
        let offers = head
            .messages
            .iter()
            .map(|m| m.message())
            .filter(|m| seen.insert((m.from.to_bytes(), m.sequence)))
            .map(|m| {
                let p = effective_premium(&m.gas_fee_cap, &m.gas_premium, base);
                (m.gas_limit, p)
            })
            .collect();
        next_base_fee(base, &premium_at_target(offers))
    }

    /// The timestamp of the next epoch if nothing moves time: the head's plus one delay.
    pub fn next_timestamp(&self) -> u64 {
        self.head().header.timestamp + self.config.block_delay
    }

    /// Forgets every tipset above `height` (for snapshots and reverts); the store keeps
    /// their blocks, which nothing then reaches.
    pub fn truncate(&mut self, height: ChainEpoch) -> Result<()> {
        let keep = self
            .index_of(height)
            .filter(|h| *h < self.tipsets.len())
            .ok_or_else(|| anyhow!("the chain has no tipset at height {height}"))?;
        self.tipsets.truncate(keep + 1);
        self.messages.retain(|_, (h, _)| *h <= height);
        self.heights.retain(|_, h| *h <= height);
        self.mark_changed(height + 1);
        Ok(())
    }

    /// Rewrites the state the head produced with `edit`, a devnet's cheat (a balance, a
    /// nonce, code or storage set by hand): the next tipset builds on the edited state. The
    /// head's block is unchanged (a block names its parent's state, not its own). On an error
    /// nothing changes. Returns what `edit` returned.
    pub fn edit_head_state<T>(
        &mut self,
        edit: impl FnOnce(&mut StateTree) -> Result<T>,
    ) -> Result<T> {
        let rules = self.rules()?;
        let mut tree = self.state_at(self.head().height())?;
        let out = edit(&mut tree)?;
        let root = tree.flush()?;
        tree.store().flush(&root, rules.flush_walk)?;
        self.set_head_state(root);
        Ok(out)
    }

    /// Goes back to tipset `height` with `state_root` as the state it produced (what a
    /// snapshot recorded: the head's state may have been edited since it was mined).
    pub fn revert_to(&mut self, height: ChainEpoch, state_root: Cid) -> Result<()> {
        self.truncate(height)?;
        self.set_head_state(state_root);
        Ok(())
    }

    /// Makes `root` the state the head produced.
    fn set_head_state(&mut self, root: Cid) {
        let last = self.tipsets.len() - 1;
        self.tipsets[last].state_root = root;
        self.mark_changed(self.first_height + last as ChainEpoch);
    }

    /// Back to the genesis as it was built, or a forked chain's first tipset as it was made
    /// (edits made there undone too).
    pub fn reset(&mut self) -> Result<()> {
        self.revert_to(self.first_height, self.genesis_state)
    }

    /// Makes the state the first tipset produced, as edited so far, the one [`Self::reset`]
    /// goes back to (a forked devnet's dev accounts are funded once, then kept). Only while
    /// the chain has nothing past its first tipset.
    pub fn keep_first_state(&mut self) -> Result<()> {
        if self.tipsets.len() != 1 {
            bail!("the chain has grown past its first tipset");
        }
        self.genesis_state = self.tipsets[0].state_root;
        Ok(())
    }

    fn mark_changed(&mut self, height: ChainEpoch) {
        self.changed_from = Some(self.changed_from.map_or(height, |h| h.min(height)));
    }

    /// Sets the base fee the next tipset pays (a devnet's `anvil_setNextBlockBaseFeePerGas`).
    pub fn set_next_base_fee(&mut self, fee: TokenAmount) {
        self.next_base_fee = Some(fee);
    }

    /// Sets the chain ID later tipsets' machines report (`anvil_setChainId`); the saved
    /// chain is rewritten with it.
    pub fn set_chain_id(&mut self, chain_id: u64) {
        self.config.chain_id = chain_id;
        self.mark_changed(0);
    }

    /// Marks every tipset changed (the chain was replaced wholesale: all of it is to save).
    pub fn mark_all_changed(&mut self) {
        self.changed_from = Some(0);
    }

    /// The lowest height whose tipset record changed (was added, removed, or had its state
    /// edited) since the last call, which forgets it: records from there up are what a saved
    /// copy must rewrite, and any saved above the head must go.
    pub fn take_changed_from(&mut self) -> Option<ChainEpoch> {
        self.changed_from.take()
    }

    fn rules(&self) -> Result<&'static skyr::rules::NetworkRules> {
        skyr::rules::rules_for(self.network_version)
            .ok_or_else(|| anyhow!("no rules for {}", self.network_version))
    }

    /// The externs of epoch `height`: the key CIDs of the tipsets in its lookback. Tipsets
    /// sit at the index of their height, so that window is a slice.
    fn externs_at(&self, height: ChainEpoch) -> ChainExterns {
        let index = |h: ChainEpoch| {
            usize::try_from(h - self.first_height)
                .unwrap_or(0)
                .min(self.tipsets.len())
        };
        let end = index(height);
        let start = index(height - TIPSET_LOOKBACK).min(end);
        ChainExterns {
            tipsets: self.tipsets[start..end]
                .iter()
                .map(|t| (t.height(), t.key_cid))
                .collect(),
            ..self.randomness()
        }
    }

    /// Externs for randomness alone: no tipset CIDs (randomness never reads them).
    fn randomness(&self) -> ChainExterns {
        ChainExterns {
            tipsets: BTreeMap::new(),
            history: self
                .history
                .as_ref()
                .map(|h| (self.first_height, h.clone())),
        }
    }

    /// The ticket randomness digest at `round` as the chain's machines draw it (what a node's
    /// `StateGetRandomnessDigestFromTickets` answers).
    pub fn ticket_digest(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        self.randomness().chain_randomness(round)
    }

    /// The beacon randomness digest at `round` (`StateGetRandomnessDigestFromBeacon`).
    pub fn beacon_digest(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        self.randomness().beacon_randomness(round)
    }

    fn machine(
        &self,
        height: ChainEpoch,
        timestamp: u64,
        state_root: Cid,
        base_fee: TokenAmount,
        trace: bool,
    ) -> Result<Machine> {
        let mut config = MachineConfig::new(self.network_version, height, state_root);
        config.timestamp = timestamp;
        config.chain_id = self.config.chain_id;
        config.base_fee = base_fee;
        config.trace = trace;
        config.circ_supply = self.circ_supply.clone();
        Machine::new(
            &self.engine,
            config,
            self.store.clone(),
            Rc::new(self.externs_at(height)),
            Rc::new(RealProofs),
        )
    }

    /// The circulating supply its machines see: a forked chain's node's at the fork, else the
    /// machine's default (a chain without a token history has no supply to compute).
    pub fn circulating_supply(&self) -> TokenAmount {
        self.circ_supply.clone()
    }

    /// Mines the next tipset holding `messages`, at `timestamp` (None: the next one in
    /// course), and applies it. On an error (the machine could not go on) nothing changes.
    pub fn mine(
        &mut self,
        messages: Vec<ChainMessage>,
        timestamp: Option<u64>,
    ) -> Result<&TipsetRecord> {
        let parent = self.head();
        let height = parent.height() + 1;
        let timestamp = timestamp.unwrap_or_else(|| self.next_timestamp());
        let base_fee = self.next_base_fee();
        // Each message is encoded once: its bytes are stored, its CID indexes it and its
        // length prices its inclusion.
        let encoded = messages
            .iter()
            .map(ChainMessage::encode)
            .collect::<Result<Vec<_>>>()?;
        let cids: Vec<Cid> = encoded.iter().map(|b| cbor_cid(b)).collect();
        let header = BlockHeader {
            miner: Address::new_id(self.miner),
            ticket: Some(Ticket {
                vrf_proof: digest(b"skyr-chain/ticket", height),
            }),
            election_proof: Some(ElectionProof {
                win_count: 1,
                vrf_proof: digest(b"skyr-chain/election", height),
            }),
            beacon_entries: Vec::new(),
            win_post_proof: Vec::new(),
            parents: parent.block_cids(),
            parent_weight: BigInt::from(height),
            height,
            parent_state_root: parent.state_root,
            parent_message_receipts: parent.receipts_root,
            messages: self.tx_meta(&messages, &cids)?,
            bls_aggregate: None,
            timestamp,
            block_sig: None,
            fork_signaling: 0,
            parent_base_fee: base_fee.clone(),
        };
        let machine = self.machine(height, timestamp, parent.state_root, base_fee, false)?;
        let mut exec = Executor::new(machine);
        let mut results = Vec::with_capacity(messages.len());
        let mut gas_reward = TokenAmount::default();
        let mut penalty = TokenAmount::default();
        for ((m, bytes), cid) in messages.iter().zip(&encoded).zip(&cids) {
            let ret = exec
                .apply_message(m.message(), ApplyKind::Explicit, bytes.len())
                .with_context(|| format!("applying message {cid}"))?;
            gas_reward += &ret.miner_tip;
            penalty += &ret.miner_penalty;
            results.push(MessageResult::from_apply(ret));
        }
        crate::tipset::award_block_reward(
            &mut exec,
            height,
            Address::new_id(self.miner),
            &penalty,
            &gas_reward,
            1,
        )?;
        crate::tipset::cron_tick(&mut exec, height)?;
        let state_root = exec.flush()?;
        // The machine computes each events root without keeping the AMT; the chain keeps it,
        // so the receipt's link leads somewhere (as a node's event index does).
        for r in &results {
            if let Some(root) = r.receipt.events_root {
                let kept = fvm_ipld_amt::Amt::new_from_iter_with_bit_width(
                    StoreRef(self.store.clone()),
                    EVENTS_AMT_BIT_WIDTH,
                    r.events.iter(),
                )?;
                if kept != root {
                    bail!("the events AMT rebuilt is {kept}, not the receipt's {root}");
                }
            }
        }
        for ((m, bytes), cid) in messages.iter().zip(&encoded).zip(&cids) {
            self.store.put_keyed(cid, bytes)?;
            if let ChainMessage::Signed(signed) = m {
                let inner = fvm_ipld_encoding::to_vec(&signed.message)?;
                self.store.put_keyed(&cbor_cid(&inner), &inner)?;
            }
        }
        let record = self.seal(header, messages, cids, results, state_root)?;
        self.push(record);
        self.mark_changed(height);
        // A base fee set by hand was this tipset's.
        self.next_base_fee = None;
        Ok(self.head())
    }

    /// Stores the header and receipts and makes the record (the messages are stored).
    fn seal(
        &self,
        header: BlockHeader,
        messages: Vec<ChainMessage>,
        message_cids: Vec<Cid>,
        results: Vec<MessageResult>,
        state_root: Cid,
    ) -> Result<TipsetRecord> {
        let bytes = header.encode()?;
        let block_cid = cbor_cid(&bytes);
        self.store.put_keyed(&block_cid, &bytes)?;
        let receipts_root = self.amt_of(results.iter().map(|r| r.receipt.clone()).collect())?;
        Ok(TipsetRecord {
            key_cid: tipset_key_cid(&[block_cid])?,
            header,
            block_cid,
            messages,
            message_cids,
            results,
            state_root,
            receipts_root,
            siblings: Vec::new(),
        })
    }

    pub(crate) fn amt_of<V: serde::Serialize + serde::de::DeserializeOwned>(
        &self,
        values: Vec<V>,
    ) -> Result<Cid> {
        Ok(Amtv0::new_from_iter(StoreRef(self.store.clone()), values)?)
    }

    /// The `TxMeta` of `messages` (whose CIDs are `cids`): the BLS (unsigned) ones and the
    /// signed ones, by CID.
    fn tx_meta(&self, messages: &[ChainMessage], cids: &[Cid]) -> Result<Cid> {
        let mut bls = Vec::new();
        let mut signed = Vec::new();
        for (m, cid) in messages.iter().zip(cids) {
            match m {
                ChainMessage::Unsigned(_) => bls.push(*cid),
                ChainMessage::Signed(_) => signed.push(*cid),
            }
        }
        let meta = TxMeta {
            bls_messages: self.amt_of(bls)?,
            secpk_messages: self.amt_of(signed)?,
        };
        let bytes = fvm_ipld_encoding::to_vec(&meta)?;
        let cid = cbor_cid(&bytes);
        self.store.put_keyed(&cid, &bytes)?;
        Ok(cid)
    }

    /// Applies `msg` on the state tipset `height` produced, at that epoch and timestamp,
    /// without keeping anything: for calls and estimates. `base_fee` is what it pays (zero for
    /// a call whose fee cap is zero, as Lotus makes such calls free).
    pub fn call(
        &self,
        height: ChainEpoch,
        msg: &ChainMessage,
        kind: ApplyKind,
        base_fee: TokenAmount,
        trace: bool,
    ) -> Result<ApplyRet> {
        let at = self
            .at(height)
            .ok_or_else(|| anyhow!("the chain has no tipset at height {height}"))?;
        let machine = self.machine(height, at.header.timestamp, at.state_root, base_fee, trace)?;
        let mut exec = Executor::new(machine);
        let length = match kind {
            ApplyKind::Explicit => msg.chain_length()?,
            ApplyKind::Implicit => 0,
        };
        exec.apply_message(msg.message(), kind, length)
    }

    /// Re-applies the messages of tipset `height` up to and including message `index`,
    /// traced, and returns the last one's result: what a trace of a mined message shows.
    pub fn replay(&self, height: ChainEpoch, index: usize) -> Result<ApplyRet> {
        self.replay_first(height, index + 1)?
            .pop()
            .ok_or_else(|| anyhow!("tipset {height} has no message {index}"))
    }

    /// Re-applies the first `count` messages of tipset `height` (all of them at most), traced,
    /// in one pass, and returns what each produced.
    pub fn replay_first(&self, height: ChainEpoch, count: usize) -> Result<Vec<ApplyRet>> {
        let at = self
            .at(height)
            .ok_or_else(|| anyhow!("the chain has no tipset at height {height}"))?;
        let parent = self
            .at(height - 1)
            .ok_or_else(|| anyhow!("tipset {height} has no parent"))?;
        let machine = self.machine(
            height,
            at.header.timestamp,
            parent.state_root,
            at.header.parent_base_fee.clone(),
            true,
        )?;
        let mut exec = Executor::new(machine);
        let mut out = Vec::new();
        for m in at.messages.iter().take(count) {
            out.push(exec.apply_message(m.message(), ApplyKind::Explicit, m.chain_length()?)?);
        }
        Ok(out)
    }

    /// The state tree tipset `height` produced, for reading actors.
    pub fn state_at(&self, height: ChainEpoch) -> Result<StateTree> {
        let at = self
            .at(height)
            .ok_or_else(|| anyhow!("the chain has no tipset at height {height}"))?;
        let rules = self.rules()?;
        Ok(StateTree::load(
            skyr::blockstore::BufferedStore::new(self.store.clone()),
            &at.state_root,
            rules,
        )?)
    }

    /// The actor `addr` names at the state tipset `height` produced, with its ID.
    pub fn actor_at(
        &self,
        height: ChainEpoch,
        addr: &Address,
    ) -> Result<Option<(u64, ActorState)>> {
        let mut st = self.state_at(height)?;
        let Some(id) = st.lookup_id(addr)? else {
            return Ok(None);
        };
        Ok(st.get_actor(id)?.map(|a| (id, a)))
    }
}
