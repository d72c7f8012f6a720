//! The fvm 3.14.2 kernel with proof verification answered "valid", still charged.
//!
//! Replaying chain data needs the proofs mainnet accepted to be accepted again, but their
//! Groth parameters are not on this machine. Skyr's vector runner uses `AcceptAllProofs`; the
//! reference's own conformance runner swaps in a kernel that does the same. This is that
//! kernel for the nv18–20 oracle: every method forwards to [`DefaultKernel`], except the proof
//! checks, which charge what the reference charges and answer true.
use cid::multihash::Multihash;
use cid::Cid;
use fvm3::call_manager::CallManager;
use fvm3::gas::{Gas, GasTimer, PriceList};
use fvm3::kernel::{
    ActorOps, BlockId, BlockRegistry, BlockStat, CircSupplyOps, CryptoOps, DebugOps, EventOps,
    GasOps, IpldBlockOps, LimiterOps, MessageOps, NetworkOps, RandomnessOps, Result, SelfOps,
    SendResult,
};
use fvm3::{DefaultKernel, Kernel};
use fvm_shared3::address::Address;
use fvm_shared3::clock::ChainEpoch;
use fvm_shared3::consensus::ConsensusFault;
use fvm_shared3::crypto::signature::{
    SignatureType, SECP_PUB_LEN, SECP_SIG_LEN, SECP_SIG_MESSAGE_HASH_SIZE,
};
use fvm_shared3::econ::TokenAmount;
use fvm_shared3::piece::PieceInfo;
use fvm_shared3::randomness::RANDOMNESS_LENGTH;
use fvm_shared3::sector::{
    AggregateSealVerifyProofAndInfos, RegisteredSealProof, ReplicaUpdateInfo, SealVerifyInfo,
    WindowPoStVerifyInfo,
};
use fvm_shared3::sys::out::network::NetworkContext;
use fvm_shared3::sys::out::vm::MessageContext;
use fvm_shared3::sys::SendFlags;
use fvm_shared3::{ActorID, MethodNum};

/// [`DefaultKernel`] answering every proof check "valid" after charging for it.
pub struct AcceptProofs<C: CallManager>(DefaultKernel<C>);

impl<C: CallManager> AcceptProofs<C> {
    fn charge(&self, charge: fvm3::gas::GasCharge) -> Result<()> {
        self.0.charge_gas(&charge.name, charge.total()).map(drop)
    }
}

impl<C: CallManager> Kernel for AcceptProofs<C> {
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
        read_only: bool,
    ) -> Self {
        AcceptProofs(DefaultKernel::new(
            mgr,
            blocks,
            caller,
            actor_id,
            method,
            value_received,
            read_only,
        ))
    }

    fn machine(&self) -> &C::Machine {
        self.0.machine()
    }

    fn send<K: Kernel<CallManager = C>>(
        &mut self,
        recipient: &Address,
        method: u64,
        params: BlockId,
        value: &TokenAmount,
        gas_limit: Option<Gas>,
        flags: SendFlags,
    ) -> Result<SendResult> {
        self.0
            .send::<K>(recipient, method, params, value, gas_limit, flags)
    }
}

impl<C: CallManager> CryptoOps for AcceptProofs<C> {
    fn verify_signature(
        &self,
        sig_type: SignatureType,
        signature: &[u8],
        signer: &Address,
        plaintext: &[u8],
    ) -> Result<bool> {
        self.0
            .verify_signature(sig_type, signature, signer, plaintext)
    }
    fn recover_secp_public_key(
        &self,
        hash: &[u8; SECP_SIG_MESSAGE_HASH_SIZE],
        signature: &[u8; SECP_SIG_LEN],
    ) -> Result<[u8; SECP_PUB_LEN]> {
        self.0.recover_secp_public_key(hash, signature)
    }
    fn hash(&self, code: u64, data: &[u8]) -> Result<Multihash<64>> {
        self.0.hash(code, data)
    }
    fn compute_unsealed_sector_cid(
        &self,
        proof_type: RegisteredSealProof,
        pieces: &[PieceInfo],
    ) -> Result<Cid> {
        self.0.compute_unsealed_sector_cid(proof_type, pieces)
    }
    fn verify_post(&self, info: &WindowPoStVerifyInfo) -> Result<bool> {
        self.charge(self.0.price_list().on_verify_post(info))?;
        Ok(true)
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
        for vi in vis {
            self.charge(self.0.price_list().on_verify_seal(vi))?;
        }
        Ok(vec![true; vis.len()])
    }
    fn verify_aggregate_seals(&self, agg: &AggregateSealVerifyProofAndInfos) -> Result<bool> {
        self.charge(self.0.price_list().on_verify_aggregate_seals(agg))?;
        Ok(true)
    }
    fn verify_replica_update(&self, replica: &ReplicaUpdateInfo) -> Result<bool> {
        self.charge(self.0.price_list().on_verify_replica_update(replica))?;
        Ok(true)
    }
}

impl<C: CallManager> ActorOps for AcceptProofs<C> {
    fn resolve_address(&self, address: &Address) -> Result<ActorID> {
        self.0.resolve_address(address)
    }
    fn lookup_delegated_address(&self, actor_id: ActorID) -> Result<Option<Address>> {
        self.0.lookup_delegated_address(actor_id)
    }
    fn get_actor_code_cid(&self, id: ActorID) -> Result<Cid> {
        self.0.get_actor_code_cid(id)
    }
    fn next_actor_address(&self) -> Result<Address> {
        self.0.next_actor_address()
    }
    fn create_actor(
        &mut self,
        code_cid: Cid,
        actor_id: ActorID,
        delegated_address: Option<Address>,
    ) -> Result<()> {
        self.0.create_actor(code_cid, actor_id, delegated_address)
    }
    fn get_builtin_actor_type(&self, code_cid: &Cid) -> Result<u32> {
        self.0.get_builtin_actor_type(code_cid)
    }
    fn get_code_cid_for_type(&self, typ: u32) -> Result<Cid> {
        self.0.get_code_cid_for_type(typ)
    }
    fn balance_of(&self, actor_id: ActorID) -> Result<TokenAmount> {
        self.0.balance_of(actor_id)
    }
}

impl<C: CallManager> IpldBlockOps for AcceptProofs<C> {
    fn block_open(&mut self, cid: &Cid) -> Result<(BlockId, BlockStat)> {
        self.0.block_open(cid)
    }
    fn block_create(&mut self, codec: u64, data: &[u8]) -> Result<BlockId> {
        self.0.block_create(codec, data)
    }
    fn block_link(&mut self, id: BlockId, hash_fun: u64, hash_len: u32) -> Result<Cid> {
        self.0.block_link(id, hash_fun, hash_len)
    }
    fn block_read(&self, id: BlockId, offset: u32, buf: &mut [u8]) -> Result<i32> {
        self.0.block_read(id, offset, buf)
    }
    fn block_stat(&self, id: BlockId) -> Result<BlockStat> {
        self.0.block_stat(id)
    }
}

impl<C: CallManager> SelfOps for AcceptProofs<C> {
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

impl<C: CallManager> CircSupplyOps for AcceptProofs<C> {
    fn total_fil_circ_supply(&self) -> Result<TokenAmount> {
        self.0.total_fil_circ_supply()
    }
}

impl<C: CallManager> GasOps for AcceptProofs<C> {
    fn gas_used(&self) -> Gas {
        self.0.gas_used()
    }
    fn gas_available(&self) -> Gas {
        self.0.gas_available()
    }
    fn charge_gas(&self, name: &str, compute: Gas) -> Result<GasTimer> {
        self.0.charge_gas(name, compute)
    }
    fn price_list(&self) -> &PriceList {
        self.0.price_list()
    }
}

impl<C: CallManager> MessageOps for AcceptProofs<C> {
    fn msg_context(&self) -> Result<MessageContext> {
        self.0.msg_context()
    }
}

impl<C: CallManager> NetworkOps for AcceptProofs<C> {
    fn network_context(&self) -> Result<NetworkContext> {
        self.0.network_context()
    }
    fn tipset_cid(&self, epoch: ChainEpoch) -> Result<Cid> {
        self.0.tipset_cid(epoch)
    }
}

impl<C: CallManager> RandomnessOps for AcceptProofs<C> {
    fn get_randomness_from_tickets(
        &self,
        personalization: i64,
        rand_epoch: ChainEpoch,
        entropy: &[u8],
    ) -> Result<[u8; RANDOMNESS_LENGTH]> {
        self.0
            .get_randomness_from_tickets(personalization, rand_epoch, entropy)
    }
    fn get_randomness_from_beacon(
        &self,
        personalization: i64,
        rand_epoch: ChainEpoch,
        entropy: &[u8],
    ) -> Result<[u8; RANDOMNESS_LENGTH]> {
        self.0
            .get_randomness_from_beacon(personalization, rand_epoch, entropy)
    }
}

impl<C: CallManager> DebugOps for AcceptProofs<C> {
    fn log(&self, msg: String) {
        self.0.log(msg)
    }
    fn debug_enabled(&self) -> bool {
        self.0.debug_enabled()
    }
    fn store_artifact(&self, name: &str, data: &[u8]) -> Result<()> {
        self.0.store_artifact(name, data)
    }
}

impl<C: CallManager> LimiterOps for AcceptProofs<C> {
    type Limiter = <DefaultKernel<C> as LimiterOps>::Limiter;
    fn limiter_mut(&mut self) -> &mut Self::Limiter {
        self.0.limiter_mut()
    }
}

impl<C: CallManager> EventOps for AcceptProofs<C> {
    fn emit_event(&mut self, raw_evt: &[u8]) -> Result<()> {
        self.0.emit_event(raw_evt)
    }
}
