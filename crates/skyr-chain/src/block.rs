//! Block headers and tipset keys, laid out as Lotus lays them out, so the devnet's blocks are
//! real Filecoin blocks: `ChainReadObj` of a header CID decodes as a header, and the block
//! hash an Ethereum client sees is the digest of the tipset key's CID, which is also what the
//! EVM's `BLOCKHASH` returns.
use anyhow::Result;
use cid::Cid;
use serde_tuple::{Deserialize_tuple, Serialize_tuple};
use skyr::shared::address::Address;
use skyr::shared::bigint::{bigint_ser, BigInt};
use skyr::shared::clock::ChainEpoch;
use skyr::shared::econ::TokenAmount;

use crate::message::{cbor_cid, ChainSignature};

/// The ticket of a block (a VRF proof).
#[derive(Clone, Debug, PartialEq, Serialize_tuple, Deserialize_tuple)]
pub struct Ticket {
    /// The VRF output.
    #[serde(with = "serde_bytes")]
    pub vrf_proof: Vec<u8>,
}

/// A block producer's proof that it won the election.
#[derive(Clone, Debug, PartialEq, Serialize_tuple, Deserialize_tuple)]
pub struct ElectionProof {
    /// How many times it won.
    pub win_count: i64,
    /// The VRF output.
    #[serde(with = "serde_bytes")]
    pub vrf_proof: Vec<u8>,
}

/// A beacon (drand) entry.
#[derive(Clone, Debug, PartialEq, Serialize_tuple, Deserialize_tuple)]
pub struct BeaconEntry {
    /// The beacon round.
    pub round: u64,
    /// The beacon's signature.
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
}

/// A winning PoSt proof.
#[derive(Clone, Debug, PartialEq, Serialize_tuple, Deserialize_tuple)]
pub struct PoStProof {
    /// Registered PoSt proof type.
    pub post_proof: i64,
    /// The proof.
    #[serde(with = "serde_bytes")]
    pub proof_bytes: Vec<u8>,
}

/// A Filecoin block header, its sixteen fields in Lotus's order.
#[derive(Clone, Debug, PartialEq, Serialize_tuple, Deserialize_tuple)]
pub struct BlockHeader {
    /// The miner that produced it.
    pub miner: Address,
    /// Its ticket.
    pub ticket: Option<Ticket>,
    /// Its election proof.
    pub election_proof: Option<ElectionProof>,
    /// Beacon entries since the parent.
    pub beacon_entries: Vec<BeaconEntry>,
    /// Winning PoSt proofs.
    pub win_post_proof: Vec<PoStProof>,
    /// The parent tipset's block CIDs.
    pub parents: Vec<Cid>,
    /// The chain's weight at the parent.
    #[serde(with = "bigint_ser")]
    pub parent_weight: BigInt,
    /// Its epoch.
    pub height: ChainEpoch,
    /// The state its messages apply to: the parent tipset's result.
    pub parent_state_root: Cid,
    /// The root of the parent tipset's receipts.
    pub parent_message_receipts: Cid,
    /// Its messages (a `TxMeta` of BLS and signed message roots).
    pub messages: Cid,
    /// The BLS messages' aggregate signature.
    pub bls_aggregate: Option<ChainSignature>,
    /// UNIX seconds.
    pub timestamp: u64,
    /// The miner's signature of the header.
    pub block_sig: Option<ChainSignature>,
    /// Fork signalling bits.
    pub fork_signaling: u64,
    /// The base fee its messages pay.
    pub parent_base_fee: TokenAmount,
}

impl BlockHeader {
    /// Its CBOR encoding.
    pub fn encode(&self) -> Result<Vec<u8>> {
        Ok(fvm_ipld_encoding::to_vec(self)?)
    }

    /// Its CID.
    pub fn cid(&self) -> Result<Cid> {
        Ok(cbor_cid(&self.encode()?))
    }
}

/// The message roots of a block: BLS messages and signed messages, each an AMT of CIDs.
#[derive(Clone, Debug, PartialEq, Serialize_tuple, Deserialize_tuple)]
pub struct TxMeta {
    /// AMT of the BLS messages' CIDs.
    pub bls_messages: Cid,
    /// AMT of the signed messages' CIDs.
    pub secpk_messages: Cid,
}

/// The CID of a tipset key: DAG-CBOR, one byte string holding its blocks' CIDs one after the
/// other (Lotus's `TipSetKey.Cid`).
pub fn tipset_key_cid(blocks: &[Cid]) -> Result<Cid> {
    let mut joined = Vec::new();
    for b in blocks {
        joined.extend(b.to_bytes());
    }
    let bytes = fvm_ipld_encoding::to_vec(&serde_bytes::Bytes::new(&joined))?;
    Ok(cbor_cid(&bytes))
}

/// The 32 bytes of a blake2b-256 CID's digest: a tipset key CID's digest is the block hash
/// Ethereum clients see.
pub fn cid_digest(c: &Cid) -> [u8; 32] {
    let mut out = [0u8; 32];
    let d = c.hash().digest();
    let n = d.len().min(32);
    out[..n].copy_from_slice(&d[..n]);
    out
}

/// The CID whose digest is `hash`: the inverse of [`cid_digest`] for tipset keys.
pub fn cid_from_digest(hash: &[u8; 32]) -> Result<Cid> {
    let mh = multihash_codetable::Multihash::wrap(0xb220, hash)?;
    Ok(Cid::new_v1(fvm_ipld_encoding::DAG_CBOR, mh))
}
