//! Crypto syscalls: signatures, hashes, proofs, consensus faults.
use cid::Cid;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::consensus::ConsensusFault;
use fvm_shared::crypto::signature::{
    self, SignatureType, SECP_PUB_LEN, SECP_SIG_LEN, SECP_SIG_MESSAGE_HASH_SIZE,
};
use fvm_shared::error::ErrorNumber;
use fvm_shared::piece::PieceInfo;
use fvm_shared::sector::{
    AggregateSealVerifyProofAndInfos, RegisteredSealProof, ReplicaUpdateInfo, SealVerifyInfo,
    WindowPoStVerifyInfo,
};
use multihash_codetable::{Code, MultihashDigest};

use super::Kernel;
use crate::error::{syscall_err, Result};

/// Hash functions actors may use, by multicodec.
pub fn hash_code(code: u64) -> Option<Code> {
    match code {
        0x12 => Some(Code::Sha2_256),
        0xb220 => Some(Code::Blake2b256),
        0xb240 => Some(Code::Blake2b512),
        0x1b => Some(Code::Keccak256),
        0x1053 => Some(Code::Ripemd160),
        _ => None,
    }
}

fn illegal(e: impl std::fmt::Display) -> crate::error::ExecError {
    syscall_err(ErrorNumber::IllegalArgument, e.to_string())
}

impl Kernel {
    /// Checks a signature by `signer`: a key address, or (where the ABI resolves signers)
    /// an account actor's address.
    pub fn verify_signature(
        &mut self,
        sig_type: SignatureType,
        sig: &[u8],
        signer: &Address,
        plaintext: &[u8],
    ) -> Result<bool> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_verify_signature(sig_type, plaintext.len()))?;
        let key = if self.cm.machine.rules.abi.resolves_signers() {
            self.resolve_to_key_addr(signer, true)?
        } else if matches!(signer.protocol(), Protocol::BLS | Protocol::Secp256k1) {
            *signer
        } else {
            return Err(illegal(format!(
                "address protocol {} not supported",
                signer.protocol()
            )));
        };
        match std::panic::catch_unwind(|| signature::verify(sig_type, sig, plaintext, &key)) {
            Ok(r) => Ok(r.is_ok()),
            Err(_) => Err(illegal("panic verifying a signature")),
        }
    }

    /// Checks a BLS aggregate signature (fvm_sdk 4): `signers` public keys, each over its
    /// plaintext, cut from `plaintexts` by `lens`. Charged before the plaintexts are cut; a
    /// signature or key that is no curve point fails verification rather than the syscall.
    pub fn verify_bls_aggregate(
        &mut self,
        sig: &[u8; signature::BLS_SIG_LEN],
        pub_keys: &[[u8; signature::BLS_PUB_LEN]],
        plaintexts: &[u8],
        lens: &[u32],
    ) -> Result<bool> {
        if pub_keys.len() != lens.len() {
            return Err(illegal("unequal numbers of bls public keys and plaintexts"));
        }
        let pl = self.cm.machine.rules.prices;
        let charge = pl
            .on_verify_bls_aggregate(pub_keys.len(), plaintexts.len())
            .ok_or_else(|| crate::error::fatal("no price for BLS aggregates under these rules"))?;
        self.charge(charge)?;
        let mut at = 0usize;
        let mut messages = Vec::with_capacity(lens.len());
        for &len in lens {
            let end = at
                .checked_add(len as usize)
                .ok_or_else(|| illegal("invalid bls plaintext length"))?;
            let text = plaintexts
                .get(at..end)
                .ok_or_else(|| illegal("bls signature plaintext out of bounds"))?;
            messages.push(text);
            at = end;
        }
        if at != plaintexts.len() {
            return Err(illegal("plaintexts buffer length doesn't match"));
        }
        Ok(signature::ops::verify_bls_aggregate(sig, pub_keys, &messages).unwrap_or(false))
    }

    /// The public key that made a secp256k1 signature of a hash.
    pub fn recover_secp_public_key(
        &mut self,
        hash: &[u8; SECP_SIG_MESSAGE_HASH_SIZE],
        sig: &[u8; SECP_SIG_LEN],
    ) -> Result<[u8; SECP_PUB_LEN]> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_recover_secp_public_key())?;
        signature::ops::recover_secp_public_key(hash, sig).map_err(illegal)
    }

    /// The digest of `data` under multicodec `code`.
    pub fn hash(&mut self, code: u64, data: &[u8]) -> Result<Vec<u8>> {
        let unsupported = || {
            syscall_err(
                ErrorNumber::IllegalArgument,
                format!("unsupported hash code {code}"),
            )
        };
        // A schedule pricing every code charges before the check; one pricing each hasher
        // refuses unknown codes first.
        let pl = self.cm.machine.rules.prices;
        let charge = pl.on_hashing(code, data.len()).ok_or_else(unsupported)?;
        self.charge(charge)?;
        let hasher = hash_code(code).ok_or_else(unsupported)?;
        Ok(hasher.digest(data).digest().to_vec())
    }

    /// CommD of a sector of `proof` type holding `pieces`.
    pub fn compute_unsealed_sector_cid(
        &mut self,
        proof: RegisteredSealProof,
        pieces: &[PieceInfo],
    ) -> Result<Cid> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_compute_unsealed_sector_cid())?;
        let types = self.cm.machine.rules.proof_types;
        match std::panic::catch_unwind(|| {
            crate::proofs::compute_unsealed_sector_cid(proof, pieces, types)
        }) {
            Ok(r) => r.map_err(illegal),
            Err(_) => Err(illegal("panic computing unsealed sector CID")),
        }
    }

    /// Checks one seal proof.
    pub fn verify_seal(&mut self, info: &SealVerifyInfo) -> Result<bool> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_verify_seal())?;
        let types = self.cm.machine.rules.proof_types;
        self.cm
            .machine
            .verifier
            .verify_seal(info, types)
            .map_err(illegal)
    }

    /// Checks a window PoSt.
    pub fn verify_post(&mut self, info: &WindowPoStVerifyInfo) -> Result<bool> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_verify_post(info))?;
        let types = self.cm.machine.rules.proof_types;
        self.cm
            .machine
            .verifier
            .verify_post(info, types)
            .map_err(illegal)
    }

    /// Checks an aggregate of seal proofs.
    pub fn verify_aggregate_seals(
        &mut self,
        info: &AggregateSealVerifyProofAndInfos,
    ) -> Result<bool> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_verify_aggregate_seals(info.seal_proof, info.infos.len()))?;
        self.cm
            .machine
            .verifier
            .verify_aggregate_seals(info, self.cm.machine.rules.proof_types)
            .map_err(illegal)
    }

    /// Checks a replica update proof.
    pub fn verify_replica_update(&mut self, info: &ReplicaUpdateInfo) -> Result<bool> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_verify_replica_update())?;
        self.cm
            .machine
            .verifier
            .verify_replica_update(info)
            .map_err(illegal)
    }

    /// Checks a batch of seals: each charged as one seal where the ABI says so (else free,
    /// the power actor having paid when it queued them).
    pub fn batch_verify_seals(&mut self, batch: &[SealVerifyInfo]) -> Result<Vec<bool>> {
        if self.cm.machine.rules.abi.charges_batched_seals() {
            let pl = self.cm.machine.rules.prices;
            for _ in batch {
                self.charge(pl.on_verify_seal())?;
            }
        }
        let types = self.cm.machine.rules.proof_types;
        Ok(self.cm.machine.verifier.batch_verify_seals(batch, types))
    }

    /// Asks the node whether two headers prove a consensus fault.
    pub fn verify_consensus_fault(
        &mut self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> Result<Option<ConsensusFault>> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_verify_consensus_fault())?;
        let (fault, _gas) = self
            .cm
            .machine
            .externs
            .verify_consensus_fault(h1, h2, extra)
            .map_err(illegal)?;
        Ok(fault)
    }
}
