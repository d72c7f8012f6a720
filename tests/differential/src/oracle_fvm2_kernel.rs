//! The fvm 2.12.2 kernel with proof verification answered "valid", still charged.
//!
//! fvm 2 verifies seals, PoSts, aggregates and replica updates for real, and their Groth
//! parameters are not on this machine: mainnet vectors whose messages check a proof would end
//! early there with an illegal-argument error, doing less work than mainnet (and Skyr) did.
//! This kernel forwards everything to [`DefaultKernel`] except those checks, which charge what
//! fvm 2 charges and answer true, as Skyr's vector runner does (`AcceptAllProofs`) and as
//! [`crate::oracle_fvm3_kernel`] does for fvm 3. The benchmarks use it so both machines do the
//! same work.
use cid::Cid;
use fvm::call_manager::CallManager;
use fvm::gas::{Gas, GasCharge, PriceList};
use fvm::kernel::{
    ActorOps, BlockId, BlockRegistry, BlockStat, CircSupplyOps, CryptoOps, DebugOps, GasOps,
    IpldBlockOps, MessageOps, NetworkOps, RandomnessOps, Result, SelfOps, SendOps, SendResult,
};
use fvm::{DefaultKernel, Kernel};
use fvm_shared::address::Address;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::consensus::ConsensusFault;
use fvm_shared::crypto::signature::{
    SignatureType, SECP_PUB_LEN, SECP_SIG_LEN, SECP_SIG_MESSAGE_HASH_SIZE,
};
use fvm_shared::econ::TokenAmount;
use fvm_shared::piece::PieceInfo;
use fvm_shared::randomness::RANDOMNESS_LENGTH;
use fvm_shared::sector::{
    AggregateSealVerifyProofAndInfos, RegisteredSealProof, ReplicaUpdateInfo, SealVerifyInfo,
    WindowPoStVerifyInfo,
};
use fvm_shared::version::NetworkVersion;
use fvm_shared::{ActorID, MethodNum};
use multihash_codetable::Multihash;

/// [`DefaultKernel`] answering every proof check "valid" after charging for it.
pub struct AcceptProofs2<C: CallManager>(DefaultKernel<C>);

impl<C: CallManager> AcceptProofs2<C> {
    fn charge(&mut self, charge: GasCharge) -> Result<()> {
        self.0.charge_gas(&charge.name, charge.total())
    }
}

impl<C: CallManager> Kernel for AcceptProofs2<C> {
    type CallManager = C;

    fn into_inner(self) -> (C, BlockRegistry) {
        self.0.into_inner()
    }

    fn new(
        mgr: C,
        blocks: BlockRegistry,
        caller: ActorID,
        actor_id: ActorID,
        method: MethodNum,
        value_received: TokenAmount,
    ) -> Self {
        AcceptProofs2(DefaultKernel::new(
            mgr,
            blocks,
            caller,
            actor_id,
            method,
            value_received,
        ))
    }
}

impl<C: CallManager> CryptoOps for AcceptProofs2<C> {
    fn verify_signature(
        &mut self,
        sig_type: SignatureType,
        signature: &[u8],
        signer: &Address,
        plaintext: &[u8],
    ) -> Result<bool> {
        self.0
            .verify_signature(sig_type, signature, signer, plaintext)
    }
    fn recover_secp_public_key(
        &mut self,
        hash: &[u8; SECP_SIG_MESSAGE_HASH_SIZE],
        signature: &[u8; SECP_SIG_LEN],
    ) -> Result<[u8; SECP_PUB_LEN]> {
        self.0.recover_secp_public_key(hash, signature)
    }
    fn hash(&mut self, code: u64, data: &[u8]) -> Result<Multihash> {
        self.0.hash(code, data)
    }
    fn compute_unsealed_sector_cid(
        &mut self,
        proof_type: RegisteredSealProof,
        pieces: &[PieceInfo],
    ) -> Result<Cid> {
        self.0.compute_unsealed_sector_cid(proof_type, pieces)
    }
    fn verify_seal(&mut self, vi: &SealVerifyInfo) -> Result<bool> {
        let charge = self.0.price_list().on_verify_seal(vi);
        self.charge(charge)?;
        Ok(true)
    }
    fn verify_post(&mut self, info: &WindowPoStVerifyInfo) -> Result<bool> {
        let charge = self.0.price_list().on_verify_post(info);
        self.charge(charge)?;
        Ok(true)
    }
    fn verify_consensus_fault(
        &mut self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> Result<Option<ConsensusFault>> {
        self.0.verify_consensus_fault(h1, h2, extra)
    }
    /// fvm 2 charges nothing here (power charged when the seals were queued).
    fn batch_verify_seals(&mut self, vis: &[SealVerifyInfo]) -> Result<Vec<bool>> {
        Ok(vec![true; vis.len()])
    }
    fn verify_aggregate_seals(&mut self, agg: &AggregateSealVerifyProofAndInfos) -> Result<bool> {
        if agg.infos.is_empty() {
            // Charged, then refused as an illegal argument: fvm 2's own answer.
            return self.0.verify_aggregate_seals(agg);
        }
        let charge = self.0.price_list().on_verify_aggregate_seals(agg);
        self.charge(charge)?;
        Ok(true)
    }
    fn verify_replica_update(&mut self, replica: &ReplicaUpdateInfo) -> Result<bool> {
        let charge = self.0.price_list().on_verify_replica_update(replica);
        self.charge(charge)?;
        Ok(true)
    }
}

impl<C: CallManager> SendOps for AcceptProofs2<C> {
    fn send(
        &mut self,
        recipient: &Address,
        method: u64,
        params: BlockId,
        value: &TokenAmount,
    ) -> Result<SendResult> {
        self.0.send(recipient, method, params, value)
    }
}

impl<C: CallManager> ActorOps for AcceptProofs2<C> {
    fn resolve_address(&self, address: &Address) -> Result<Option<ActorID>> {
        self.0.resolve_address(address)
    }
    fn get_actor_code_cid(&self, id: ActorID) -> Result<Option<Cid>> {
        self.0.get_actor_code_cid(id)
    }
    fn new_actor_address(&mut self) -> Result<Address> {
        self.0.new_actor_address()
    }
    fn create_actor(&mut self, code_cid: Cid, actor_id: ActorID) -> Result<()> {
        self.0.create_actor(code_cid, actor_id)
    }
    fn get_builtin_actor_type(&self, code_cid: &Cid) -> u32 {
        self.0.get_builtin_actor_type(code_cid)
    }
    fn get_code_cid_for_type(&self, typ: u32) -> Result<Cid> {
        self.0.get_code_cid_for_type(typ)
    }
}

impl<C: CallManager> IpldBlockOps for AcceptProofs2<C> {
    fn block_open(&mut self, cid: &Cid) -> Result<(BlockId, BlockStat)> {
        self.0.block_open(cid)
    }
    fn block_create(&mut self, codec: u64, data: &[u8]) -> Result<BlockId> {
        self.0.block_create(codec, data)
    }
    fn block_link(&mut self, id: BlockId, hash_fun: u64, hash_len: u32) -> Result<Cid> {
        self.0.block_link(id, hash_fun, hash_len)
    }
    fn block_read(&mut self, id: BlockId, offset: u32, buf: &mut [u8]) -> Result<i32> {
        self.0.block_read(id, offset, buf)
    }
    fn block_stat(&mut self, id: BlockId) -> Result<BlockStat> {
        self.0.block_stat(id)
    }
}

impl<C: CallManager> SelfOps for AcceptProofs2<C> {
    fn root(&self) -> Result<Cid> {
        self.0.root()
    }
    fn set_root(&mut self, root: Cid) -> Result<()> {
        self.0.set_root(root)
    }
    fn current_balance(&self) -> Result<TokenAmount> {
        self.0.current_balance()
    }
    fn self_destruct(&mut self, beneficiary: &Address) -> Result<()> {
        self.0.self_destruct(beneficiary)
    }
}

impl<C: CallManager> CircSupplyOps for AcceptProofs2<C> {
    fn total_fil_circ_supply(&self) -> Result<TokenAmount> {
        self.0.total_fil_circ_supply()
    }
}

impl<C: CallManager> GasOps for AcceptProofs2<C> {
    fn gas_used(&self) -> Gas {
        self.0.gas_used()
    }
    fn gas_available(&self) -> Gas {
        self.0.gas_available()
    }
    fn charge_gas(&mut self, name: &str, compute: Gas) -> Result<()> {
        self.0.charge_gas(name, compute)
    }
    fn price_list(&self) -> &PriceList {
        self.0.price_list()
    }
}

impl<C: CallManager> MessageOps for AcceptProofs2<C> {
    fn msg_caller(&self) -> ActorID {
        self.0.msg_caller()
    }
    fn msg_receiver(&self) -> ActorID {
        self.0.msg_receiver()
    }
    fn msg_method_number(&self) -> MethodNum {
        self.0.msg_method_number()
    }
    fn msg_value_received(&self) -> TokenAmount {
        self.0.msg_value_received()
    }
}

impl<C: CallManager> NetworkOps for AcceptProofs2<C> {
    fn network_epoch(&self) -> ChainEpoch {
        self.0.network_epoch()
    }
    fn network_version(&self) -> NetworkVersion {
        self.0.network_version()
    }
    fn network_base_fee(&self) -> &TokenAmount {
        self.0.network_base_fee()
    }
}

impl<C: CallManager> RandomnessOps for AcceptProofs2<C> {
    fn get_randomness_from_tickets(
        &mut self,
        personalization: i64,
        rand_epoch: ChainEpoch,
        entropy: &[u8],
    ) -> Result<[u8; RANDOMNESS_LENGTH]> {
        self.0
            .get_randomness_from_tickets(personalization, rand_epoch, entropy)
    }
    fn get_randomness_from_beacon(
        &mut self,
        personalization: i64,
        rand_epoch: ChainEpoch,
        entropy: &[u8],
    ) -> Result<[u8; RANDOMNESS_LENGTH]> {
        self.0
            .get_randomness_from_beacon(personalization, rand_epoch, entropy)
    }
}

impl<C: CallManager> DebugOps for AcceptProofs2<C> {
    fn log(&mut self, msg: String) {
        self.0.log(msg)
    }
    fn debug_enabled(&self) -> bool {
        self.0.debug_enabled()
    }
    fn store_artifact(&self, name: &str, data: &[u8]) -> Result<()> {
        self.0.store_artifact(name, data)
    }
}
