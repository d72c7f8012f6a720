//! The reference for network versions 18–20 (`fvm` 3.14.2), run on a conformance vector's own
//! state with its recorded randomness and the official bundle it names, proofs accepted and
//! charged (as Skyr's vector runner and the reference's conformance runner accept them).
//!
//! This is the oracle the nv18–20 differential suite compares Skyr with. Before it judges
//! Skyr, it is itself checked against mainnet: on the real nv18 vectors it must reproduce
//! every receipt and the post-state root (`tests/oracle3_mainnet.rs`).
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm3::call_manager::DefaultCallManager;
use fvm3::engine::MultiEngine;
use fvm3::executor::{ApplyKind, DefaultExecutor, Executor};
use fvm3::machine::{DefaultMachine, NetworkConfig};
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use fvm_shared3::address::Protocol;
use fvm_shared3::clock::ChainEpoch;
use fvm_shared3::consensus::ConsensusFault;
use fvm_shared3::econ::TokenAmount;
use fvm_shared3::message::Message;
use fvm_shared3::version::NetworkVersion;
use skyr_vectors::externs::ReplayExterns;
use skyr_vectors::runner::{decode_car, manifest_of};
use skyr_vectors::schema::b64;
use skyr_vectors::{BundleSet, Vector};

use crate::oracle3_kernel::AcceptProofs;

/// The base fee a vector without one runs at (as the reference's conformance runner).
const DEFAULT_BASE_FEE: u128 = 100;

/// Replays a vector's randomness to the reference. Vectors record no tipset CIDs, so asking
/// for one fails (no FVM-era built-in actor asks outside the EVM).
struct Externs(ReplayExterns);

impl fvm3::externs::Rand for Externs {
    fn get_chain_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        skyr::Externs::chain_randomness(&self.0, round)
    }
    fn get_beacon_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        skyr::Externs::beacon_randomness(&self.0, round)
    }
}

impl fvm3::externs::Consensus for Externs {
    fn verify_consensus_fault(
        &self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> Result<(Option<ConsensusFault>, i64)> {
        // The vector runner's answer (no fault), in the reference's types.
        let (fault, gas) = skyr::Externs::verify_consensus_fault(&self.0, h1, h2, extra)?;
        anyhow::ensure!(
            fault.is_none(),
            "replayed vectors record no consensus fault"
        );
        Ok((None, gas))
    }
}

impl fvm3::externs::Chain for Externs {
    fn get_tipset_cid(&self, epoch: ChainEpoch) -> Result<Cid> {
        bail!("the vector records no tipset CID (epoch {epoch})")
    }
}

impl fvm3::externs::Externs for Externs {}

type Machine = DefaultMachine<Rc<MemoryBlockstore>, Externs>;
type Exec = DefaultExecutor<AcceptProofs<DefaultCallManager<Machine>>>;

/// What the reference made of a vector: each message's exit code, return bytes and gas used,
/// and the state root after the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorOutcome {
    /// (exit code, return bytes, gas used), one per message.
    pub receipts: Vec<(u32, Vec<u8>, u64)>,
    /// The root after flushing.
    pub root: Cid,
}

/// Runs a vector's messages on fvm 3.14.2. `Ok(None)` when `bundles` lacks the bundle its
/// state names.
pub fn run_vector(
    engines: &MultiEngine,
    v: &Vector,
    bundles: &BundleSet,
) -> Result<Option<VectorOutcome>> {
    let [variant] = v.preconditions.variants.as_slice() else {
        bail!("one variant expected");
    };
    let pre: Cid = v
        .preconditions
        .state_tree
        .root_cid
        .parse("preconditions.state_tree.root_cid")?;
    let store = MemoryBlockstore::new();
    for (k, data) in decode_car(v)? {
        store.put_keyed(&k, &data)?;
    }
    if !bundles.load_into(&manifest_of(&store, &pre)?, &store)? {
        return Ok(None);
    }
    let nc = NetworkConfig::new(NetworkVersion::from(variant.nv));
    let base_fee = v.basefee()?.unwrap_or(DEFAULT_BASE_FEE);
    // Vectors record no timestamp; only EVM code reads it.
    let mut ctx = nc.for_epoch(variant.epoch, 0, pre);
    ctx.set_base_fee(TokenAmount::from_atto(base_fee));
    if let Some(c) = v.circ_supply()? {
        ctx.set_circulating_supply(TokenAmount::from_atto(c));
    }
    let pool = engines.get(&nc)?;
    let externs = Externs(ReplayExterns::new(&v.randomness)?);
    let machine = Machine::new(&ctx, Rc::new(store), externs)?;
    let mut exec = Exec::new(pool, machine)?;
    let mut receipts = Vec::new();
    for (i, m) in v.apply_messages.iter().enumerate() {
        let bytes = b64(&m.bytes, &format!("apply_messages[{i}].bytes"))?;
        let msg: Message = fvm_ipld_encoding::from_slice(&bytes)
            .with_context(|| format!("apply_messages[{i}]: not a message"))?;
        let mut len = bytes.len();
        if msg.from.protocol() == Protocol::Secp256k1 {
            // Signed on chain: the signature's 65 bytes plus its framing count.
            len += fvm_shared3::crypto::signature::SECP_SIG_LEN + 4;
        }
        let ret = exec.execute_message(msg, ApplyKind::Explicit, len)?;
        receipts.push((
            ret.msg_receipt.exit_code.value(),
            ret.msg_receipt.return_data.to_vec(),
            ret.msg_receipt.gas_used,
        ));
    }
    let root = exec.flush()?;
    Ok(Some(VectorOutcome { receipts, root }))
}

/// What mainnet made of a vector, in the same form.
pub fn expected(v: &Vector) -> Result<VectorOutcome> {
    let receipts = v
        .postconditions
        .receipts
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let ret = b64(&r.ret, &format!("postconditions.receipts[{i}].return"))?;
            let gas = u64::try_from(r.gas_used)
                .map_err(|_| anyhow!("postconditions.receipts[{i}]: negative gas"))?;
            Ok((r.exit_code, ret, gas))
        })
        .collect::<Result<_>>()?;
    Ok(VectorOutcome {
        receipts,
        root: v
            .postconditions
            .state_tree
            .root_cid
            .parse("postconditions.state_tree.root_cid")?,
    })
}

/// The reference's externs for scenarios: the same deterministic answers as
/// [`skyr::TestExterns`] (randomness, tipset CIDs, no consensus fault), noting every
/// randomness request (so a vector can replay them).
#[derive(Default)]
pub struct ScenarioExterns {
    pub log: crate::oracle::RandomnessLog,
}

impl ScenarioExterns {
    /// The test externs' randomness for `round` (`beacon` or chain), noted in the log.
    pub fn randomness(&self, beacon: bool, round: ChainEpoch) -> Result<[u8; 32]> {
        let r = if beacon {
            skyr::Externs::beacon_randomness(&skyr::TestExterns, round)?
        } else {
            skyr::Externs::chain_randomness(&skyr::TestExterns, round)?
        };
        self.log.borrow_mut().insert((beacon, round), r);
        Ok(r)
    }
}

impl fvm3::externs::Rand for ScenarioExterns {
    fn get_chain_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        self.randomness(false, round)
    }
    fn get_beacon_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        self.randomness(true, round)
    }
}

impl fvm3::externs::Consensus for ScenarioExterns {
    fn verify_consensus_fault(
        &self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> Result<(Option<ConsensusFault>, i64)> {
        let (fault, gas) =
            skyr::Externs::verify_consensus_fault(&skyr::TestExterns, h1, h2, extra)?;
        anyhow::ensure!(fault.is_none(), "the test externs find no consensus fault");
        Ok((None, gas))
    }
}

impl fvm3::externs::Chain for ScenarioExterns {
    fn get_tipset_cid(&self, epoch: ChainEpoch) -> Result<Cid> {
        skyr::Externs::tipset_cid(&skyr::TestExterns, epoch)
    }
}

impl fvm3::externs::Externs for ScenarioExterns {}

type ScenarioMachine = DefaultMachine<Rc<MemoryBlockstore>, ScenarioExterns>;
type ScenarioExec = DefaultExecutor<fvm3::DefaultKernel<DefaultCallManager<ScenarioMachine>>>;

/// An amount of the reference, as the scenario outcomes hold it.
fn tokens(t: &TokenAmount) -> fvm_shared::econ::TokenAmount {
    fvm_shared::econ::TokenAmount::from_atto(t.atto().clone())
}

/// Runs an nv18–20 scenario's messages on fvm 3.14.2, flushing after each; one outcome each.
/// `Err` when the reference refuses to build the machine.
pub fn run_scenario(
    engines: &MultiEngine,
    s: &crate::scenario3::Scenario3,
    store: Rc<MemoryBlockstore>,
    root: Cid,
) -> Result<Vec<crate::outcome::Outcome>> {
    run_scenario_with(engines, s, store, root, ScenarioExterns::default())
}

/// [`run_scenario`] with these externs.
pub fn run_scenario_with(
    engines: &MultiEngine,
    s: &crate::scenario3::Scenario3,
    store: Rc<MemoryBlockstore>,
    root: Cid,
    externs: ScenarioExterns,
) -> Result<Vec<crate::outcome::Outcome>> {
    let nc = NetworkConfig::new(NetworkVersion::from(s.nv));
    // A message at another epoch than the one before it gets a new machine at its epoch.
    let machine_at = |epoch: i64, root: Cid| -> Result<ScenarioExec> {
        let mut ctx = nc.for_epoch(epoch, 0, root);
        ctx.set_base_fee(TokenAmount::from_atto(s.base_fee.atto().clone()));
        let pool = engines.get(&nc)?;
        let externs = ScenarioExterns {
            log: externs.log.clone(),
        };
        let machine = ScenarioMachine::new(&ctx, store.clone(), externs)?;
        ScenarioExec::new(pool, machine)
    };
    let out = s.apply_by_epoch(root, machine_at, |exec, m| {
        let bytes = fvm_ipld_encoding::to_vec(&m.message)?;
        let msg: Message = fvm_ipld_encoding::from_slice(&bytes)?;
        let kind = if m.implicit {
            ApplyKind::Implicit
        } else {
            ApplyKind::Explicit
        };
        let ret = exec.execute_message(msg, kind, m.raw_length)?;
        let root = exec.flush()?;
        Ok(crate::outcome::Outcome {
            exit_code: ret.msg_receipt.exit_code.value(),
            return_data: ret.msg_receipt.return_data.to_vec(),
            gas_used: i64::try_from(ret.msg_receipt.gas_used)?,
            base_fee_burn: tokens(&ret.base_fee_burn),
            over_estimation_burn: tokens(&ret.over_estimation_burn),
            miner_penalty: tokens(&ret.penalty),
            miner_tip: tokens(&ret.miner_tip),
            refund: tokens(&ret.refund),
            gas_refund: ret.gas_refund as i64,
            gas_burned: ret.gas_burned as i64,
            events_root: ret.msg_receipt.events_root,
            root,
        })
    })?;
    Ok(out)
}
