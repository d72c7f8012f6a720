//! The reference for network versions 18–20 (`fvm` 3.14.2), running the nv18–20 scenarios.
//!
//! This is the oracle the nv18–20 differential suite compares Skyr with. Before it judges
//! Skyr, it is itself checked against mainnet: set up as [`vector_ref`](crate::vector_ref)
//! sets it up for vectors (the official bundle, recorded randomness, proofs accepted and
//! charged), it must reproduce every receipt and the post-state root of the real nv18
//! vectors (`tests/oracle_fvm3_mainnet.rs`).
use std::rc::Rc;

use anyhow::Result;
use cid::Cid;
use fvm3::call_manager::DefaultCallManager;
use fvm3::engine::MultiEngine;
use fvm3::executor::{ApplyKind, DefaultExecutor, Executor};
use fvm3::machine::{DefaultMachine, NetworkConfig};
use fvm_ipld_blockstore::MemoryBlockstore;
use fvm_shared3::clock::ChainEpoch;
use fvm_shared3::consensus::ConsensusFault;
use fvm_shared3::econ::TokenAmount;
use fvm_shared3::message::Message;
use fvm_shared3::version::NetworkVersion;

/// The reference's externs for scenarios: the same deterministic answers as
/// [`skyr::TestExterns`] (randomness, tipset CIDs, no consensus fault), noting every
/// randomness request (so a vector can replay them), and holding how fvm 4's verifier answers
/// the message at hand (see [`crate::oracle_fvm4_kernel`]).
#[derive(Default)]
pub struct ScenarioExterns {
    pub log: crate::oracle_fvm2::RandomnessLog,
    pub answer: std::rc::Rc<std::cell::Cell<crate::proof_log::Answer>>,
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
    s: &crate::scenario_nv18_28::OfficialScenario,
    store: Rc<MemoryBlockstore>,
    root: Cid,
) -> Result<Vec<crate::outcome::Outcome>> {
    run_scenario_with(engines, s, store, root, ScenarioExterns::default())
}

/// [`run_scenario`] with these externs.
pub fn run_scenario_with(
    engines: &MultiEngine,
    s: &crate::scenario_nv18_28::OfficialScenario,
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
            answer: externs.answer.clone(),
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
