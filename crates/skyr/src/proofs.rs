//! Real proof verification and unsealed-CID computation through `filecoin-proofs-api`
//! (CPU only). Verification needs the Groth parameters of the proof types on the machine;
//! without them a verification fails, which the actor sees as IllegalArgument, exactly as
//! with the reference on the same machine.
use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use cid::Cid;
use filecoin_proofs_api::{self as proofs, ProverId, PublicReplicaInfo, SectorId};
use fvm_shared::address::Address;
use fvm_shared::commcid;
use fvm_shared::piece::{zero_piece_commitment, PaddedPieceSize, PieceInfo};
use fvm_shared::sector::{
    AggregateSealVerifyProofAndInfos, RegisteredSealProof, ReplicaUpdateInfo, SealVerifyInfo,
    SectorInfo, WindowPoStVerifyInfo,
};

use crate::externs::Verifier;
use crate::proof_types::ProofTypes;

/// Verifies proofs for real.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealProofs;

fn prover_id(miner: u64) -> ProverId {
    let mut id = ProverId::default();
    let bytes = Address::new_id(miner).payload().to_raw_bytes();
    id[..bytes.len()].copy_from_slice(&bytes);
    id
}

fn bytes32(b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let n = b.len().min(32);
    out[..n].copy_from_slice(&b[..n]);
    out
}

fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T> + std::panic::UnwindSafe) -> Result<T> {
    std::panic::catch_unwind(f).map_err(|_| anyhow!("panic while {what}"))?
}

impl Verifier for RealProofs {
    fn verify_seal(&self, vi: &SealVerifyInfo, types: &ProofTypes) -> Result<bool> {
        let vi = vi.clone();
        let proof_type = types.seal(vi.registered_proof)?;
        guarded("verifying a seal", move || {
            let commr =
                commcid::cid_to_replica_commitment_v1(&vi.sealed_cid).map_err(|e| anyhow!(e))?;
            let commd =
                commcid::cid_to_data_commitment_v1(&vi.unsealed_cid).map_err(|e| anyhow!(e))?;
            proofs::seal::verify_seal(
                proof_type,
                commr,
                commd,
                prover_id(vi.sector_id.miner),
                SectorId::from(vi.sector_id.number),
                bytes32(&vi.randomness.0),
                bytes32(&vi.interactive_randomness.0),
                &vi.proof,
            )
        })
    }

    fn verify_post(&self, info: &WindowPoStVerifyInfo, types: &ProofTypes) -> Result<bool> {
        let info = info.clone();
        let replicas = replica_infos(&info.challenged_sectors, types)?;
        let post_types = info
            .proofs
            .iter()
            .map(|p| types.post(p.post_proof))
            .collect::<Result<Vec<_>>>()?;
        guarded("verifying a window PoSt", move || {
            let mut randomness = bytes32(&info.randomness.0);
            randomness[31] &= 0x3f;
            let proofs: Vec<(proofs::RegisteredPoStProof, &[u8])> = post_types
                .into_iter()
                .zip(&info.proofs)
                .map(|(t, p)| (t, p.proof_bytes.as_slice()))
                .collect();
            proofs::post::verify_window_post(
                &randomness,
                &proofs,
                &replicas,
                prover_id(info.prover),
            )
        })
    }

    fn verify_aggregate_seals(
        &self,
        agg: &AggregateSealVerifyProofAndInfos,
        types: &ProofTypes,
    ) -> Result<bool> {
        let agg = agg.clone();
        let spt = types.seal(agg.seal_proof);
        guarded("verifying aggregate seals", move || {
            if agg.infos.is_empty() {
                bail!("no seal verify infos");
            }
            let spt = spt?;
            let prover = prover_id(agg.miner);
            let mut commrs = Vec::new();
            let mut seeds = Vec::new();
            let mut inputs = Vec::new();
            for info in &agg.infos {
                let commr = commcid::cid_to_replica_commitment_v1(&info.sealed_cid)
                    .map_err(|e| anyhow!(e))?;
                let commd = commcid::cid_to_data_commitment_v1(&info.unsealed_cid)
                    .map_err(|e| anyhow!(e))?;
                let seed = bytes32(&info.interactive_randomness.0);
                inputs.push(proofs::seal::get_seal_inputs(
                    spt,
                    commr,
                    commd,
                    prover,
                    SectorId::from(info.sector_number),
                    bytes32(&info.randomness.0),
                    seed,
                )?);
                commrs.push(commr);
                seeds.push(seed);
            }
            proofs::seal::verify_aggregate_seal_commit_proofs(
                spt,
                agg.aggregate_proof
                    .try_into()
                    .map_err(|e: String| anyhow!(e))?,
                agg.proof.clone(),
                &commrs,
                &seeds,
                inputs.into_iter().flatten().collect(),
            )
        })
    }

    fn verify_replica_update(&self, r: &ReplicaUpdateInfo) -> Result<bool> {
        let r = r.clone();
        guarded("verifying a replica update", move || {
            let up = r
                .update_proof_type
                .try_into()
                .map_err(|e: String| anyhow!(e))?;
            let old =
                commcid::cid_to_replica_commitment_v1(&r.old_sealed_cid).map_err(|e| anyhow!(e))?;
            let new =
                commcid::cid_to_replica_commitment_v1(&r.new_sealed_cid).map_err(|e| anyhow!(e))?;
            let commd =
                commcid::cid_to_data_commitment_v1(&r.new_unsealed_cid).map_err(|e| anyhow!(e))?;
            proofs::update::verify_empty_sector_update_proof(up, &r.proof, old, new, commd)
        })
    }
}

fn replica_infos(
    src: &[SectorInfo],
    types: &ProofTypes,
) -> Result<BTreeMap<SectorId, PublicReplicaInfo>> {
    src.iter()
        .map(|s| {
            let commr =
                commcid::cid_to_replica_commitment_v1(&s.sealed_cid).map_err(|e| anyhow!(e))?;
            let proof = types.window_post_of_seal(s.proof)?;
            Ok((
                SectorId::from(s.sector_number),
                PublicReplicaInfo::new(proof, commr),
            ))
        })
        .collect()
}

/// The zero piece of `size` (a power of two), or an error where fvm_shared's table of zero
/// commitments has none: below 128 bytes or past 2^41. fvm_shared panics there, and the
/// reference turns that panic into an illegal-argument error; asking first gives the same
/// error without a panic for the terminal to show.
fn zero(size: PaddedPieceSize) -> Result<proofs::PieceInfo> {
    /// The smallest and largest sizes fvm_shared has a zero commitment for, as powers of two.
    const SMALLEST: u32 = 7;
    const LARGEST: u32 = 41;
    let power = size.0.trailing_zeros();
    if !(SMALLEST..=LARGEST).contains(&power) {
        bail!("no zero piece of {} bytes", size.0);
    }
    Ok(proofs::PieceInfo {
        size: size.unpadded().into(),
        commitment: zero_piece_commitment(size),
    })
}

/// Padding pieces that bring `filled` bytes up to a multiple of `to`.
fn padding(filled: u64, to: u64) -> Result<Vec<PaddedPieceSize>> {
    if to == 0 {
        bail!("zero-sized piece");
    }
    let mut to_fill = 0u64.wrapping_sub(filled) % to;
    let mut out = Vec::new();
    while to_fill != 0 {
        let size = 1u64 << to_fill.trailing_zeros();
        to_fill ^= size;
        out.push(PaddedPieceSize(size));
    }
    Ok(out)
}

/// The unsealed sector CID (CommD) of a sector of type `proof` holding `pieces`, with zero
/// pieces padding the gaps, as the chain computes it.
pub fn compute_unsealed_sector_cid(
    proof: RegisteredSealProof,
    pieces: &[PieceInfo],
    types: &ProofTypes,
) -> Result<Cid> {
    let spt = types.seal(proof)?;
    let sector = PaddedPieceSize(proof.sector_size().map_err(|e| anyhow!(e))? as u64);
    let mut all = Vec::new();
    if pieces.is_empty() {
        all.push(zero(sector)?);
    } else {
        // Pieces are the actor's: their sizes may sum past u64::MAX (refused, in every build
        // profile, as the reference refuses pieces that overflow the sector).
        let mut filled = 0u64;
        let grow = |filled: u64, by: u64| {
            filled
                .checked_add(by)
                .ok_or_else(|| anyhow!("the pieces' sizes sum past u64::MAX"))
        };
        for p in pieces {
            for pad in padding(filled, p.size.0)? {
                all.push(zero(pad)?);
                filled = grow(filled, pad.0)?;
            }
            all.push(proofs::PieceInfo::try_from(p).map_err(|e| anyhow!(e))?);
            filled = grow(filled, p.size.0)?;
        }
        for pad in padding(filled, sector.0)? {
            all.push(zero(pad)?);
        }
    }
    let commd = std::panic::catch_unwind(|| proofs::seal::compute_comm_d(spt, &all))
        .map_err(|_| anyhow!("panic computing CommD"))??;
    commcid::data_commitment_v1_to_cid(&commd).map_err(|e| anyhow!(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_pieces_outside_the_table_are_errors_not_panics() {
        for bytes in [32u64, 64, 1 << 42, 1 << 63] {
            assert!(zero(PaddedPieceSize(bytes)).is_err(), "{bytes}");
        }
        for bytes in [128u64, 2048, 1 << 35, 1 << 41] {
            assert!(zero(PaddedPieceSize(bytes)).is_ok(), "{bytes}");
        }
    }
}
