//! The reference FVM (`fvm` 2.12.2) set up exactly as Skyr is: same genesis, same externs.
use std::rc::Rc;

use anyhow::Result;
use cid::Cid;
use fvm::call_manager::DefaultCallManager;
use fvm::executor::{ApplyKind, DefaultExecutor, Executor};
use fvm::machine::{DefaultMachine, Engine, NetworkConfig};
use fvm::DefaultKernel;
use fvm_ipld_blockstore::MemoryBlockstore;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::consensus::ConsensusFault;
use fvm_shared::message::Message;
use skyr::Externs as _;

use crate::outcome::Outcome;
use crate::scenario_nv16_17::Scenario;

/// Randomness requests seen: (beacon?, epoch) -> digest returned.
pub type RandomnessLog =
    Rc<std::cell::RefCell<std::collections::BTreeMap<(bool, ChainEpoch), [u8; 32]>>>;

/// The reference's externs: the same deterministic answers as [`skyr::TestExterns`], noting
/// every randomness request (so a vector can replay them).
#[derive(Default)]
pub struct OracleExterns {
    pub log: RandomnessLog,
}

impl fvm::externs::Rand for OracleExterns {
    fn get_chain_randomness(&self, round: ChainEpoch) -> anyhow::Result<[u8; 32]> {
        let r = skyr::TestExterns.chain_randomness(round)?;
        self.log.borrow_mut().insert((false, round), r);
        Ok(r)
    }
    fn get_beacon_randomness(&self, round: ChainEpoch) -> anyhow::Result<[u8; 32]> {
        let r = skyr::TestExterns.beacon_randomness(round)?;
        self.log.borrow_mut().insert((true, round), r);
        Ok(r)
    }
}

impl fvm::externs::Consensus for OracleExterns {
    fn verify_consensus_fault(
        &self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> anyhow::Result<(Option<ConsensusFault>, i64)> {
        let (fault, gas) = skyr::TestExterns.verify_consensus_fault(h1, h2, extra)?;
        Ok((fault.map(crate::bridge::consensus_fault).transpose()?, gas))
    }
}

impl fvm::externs::Externs for OracleExterns {}

type Machine = DefaultMachine<Rc<MemoryBlockstore>, OracleExterns>;
type Exec = DefaultExecutor<DefaultKernel<DefaultCallManager<Machine>>>;

/// An engine of the reference for a network version (compiled code is cached inside).
pub fn engine(scenario: &Scenario) -> Result<Engine> {
    let nc = NetworkConfig::new(scenario.nv);
    Engine::new_default((&nc).into())
}

/// Runs a scenario's messages on the reference, flushing after each; one outcome each.
/// `Err` when the reference refuses to build the machine.
pub fn run(
    engine: &Engine,
    scenario: &Scenario,
    store: Rc<MemoryBlockstore>,
    root: Cid,
) -> Result<Vec<Outcome>> {
    run_with(
        engine,
        scenario,
        store,
        root,
        true,
        OracleExterns::default(),
    )
}

/// Runs a scenario on the reference with these externs, flushing after every message or
/// (as a vector runner does) only after the last; the outcomes carry the root of each flush
/// (the final root when flushing once).
pub fn run_with(
    engine: &Engine,
    scenario: &Scenario,
    store: Rc<MemoryBlockstore>,
    root: Cid,
    flush_each: bool,
    externs: OracleExterns,
) -> Result<Vec<Outcome>> {
    let mut nc = NetworkConfig::new(scenario.nv);
    if scenario.debug {
        nc.enable_actor_debugging();
    }
    let mut ctx = nc.for_epoch(scenario.epoch, root);
    ctx.set_base_fee(scenario.base_fee.clone());
    let machine = Machine::new(engine, &ctx, store, externs)?;
    let mut exec = Exec::new(machine);
    let mut out = Vec::new();
    for m in &scenario.messages {
        let msg: Message = m.message.clone();
        let kind = if m.implicit {
            ApplyKind::Implicit
        } else {
            ApplyKind::Explicit
        };
        let ret = exec.execute_message(msg, kind, m.raw_length)?;
        let root = if flush_each { exec.flush()? } else { root };
        out.push(Outcome {
            exit_code: ret.msg_receipt.exit_code.value(),
            return_data: ret.msg_receipt.return_data.to_vec(),
            gas_used: ret.msg_receipt.gas_used,
            base_fee_burn: ret.base_fee_burn,
            over_estimation_burn: ret.over_estimation_burn,
            miner_penalty: ret.penalty,
            miner_tip: ret.miner_tip,
            refund: ret.refund,
            gas_refund: ret.gas_refund,
            gas_burned: ret.gas_burned,
            events_root: None,
            root,
        });
    }
    if !flush_each {
        let last = exec.flush()?;
        for o in &mut out {
            o.root = last;
        }
    }
    Ok(out)
}
