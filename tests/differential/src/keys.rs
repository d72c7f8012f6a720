//! Deterministic keys for the scenario accounts, so every run builds the same genesis.
use bls_signatures::Serialize as _;
use fvm_shared::address::Address;
use k256::ecdsa::SigningKey;

/// A secp256k1 key of a scenario account.
pub struct SecpKey(SigningKey);

impl SecpKey {
    /// The key derived from `seed`.
    pub fn from_seed(seed: u8) -> Self {
        let mut bytes = [0u8; 32];
        bytes[31] = seed.max(1);
        bytes[0] = 0x5c;
        SecpKey(
            SigningKey::from_bytes((&bytes).into()).expect("a small nonzero scalar is a valid key"),
        )
    }

    /// Its f1 address.
    pub fn address(&self) -> Address {
        let pk = self.0.verifying_key().to_encoded_point(false);
        Address::new_secp256k1(pk.as_bytes()).expect("65-byte uncompressed key")
    }

    /// A Filecoin secp256k1 signature of `data`: r, s, recovery id over blake2b-256(data).
    pub fn sign(&self, data: &[u8]) -> Vec<u8> {
        let hash = blake2b(data);
        let (sig, rec) = self
            .0
            .sign_prehash_recoverable(&hash)
            .expect("signing a 32-byte hash");
        let mut out = sig.to_bytes().to_vec();
        out.push(rec.to_byte());
        out
    }
}

/// A BLS key of a scenario account.
pub struct BlsKey(bls_signatures::PrivateKey);

impl BlsKey {
    /// The key derived from `seed`.
    pub fn from_seed(seed: u8) -> Self {
        BlsKey(bls_signatures::PrivateKey::new(
            [seed, 0x51, 0x4b, 0x59, 0x52].repeat(8),
        ))
    }

    /// Its f3 address.
    pub fn address(&self) -> Address {
        Address::new_bls(&self.0.public_key().as_bytes()).expect("48-byte public key")
    }

    /// A BLS signature of `data`.
    pub fn sign(&self, data: &[u8]) -> Vec<u8> {
        self.0.sign(data).as_bytes()
    }

    /// Its 48-byte public key.
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key().as_bytes()
    }
}

/// The aggregate of BLS signatures (each 96 bytes).
pub fn aggregate_bls(sigs: &[Vec<u8>]) -> Vec<u8> {
    let sigs: Vec<bls_signatures::Signature> = sigs
        .iter()
        .map(|s| bls_signatures::Signature::from_bytes(s).expect("a signature"))
        .collect();
    bls_signatures::aggregate(&sigs)
        .expect("signatures aggregate")
        .as_bytes()
}

/// blake2b-256.
pub fn blake2b(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(blake2b_simd_hash(data).as_slice());
    out
}

fn blake2b_simd_hash(data: &[u8]) -> Vec<u8> {
    use multihash_codetable::{Code, MultihashDigest};
    Code::Blake2b256.digest(data).digest().to_vec()
}
