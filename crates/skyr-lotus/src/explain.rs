//! A message on chain executed again where the chain executed it, from a node's data alone.
//!
//! The node says which tipset's receipts hold the message's; its parent is the tipset that
//! included it. Skyr rebuilds that tipset's execution as a node does: the parent state its
//! headers name, cron for each null round before it, then its blocks' selected messages in
//! order, each block's reward after its messages, up to the message, which runs traced. Its
//! receipt is compared with the one the chain recorded.
//!
//! The context comes from the node: the network version at the tipset (a network upgrade
//! between the parent and the tipset is refused: its migration is not Skyr's), the base fee
//! of its headers, the circulating supply the node's VM saw (`StateVMCirculatingSupplyInternal`),
//! the chain ID and genesis time (`StateGetNetworkParams`), randomness and tipset CIDs.
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_shared::bigint::BigInt;
use fvm_shared::econ::TokenAmount;
use fvm_shared::receipt::Receipt;
use fvm_shared::version::NetworkVersion;
use serde_json::{json, Value};
use skyr::externs::Verifier;
use skyr::{ApplyKind, Engine, Executor, Machine, MachineConfig};
use skyr_chain::tipset::{award_block_reward, cron_tick, select_messages, vm_message_cid};
use skyr_vectors::exec::ExecOutcome;
use skyr_vectors::runner::{actor_named, actor_names_of, manifest_of, missing_code, trace_of};
use skyr_vectors::BundleSet;

use crate::chain::{receipts, search_message, tipset, tipset_messages, Tipset};
use crate::externs::NodeExterns;
use crate::source::NodeSource;
use crate::store::NodeStore;

/// A message executed again, beside what the chain recorded.
pub struct ChainExec {
    /// The run: message, receipt, fees, trace, state after.
    pub outcome: ExecOutcome,
    /// The receipt the chain recorded for it.
    pub recorded: Receipt,
    /// The message the chain executed (another than the one asked for when that was replaced).
    pub executed: Cid,
    /// The tipset that included it.
    pub tipset: Vec<Cid>,
    /// Its messages applied before this one.
    pub before: usize,
    /// Null rounds between its parent and it (cron ran for each).
    pub null_rounds: i64,
}

impl ChainExec {
    /// Whether the receipts agree: exit code, return, gas used and events root.
    pub fn matches(&self) -> bool {
        self.outcome.ret.receipt == self.recorded
    }
}

/// A network's constants the machine needs.
struct NetworkParams {
    chain_id: u64,
    genesis_timestamp: u64,
    block_delay: u64,
}

fn network_params(source: &NodeSource) -> Result<NetworkParams> {
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

fn network_version(source: &NodeSource, ts: &Tipset) -> Result<u32> {
    let what = "Filecoin.StateNetworkVersion";
    let v = source.answer(what, json!([ts.key_json()]))?;
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| anyhow!("{what}: not a version: {v}"))
}

fn circulating_supply(source: &NodeSource, ts: &Tipset) -> Result<TokenAmount> {
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

/// How the machine is built at each epoch of the tipset.
struct EpochMachines<'a> {
    source: &'a Rc<NodeSource>,
    store: Rc<NodeStore>,
    engine: &'a Engine,
    verifier: Rc<dyn Verifier>,
    nv: u32,
    base_fee: TokenAmount,
    circ_supply: TokenAmount,
    chain_id: u64,
    anchor: Vec<Cid>,
    /// Why some actor code is not at hand, if it is not: messages that run none still run.
    missing: Option<String>,
}

impl EpochMachines<'_> {
    fn machine(&self, epoch: i64, timestamp: u64, root: Cid) -> Result<Executor> {
        let mut config = MachineConfig::new(NetworkVersion::new(self.nv), epoch, root);
        config.require_code = self.missing.is_none();
        config.timestamp = timestamp;
        config.chain_id = self.chain_id;
        config.base_fee = self.base_fee.clone();
        config.circ_supply = self.circ_supply.clone();
        config.trace = true;
        let externs = NodeExterns::new(self.source.clone(), self.anchor.clone());
        let machine = Machine::new(
            self.engine,
            config,
            self.store.clone(),
            Rc::new(externs),
            self.verifier.clone(),
        )
        .with_context(|| format!("the machine does not start at epoch {epoch} on {root}"))?;
        Ok(Executor::new(machine))
    }
}

/// Executes message `cid` again where the chain executed it, with the actors' code from
/// `bundles` when they hold the state's bundle (else from the node), proofs answered by
/// `verifier`.
pub fn explain_message(
    source: &Rc<NodeSource>,
    cid: &Cid,
    bundles: &BundleSet,
    engine: &Engine,
    verifier: Rc<dyn Verifier>,
) -> Result<ChainExec> {
    let lookup = search_message(source, cid)?;
    let executed_in = tipset(source, &lookup.executed_in)?;
    if executed_in.height != lookup.height {
        bail!(
            "the node says message {cid} executed at height {}, but its tipset is at {}",
            lookup.height,
            executed_in.height
        );
    }
    let including = tipset(source, executed_in.parents())?;
    let parent = tipset(source, including.parents())?;
    let nv = network_version(source, &including)?;
    let parent_nv = network_version(source, &parent)?;
    if nv != parent_nv {
        bail!(
            "a network upgrade (nv{parent_nv} to nv{nv}) lies between epochs {} and {}: its \
             state migration is a node's, not Skyr's, so the tipset cannot be executed here",
            parent.height,
            including.height
        );
    }
    if skyr::rules::rules_for_number(nv).is_none() {
        bail!(
            "the message ran at nv{nv}, which Skyr does not run ({})",
            skyr::rules::supported_versions()
        );
    }
    let params = network_params(source)?;
    let mut store = NodeStore::new(source.clone(), Vec::new());
    let root = including.parent_state();
    let manifest = manifest_of(&store, &root).context("the tipset's parent state")?;
    store.add_code(bundles.layers(&manifest, &store)?);
    // The actors' code the local bundles lack comes from the node, several blocks at once.
    if let Ok(m) = skyr::bundle::Manifest::load(&store, &manifest) {
        let wanted: Vec<Cid> = m
            .entries()
            .iter()
            .map(|(_, c)| *c)
            .filter(|c| !store.has_local(c))
            .collect();
        // A node without some code is reported below, by what the message needs.
        let _ = source.prefetch(&wanted);
    }
    let missing = missing_code(&store, &manifest)?;
    let ctx = EpochMachines {
        source,
        store: Rc::new(store),
        engine,
        verifier,
        nv,
        base_fee: including.headers[0].parent_base_fee.clone(),
        circ_supply: circulating_supply(source, &including)?,
        chain_id: params.chain_id,
        anchor: including.key.clone(),
        missing,
    };
    // Cron of each null round, on the state the previous one left.
    let mut root = root;
    for epoch in parent.height + 1..including.height {
        let timestamp = params.genesis_timestamp + params.block_delay * epoch as u64;
        let mut exec = ctx.machine(epoch, timestamp, root)?;
        cron_tick(&mut exec, epoch)?;
        root = exec.flush()?;
    }
    let mut exec = ctx.machine(including.height, including.min_timestamp(), root)?;
    let blocks = tipset_messages(source, &including)?;
    let mut on_chain = Vec::new();
    let mut all = Vec::new();
    for (b, listed) in blocks {
        on_chain.extend(listed);
        all.push(b);
    }
    let selected = select_messages(all, |a| Ok(exec.machine_mut()?.state.lookup_id(a)?))?;
    let mut before = 0;
    for b in &selected {
        let mut gas_reward = TokenAmount::default();
        let mut penalty = TokenAmount::default();
        for m in &b.messages {
            let vm_cid = vm_message_cid(m)?;
            let placed = on_chain
                .iter()
                .find(|o| vm_message_cid(&o.message).ok() == Some(vm_cid))
                .ok_or_else(|| anyhow!("a selected message is not among the block's"))?;
            let msg = m.message();
            let is_target = [placed.cid, vm_cid]
                .iter()
                .any(|c| *c == *cid || *c == lookup.message);
            let mut ret = exec
                .apply_message(msg, ApplyKind::Explicit, placed.length)
                .with_context(|| format!("applying message {}", placed.cid))?;
            if is_target {
                let recorded = receipts(source, &executed_in.headers[0].parent_message_receipts)?
                    .get(before)
                    .cloned()
                    .ok_or_else(|| {
                        anyhow!(
                            "the chain recorded fewer receipts than messages applied ({before})"
                        )
                    })?;
                let machine = exec.machine()?;
                if let (Some(why), Some(code)) = (&ctx.missing, machine.missing_code.first()) {
                    let actor = actor_named(machine, code);
                    bail!("the message runs `{actor}` code ({code}), which is not at hand: {why}");
                }
                let names = actor_names_of(machine);
                let trace = trace_of(&names, "chain", before, msg, &mut ret)?;
                let state_root = exec.flush().context("the state after the message")?;
                return Ok(ChainExec {
                    outcome: ExecOutcome {
                        message: msg.clone(),
                        network_version: nv,
                        epoch: including.height,
                        ret,
                        state_root,
                        trace,
                    },
                    recorded,
                    executed: placed.cid,
                    tipset: including.key.clone(),
                    before,
                    null_rounds: including.height - parent.height - 1,
                });
            }
            gas_reward += &ret.miner_tip;
            penalty += &ret.miner_penalty;
            before += 1;
        }
        award_block_reward(
            &mut exec,
            including.height,
            b.miner,
            &penalty,
            &gas_reward,
            b.win_count,
        )?;
    }
    bail!(
        "message {cid} is not among the messages tipset {:?} (height {}) applies, though the \
         node says its receipt follows it",
        including.key,
        including.height
    )
}
