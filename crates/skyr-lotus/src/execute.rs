//! A tipset of a node's chain executed again, as a node executes it: on the parent state its
//! headers name, cron for each null round since its parent, then its blocks' selected messages
//! in order, each block's reward after its messages, then cron at its epoch.
//!
//! The context comes from the node: the network version at the tipset (a network upgrade
//! between the parent and the tipset is refused: its migration is a node's, not Skyr's), the
//! base fee of its headers, the circulating supply the node's VM saw
//! (`StateVMCirculatingSupplyInternal`), the chain ID and genesis time
//! (`StateGetNetworkParams`), randomness and tipset CIDs ([`crate::externs`]). The actors'
//! code comes from local bundles when they hold the state's, else from the node.
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_shared::bigint::BigInt;
use fvm_shared::econ::TokenAmount;
use fvm_shared::version::NetworkVersion;
use serde_json::{json, Value};
use skyr::externs::Verifier;
use skyr::{ApplyKind, ApplyRet, Engine, Executor, Machine, MachineConfig};
use skyr_chain::tipset::{award_block_reward, cron_tick, select_messages};
use skyr_vectors::runner::actor_named;
use skyr_vectors::BundleSet;

use crate::chain::{tipset, tipset_messages, BlockOnChain, OnChain, Tipset};
use crate::externs::NodeExterns;
use crate::source::NodeSource;
use crate::store::{state_store, NodeStore};

/// What the machine needs besides a node: the actors' code at hand, the engine, the proofs.
/// Shared by the threads of a replay.
pub struct Tools<'a> {
    /// Local bundles (the node's code is used for the rest).
    pub bundles: &'a BundleSet,
    /// The engine compiling the actors.
    pub engine: &'a Engine,
    /// Makes what answers proofs (once per tipset run: a verifier stays on its thread).
    pub verifier: fn() -> Rc<dyn Verifier>,
}

/// A network's constants the machine needs.
pub struct NetworkParams {
    /// Its EIP-155 chain ID (what `CHAINID` answers).
    pub chain_id: u64,
    /// Its genesis's UNIX seconds.
    pub genesis_timestamp: u64,
    /// Seconds between epochs.
    pub block_delay: u64,
}

/// The node's network constants (`StateGetNetworkParams`).
pub fn network_params(source: &NodeSource) -> Result<NetworkParams> {
    let what = "Filecoin.StateGetNetworkParams";
    let v = source.answer(what, json!([]))?;
    let field = |k: &str| {
        v.get(k)
            .and_then(Value::as_u64)
            .ok_or_else(|| anyhow!("{what}: no `{k}` in {v}"))
    };
    Ok(NetworkParams {
        chain_id: field("Eip155ChainID")?,
        genesis_timestamp: field("GenesisTimestamp")?,
        block_delay: field("BlockDelaySecs")?,
    })
}

/// The network version at tipset `ts`.
pub fn network_version(source: &NodeSource, ts: &Tipset) -> Result<u32> {
    let what = "Filecoin.StateNetworkVersion";
    let v = source.answer(what, json!([ts.key_json()]))?;
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| anyhow!("{what}: not a version: {v}"))
}

/// The circulating supply the node's machine sees executing tipset `ts`.
pub fn circulating_supply(source: &NodeSource, ts: &Tipset) -> Result<TokenAmount> {
    let what = "Filecoin.StateVMCirculatingSupplyInternal";
    let v = source.answer(what, json!([ts.key_json()]))?;
    let s = v
        .get("FilCirculating")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("{what}: no `FilCirculating` in {v}"))?;
    let n: BigInt = s
        .parse()
        .map_err(|_| anyhow!("{what}: `{s}` is not an amount"))?;
    Ok(TokenAmount::from_atto(n))
}

/// One tipset, ready to execute: its machines' settings, its parent, its selected messages.
pub struct TipsetRun<'a> {
    source: &'a Rc<NodeSource>,
    store: Rc<NodeStore>,
    tools: &'a Tools<'a>,
    verifier: Rc<dyn Verifier>,
    params: NetworkParams,
    /// The network version it runs at.
    pub nv: u32,
    base_fee: TokenAmount,
    circ_supply: TokenAmount,
    /// The tipset.
    pub tipset: Tipset,
    /// Its parent.
    pub parent: Tipset,
    /// Why some actor code is not at hand, if it is not: messages that run none still run.
    missing: Option<String>,
    /// Each block and its messages (all of them until [`Self::start`] selects them).
    pub blocks: Vec<BlockOnChain>,
}

/// What to do after a message.
pub enum Step {
    /// Go on.
    Continue,
    /// Stop here (nothing more is applied).
    Stop,
}

impl<'a> TipsetRun<'a> {
    /// Prepares tipset `ts` of `source`'s chain.
    pub fn prepare(source: &'a Rc<NodeSource>, tools: &'a Tools<'a>, ts: Tipset) -> Result<Self> {
        let parent = tipset(source, ts.parents())?;
        let nv = network_version(source, &ts)?;
        let parent_nv = network_version(source, &parent)?;
        if nv != parent_nv {
            bail!(
                "a network upgrade (nv{parent_nv} to nv{nv}) lies between epochs {} and {}: its \
                 state migration is a node's, not Skyr's, so the tipset cannot be executed here",
                parent.height,
                ts.height
            );
        }
        if skyr::rules::rules_for_number(nv).is_none() {
            bail!(
                "the tipset at {} runs at nv{nv}, which Skyr does not run ({})",
                ts.height,
                skyr::rules::supported_versions()
            );
        }
        let params = network_params(source)?;
        let state = state_store(source, tools.bundles, &ts.parent_state())
            .context("the tipset's parent state")?;
        let blocks = tipset_messages(source, &ts)?;
        Ok(TipsetRun {
            source,
            store: Rc::new(state.store),
            tools,
            verifier: (tools.verifier)(),
            params,
            nv,
            base_fee: ts.headers[0].parent_base_fee.clone(),
            circ_supply: circulating_supply(source, &ts)?,
            tipset: ts,
            parent,
            missing: state.missing,
            blocks,
        })
    }

    /// The store the machines write to (over the node's blocks).
    pub fn store(&self) -> &Rc<NodeStore> {
        &self.store
    }

    /// Null rounds between the parent and the tipset.
    pub fn null_rounds(&self) -> i64 {
        self.tipset.height - self.parent.height - 1
    }

    fn machine(&self, epoch: i64, timestamp: u64, root: Cid) -> Result<Executor> {
        let mut config = MachineConfig::new(NetworkVersion::new(self.nv), epoch, root);
        config.require_code = self.missing.is_none();
        config.timestamp = timestamp;
        config.chain_id = self.params.chain_id;
        config.base_fee = self.base_fee.clone();
        config.circ_supply = self.circ_supply.clone();
        config.trace = true;
        let externs = NodeExterns::new(self.source.clone(), self.tipset.key.clone());
        let machine = Machine::new(
            self.tools.engine,
            config,
            self.store.clone(),
            Rc::new(externs),
            self.verifier.clone(),
        )
        .with_context(|| format!("the machine does not start at epoch {epoch} on {root}"))?;
        Ok(Executor::new(machine))
    }

    /// Runs cron for each null round, then selects the tipset's messages (by their senders in
    /// the state cron left) and gives the machine they run on.
    pub fn start(&mut self) -> Result<Executor> {
        let mut root = self.tipset.parent_state();
        for epoch in self.parent.height + 1..self.tipset.height {
            let timestamp = self.params.genesis_timestamp + self.params.block_delay * epoch as u64;
            let mut exec = self.machine(epoch, timestamp, root)?;
            cron_tick(&mut exec, epoch)?;
            root = exec.flush()?;
        }
        let mut exec = self.machine(self.tipset.height, self.tipset.min_timestamp(), root)?;
        let blocks = std::mem::take(&mut self.blocks);
        let (heads, lists): (Vec<_>, Vec<_>) = blocks
            .into_iter()
            .map(|b| ((b.miner, b.win_count), b.messages))
            .unzip();
        let selected = select_messages(
            lists,
            |o| (o.message.message(), o.vm_cid),
            |a| Ok(exec.machine_mut()?.state.lookup_id(a)?),
        )?;
        self.blocks = heads
            .into_iter()
            .zip(selected)
            .map(|((miner, win_count), messages)| BlockOnChain {
                miner,
                win_count,
                messages,
            })
            .collect();
        Ok(exec)
    }

    /// Applies the selected messages in order, each block's reward after its messages; `each`
    /// sees every message (its index in the tipset, how its block carries it, what it did) and
    /// may stop the run. Gives whether it was stopped.
    pub fn apply(
        &self,
        exec: &mut Executor,
        mut each: impl FnMut(&mut Executor, usize, &OnChain, ApplyRet) -> Result<Step>,
    ) -> Result<Step> {
        let mut index = 0;
        for b in &self.blocks {
            let mut gas_reward = TokenAmount::default();
            let mut penalty = TokenAmount::default();
            for placed in &b.messages {
                let ret = exec
                    .apply_message(placed.message.message(), ApplyKind::Explicit, placed.length)
                    .with_context(|| format!("applying message {}", placed.cid))?;
                if let (Some(why), Some(code)) =
                    (&self.missing, exec.machine()?.missing_code.first())
                {
                    let actor = actor_named(exec.machine()?, code);
                    bail!(
                        "message {} runs `{actor}` code ({code}), which is not at hand: {why}",
                        placed.cid
                    );
                }
                gas_reward += &ret.miner_tip;
                penalty += &ret.miner_penalty;
                if let Step::Stop = each(exec, index, placed, ret)? {
                    return Ok(Step::Stop);
                }
                index += 1;
            }
            award_block_reward(
                exec,
                self.tipset.height,
                b.miner,
                &penalty,
                &gas_reward,
                b.win_count,
            )?;
        }
        Ok(Step::Continue)
    }

    /// Cron at the tipset's epoch, after its messages; gives the state the tipset leaves.
    pub fn finish(&self, mut exec: Executor) -> Result<Cid> {
        cron_tick(&mut exec, self.tipset.height)?;
        exec.flush()
    }
}
