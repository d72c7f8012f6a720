//! The fvm 4.8.4 kernel with proof verification answered by the scenario, still charged.
//!
//! The storage-provider scenarios need seals, aggregates, PoSts and replica updates accepted
//! (a dispute needs one refused), and replaying vectors needs what mainnet accepted accepted
//! again; the Groth parameters that would check them for real are not on this machine. The
//! reference's own conformance runner wraps its kernel the same way. Every operation forwards
//! to [`DefaultFilecoinKernel`] except the proof checks, which charge what the reference
//! charges and then give the answer the machine's externs hold ([`ProofVerdicts`]); with
//! [`Answer::Checked`] they verify for real, as the unwrapped kernel does.
use cid::Cid;
use fvm4::call_manager::CallManager;
use fvm4::kernel::filecoin::{DefaultFilecoinKernel, FilecoinKernel};
use fvm4::kernel::prelude::*;
use fvm4::kernel::Result;
use fvm4::machine::Machine;
// fvm 4's delegation macros name `fvm_shared`: here that is fvm 4's (Skyr's), not fvm 2's.
use skyr::shared as fvm_shared;
use skyr::shared::consensus::ConsensusFault;
use skyr::shared::econ::TokenAmount;
use skyr::shared::piece::PieceInfo;
use skyr::shared::sector::{
    AggregateSealVerifyProofAndInfos, RegisteredSealProof, ReplicaUpdateInfo, SealVerifyInfo,
    WindowPoStVerifyInfo,
};
use skyr::shared::{ActorID, MethodNum};

use crate::proof_log::Answer;

/// Where the kernel reads its answer: the externs of the machine, so the harness can change
/// it between messages.
pub trait ProofVerdicts {
    /// The answer to every proof asked from now on.
    fn answer(&self) -> Answer;
}

type Externs<C> = <<C as CallManager>::Machine as Machine>::Externs;

/// [`DefaultFilecoinKernel`] answering proof checks as the externs say, after charging them.
// The delegation attributes repeat their `where` clause on purpose (clippy reads them as
// duplicates).
#[allow(clippy::duplicated_attributes)]
#[derive(Delegate)]
#[delegate(IpldBlockOps, where = "C: CallManager")]
#[delegate(ActorOps, where = "C: CallManager")]
#[delegate(CryptoOps, where = "C: CallManager")]
#[delegate(DebugOps, where = "C: CallManager")]
#[delegate(EventOps, where = "C: CallManager")]
#[delegate(MessageOps, where = "C: CallManager")]
#[delegate(NetworkOps, where = "C: CallManager")]
#[delegate(RandomnessOps, where = "C: CallManager")]
#[delegate(SelfOps, where = "C: CallManager")]
#[delegate(SendOps<K>, generics = "K", where = "K: FilecoinKernel")]
#[delegate(UpgradeOps<K>, generics = "K", where = "K: FilecoinKernel")]
pub struct AnsweringKernel<C>(DefaultFilecoinKernel<C>);

impl<C: CallManager> AnsweringKernel<C>
where
    Externs<C>: ProofVerdicts,
{
    fn manager(&self) -> &C {
        &self.0 .0.call_manager
    }

    /// Charges `charge`, then answers as the externs say (`check` verifies for real).
    fn answer(
        &self,
        charge: fvm4::gas::GasCharge,
        check: impl FnOnce() -> Result<bool>,
    ) -> Result<bool> {
        match self.manager().externs().answer() {
            Answer::Checked => check(),
            answer => {
                self.manager().charge_gas(charge)?;
                Ok(answer == Answer::Valid)
            }
        }
    }
}

impl<C: CallManager> FilecoinKernel for AnsweringKernel<C>
where
    Externs<C>: ProofVerdicts,
{
    fn compute_unsealed_sector_cid(
        &self,
        proof_type: RegisteredSealProof,
        pieces: &[PieceInfo],
    ) -> Result<Cid> {
        self.0.compute_unsealed_sector_cid(proof_type, pieces)
    }

    fn verify_post(&self, info: &WindowPoStVerifyInfo) -> Result<bool> {
        let charge = self.manager().price_list().on_verify_post(info);
        self.answer(charge, || self.0.verify_post(info))
    }

    fn verify_consensus_fault(
        &self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> Result<Option<ConsensusFault>> {
        self.0.verify_consensus_fault(h1, h2, extra)
    }

    fn batch_verify_seals(&self, vis: &[SealVerifyInfo]) -> Result<Vec<bool>> {
        let answer = self.manager().externs().answer();
        if answer == Answer::Checked {
            return self.0.batch_verify_seals(vis);
        }
        for vi in vis {
            let charge = self.manager().price_list().on_verify_seal(vi);
            self.manager().charge_gas(charge)?;
        }
        Ok(vec![answer == Answer::Valid; vis.len()])
    }

    fn verify_aggregate_seals(&self, aggregate: &AggregateSealVerifyProofAndInfos) -> Result<bool> {
        let charge = self
            .manager()
            .price_list()
            .on_verify_aggregate_seals(aggregate);
        self.answer(charge, || self.0.verify_aggregate_seals(aggregate))
    }

    fn verify_replica_update(&self, replica: &ReplicaUpdateInfo) -> Result<bool> {
        let charge = self
            .manager()
            .price_list()
            .on_verify_replica_update(replica);
        self.answer(charge, || self.0.verify_replica_update(replica))
    }

    fn total_fil_circ_supply(&self) -> Result<TokenAmount> {
        self.0.total_fil_circ_supply()
    }
}

impl<C: CallManager> Kernel for AnsweringKernel<C>
where
    Externs<C>: ProofVerdicts,
{
    type CallManager = C;
    type Limiter = <DefaultFilecoinKernel<C> as Kernel>::Limiter;

    fn into_inner(self) -> (C, BlockRegistry) {
        self.0.into_inner()
    }

    fn machine(&self) -> &C::Machine {
        self.0.machine()
    }

    fn new(
        mgr: C,
        blocks: BlockRegistry,
        caller: ActorID,
        actor_id: ActorID,
        method: MethodNum,
        value_received: TokenAmount,
        read_only: bool,
    ) -> Self {
        AnsweringKernel(DefaultFilecoinKernel::new(
            mgr,
            blocks,
            caller,
            actor_id,
            method,
            value_received,
            read_only,
        ))
    }

    fn limiter_mut(&mut self) -> &mut Self::Limiter {
        self.0.limiter_mut()
    }

    fn gas_available(&self) -> Gas {
        self.0.gas_available()
    }

    fn charge_gas(&self, name: &str, compute: Gas) -> Result<GasTimer> {
        self.0.charge_gas(name, compute)
    }
}

impl<K, C> SyscallHandler<K> for AnsweringKernel<C>
where
    C: CallManager,
    K: Kernel<CallManager = C>
        + FilecoinKernel
        + ActorOps
        + SendOps
        + UpgradeOps
        + IpldBlockOps
        + CryptoOps
        + DebugOps
        + EventOps
        + MessageOps
        + NetworkOps
        + RandomnessOps
        + SelfOps,
{
    fn link_syscalls(linker: &mut fvm4::syscalls::Linker<K>) -> anyhow::Result<()> {
        DefaultFilecoinKernel::<C>::link_syscalls(linker)
    }
}
