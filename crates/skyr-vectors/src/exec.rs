//! One message on a given state, outside any vector's expectations: what `skyr exec` runs.
//!
//! The state comes from a CAR (its blocks and a root) or from a vector's pre-state (with the
//! vector's network version, epoch, fees and recorded randomness); the actors' code from the
//! bundles given. The message is applied explicitly, traced, and the state flushed, so the
//! caller gets the receipt, the fees, the trace and the new state root.
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::version::NetworkVersion;
use skyr::{AcceptAllProofs, ApplyKind, ApplyRet, Engine, Executor, Machine, MachineConfig};

use crate::bundles::BundleSet;
use crate::explain::MessageTrace;
use crate::externs::ReplayExterns;
use crate::runner::{self, chain_length, DEFAULT_BASE_FEE};
use crate::schema::{b64, RandomnessRule, Vector};

/// Where a message runs: a state and the chain's context for it.
#[derive(Clone, Debug)]
pub struct ExecState {
    /// The state's blocks (a CAR's, or a vector's).
    pub blocks: Vec<(Cid, Vec<u8>)>,
    /// The state root the message applies to.
    pub root: Cid,
    /// Network version, when known (a vector's variant gives it; a CAR does not).
    pub network_version: Option<u32>,
    /// Epoch, when known.
    pub epoch: Option<i64>,
    /// Base fee (attoFIL); the vector runner's default when none is given.
    pub base_fee: TokenAmount,
    /// Circulating supply (attoFIL); the machine's default when none is given.
    pub circ_supply: Option<TokenAmount>,
    /// Randomness answers recorded by a vector; the fixed fallback answers everything else.
    pub randomness: Vec<RandomnessRule>,
}

impl ExecState {
    /// A state from a CAR file's bytes (gzipped or not): its blocks, and `root`, or else the
    /// CAR's first root.
    pub fn from_car(bytes: &[u8], root: Option<Cid>) -> Result<Self> {
        let car = crate::car::read_car(bytes, crate::car::MAX_CAR_BYTES, "the CAR")?;
        let first_root = car.roots.first().copied();
        let blocks = car.blocks;
        let root = root
            .or(first_root)
            .ok_or_else(|| anyhow!("the CAR names no root: give the state root with --root"))?;
        Ok(ExecState {
            blocks,
            root,
            network_version: None,
            epoch: None,
            base_fee: TokenAmount::from_atto(DEFAULT_BASE_FEE),
            circ_supply: None,
            randomness: Vec::new(),
        })
    }

    /// A vector's pre-state, with the network version and epoch of its variant `variant`
    /// (the first when `None`), its base fee, circulating supply and randomness.
    pub fn from_vector(v: &Vector, variant: Option<&str>) -> Result<Self> {
        let var = match variant {
            None => v.preconditions.variants.first(),
            Some(id) => v.preconditions.variants.iter().find(|x| x.id == id),
        }
        .ok_or_else(|| match variant {
            None => anyhow!("the vector has no variants"),
            Some(id) => anyhow!(
                "the vector has no variant `{id}` (it has: {})",
                v.preconditions
                    .variants
                    .iter()
                    .map(|x| x.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
        Ok(ExecState {
            blocks: runner::decode_car(v)?,
            root: v
                .preconditions
                .state_tree
                .root_cid
                .parse("preconditions.state_tree.root_cid")?,
            network_version: Some(var.nv),
            epoch: Some(var.epoch),
            base_fee: TokenAmount::from_atto(v.basefee()?.unwrap_or(DEFAULT_BASE_FEE as u128)),
            circ_supply: v.circ_supply()?.map(TokenAmount::from_atto),
            randomness: v.randomness.clone(),
        })
    }
}

/// The `index`th message a vector applies, decoded, with its length on chain.
pub fn vector_message(v: &Vector, index: usize) -> Result<(Message, usize)> {
    let m = v.apply_messages.get(index).ok_or_else(|| {
        anyhow!(
            "the vector has {} messages, so no message {index}",
            v.apply_messages.len()
        )
    })?;
    let bytes = b64(&m.bytes, &format!("apply_messages[{index}].bytes"))?;
    decode_message(&bytes).with_context(|| format!("apply_messages[{index}].bytes"))
}

/// A message from its CBOR encoding (an unsigned message, as vectors and `lotus` encode
/// them), with its length on chain.
pub fn decode_message(bytes: &[u8]) -> Result<(Message, usize)> {
    let msg: Message =
        fvm_ipld_encoding::from_slice(bytes).map_err(|e| anyhow!("not a CBOR message: {e}"))?;
    let len = chain_length(&msg, bytes.len());
    Ok((msg, len))
}

/// What one message did.
#[derive(Debug)]
pub struct ExecOutcome {
    /// The message as applied (its sequence filled in when it was left to the state).
    pub message: Message,
    /// Network version and epoch it ran at.
    pub network_version: u32,
    pub epoch: i64,
    /// Receipt, fees and the failure's reason, as the executor returns them (its trace
    /// moved to `trace`).
    pub ret: ApplyRet,
    /// The state root after the message.
    pub state_root: Cid,
    /// Its calls and charges, actors named by the manifest.
    pub trace: MessageTrace,
}

/// How a message's sequence is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sequence {
    /// As the message says.
    AsGiven,
    /// The sender's next nonce in the state (its `sequence`), so the message is valid.
    FromState,
}

/// Applies `msg` (of `len` bytes on chain) to `state` with the actors' code from `bundles`,
/// traced. Fails with a reason when the state or its code is not at hand or the machine
/// cannot start; a message the chain would refuse still gets its receipt.
pub fn exec_message(
    state: ExecState,
    mut msg: Message,
    len: usize,
    sequence: Sequence,
    bundles: &BundleSet,
    engine: &Engine,
) -> Result<ExecOutcome> {
    let nv = state.network_version.ok_or_else(|| {
        anyhow!("no network version: a CAR does not say which, give it with --nv")
    })?;
    if skyr::rules::rules_for_number(nv).is_none() {
        bail!(
            "network version {nv} is not supported (Skyr runs {})",
            skyr::rules::supported_versions()
        );
    }
    let epoch = state
        .epoch
        .ok_or_else(|| anyhow!("no epoch: a CAR does not say which, give it with --epoch"))?;
    let externs = Rc::new(ReplayExterns::new(&state.randomness)?);
    let (store, manifest) = runner::open_state(state.blocks, &state.root, bundles)?;
    // Without the actors' code (an extracted vector, no --bundles), the message still runs
    // as long as it executes none: a failed or plain transfer.
    let missing = runner::missing_code(&store, &manifest)?;
    let mut config = MachineConfig::new(NetworkVersion::new(nv), epoch, state.root);
    config.require_code = missing.is_none();
    config.base_fee = state.base_fee;
    if let Some(c) = state.circ_supply {
        config.circ_supply = c;
    }
    config.trace = true;
    let machine = Machine::new(
        engine,
        config,
        Rc::new(store),
        externs,
        Rc::new(AcceptAllProofs),
    )
    .context("the machine does not start on this state")?;
    let mut exec = Executor::new(machine);
    if sequence == Sequence::FromState {
        msg.sequence = sender_sequence(&mut exec, &msg.from)?;
    }
    let mut ret = exec
        .apply_message(&msg, ApplyKind::Explicit, len)
        .context("the message could not be applied")?;
    let machine = exec.machine()?;
    if let (Some(why), Some(code)) = (&missing, machine.missing_code.first()) {
        let actor = runner::actor_named(machine, code);
        bail!("the message runs `{actor}` code ({code}), which is not at hand: {why}");
    }
    let names = runner::actor_names_of(machine);
    let trace = runner::trace_of(&names, "exec", 0, &msg, &mut ret)?;
    let state_root = exec.flush().context("the state after the message")?;
    Ok(ExecOutcome {
        message: msg,
        network_version: nv,
        epoch,
        ret,
        state_root,
        trace,
    })
}

/// The sender's sequence in the state: 0 for a sender with no actor (the message will be
/// refused for it, as the chain refuses it).
fn sender_sequence(exec: &mut Executor, from: &Address) -> Result<u64> {
    let state = &mut exec.machine_mut()?.state;
    let Some(id) = state.lookup_id(from)? else {
        return Ok(0);
    };
    Ok(state.get_actor(id)?.map_or(0, |a| a.sequence))
}
