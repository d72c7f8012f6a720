//! The reference for network versions 21–28 (`fvm` 4.8.4, built as filecoin-ffi builds it),
//! running the same scenarios as [`oracle_fvm3`](crate::oracle_fvm3) on its own kernel. fvm 4 shares
//! Skyr's `fvm_shared` (4.8.4), so messages and amounts pass unconverted.
use std::rc::Rc;

use anyhow::Result;
use cid::Cid;
use fvm4::call_manager::DefaultCallManager;
use fvm4::engine::MultiEngine;
use fvm4::executor::{ApplyKind, DefaultExecutor, Executor};
use fvm4::machine::{DefaultMachine, NetworkConfig};
use fvm_ipld_blockstore::MemoryBlockstore;
use skyr::shared::clock::ChainEpoch;
use skyr::shared::consensus::ConsensusFault;
use skyr::shared::econ::TokenAmount;
use skyr::shared::version::NetworkVersion;

use crate::oracle_fvm3::ScenarioExterns;
use crate::oracle_fvm4_kernel::{AnsweringKernel, ProofVerdicts};
use crate::proof_log::Answer;

impl fvm4::externs::Rand for ScenarioExterns {
    fn get_chain_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        self.randomness(false, round)
    }
    fn get_beacon_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        self.randomness(true, round)
    }
}

impl fvm4::externs::Consensus for ScenarioExterns {
    fn verify_consensus_fault(
        &self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> Result<(Option<ConsensusFault>, i64)> {
        skyr::Externs::verify_consensus_fault(&skyr::TestExterns, h1, h2, extra)
    }
}

impl fvm4::externs::Chain for ScenarioExterns {
    fn get_tipset_cid(&self, epoch: ChainEpoch) -> Result<Cid> {
        skyr::Externs::tipset_cid(&skyr::TestExterns, epoch)
    }
}

impl fvm4::externs::Externs for ScenarioExterns {}

impl ProofVerdicts for ScenarioExterns {
    fn answer(&self) -> Answer {
        self.answer.get()
    }
}

type ScenarioMachine = DefaultMachine<Rc<MemoryBlockstore>, ScenarioExterns>;
type ScenarioExec = DefaultExecutor<AnsweringKernel<DefaultCallManager<ScenarioMachine>>>;

/// The circulating supply both machines run an nv21–28 scenario with at `epoch` on `root`:
/// Skyr's default (the total supply, as fvm 3 assumes). fvm 4's default is zero, and a node
/// always sets one, so the reference is given the same; a recorded vector states it.
pub fn scenario_circ_supply(nv: u32, epoch: ChainEpoch, root: Cid) -> TokenAmount {
    skyr::MachineConfig::new(NetworkVersion::from(nv), epoch, root).circ_supply
}

/// Runs an nv21–28 scenario's messages on fvm 4.8.4, flushing after each; one outcome each.
/// `Err` when the reference refuses to build the machine.
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
        ctx.set_base_fee(s.base_fee.clone());
        ctx.set_circulating_supply(scenario_circ_supply(s.nv, epoch, root));
        let pool = engines.get(&nc)?;
        let externs = ScenarioExterns {
            log: externs.log.clone(),
            answer: externs.answer.clone(),
        };
        let machine = ScenarioMachine::new(&ctx, store.clone(), externs)?;
        ScenarioExec::new(pool, machine)
    };
    let answer = externs.answer.clone();
    let out = s.apply_by_epoch(root, machine_at, |exec, m| {
        answer.set(s.answer_for(m));
        let kind = if m.implicit {
            ApplyKind::Implicit
        } else {
            ApplyKind::Explicit
        };
        let ret = exec.execute_message(m.message.clone(), kind, m.raw_length)?;
        let root = exec.flush()?;
        let tokens = |t: &TokenAmount| fvm_shared::econ::TokenAmount::from_atto(t.atto().clone());
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
