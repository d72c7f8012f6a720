//! What the machine asks of the node around it: chain and beacon randomness, consensus-fault
//! checks, and proof verification. A node supplies real ones; tests and vector runs supply
//! deterministic ones.
use fvm_shared::clock::ChainEpoch;
use fvm_shared::consensus::ConsensusFault;
use fvm_shared::sector::{
    AggregateSealVerifyProofAndInfos, ReplicaUpdateInfo, SealVerifyInfo, WindowPoStVerifyInfo,
};

use crate::proof_types::ProofTypes;

/// Randomness and consensus faults, from the chain the node follows.
pub trait Externs {
    /// The ticket digest at `round` (before the actor's personalisation is mixed in).
    fn chain_randomness(&self, round: ChainEpoch) -> anyhow::Result<[u8; 32]>;
    /// The beacon digest at `round`.
    fn beacon_randomness(&self, round: ChainEpoch) -> anyhow::Result<[u8; 32]>;
    /// Whether two block headers prove a consensus fault; also the gas the check used (only
    /// charged before network version 16, so ignored here).
    fn verify_consensus_fault(
        &self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> anyhow::Result<(Option<ConsensusFault>, i64)>;
    /// The CID of the tipset at `epoch` (fvm_sdk 3's `network.tipset_cid`). A node that
    /// cannot answer fails the message.
    fn tipset_cid(&self, epoch: ChainEpoch) -> anyhow::Result<cid::Cid> {
        anyhow::bail!("these externs know no tipset CIDs (asked for epoch {epoch})")
    }
}

/// Externs for tests: randomness and tipset CIDs are blake2b of a label and the epoch; no fault
/// is ever found.
#[derive(Clone, Copy, Debug, Default)]
pub struct TestExterns;

/// The blake2b-256 of a label and an epoch: deterministic stand-in randomness for chains
/// without tickets or a beacon (tests, vector runs, a devnet).
pub fn epoch_digest(label: &[u8], round: ChainEpoch) -> [u8; 32] {
    let h = blake2b_simd::Params::new()
        .hash_length(32)
        .to_state()
        .update(label)
        .update(&round.to_be_bytes())
        .finalize();
    let mut out = [0u8; 32];
    out.copy_from_slice(h.as_bytes());
    out
}

impl Externs for TestExterns {
    fn chain_randomness(&self, round: ChainEpoch) -> anyhow::Result<[u8; 32]> {
        Ok(epoch_digest(b"skyr/chain", round))
    }
    fn beacon_randomness(&self, round: ChainEpoch) -> anyhow::Result<[u8; 32]> {
        Ok(epoch_digest(b"skyr/beacon", round))
    }
    fn verify_consensus_fault(
        &self,
        _h1: &[u8],
        _h2: &[u8],
        _extra: &[u8],
    ) -> anyhow::Result<(Option<ConsensusFault>, i64)> {
        Ok((None, 0))
    }
    fn tipset_cid(&self, epoch: ChainEpoch) -> anyhow::Result<cid::Cid> {
        let digest = epoch_digest(b"skyr/tipset", epoch);
        let mh = multihash_codetable::Multihash::wrap(0xb220, &digest)?;
        Ok(cid::Cid::new_v1(fvm_ipld_encoding::DAG_CBOR, mh))
    }
}

/// Proof verification. Errors become IllegalArgument for the actor, as in the reference.
/// `types` says what the proof type numbers mean on the network version running (they
/// changed over the FVM's life); a number it lacks is an error.
pub trait Verifier {
    /// One seal proof.
    fn verify_seal(&self, info: &SealVerifyInfo, types: &ProofTypes) -> anyhow::Result<bool>;
    /// One window PoSt.
    fn verify_post(&self, info: &WindowPoStVerifyInfo, types: &ProofTypes) -> anyhow::Result<bool>;
    /// An aggregate of seal proofs.
    fn verify_aggregate_seals(
        &self,
        info: &AggregateSealVerifyProofAndInfos,
        types: &ProofTypes,
    ) -> anyhow::Result<bool>;
    /// A replica update proof.
    fn verify_replica_update(&self, info: &ReplicaUpdateInfo) -> anyhow::Result<bool>;
    /// A batch of seals, one answer each (a failed check is `false`).
    fn batch_verify_seals(&self, batch: &[SealVerifyInfo], types: &ProofTypes) -> Vec<bool> {
        batch
            .iter()
            .map(|s| self.verify_seal(s, types).unwrap_or(false))
            .collect()
    }
}

/// Accepts every proof. For replaying chain data whose proofs were checked when it was made
/// (and whose parameters are not at hand); must be chosen on purpose, never a default.
#[derive(Clone, Copy, Debug)]
pub struct AcceptAllProofs;

impl Verifier for AcceptAllProofs {
    fn verify_seal(&self, _: &SealVerifyInfo, _: &ProofTypes) -> anyhow::Result<bool> {
        Ok(true)
    }
    fn verify_post(&self, _: &WindowPoStVerifyInfo, _: &ProofTypes) -> anyhow::Result<bool> {
        Ok(true)
    }
    fn verify_aggregate_seals(
        &self,
        _: &AggregateSealVerifyProofAndInfos,
        _: &ProofTypes,
    ) -> anyhow::Result<bool> {
        Ok(true)
    }
    fn verify_replica_update(&self, _: &ReplicaUpdateInfo) -> anyhow::Result<bool> {
        Ok(true)
    }
}
