//! Messages as a chain carries them: unsigned (BLS, whose signatures are aggregated in the
//! block) or signed (secp256k1, and delegated: an Ethereum transaction's signature). A signed
//! message's CID and its length on chain include the signature; a BLS message's do not.
use anyhow::{bail, Result};
use cid::Cid;
use fvm_ipld_encoding::DAG_CBOR;
use multihash_codetable::{Code, MultihashDigest};
use serde::{de, ser, Deserialize, Serialize};
use skyr::shared::message::Message;

/// Signature types, as Lotus numbers them (go-state-types `crypto`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SigType {
    /// A secp256k1 ECDSA signature over the blake2b-256 of the message CID's bytes.
    Secp256k1 = 1,
    /// A BLS signature (aggregated in the block for BLS messages).
    Bls = 2,
    /// An Ethereum transaction's signature, for messages from f410 addresses.
    Delegated = 3,
}

/// A signature of any type, serialized as Lotus does: one byte string, the type then the data.
/// (`fvm_shared`'s `Signature` has no delegated type, which Ethereum transactions need.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainSignature {
    /// Its type.
    pub sig_type: SigType,
    /// Its bytes.
    pub data: Vec<u8>,
}

impl Serialize for ChainSignature {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::with_capacity(self.data.len() + 1);
        bytes.push(self.sig_type as u8);
        bytes.extend_from_slice(&self.data);
        serde_bytes::Bytes::new(&bytes).serialize(s)
    }
}

impl<'de> Deserialize<'de> for ChainSignature {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes: serde_bytes::ByteBuf = Deserialize::deserialize(d)?;
        let (first, data) = bytes
            .split_first()
            .ok_or_else(|| de::Error::custom("a signature must have a type byte"))?;
        let sig_type = match first {
            1 => SigType::Secp256k1,
            2 => SigType::Bls,
            3 => SigType::Delegated,
            t => return Err(de::Error::custom(format!("unknown signature type {t}"))),
        };
        Ok(ChainSignature {
            sig_type,
            data: data.to_vec(),
        })
    }
}

/// A message with its signature.
#[derive(Clone, Debug, PartialEq, serde_tuple::Serialize_tuple, serde_tuple::Deserialize_tuple)]
pub struct SignedMessage {
    /// The message.
    pub message: Message,
    /// Its signature.
    pub signature: ChainSignature,
}

impl SignedMessage {
    /// `message` with a delegated signature of zeros, which nothing checks (the FVM never
    /// checks signatures): a call's stand-in for a real signature, and an impersonated send.
    pub fn unchecked(message: Message) -> SignedMessage {
        SignedMessage {
            message,
            signature: ChainSignature {
                sig_type: SigType::Delegated,
                data: vec![0; 65],
            },
        }
    }
}

/// A message as a block includes it.
#[derive(Clone, Debug, PartialEq)]
pub enum ChainMessage {
    /// A BLS message: its signature lives in the block's aggregate, not beside it.
    Unsigned(Message),
    /// A secp256k1 or delegated message with its signature.
    Signed(SignedMessage),
}

/// The DAG-CBOR blake2b-256 CID of `bytes`.
pub fn cbor_cid(bytes: &[u8]) -> Cid {
    Cid::new_v1(DAG_CBOR, Code::Blake2b256.digest(bytes))
}

/// A message from the system actor: what a node applies implicitly (the block reward, cron)
/// and how it reads actors' own views (an EVM actor's bytecode and storage). No fees.
pub fn system_message(
    to: skyr::shared::ActorID,
    method: u64,
    params: Vec<u8>,
    sequence: u64,
    gas_limit: u64,
) -> Message {
    use skyr::shared::address::Address;
    Message {
        version: 0,
        from: Address::new_id(0),
        to: Address::new_id(to),
        sequence,
        value: Default::default(),
        method_num: method,
        params: fvm_ipld_encoding::RawBytes::new(params),
        gas_limit,
        gas_fee_cap: Default::default(),
        gas_premium: Default::default(),
    }
}

impl ChainMessage {
    /// The message itself.
    pub fn message(&self) -> &Message {
        match self {
            ChainMessage::Unsigned(m) => m,
            ChainMessage::Signed(s) => &s.message,
        }
    }

    /// Its encoding on chain: the signed message for signed ones, the message for BLS ones.
    pub fn encode(&self) -> Result<Vec<u8>> {
        Ok(match self {
            ChainMessage::Unsigned(m) => fvm_ipld_encoding::to_vec(m)?,
            ChainMessage::Signed(s) => fvm_ipld_encoding::to_vec(s)?,
        })
    }

    /// Its CID: what a node indexes it by (a signed message's includes the signature).
    pub fn cid(&self) -> Result<Cid> {
        Ok(cbor_cid(&self.encode()?))
    }

    /// The length that prices its inclusion (`OnChainMessage`), as Lotus's `ChainLength`.
    pub fn chain_length(&self) -> Result<usize> {
        Ok(self.encode()?.len())
    }

    /// Decodes a message as a block carries it: a signed message (a two-element list) or an
    /// unsigned one (ten elements).
    pub fn decode(bytes: &[u8]) -> Result<ChainMessage> {
        match bytes.first() {
            Some(0x82) => Ok(ChainMessage::Signed(fvm_ipld_encoding::from_slice(bytes)?)),
            Some(0x8a) => Ok(ChainMessage::Unsigned(fvm_ipld_encoding::from_slice(
                bytes,
            )?)),
            _ => bail!("not a Filecoin message: expected a CBOR list of 2 or 10 elements"),
        }
    }
}
